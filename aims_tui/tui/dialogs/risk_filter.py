"""Choose the register's filter: system, owner, level, status, category, overdue."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Checkbox, Label, Select, Static

from ...core import queries
from ...core.models import RISK_CATEGORIES, RISK_STATUSES
from ...core.services.settings import get_matrix
from ..base import DbMixin
from ..render import lit
from ..widgets.toggles import Check
from ..widgets.footer import AimsFooter


class RiskFilterDialog(DbMixin, ModalScreen[queries.RiskFilter | None]):
    BINDINGS = [Binding("escape", "cancel", "Cancel"), Binding("ctrl+s", "apply", "Apply")]

    def __init__(self, database, current: queries.RiskFilter) -> None:
        super().__init__()
        self.database = database
        self.current = current

    def compose(self) -> ComposeResult:
        f = self.current
        with Vertical(classes="dialog"):
            yield Static("Filter the register", markup=False, classes="dialog-title")
            for key, label, options, value in (
                ("system", "AI system", [("organization-wide", "-")], f.system),
                ("owner", "Owner", [], f.owner),
                ("level", "Residual level", [], f.level),
                ("status", "Status", [("active (not closed)", "active")] + [(s, s) for s in RISK_STATUSES],
                 f.status),
                ("category", "Category", [(c, c) for c in RISK_CATEGORIES], f.category),
            ):
                with Horizontal(classes="field"):
                    yield Label(label, classes="field-label")
                    yield Select(options, value=value if value else Select.NULL, prompt="any", id=f"f-{key}",
                                 compact=True)
            with Horizontal(classes="field"):
                yield Label("", classes="field-label")
                yield Check("Overdue reviews only", f.overdue, id="f-overdue", compact=True)
            with Horizontal(classes="buttons"):
                yield Button("Apply", id="apply", variant="primary", compact=True)
                yield Button("Cancel", id="cancel", compact=True)

        yield AimsFooter()
    def on_mount(self) -> None:
        db = self.database
        self.db_work(lambda: (queries.system_refs(db), list(queries.owners(db)), get_matrix(db).level_names()),
                     self._fill)

    def _fill(self, data) -> None:
        systems, owners, levels = data
        f = self.current
        for key, opts, value in (
            ("system", [("organization-wide", "-")] + [(lit(f"{r} {n}"), r) for r, n in systems], f.system),
            ("owner", [(lit(o), o) for o in owners], f.owner),
            ("level", [(lv, lv) for lv in levels], f.level),
        ):
            sel = self.query_one(f"#f-{key}", Select)
            sel.set_options(opts)
            if value:
                sel.value = value

    def _value(self, key: str):
        v = self.query_one(f"#f-{key}", Select).value
        return None if v is Select.NULL else v

    def action_apply(self) -> None:
        self.dismiss(queries.RiskFilter(
            system=self._value("system"), owner=self._value("owner"), level=self._value("level"),
            status=self._value("status"), category=self._value("category"),
            overdue=self.query_one("#f-overdue", Checkbox).value,
            inherent_cell=self.current.inherent_cell, residual_cell=self.current.residual_cell,
        ))

    def action_cancel(self) -> None:
        self.dismiss(None)

    def on_button_pressed(self, event: Button.Pressed) -> None:
        self.action_apply() if event.button.id == "apply" else self.action_cancel()
