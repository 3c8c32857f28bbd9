"""Record a review of an AI system in the app, above all its verification and
validation review (A.6.2.4), which the deployment gate asks for."""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Label, Select, Static

from ...core import fields
from ...core.errors import AimsError, ValidationError
from ...core.identity import EDIT
from ...core.models import REVIEW_KINDS
from ...core.schedule import today as _today
from ...core.services import reviews
from ..base import DbMixin
from ..widgets.form_keys import FOCUS_KEYS, FormInput, HoldKeysUntilLoaded
from ..widgets.footer import AimsFooter

LABELS = {"kind": "Kind", "outcome": "Outcome", "reviewed_on": "Reviewed on", "notes": "Notes",
          "next_review": "Next review"}
SYSTEM_OUTCOMES = ("still_valid", "escalated")  # a system is neither rescored nor closed by a review
KIND_TITLES = {"verification_validation": "verification and validation (A.6.2.4)", "periodic": "periodic",
               "significant_change": "significant change", "approval": "approval"}


class SystemReviewDialog(HoldKeysUntilLoaded, DbMixin, ModalScreen[dict | None]):
    HELP_TITLE = "Review of an AI system"
    HELP = "Record what was verified and validated (or reviewed); ctrl+s records it."
    BINDINGS = [Binding("ctrl+s", "save", "Record"), Binding("escape", "close", "Close")] + FOCUS_KEYS

    def __init__(self, database, login: str, ref: str, kind: str = "verification_validation") -> None:
        super().__init__()
        self.database, self.login, self.ref, self.kind = database, login, ref, kind

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Static(Text(f"Review of AI system {self.ref}", style="bold"), classes="dialog-title")
            with Horizontal(classes="field"):
                yield Label(LABELS["notes"], classes="field-label")
                yield FormInput(id="notes", placeholder="what was verified and validated, and how")
            with Horizontal(classes="field"):
                yield Label(LABELS["kind"], classes="field-label")
                yield Select([(KIND_TITLES[k], k) for k in REVIEW_KINDS], id="kind", value=self.kind,
                             allow_blank=False, compact=True)
            with Horizontal(classes="field"):
                yield Label(LABELS["outcome"], classes="field-label")
                yield Select([(o.replace("_", " "), o) for o in SYSTEM_OUTCOMES], id="outcome",
                             allow_blank=False, compact=True)
            with Horizontal(classes="field"):
                yield Label(LABELS["reviewed_on"], classes="field-label")
                yield FormInput(id="reviewed_on", placeholder="YYYY-MM-DD (today)")
            yield Static("", id="errors", markup=False, classes="error")
            with Horizontal(classes="buttons"):
                yield Button("Record", id="save", variant="primary", compact=True)
                yield Button("Close", id="close", compact=True)
        yield AimsFooter()

    def on_mount(self) -> None:
        self.query_one("#reviewed_on", FormInput).set_text((self.aims.today or _today()).isoformat())
        self.query_one("#notes", FormInput).focus()

    def values(self) -> dict[str, Any]:
        return {"notes": self.query_one("#notes", FormInput).value,
                "kind": self.query_one("#kind", Select).value,
                "outcome": self.query_one("#outcome", Select).value,
                "reviewed_on": self.query_one("#reviewed_on", FormInput).value.strip()}

    def problems(self) -> dict[str, str]:
        return fields.problems(reviews.SPECS, self.values())

    def on_input_changed(self, event) -> None:
        self._show(self.problems())

    def _show(self, errs: dict[str, str]) -> None:
        self.query_one("#errors", Static).update("\n".join(f"{LABELS.get(k, k)}: {m}" for k, m in errs.items()))

    def action_save(self) -> None:
        if not self.allowed(EDIT, "recording a review"):
            return
        errs = self.problems()
        if errs:
            self._show(errs)
            first = next(iter(errs))
            self.aims.say(f"{LABELS.get(first, first)}: {errs[first]}", error=True)
            return
        data = {k: v for k, v in self.values().items() if v not in ("", None)}
        db, login, ref, today = self.database, self.login, self.ref, self.aims.today
        kind = KIND_TITLES.get(data["kind"], data["kind"])
        self.db_write(lambda: reviews.record_review(db, login, "system", ref, data, today=today),
                      self.dismiss, failed=self._failed,
                      message=lambda rv: f"{ref}: {kind} review recorded; next review {rv['next_review']}")

    def _failed(self, err: AimsError) -> bool:
        if isinstance(err, ValidationError):
            self._show({f: m for f, m in err.errors})
        else:
            self.query_one("#errors", Static).update(str(err))
        return False

    def action_close(self) -> None:
        self.dismiss(None)

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.action_save() if event.button.id == "save" else self.action_close()
