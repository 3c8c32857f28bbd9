"""A risk's treatments inside the risk editor: the table, a row to add one
(action, owner chosen from the active users, due date), complete the highlighted
one. Fields are checked with core.fields, as the service checks them."""

from __future__ import annotations

from typing import Any, Callable

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, DataTable, Label, Select

from ...core import fields
from ...core.errors import AimsError, ValidationError
from ...core.identity import EDIT
from ...core.services import treatments
from ..base import DbMixin
from ..render import lit
from .form_keys import FormInput
from ..dialogs.effectiveness import effectiveness_dialog
from .row_table import RowTable

LABELS = {"action": "Treatment action", "owner": "Treatment owner", "due_date": "Treatment due date"}


class TreatmentsPanel(DbMixin, Vertical):
    """``changed(message)`` is called when a treatment was added or completed;
    ``problem(text)`` shows a refusal in the dialog's error line."""

    def __init__(self, database, login: str, *, changed: Callable[[str], None],
                 problem: Callable[[str], None], **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.database, self.login = database, login
        self.ref: str | None = None
        self.rows: list[dict[str, Any]] = []
        self._changed, self._problem = changed, problem

    def compose(self) -> ComposeResult:
        yield Label("Treatments (c: complete highlighted)", classes="section")
        yield RowTable(id="treatments", cursor_type="row", zebra_stripes=True)
        with Horizontal(classes="field", id="new-treatment"):
            yield Label("New treatment", classes="field-label")
            yield FormInput(id="t-action", placeholder="action")
            yield Select([], id="t-owner", prompt="owner: risk's", compact=True)
            yield FormInput(id="t-due", placeholder="due YYYY-MM-DD", classes="date")
            yield Button("Add", id="t-add", compact=True)

    def on_mount(self) -> None:
        table = self.query_one("#treatments", DataTable)
        for label, width in (("Action", 34), ("Owner", 8), ("Due", 10), ("Status", 11)):
            table.add_column(label, width=width)

    def set_owners(self, owners: list[str]) -> None:
        self.query_one("#t-owner", Select).set_options([(Text(o), o) for o in owners])

    def show(self, rows: list[dict[str, Any]], risk: dict[str, Any] | None = None) -> None:
        self.rows = rows
        plan = ""
        if risk and risk.get("plan_approved_by"):
            plan = f" - plan approved by {risk['plan_approved_by']}" + (
                ", changed since" if risk.get("plan_changed_at") else "")
        self.query_one(".section", Label).update(Text(f"Treatments (c: complete highlighted){plan}"))
        table = self.query_one("#treatments", DataTable)
        cursor = table.cursor_row
        table.clear()
        for t in rows:
            status = t["status"] + (f", {t['effectiveness'].replace('_', ' ')}" if t.get("effectiveness") else "")
            table.add_row(lit(t["action"]), lit(t["owner"]), lit(t["due_date"] or "-"), lit(status),
                          key=str(t["id"]))
        if not rows:
            table.add_row(Text("(no treatments yet)", style="dim"), "", "", "")
        elif cursor:
            table.move_cursor(row=min(cursor, len(rows) - 1))

    # -- reading the new-treatment row -----------------------------------------------------------
    def entry(self) -> dict[str, Any]:
        owner = self.query_one("#t-owner", Select).value
        return {"action": self.query_one("#t-action", FormInput).value,
                "owner": "" if owner is Select.NULL or owner is None else owner,
                "due_date": self.query_one("#t-due", FormInput).value.strip()}

    def problems(self) -> dict[str, str]:
        return fields.problems(fields.TREATMENT, self.entry())

    # -- writing ---------------------------------------------------------------------------------------
    def add(self) -> None:
        if not self.ref or not self.allowed(EDIT, "adding a treatment"):
            return
        errs = self.problems()
        if errs:
            field = next(iter(errs))
            self.query_one("#t-due" if field == "due_date" else "#t-action").focus()
            self._problem(f"{LABELS.get(field, field)}: {errs[field]}")
            self.aims.say(f"{LABELS.get(field, field)}: {errs[field]}", error=True)
            return
        data = {k: v for k, v in self.entry().items() if v}
        db, login, ref = self.database, self.login, self.ref

        def added(t: dict[str, Any]) -> None:
            for box in self.query(FormInput):
                box.set_text("")
            self.query_one("#t-owner", Select).clear()
            self._changed(f"treatment T{t['id']} added to {ref} (owner {t['owner']})")

        self.db_write(lambda: treatments.add_treatment(db, login, ref, data), added, failed=self._failed,
                      undo=lambda t: (f"treatment {ref}/T{t['id']}",
                                      lambda: treatments.delete_treatment(db, login, t["id"])))

    def _failed(self, err: AimsError) -> bool:
        if isinstance(err, ValidationError):
            self._problem("\n".join(f"{LABELS.get(f, f)}: {m}" for f, m in err.errors))
        return False

    def highlighted(self) -> dict[str, Any] | None:
        """The treatment highlighted in the table (focusing the table first if it is not)."""
        table = self.query_one("#treatments", DataTable)
        if self.screen.focused is not table:
            table.focus()
            self.aims.say("highlight a treatment in the table, then press the key again")
            return None
        if not self.rows or table.cursor_row >= len(self.rows):
            return None
        return self.rows[table.cursor_row]

    def effectiveness(self) -> None:
        """E: complete the highlighted treatment saying whether it worked (8.3), or say it for a done one."""
        if not self.ref or not self.allowed(EDIT, "recording whether a treatment worked"):
            return
        t = self.highlighted()
        if t is None:
            return
        if t["status"] == "cancelled":
            self.aims.say("that treatment is cancelled", error=True)
            return
        self.app.push_screen(effectiveness_dialog(
            self.database, self.login, {**t, "risk_ref": t.get("risk_ref") or self.ref},
            lambda nt: self._changed(f"treatment T{nt['id']} effectiveness: "
                                     f"{(nt.get('effectiveness') or '').replace('_', ' ')}")))

    def complete(self) -> None:
        if not self.ref or not self.allowed(EDIT, "completing a treatment"):
            return
        table = self.query_one("#treatments", DataTable)
        if self.screen.focused is not table:
            table.focus()
            self.aims.say("highlight a treatment in the table, then press c")
            return
        if not self.rows or table.cursor_row >= len(self.rows):
            return
        t = self.rows[table.cursor_row]
        if t["status"] == "done":
            self.aims.say("that treatment is already done")
            return
        db, login, old_status = self.database, self.login, t["status"]
        self.db_write(
            lambda: treatments.complete_treatment(db, login, t["id"], expect_version=t["version"]),
            lambda nt: self._changed(f"treatment T{nt['id']} done"),
            undo=lambda nt: (f"completing T{nt['id']}", lambda: treatments.update_treatment(
                db, login, nt["id"], {"status": old_status}, expect_version=nt["version"])))
