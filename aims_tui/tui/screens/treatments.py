"""Treatments: "my actions" (or everyone's), soonest due first, a window at a time."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import Static

from ...core.identity import EDIT
from ...core.schedule import due_state, today as _today
from ...core.services import treatments
from .. import render
from ..sources import TreatmentSource
from ..widgets.paged_table import Col, PagedTable
from .base import AimsScreen
from ..dialogs.risk_editor import RiskEditor
from ..dialogs.withdraw import withdraw_flow
from ..widgets.header import AimsHeader
from ..dialogs.effectiveness import effectiveness_dialog
from ..widgets.footer import AimsFooter


class TreatmentsScreen(AimsScreen):
    HELP_TITLE = "My actions"
    HELP = ("Open treatments you own, soonest due first. Enter opens the risk; c completes the action; "
            "E completes it saying whether it worked (effective, partly, not effective: 8.3), or says so for "
            "one already done; "
            "w withdraws one made by mistake (ctrl+z restores it).")
    EDIT_ACTIONS = frozenset({"complete", "withdraw", "effectiveness"})
    BINDINGS = [
        Binding("c", "complete", "Complete"),
        Binding("E", "effectiveness", "Complete: did it work?", show=False),
        Binding("w", "withdraw", "Withdraw"),
        Binding("o", "toggle_owner", "Mine/everyone"),
        Binding("d", "toggle_done", "Show done"),
    ]
    everyone = False
    include_done = False

    def compose(self) -> ComposeResult:
        yield AimsHeader()
        yield Static("", id="list-title", classes="detail-title", markup=False)
        yield PagedTable([
            Col("risk", "Risk", 7, lambda r: render.lit(r["risk_ref"])),
            Col("action", "Action", None, lambda r: render.lit(r["action"])),
            Col("owner", "Owner", 8, lambda r: render.lit(r["owner"])),
            Col("due", "Due", 10, self._due),
            Col("status", "Status", 11, lambda r: render.lit(r["status"] + (
                f" ({r['effectiveness'].replace('_', ' ')})" if r.get("effectiveness") else ""))),
        ], empty_text="No treatments here.", id="treatment-list")
        yield AimsFooter()

    def _due(self, r):
        today = self.aims.today or _today()
        state = "none" if r["status"] in ("done", "cancelled") else due_state(r["due_date"], today)
        return render.due(r["due_date"], state, today)

    @property
    def pager(self) -> PagedTable:
        return self.query_one(PagedTable)

    def on_mount(self) -> None:
        self._reset()

    def _reset(self) -> None:
        who = "Everyone's treatments" if self.everyone else f"My actions ({self.login})"
        self.query_one("#list-title", Static).update(
            who + (" including done" if self.include_done else "") + "   (o: mine/everyone, d: done, c: complete)")
        self.pager.set_source(TreatmentSource(self.database, None if self.everyone else self.login,
                                              self.include_done))

    def refresh_data(self) -> None:
        self.pager.reload()

    def on_paged_table_chosen(self, event: PagedTable.Chosen) -> None:
        self.app.push_screen(RiskEditor(self.database, self.login, event.row["risk_ref"]))

    def action_toggle_owner(self) -> None:
        self.everyone = not self.everyone
        self._reset()

    def action_toggle_done(self) -> None:
        self.include_done = not self.include_done
        self._reset()

    def action_complete(self) -> None:
        r = self.pager.current
        if not r or not self.allowed(EDIT, "completing a treatment"):
            return
        if r["status"] == "done":
            self.aims.say("that treatment is already done")
            return
        db, login, old = self.database, self.login, r["status"]

        self.db_write(lambda: treatments.complete_treatment(db, login, r["id"], expect_version=r["version"]),
                      lambda _t: self.pager.reload(),
                      message=lambda t: f"{r['risk_ref']}/T{t['id']} done (ctrl+z undoes)",
                      undo=lambda t: (f"completing T{t['id']}", lambda: treatments.update_treatment(
                          db, login, t["id"], {"status": old}, expect_version=t["version"])))

    def action_effectiveness(self) -> None:
        r = self.pager.current
        if not r or not self.allowed(EDIT, "recording whether a treatment worked"):
            return
        if r["status"] == "cancelled":
            self.aims.say("that treatment is cancelled", error=True)
            return
        self.app.push_screen(effectiveness_dialog(self.database, self.login, r, lambda _t: self.pager.reload()))

    def action_withdraw(self) -> None:
        r = self.pager.current
        if not r:
            return

        withdraw_flow(self, "treatment", f"{r['risk_ref']}/T{r['id']}", r["version"],
                      done=lambda _t: self.pager.reload())
