"""The dashboard: systems per stage, heat maps, what is due, my items."""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from ...core.riskfilter import RiskFilter
from .. import dash
from ...core.text import visible
from ..render import colour_of
from ..widgets.heat_map import HeatMap
from .base import AimsScreen
from ..widgets.footer import AimsFooter
from ..widgets.header import AimsHeader


class DashboardScreen(AimsScreen):
    AUTO_FOCUS = "#residual"
    SHOWS_AS_OF = True  # a past date set (key D): the counts and heat maps of that day (issue 19)
    HELP_TITLE = "Dashboard"
    HELP = ("Select a heat map cell (Enter) to open the register filtered to it; "
            "select a line of the summary to open what it counts.")
    BINDINGS = [
        Binding("r", "refresh", "Refresh"),
        Binding("tab", "focus_next", "Next", show=False),
    ]

    def compose(self) -> ComposeResult:
        yield AimsHeader()
        yield Static("", id="stages", markup=False)
        with Horizontal(id="maps"):
            with Vertical(classes="map-box"):
                yield Static("Inherent (active risks)", markup=False, classes="map-title")
                yield HeatMap(residual=False, id="inherent")
            with Vertical(classes="map-box"):
                yield Static("Residual (active risks)", markup=False, classes="map-title")
                yield HeatMap(residual=True, id="residual")
        yield Static("Cells: count and level (L Low, M Medium, H High, C Critical). Enter on a cell lists "
                     "its risks.", markup=False, id="legend")
        yield OptionList(id="summary")
        yield AimsFooter()

    def on_mount(self) -> None:
        self.query_one("#residual", HeatMap).focus()

    _read_once = False

    def refresh_data(self) -> None:
        login, today, db = self.login, self.aims.view_day, self.aims.read_db
        # (only once composed: a refresh asked for before then, as after the demo loads, reads in workers)
        first = not self._read_once and bool(self.query("#summary"))
        self._read_once = True
        # the first read, from the tallies, before the first paint (issue 15); a miss, and every
        # later read, in three workers: the counts paint first, each heat map when it is read
        quick = _quietly(lambda: dash.dashboard_quick(db, login, today)) if first else None
        if quick is not None:
            self._show(quick)
        else:
            self.db_work(lambda: dash.dashboard(db, login, today), self._show, group="dash-counts")
        for hm in self.query(HeatMap):
            self._load_map(hm, first)

    def _load_map(self, hm: HeatMap, first: bool = False) -> None:
        db, today, residual = self.aims.read_db, self.aims.view_day, hm.residual
        quick = _quietly(lambda: dash.heat_map_quick(db, residual)) if first else None
        if quick is not None:
            hm.show(*quick)
            return
        self.db_work(lambda: dash.heat_maps(db, residual, today), lambda r: hm.show(*r),
                     group=f"dash-map-{residual}")

    def action_refresh(self) -> None:
        self.refresh_data()

    def _show(self, d: dash.Dashboard) -> None:
        self.aims.first_paint()  # the counts are on screen: the app loads the ORM now (issue 15)
        if d.empty and self.aims.as_of is None:  # a past day before the first record: zeros, no first run
            if not self.is_current:
                return  # the user went elsewhere while the counts were read: do not pull them back
            from .first_run import FirstRunScreen  # deferred: only an empty register needs it (issue 15)

            self.app.switch_screen(FirstRunScreen(self.database, self.login))
            return
        self.sub_title = visible(d.organization)
        stages = Text("AI systems by stage: ", style="bold")
        for i, (st, n) in enumerate(d.stages.items()):
            if i:
                stages.append(" · ")
            stages.append(f"{st} {n}", style="" if n else "dim")
        self.query_one("#stages", Static).update(stages)
        ol = self.query_one("#summary", OptionList)
        highlighted = ol.highlighted
        ol.clear_options()

        def line(label: str, n: int, attention: bool = False, extra: str = "") -> Text:
            t = Text(f"{label}: ")
            t.append(str(n), style=f"bold {colour_of('red')}".strip() if attention and n else "bold")
            if extra:
                t.append(extra)
            return t

        ol.add_options([
            Option(line("Risk reviews overdue", d.risks_overdue, True), id="risks_overdue"),
            Option(line(f"Risk reviews due within {d.soon_days} days", d.risks_due_soon), id="risks_soon"),
            Option(line("Treatments overdue", d.treatments_overdue, True,
                        f"   due within {d.soon_days} days: {d.treatments_due_soon}"), id="treatments"),
            Option(line("Residual risks above appetite without acceptance", d.unaccepted, True),
                   id="unaccepted"),
            Option(line(f"My risks ({self.login})", d.my_risks, False,
                        f"   overdue: {d.my_risks_overdue}"), id="my_risks"),
            Option(line("My actions", d.my_treatments, False, f"   overdue: {d.my_treatments_overdue}"),
                   id="my_actions"),
        ])
        if highlighted is not None:
            ol.highlighted = min(highlighted, ol.option_count - 1)

    def on_heat_map_cell_chosen(self, event: HeatMap.CellChosen) -> None:
        cell = (event.likelihood, event.impact)
        f = RiskFilter(status="active")
        f = f.with_(residual_cell=cell) if event.heat_map.residual else f.with_(inherent_cell=cell)
        self.aims.goto("register", initial_filter=f)

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        which = event.option.id
        base = RiskFilter(status="active")
        if which == "risks_overdue":
            self.aims.goto("register", initial_filter=base.with_(overdue=True), initial_sort=("next_review", False))
        elif which == "risks_soon":
            self.aims.goto("register", initial_filter=base, initial_sort=("next_review", False))
        elif which == "unaccepted":
            self.aims.goto("register", initial_filter=base.with_(status="active"),
                           initial_sort=("residual", True))
        elif which == "my_risks":
            self.aims.goto("register", initial_filter=base.with_(owner=self.login))
        elif which == "treatments":
            self.aims.goto("treatments", everyone=True)
        elif which == "my_actions":
            self.aims.goto("treatments")


def _quietly(read: Any) -> Any:
    """A quick read, or None when it fails (the worker then reads it again and says what fails)."""
    try:
        return read()
    except Exception:  # noqa: BLE001
        return None
