"""Nonconformities: incidents and audit findings, with corrective action (10.2)."""

from __future__ import annotations

from textual.binding import Binding

from ...core.identity import EDIT
from ...core.models import NC_KINDS, NC_SEVERITIES, NC_STATUSES
from ...core.services import nonconformities as ncs
from .. import render
from ..dialogs.form import Field, FormDialog, changes
from .listing import ListScreen
from ..dialogs.withdraw import withdraw_flow


class NonconformitiesScreen(ListScreen):
    HELP_TITLE = "Nonconformities"
    HELP = ("n records a nonconformity, e edits the highlighted one (root cause before closing; corrective "
            "actions are records of their own: M > Corrective actions, each done and its effectiveness reviewed "
            "before the nonconformity closes).")
    EDIT_ACTIONS = frozenset({"new", "edit", "withdraw"})
    COLUMNS = [("Ref", 7), ("Kind", 13, 100), ("Title", None), ("Severity", 8), ("Status", 13), ("Owner", 8, 90),
               ("Due", 10)]
    # priority: the form opens when the key is read, so keys typed right after it go into the form
    BINDINGS = [Binding("n", "new", "New", priority=True), Binding("e", "edit", "Edit", priority=True),
                Binding("w", "withdraw", "Withdraw")]

    def title_line(self) -> str:
        return "Nonconformities (incidents, audit findings)"

    def load(self):
        return ncs.list_nonconformities(self.database)

    def cells(self, r):
        # a finding of an internal audit shows the audit's ref in its kind column
        kind = f"audit {r['internal_audit']}" if r.get("internal_audit") else r["kind"]
        return [render.lit(r["ref"]), render.lit(kind), render.lit(r["title"]), render.lit(r["severity"]),
                render.lit(r["status"]), render.lit(r["owner"]), render.lit(r["due_date"])]

    def on_data_table_row_selected(self, event) -> None:
        self.action_edit()

    def action_new(self) -> None:
        if not self.allowed(EDIT, "recording a nonconformity"):
            return
        self.app.push_screen(self.form(None))

    def action_edit(self) -> None:
        r = self.current
        if not r or not self.allowed(EDIT, "editing a nonconformity"):
            return
        self.app.push_screen(self.form(r))

    def form(self, r: dict | None) -> FormDialog:
        """New (r is None) or edit: one dialog that saves itself and stays open until saved."""
        db, login, today = self.database, self.login, self.aims.today
        r = r or {}
        fields = [Field("title", "Title", "text", r.get("title") or "", placeholder="what happened"),
                  Field("kind", "Kind", "choice", r.get("kind") or "incident", choices=_choices(NC_KINDS)),
                  Field("severity", "Severity", "choice", r.get("severity") or "minor",
                        choices=_choices(NC_SEVERITIES))]
        if r:
            fields.append(Field("status", "Status", "choice", r.get("status") or "open",
                                choices=_choices(NC_STATUSES)))
        fields.append(Field("system", "AI system", "choice", r.get("system_ref") or "", blank="(none)",
                            aliases=("system_id",), options_from="systems"))
        fields.append(Field("due_date", "Due", "date", r.get("due_date") or ""))
        if r:
            fields += [Field("description", "Description", "long", r.get("description") or ""),
                       Field("root_cause", "Root cause", "long", r.get("root_cause") or "",
                             placeholder="needed before closing"),
                       # the actions themselves are records now (M > Corrective actions); these are notes
                       Field("corrective_actions", "Corrective notes", "long", r.get("corrective_actions") or "",
                             placeholder="actions are records: M > Corrective actions")]
        fields.append(Field("owner", "Owner", "choice", r.get("owner") or "", blank="(nobody)", options_from="users"))

        def save(values: dict, state: dict) -> dict:
            if state.get("ref") is None:
                return ncs.create_nonconformity(db, login, {k: x for k, x in values.items() if x}, today=today)
            return ncs.update_nonconformity(db, login, state["ref"], changes(values, state["baseline"]),
                                            expect_version=state["version"], today=today)

        def message(res: dict) -> str:
            return f"{res['ref']} saved" if r else f"nonconformity {res['ref']} recorded"

        return FormDialog(f"Nonconformity {r['ref']}" if r else "New nonconformity", fields, save,
                          state={"ref": r.get("ref"), "version": r.get("version")}, what="nonconformity",
                          message=message, lists=self.choice_lists())

    def action_withdraw(self) -> None:
        """Withdraw the highlighted nonconformity (made by mistake); ctrl+z restores it."""
        row = self.current
        if row is not None:
            withdraw_flow(self, "nonconformity", row["ref"], row.get("version"))


def _choices(values) -> list[tuple[str, str]]:
    return [(v.replace("_", " "), v) for v in values]
