"""AI system impact assessments."""

from __future__ import annotations

from textual.binding import Binding

from ...core.identity import APPROVE, EDIT
from ...core.services import impact
from .. import render
from .listing import ListScreen


class ImpactScreen(ListScreen):
    HELP_TITLE = "Impact assessments"
    HELP = "n adds an assessment for an AI system, e edits the highlighted one, A approves it (approvers)."
    EDIT_ACTIONS = frozenset({"new", "edit"})
    APPROVE_ACTIONS = frozenset({"approve"})
    COLUMNS = [("Ref", 7), ("System", 8), ("Title", None), ("Status", 9), ("Approved by", 11, 90), ("Review", 10)]
    BINDINGS = [Binding("n", "new", "New"), Binding("e", "edit", "Edit"), Binding("A", "approve", "Approve"),
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
        db, login, today = self.database, self.login, self.aims.today
        self.edit_fields("New impact assessment",
                         [("system", "AI system", "AIS-001", ""), ("title", "Title", "", ""),
                          ("affected_individuals", "Individuals", "who is affected", ""),
                          ("affected_groups", "Groups", "", ""), ("societal_impacts", "Society", "", ""),
                          ("mitigations", "Mitigations", "", "")],
                         lambda v: impact.create_assessment(db, login, v, today=today), "impact assessment added")

    def action_edit(self) -> None:
        r = self.current
        if not r or not self.allowed(EDIT, "editing an impact assessment"):
            return
        db, login, ref, version = self.database, self.login, r["ref"], r["version"]
        keys = [("title", "Title"), ("affected_individuals", "Individuals"), ("affected_groups", "Groups"),
                ("societal_impacts", "Society"), ("mitigations", "Mitigations")]

        def save(v: dict):
            changes = {k: x for k, x in v.items() if x != (r.get(k) or "")}
            return impact.update_assessment(db, login, ref, changes, expect_version=version)

        self.edit_fields(f"Impact assessment {ref}", [(k, label, "", r.get(k) or "") for k, label in keys],
                         save, f"{ref} saved")

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
            from ..dialogs.withdraw import withdraw_flow

            withdraw_flow(self, "impact_assessment", row["ref"], row.get("version"))
