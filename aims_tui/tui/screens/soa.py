"""The Statement of Applicability: every control, applicable or not, why, and how far implemented."""

from __future__ import annotations

from textual.binding import Binding

from ...core.identity import APPROVE, EDIT
from ...core.models import IMPLEMENTATION_STATUSES
from ...core.services import controls
from .. import render
from .listing import ListScreen


class SoaScreen(ListScreen):
    HELP_TITLE = "Statement of Applicability"
    HELP = "e edits the highlighted entry (applicable yes/no, justification, status, owner); A approves all."
    EDIT_ACTIONS = frozenset({"edit"})
    APPROVE_ACTIONS = frozenset({"approve"})
    COLUMNS = [("Control", 9), ("Title", None), ("Applies", 9), ("Status", 11), ("Owner", 8),
               ("Approved", 8, 100), ("Justification", 30, 130)]
    BINDINGS = [Binding("e", "edit", "Edit entry"), Binding("A", "approve", "Approve SoA")]

    def title_line(self) -> str:
        return "Statement of Applicability (Annex A and custom controls)"

    def load(self):
        return controls.list_soa(self.database)

    def cells(self, r):
        app = r["applicable"]
        return [render.lit(r["code"]), render.lit(r["title"]),
                render.lit("undecided" if app is None else ("yes" if app else "no")),
                render.lit(r["implementation_status"]), render.lit(r["owner"]),
                render.lit(r["approved_by"] or "-"), render.lit(r["justification"])]

    def on_data_table_row_selected(self, event) -> None:
        self.action_edit()

    def action_edit(self) -> None:
        r = self.current
        if not r or not self.allowed(EDIT, "editing the Statement of Applicability"):
            return
        db, login, code, version = self.database, self.login, r["code"], r["version"]
        app = "" if r["applicable"] is None else ("yes" if r["applicable"] else "no")
        self.edit_fields(
            f"{code} {r['title']}",
            [("applicable", "Applicable", "yes or no", app),
             ("justification", "Justification", "why (required when excluded)", r["justification"] or ""),
             ("implementation_status", "Status", " / ".join(IMPLEMENTATION_STATUSES),
              r["implementation_status"] or "not_started"),
             ("owner", "Owner", "login", r["owner"] or "")],
            lambda v: controls.update_applicability(db, login, code, v, expect_version=version),
            f"{code} saved")

    def action_approve(self) -> None:
        if not self.allowed(APPROVE, "approving the Statement of Applicability"):
            return
        db, login = self.database, self.login
        self.db_write(lambda: controls.approve_soa(db, login),
                     lambda n: (self.aims.say(f"approved {n} SoA entries"), self.refresh_data()))
