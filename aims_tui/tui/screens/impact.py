"""AI system impact assessments."""

from __future__ import annotations

from textual.binding import Binding

from ...core.identity import APPROVE, EDIT
from ...core.services import impact
from .. import render
from ..dialogs.form import Field, FormDialog, changes
from .listing import ListScreen
from ..dialogs.withdraw import withdraw_flow

TEXT_FIELDS = [("title", "Title", "a short name"), ("affected_individuals", "Individuals", "who is affected"),
               ("affected_groups", "Groups", "which groups"), ("societal_impacts", "Society", "effects on society"),
               ("mitigations", "Mitigations", "what reduces the impacts")]


class ImpactScreen(ListScreen):
    HELP_TITLE = "Impact assessments"
    HELP = "n adds an assessment for an AI system, e edits the highlighted one, A approves it (approvers)."
    EDIT_ACTIONS = frozenset({"new", "edit", "withdraw"})
    APPROVE_ACTIONS = frozenset({"approve"})
    COLUMNS = [("Ref", 7), ("System", 8), ("Title", None), ("Status", 9), ("Approved by", 11, 90), ("Review", 10)]
    # priority: the form opens when the key is read, so keys typed right after it go into the form
    BINDINGS = [Binding("n", "new", "New", priority=True), Binding("e", "edit", "Edit", priority=True),
                Binding("A", "approve", "Approve", priority=True),
                Binding("w", "withdraw", "Withdraw")]

    def title_line(self) -> str:
        return "AI system impact assessments"

    def load(self):
        return impact.list_assessments(self.database)

    def cells(self, r):
        return [render.lit(r["ref"]), render.lit(r["system_ref"]), render.lit(r["title"]), render.lit(r["status"]),
                render.lit(r["approved_by"] or "-"), render.lit(r["next_review"])]

    def on_data_table_row_selected(self, event) -> None:
        self.action_edit()

    def action_new(self) -> None:
        if not self.allowed(EDIT, "adding an impact assessment"):
            return
        self.app.push_screen(self.form(None))

    def action_edit(self) -> None:
        r = self.current
        if not r or not self.allowed(EDIT, "editing an impact assessment"):
            return
        self.app.push_screen(self.form(r))

    def form(self, r: dict | None) -> FormDialog:
        """New (r is None) or edit: one dialog that saves itself and stays open until saved."""
        db, login, today = self.database, self.login, self.aims.today
        r = r or {}
        fields = [Field(k, label, "long" if k != "title" else "text", r.get(k) or "", placeholder=ph)
                  for k, label, ph in TEXT_FIELDS]
        if not r:  # after the title: keys typed at once go to the title while the list is read
            fields.insert(1, Field("system", "AI system", "choice", "", blank="(choose one)", options_from="systems"))

        def save(values: dict, state: dict) -> dict:
            if state.get("ref") is None:
                return impact.create_assessment(db, login, values, today=today)
            ch = changes(values, state["baseline"])
            ch.pop("system", None)
            return impact.update_assessment(db, login, state["ref"], ch, expect_version=state["version"])

        def message(res: dict) -> str:
            return f"{res['ref']} saved" if r else f"impact assessment {res['ref']} added"

        return FormDialog(f"Impact assessment {r['ref']}" if r else "New impact assessment", fields, save,
                          state={"ref": r.get("ref"), "version": r.get("version")}, what="impact assessment",
                          message=message, lists=self.choice_lists())

    def action_approve(self) -> None:
        r = self.current
        if not r or not self.allowed(APPROVE, "approving an impact assessment"):
            return
        db, login, ref, version = self.database, self.login, r["ref"], r["version"]
        self.db_write(lambda: impact.approve_assessment(db, login, ref, expect_version=version),
                     lambda _r: (self.aims.say(f"{ref} approved"), self.refresh_data()))

    def action_withdraw(self) -> None:
        """Withdraw the highlighted assessment (made by mistake); ctrl+z restores it."""
        row = self.current
        if row is not None:
            withdraw_flow(self, "impact_assessment", row["ref"], row.get("version"))
