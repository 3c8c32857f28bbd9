"""Treatments: "my actions" (or everyone's), soonest due first."""

from __future__ import annotations

from textual.binding import Binding

from ...core.identity import EDIT
from ...core.schedule import due_state, today as _today
from ...core.services import treatments
from .. import reads, render
from .listing import ListScreen


class TreatmentsScreen(ListScreen):
    HELP_TITLE = "My actions"
    HELP = "Open treatments you own, soonest due first. Enter opens the risk; c completes the action."
    EDIT_ACTIONS = frozenset({"complete"})
    COLUMNS = [("Risk", 7), ("Action", 34), ("Owner", 8), ("Due", 10), ("Status", 11)]
    BINDINGS = [
        Binding("c", "complete", "Complete"),
        Binding("o", "toggle_owner", "Mine/everyone"),
        Binding("d", "toggle_done", "Show done"),
    ]
    everyone = False
    include_done = False

    def title_line(self) -> str:
        who = "Everyone's treatments" if self.everyone else f"My actions ({self.login})"
        return who + (" including done" if self.include_done else "")

    def load(self):
        return reads.my_treatments(self.database, None if self.everyone else self.login, self.include_done)

    def cells(self, r):
        today = self.aims.today or _today()
        state = "none" if r["status"] in ("done", "cancelled") else due_state(r["due_date"], today)
        return [render.lit(r["risk_ref"]), render.lit(r["action"]), render.lit(r["owner"]),
                render.due(r["due_date"], state, today), render.lit(r["status"])]

    def on_data_table_row_selected(self, event) -> None:
        r = self.current
        if r:
            from ..dialogs.risk_editor import RiskEditor

            self.app.push_screen(RiskEditor(self.database, self.login, r["risk_ref"]))

    def action_toggle_owner(self) -> None:
        self.everyone = not self.everyone
        self.refresh_data()

    def action_toggle_done(self) -> None:
        self.include_done = not self.include_done
        self.refresh_data()

    def action_complete(self) -> None:
        r = self.current
        if not r or not self.allowed(EDIT, "completing a treatment"):
            return
        db, login, old = self.database, self.login, r["status"]

        def done(t) -> None:
            self.aims.push_undo(f"completing T{t['id']}", lambda: treatments.update_treatment(
                db, login, t["id"], {"status": old}, expect_version=t["version"]))
            self.aims.say(f"{r['risk_ref']}/T{t['id']} done (ctrl+z undoes)")
            self.refresh_data()

        self.db_work(lambda: treatments.complete_treatment(db, login, r["id"], expect_version=r["version"]), done)
