"""The risk register: every risk, filtered, searched, sorted, a window at a time."""

from __future__ import annotations

from datetime import date

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import Input, Static

from ...core.fastread import WITHDRAWN
from ...core.riskfilter import RiskFilter
from ...core.roles import APPROVE, EDIT
from ...core.schedule import today as _today
from ...core.text import counted
from ..sources import RiskSource
from ..columns import risk_columns
from ..widgets.paged_table import PagedTable
from ..widgets.typed import TypedInput
from .base import AimsScreen
from ..widgets.footer import AimsFooter
from ..widgets.header import AimsHeader

SORT_ORDER = ["ref", "residual", "title", "owner", "status", "next_review", "inherent", "category", "system"]
SORT_NAMES = {"ref": "ref", "residual": "residual level", "title": "title", "owner": "owner", "status": "status",
              "next_review": "next review", "inherent": "inherent level", "category": "category",
              "system": "AI system"}


def describe_filter(f: RiskFilter) -> Text:
    parts = []
    for name, value in (("system", f.system), ("owner", f.owner), ("level", f.level),
                        ("inherent level", f.inherent_level), ("status", f.status), ("category", f.category)):
        if value:
            parts.append(f"{name} {'organization-wide' if name == 'system' and value == '-' else value}")
    if f.overdue:
        parts.append("overdue")
    if f.inherent_cell:
        parts.append(f"inherent cell L{f.inherent_cell[0]} I{f.inherent_cell[1]}")
    if f.residual_cell:
        parts.append(f"residual cell L{f.residual_cell[0]} I{f.residual_cell[1]}")
    t = Text("Filter: ", style="bold")
    t.append(" · ".join(parts) if parts else "none")
    t.append("   (f: filter, x: clear, /: search, s: sort)", style="dim")
    return t


