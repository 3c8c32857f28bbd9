"""Nonconformities: incidents and audit findings, with corrective action (10.2)."""

from __future__ import annotations

from textual.binding import Binding

from ...core.identity import EDIT
from ...core.models import NC_KINDS, NC_SEVERITIES, NC_STATUSES
from ...core.services import nonconformities as ncs
from .. import render
from .listing import ListScreen


class NonconformitiesScreen(ListScreen):
    HELP_TITLE = "Nonconformities"
    HELP = "n records a nonconformity, e edits the highlighted one (root cause before closing)."
    EDIT_ACTIONS = frozenset({"new", "edit"})
    COLUMNS = [("Ref", 7), ("Kind", 13, 100), ("Title", None), ("Severity", 8), ("Status", 13), ("Owner", 8, 90),
               ("Due", 10)]
    BINDINGS = [Binding("n", "new", "New"), Binding("e", "edit", "Edit"), Binding("w", "withdraw", "Withdraw")]

    def title_line(self) -> str:
        return "Nonconformities (incidents, audit findings)"

    def load(self):
        return ncs.list_nonconformities(self.database)

    def cells(self, r):
        return [render.lit(r["ref"]), render.lit(r["kind"]), render.lit(r["title"]), render.lit(r["severity"]),
                render.lit(r["status"]), render.lit(r["owner"]), render.lit(r["due_date"])]

    def on_data_table_row_selected(self, event) -> None:
        self.action_edit()

    def action_new(self) -> None:
        if not self.allowed(EDIT, "recording a nonconformity"):
            return
        db, login, today = self.database, self.login, self.aims.today
        self.edit_fields("New nonconformity",
                         [("title", "Title", "what happened", ""), ("kind", "Kind", " / ".join(NC_KINDS), "incident"),
                          ("severity", "Severity", " / ".join(NC_SEVERITIES), "minor"),
                          ("system", "AI system", "AIS-001 (optional)", ""), ("due_date", "Due", "YYYY-MM-DD", "")],
                         lambda v: ncs.create_nonconformity(db, login, {k: x for k, x in v.items() if x}, today=today),
                         "nonconformity recorded")

    def action_edit(self) -> None:
        r = self.current
        if not r or not self.allowed(EDIT, "editing a nonconformity"):
            return
        db, login, ref, version, today = self.database, self.login, r["ref"], r["version"], self.aims.today
        keys = [("title", "Title", ""), ("status", "Status", " / ".join(NC_STATUSES)),
                ("severity", "Severity", " / ".join(NC_SEVERITIES)), ("root_cause", "Root cause", ""),
                ("corrective_actions", "Corrective", ""), ("owner", "Owner", "login")]

        def save(v: dict):
            changes = {k: x for k, x in v.items() if x != (r.get(k) or "")}
            return ncs.update_nonconformity(db, login, ref, changes, expect_version=version, today=today)

        self.edit_fields(f"Nonconformity {ref}", [(k, label, ph, str(r.get(k) or "")) for k, label, ph in keys],
                         save, f"{ref} saved")

    def action_withdraw(self) -> None:
        """Withdraw the highlighted nonconformity (made by mistake); ctrl+z restores it."""
        row = self.current
        if row is not None:
            from ..dialogs.withdraw import withdraw_flow

            withdraw_flow(self, "nonconformity", row["ref"], row.get("version"))
