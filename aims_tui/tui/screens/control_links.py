"""What supports one control (issue 17): the risks it treats, the treatments that apply
it, the evidence that shows it, opened from the SoA with L. Enter on a risk or a
treatment opens the risk in the register's editor; on evidence, the Evidence screen."""

from __future__ import annotations

from textual.binding import Binding

from ...core import evidence
from ...core.schedule import today as _today
from .. import render
from ..dialogs.risk_editor import RiskEditor
from .listing import ListScreen

WHAT = {"risk": "risk", "treatment": "treatment", "evidence": "evidence"}


class ControlLinksScreen(ListScreen):
    HELP_TITLE = "Control links"
    HELP = "The control's linked risks, treatments and evidence. Enter on a risk or treatment opens the risk."
    COLUMNS = [("Kind", 10), ("Ref", 12), ("Title", None), ("State", 12)]
    BINDINGS = [Binding("enter", "choose_row", "Open", show=True, priority=True), Binding("escape", "back", "Back")]

    def __init__(self, database, login, code: str, title: str = "") -> None:
        super().__init__(database, login)
        self.code = code
        self.control_title = title

    def title_line(self) -> str:
        return f"{self.code} {self.control_title}: risks, treatments and evidence"

    def load(self):
        links = evidence.control_links(self.database, self.aims.today or _today()).get(self.code)
        if links is None:
            return []
        return ([{"kind": "risk", "ref": ref, "title": t, "state": st} for ref, t, st in links.risks]
                + [{"kind": "treatment", "ref": ref, "title": t, "state": st} for ref, t, st in links.treatments]
                + [{"kind": "evidence", "ref": ref, "title": t, "state": st} for ref, t, st in links.evidence])

    def show(self, rows) -> None:
        super().show(rows)
        if not rows:
            self.query_one("#list-title").update(f"{self.code}: no linked risk, treatment or evidence yet "
                                                 f"(aims evidence add PATH --for {self.code} --title TEXT)")

    def cells(self, r):
        return [render.lit(WHAT[r["kind"]]), render.lit(r["ref"]), render.lit(r["title"]),
                render.lit(str(r["state"]).replace("_", " "))]

    def on_data_table_row_selected(self, event) -> None:
        self.action_open()

    def action_open(self) -> None:
        r = self.current
        if r is None:
            return
        if r["kind"] in ("risk", "treatment"):
            self.app.push_screen(RiskEditor(self.database, self.login, r["ref"].split("/")[0]),
                                 lambda _r: self.refresh_data())
        else:
            self.aims.say(f"{r['ref']} is on the Evidence screen (M, Evidence)")
            self.aims.goto("evidence")

    def action_back(self) -> None:
        self.app.pop_screen()
