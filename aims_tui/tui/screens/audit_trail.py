"""The audit trail: every recorded change, newest first, a window at a time.

Typing a record ref (an AI system, a risk, ...) shows that record's events
only; a risk's ref also shows its treatments' events ("<ref>/T<id>")."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import Input, Static

from ...core.text import visible
from ...core.windows import AuditFilter
from ..columns import activity_columns
from ..sources import AuditSource
from ..widgets.paged_table import PagedTable
from ..widgets.typed import TypedInput
from .base import PagedListScreen
from ..widgets.header import AimsHeader
from ..widgets.footer import AimsFooter


class AuditTrailScreen(PagedListScreen):
    HELP_TITLE = "Audit trail"
    HELP = ("Every change, newest first (who, when, which record, what). / filters by a record ref "
            "(a risk's ref also shows its treatments). End shows the oldest event. Enter shows the "
            "highlighted event whole, every field it changed.")
    BINDINGS = [
        Binding("escape", "back", "Back"),
        Binding("slash", "search", "Record", key_display="/", priority=True),
    ]

    def __init__(self, database, login, record: str = "") -> None:
        super().__init__(database, login)
        self.record = record  # open on one record's history (e.g. from the register: h)
        self._filter: AuditFilter | None = None
        self._timer = None

    def compose(self) -> ComposeResult:
        yield AimsHeader()
        yield TypedInput(self.record, placeholder="Record ref, e.g. AIS-001 or R-0001 (/)", id="search",
                    classes="search")
        yield Static("", id="filter-line", markup=False)
        yield PagedTable(activity_columns(), row_key="id", empty_text="No events.", id="audit")
        yield AimsFooter()

    def refresh_data(self) -> None:
        ref = self.query_one("#search", Input).value.strip()
        f = AuditFilter(refs=(ref,), prefixes=(f"{ref}/",)) if ref else AuditFilter()
        self.query_one("#filter-line", Static).update(visible(
            f"Events of {ref} (and its treatments), newest first" if ref else "Every event, newest first"))
        # a record with no events of its own came with the demo data, whose bulk load is one event;
        # said as a possibility (the ref may be mistyped or of no record), on one line at 80 columns
        self.pager.empty_text = (f"No events of {visible(ref)}. If it is demo data: one bulk_load event (clear /, then End)"
                                 if ref else "No events.")
        if f == self._filter:
            self.pager.reload()
        else:
            self._filter = f
            self.pager.set_source(AuditSource(self.database, f))

    def on_paged_table_chosen(self, event: PagedTable.Chosen) -> None:
        """Enter on an event: the event whole, every field it changed (the column is cut)."""
        from ..dialogs.event import EventDialog  # deferred: only opened on Enter

        self.app.push_screen(EventDialog(event.row))

    def on_input_changed(self, event: Input.Changed) -> None:
        if self._timer is not None:
            self._timer.stop()
        self._timer = self.set_timer(0.15, self.refresh_data)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        self.refresh_data()
        self.pager.table.focus()

    def action_search(self) -> None:
        self.focus_search()

    def action_back(self) -> None:
        if self.query_one("#search", Input).has_focus:
            self.pager.table.focus()
        else:
            self.app.pop_screen()
