"""Readiness (issue 17): are we ready for an audit? Every finding of ``aims
readiness``, clause by clause then control by control; the highlighted one in full
below the list (what is required, what was found, what closes the gap). Enter
opens the screen where the gap is closed."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import DataTable, Static

from ...core.readiness import readiness
from ...core.readiness_types import MISSING, OK, STALE, UNAPPROVED
from ...core.schedule import today as _today
from .. import render
from .listing import ListScreen
from ..widgets.header import AimsHeader
from ..widgets.row_table import RowTable
from ..widgets.footer import AimsFooter

def _style(state: str) -> str:
    return {OK: render.colour("green"), MISSING: "bold " + render.colour("red"), STALE: render.colour("yellow"),
            UNAPPROVED: render.colour("magenta")}.get(state, "")
# Where each clause's gap is closed (a control's: the Evidence screen).
SCREEN = {"4.1": "context_issues", "6.1.2": "register", "8.2": "register", "6.1.3": "soa", "6.1.4": "impact",
          "8.4": "impact", "9.3": "management", "10.2": "nonconformities"}


class ReadinessScreen(ListScreen):
    HELP_TITLE = "Readiness"
    HELP = ("Clause by clause (4.1 to 10.2), then each applicable control: ok, missing, stale or unapproved, "
            "with what closes the gap. Enter opens the screen where it is closed. Same as aims readiness.")
    COLUMNS = [("Clause", 8), ("State", 11), ("Requirement", 40, 100), ("Found", None)]
    BINDINGS = [Binding("enter", "choose_row", "Open", show=True, priority=True), Binding("escape", "back", "Back")]

    def compose(self) -> ComposeResult:
        yield AimsHeader()  # the banner of a past date too (issue 19), like every screen
        yield Static("", id="list-title", classes="detail-title", markup=False)
        yield RowTable(id="list", cursor_type="row", zebra_stripes=True)
        yield Static("", id="finding", markup=False)
        yield AimsFooter()

    def on_mount(self) -> None:
        super().on_mount()
        box = self.query_one("#finding", Static)
        box.styles.height = "auto"
        box.styles.max_height = 6
        box.styles.padding = (0, 1)
        self.query_one("#list", DataTable).styles.height = "1fr"

    def load(self):
        r = readiness(self.database, today=self.aims.today or _today())
        self.report = r
        return [{"id": i, "finding": f} for i, f in enumerate(r.findings)]

    def title_line(self) -> str:
        r = getattr(self, "report", None)
        if r is None:
            return "Readiness"
        gaps = ", ".join(f"{n} {state}" for state, n in r.summary.items() if n and state != OK)
        return f"Readiness {r.as_of.isoformat()}: " + (f"{len(r.gaps)} gaps ({gaps})" if gaps else "nothing missing")

    def cells(self, r):
        f = r["finding"]
        return [render.lit(f.clause), render.lit(f.state, _style(f.state)), render.lit(f.requirement),
                render.lit(f.detail)]

    def show(self, rows) -> None:
        super().show(rows)
        self.show_finding()

    def on_data_table_row_highlighted(self, event) -> None:
        self.show_finding()

    def show_finding(self) -> None:
        r = self.current
        box = self.query_one("#finding", Static)
        if r is None:
            box.update("")
            return
        f = r["finding"]
        lines = [f"{f.clause} {f.state}: {f.requirement}", f"Found: {f.detail or '-'}"]
        if not f.ok and f.fix:
            lines.append(f"Fix: {f.fix}")
        box.update(render.lines("\n".join(lines)))

    def on_data_table_row_selected(self, event) -> None:
        self.action_open()

    def action_open(self) -> None:
        r = self.current
        if r is None:
            return
        clause = r["finding"].clause
        target = SCREEN.get(clause, "evidence" if clause.startswith("A.") else "")
        if target:
            self.aims.goto(target)

    def action_back(self) -> None:
        if len(self.app.screen_stack) > 2:
            self.app.pop_screen()
        else:
            self.aims.goto("system")