class RegisterScreen(AimsScreen):
    HELP_TITLE = "Risk register"
    HELP = ("Arrows, PageUp/PageDown, Home/End move through the whole register (read a window at a "
            "time). Enter opens a risk. Click a column header to sort by it. w withdraws a risk made by "
            "mistake (or restores a withdrawn one); W lists the withdrawn risks. P (approvers) approves the "
            "highlighted risk's treatment plan; a treatment added or changed later marks it changed.")
    SHOWS_AS_OF = True  # a past date set (key D): the register as it was that day (issue 19)
    EDIT_ACTIONS = frozenset({"new_risk", "withdraw"})
    APPROVE_ACTIONS = frozenset({"accept", "approve_plan"})
    BINDINGS = [
        Binding("enter", "choose_row", "Open", show=False, priority=True),  # see AimsScreen
        Binding("n", "new_risk", "New risk"),
        Binding("f", "filter", "Filter"),
        Binding("x", "clear_filter", "Clear filter"),
        Binding("slash", "search", "Search", key_display="/", priority=True),
        Binding("s", "next_sort", "Sort"),
        Binding("S", "reverse_sort", "Reverse sort", show=False),
        Binding("a", "accept", "Accept residual"),
        Binding("P", "approve_plan", "Approve treatment plan", show=False),
        Binding("h", "history", "History"),
        Binding("w", "withdraw", "Withdraw/restore"),
        Binding("W", "show_withdrawn", "Withdrawn risks", show=False),
        Binding("escape", "leave_search", "Back to table", show=False),
    ]

    initial_filter: RiskFilter | None = None
    initial_sort: tuple[str, bool] | None = None

    def __init__(self, database, login) -> None:
        super().__init__(database, login)
        self.filter = RiskFilter()
        self.sort, self.descending = "ref", False
        self._search_timer = None
        self._cut_said = False  # the search text was cut and the user told so, in this search
        self._loaded = False
        self._as_of: date | None = None  # the past day the rows on screen were read as of

    def compose(self) -> ComposeResult:
        yield AimsHeader()
        yield TypedInput(placeholder="Search titles and refs (/)", id="search", classes="search")
        yield Static("", id="filter-line", markup=False)
        yield PagedTable(risk_columns(self.today), empty_text="No risks match.", id="risks")
        yield AimsFooter()

    def today(self) -> date:
        return self.aims.view_day or _today()

    def on_mount(self) -> None:
        if self.initial_filter is not None:
            self.filter = self.initial_filter
        if self.initial_sort is not None:
            self.sort, self.descending = self.initial_sort
        self.filter = self.filter.with_(today=self.aims.view_day)
        self._as_of = self.aims.as_of
        self.query_one("#search", Input).value = self.filter.search
        self.query_one(PagedTable).table.focus()

    @property
    def pager(self) -> PagedTable:
        return self.query_one(PagedTable)

    def _source(self) -> RiskSource:
        return RiskSource(self.aims.read_db, self.filter, self.sort, self.descending)

    def reload(self, keep_position: bool = False) -> None:
        self.query_one("#filter-line", Static).update(describe_filter(self.filter))
        self.pager.sort_label = f"sorted by {SORT_NAMES[self.sort]} {'v' if self.descending else '^'}"
        self.pager.set_source(self._source(), keep_position=keep_position)

    def refresh_data(self) -> None:
        if self._as_of != self.aims.as_of:  # a past date set or cleared: read that day's register
            self._as_of = self.aims.as_of
            self.filter = self.filter.with_(today=self.aims.view_day)
            self._loaded = True
            self.reload()
        elif not self._loaded:
            self._loaded = True
            self.reload()
        else:
            self.pager.reload()

    # -- filter, search, sort -----------------------------------------------------
    def set_filter(self, f: RiskFilter) -> None:
        self.filter = f.with_(today=self.aims.view_day, search=self.filter.search)
        self.reload()

    def on_input_changed(self, event: Input.Changed) -> None:
        if event.input.id != "search":
            return
        # deferred: the register's first rows are read without the ORM, which core.search loads (issue 15)
        from ...core.search import cap_message, capped

        too_long = cap_message(event.value)
        if too_long:  # a paste of a whole document: cut it (the cut fires Changed again)
            event.input.value = capped(event.value)
            if not self._cut_said:  # said once per search, not once per key typed past the cap
                self._cut_said = True
                self.aims.say(too_long)
            return
        if not event.value:
            self._cut_said = False  # an emptied box starts a new search
        if self._search_timer is not None:
            self._search_timer.stop()
        value = event.value
        self._search_timer = self.set_timer(0.12, lambda: self._apply_search(value))

    def _apply_search(self, value: str) -> None:
        if value != self.filter.search:
            self.filter = self.filter.with_(search=value)
            self.reload()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        if event.input.id == "search":
            self._apply_search(event.value)
            self.pager.table.focus()

    def action_search(self) -> None:
        self._cut_said = False  # / starts a new search
        self.focus_search()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "leave_search":  # only from the search box: on the list, Escape is the app's (back to today)
            return self.focused is not self.pager.table
        return super().check_action(action, parameters)

    def action_leave_search(self) -> None:
        self.pager.table.focus()

    def action_filter(self) -> None:
        def chosen(f: RiskFilter | None) -> None:
            if f is not None:
                self.set_filter(f)

        from ..dialogs.risk_filter import RiskFilterDialog  # deferred: the register's first rows need no dialog (issue 15)

        self.app.push_screen(RiskFilterDialog(self.database, self.filter), chosen)

    def action_clear_filter(self) -> None:
        self.filter = RiskFilter(today=self.aims.view_day)
        self.query_one("#search", Input).value = ""
        self.reload()

    def action_next_sort(self) -> None:
        i = SORT_ORDER.index(self.sort)
        self.sort, self.descending = SORT_ORDER[(i + 1) % len(SORT_ORDER)], False
        self.reload()

    def action_reverse_sort(self) -> None:
        self.descending = not self.descending
        self.reload()

    def on_paged_table_sort_requested(self, event: PagedTable.SortRequested) -> None:
        if event.sort == self.sort:
            self.descending = not self.descending
        else:
            self.sort, self.descending = event.sort, False
        self.reload()

    # -- risks -----------------------------------------------------------------------
    def on_paged_table_chosen(self, event: PagedTable.Chosen) -> None:
        self.open_risk(event.row["ref"])

    def action_open(self) -> None:
        row = self.pager.current
        if row is not None:
            self.open_risk(row["ref"])

    def open_risk(self, ref: str | None) -> None:
        from ..dialogs.risk_editor import RiskEditor  # deferred: the register's first rows need no dialog (issue 15)

        # a past date set: the risk as it was that day, read only (its database refuses writes too)
        self.app.push_screen(RiskEditor(self.aims.read_db, self.login, ref), lambda _r: self.pager.reload())

    def action_history(self) -> None:
        """The highlighted risk's audit trail (its own events and its treatments')."""
        row = self.pager.current
        if row is None:
            return
        from .audit_trail import AuditTrailScreen  # deferred: the register's first rows need no dialog (issue 15)

        self.app.push_screen(AuditTrailScreen(self.database, self.login, record=row["ref"]))  # every event, to today

    def action_new_risk(self) -> None:
        if not self.allowed(EDIT, "adding a risk"):
            return

        from ..dialogs.risk_editor import RiskEditor  # deferred: the register's first rows need no dialog (issue 15)

        system = self.filter.system if self.filter.system and self.filter.system != "-" else None
        self.app.push_screen(RiskEditor(self.database, self.login, None, system=system),
                             lambda _r: self.pager.reload())

    def action_accept(self) -> None:
        if not self.allowed(APPROVE, "accepting a residual risk"):
            return
        row = self.pager.current
        if row is None:
            return
        from ..dialogs.accept import accept_risk_flow  # deferred: the register's first rows need no dialog (issue 15)

        accept_risk_flow(self, row["ref"], row["version"], done=lambda: self.pager.reload())

    def action_approve_plan(self) -> None:
        """An approver approves the highlighted risk's treatment plan (6.1.3), after confirming."""
        if not self.allowed(APPROVE, "approving a treatment plan"):
            return
        row = self.pager.current
        if row is None:
            return
        db, login, ref, version = self.database, self.login, row["ref"], row["version"]
        from ...core.services import treatments  # deferred: the register's first rows need no service (issue 15)
        from ..dialogs.confirm import ConfirmDialog  # deferred: the register's first rows need no dialog (issue 15)

        def chosen(yes: bool | None) -> None:
            if yes:
                self.db_write(lambda: treatments.approve_plan(db, login, ref, version),
                              lambda _r: self.pager.reload(),
                              message=lambda r: f"{ref} treatment plan approved "
                                                f"({counted(len(r['treatments']), 'treatment')})")

        self.app.push_screen(ConfirmDialog(f"Approve the treatment plan of {ref} in your name?",
                                           "Approve plan", "Cancel"), chosen)

    def action_withdraw(self) -> None:
        """Withdraw the highlighted risk (made by mistake), or restore it if it is withdrawn."""
        row = self.pager.current
        if row is None:
            return
        from ..dialogs.withdraw import withdraw_flow  # deferred: the register's first rows need no dialog (issue 15)

        withdraw_flow(self, "risk", row["ref"], row["version"], withdrawn=row["status"] == WITHDRAWN)

    def action_show_withdrawn(self) -> None:
        """List the withdrawn risks (W again: back to the register)."""
        self.set_filter(self.filter.with_(status=None if self.filter.status == WITHDRAWN else WITHDRAWN))
