"""The Due screen: overdue, due this week, due this month; record a review in
two keystrokes (``r`` or Enter on a row, then Enter).

The rows come from :func:`aims_tui.core.reminders.window`, which is bounded by
date and capped per bucket, so the table never holds the register. Reads run
through ``db_work``; the review is recorded by its dialog through ``db_write``
(never cancelled, always said). User text is shown literally (``Text``).
"""

from __future__ import annotations

from datetime import date
from typing import Any

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import DataTable, Static

from ...core.db import Database
from ...core.identity import EDIT
from ...core.reminders import CATALOG_REVIEWS, KIND_LABELS, DueItem, window
from ...core.services import registers
from ...core.schedule import today as _today
from ...core.services.reviews import record_review
from ..dialogs.confirm import ConfirmDialog
from ..dialogs.review_form import ReviewDialog
from ..render import lit
from .base import AimsScreen
from ..widgets.header import AimsHeader
from ..widgets.row_table import RowTable
from ..widgets.footer import AimsFooter

BUCKETS = (("overdue", "Overdue"), ("week", "This week"), ("month", "This month"))
ROW_LIMIT = 300


class DueScreen(AimsScreen):
    """What is due for the login (``a`` shows everyone's)."""

    HELP_TITLE = "Due"
    HELP = ("Overdue, due this week, due this month. r (or Enter) records a review of the highlighted "
            "row: Enter again saves it as still valid. a shows everyone's items.")
    EDIT_ACTIONS = frozenset({"review"})
    DEFAULT_CSS = """
    DueScreen #due-summary { height: auto; padding: 0 1; }
    DueScreen DataTable { height: 1fr; }
    """
    BINDINGS = [
        Binding("r", "review", "Record review", id="due.review"),
        Binding("a", "toggle_all", "Mine/all", id="due.toggle_all"),
        Binding("f5", "refresh", "Refresh", id="due.refresh"),
        Binding("escape", "back", "Back", id="due.back"),
    ]

    def __init__(self, database: Database, login: str, today: date | None = None) -> None:
        super().__init__(database, login)
        self.today = today
        self.show_all = False
        self.items: dict[str, DueItem] = {}
        self.totals: dict[str, int] = {}

    def compose(self) -> ComposeResult:
        yield AimsHeader()
        yield Static("Loading what is due…", id="due-summary", markup=False)
        yield RowTable(id="due-table", cursor_type="row", zebra_stripes=True)
        yield AimsFooter()

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        table.add_column("When", key="when")
        table.add_column("Due", key="due")
        table.add_column("Ref", key="ref")
        table.add_column("What", key="kind")
        table.add_column("Owner", key="owner")
        table.add_column("Title", key="title")
        table.focus()

    # -- data ----------------------------------------------------------------
    def refresh_data(self) -> None:
        db, today, owner = self.database, self.today, None if self.show_all else self.login
        self.db_work(lambda: window(db, today=today, owner=owner, limit=ROW_LIMIT), self._show)

    def load(self) -> None:  # the name older callers use
        self.refresh_data()

    def _show(self, data: dict[str, Any]) -> None:
        table = self.query_one(DataTable)
        keep = self._current_key()
        table.clear()
        self.items = {}
        self.totals = data["totals"]
        for bucket, label in BUCKETS:
            rows: list[DueItem] = data["buckets"][bucket]
            for i in rows:
                key = f"{i.kind}:{i.ref}"
                self.items[key] = i
                when = (f"{i.days_overdue} d overdue" if bucket == "overdue"
                        else ("today" if i.days_left == 0 else f"in {i.days_left} d"))
                style = "bold red" if bucket == "overdue" else ("yellow" if bucket == "week" else "")
                table.add_row(Text(when, style=style), Text(i.due.isoformat()), Text(i.ref),
                              Text(KIND_LABELS[i.kind]), lit(i.owner or "(no owner)"), lit(i.title), key=key)
            more = data["totals"][bucket] - len(rows)
            if more > 0:
                table.add_row(Text(f"{label}: {more} more", style="italic"), Text(""), Text(""), Text(""),
                              Text(""), Text("use `aims reminders` to list them all"), key=f"more:{bucket}")
        whose = "everyone's" if self.show_all else "your"
        t = data["totals"]
        keys = "a: mine/all" + (", r: record review" if self.aims.role in EDIT else "")
        self.query_one("#due-summary", Static).update(Text(
            f"{t['overdue']} overdue · {t['week']} due this week · {t['month']} due this month "
            f"({whose} items, as of {data['as_of'].isoformat()}; {keys})"))
        if keep and keep in self.items:
            table.move_cursor(row=table.get_row_index(keep))

    def _current_key(self) -> str | None:
        table = self.query_one(DataTable)
        if table.row_count == 0:
            return None
        try:
            return table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
        except Exception:  # noqa: BLE001 - no row under the cursor
            return None

    # -- actions ---------------------------------------------------------------
    def action_refresh(self) -> None:
        self.refresh_data()

    def action_toggle_all(self) -> None:
        self.show_all = not self.show_all
        self.refresh_data()

    def action_back(self) -> None:
        if len(self.app.screen_stack) > 1:
            self.app.pop_screen()

    @on(DataTable.RowSelected, "#due-table")
    def _row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        if self.aims.role in EDIT:
            self.action_review()

    def _mark_reviewed(self, item: DueItem, entity: str) -> None:
        """A register of the management system (a context issue, a document...): record
        that it was reviewed today, after confirming; its next review follows its cadence."""
        if not self.allowed(EDIT, "recording a review"):
            return
        db, login, today = self.database, self.login, self.today

        def chosen(yes: bool | None) -> None:
            if yes:
                self.db_write(lambda: registers.mark_reviewed(db, login, entity, item.ref, item.version, today=today),
                              message=lambda r: f"{item.ref} reviewed; next review "
                                                f"{r.get('next_review') or '(no cadence: set one on the record)'}")

        self.app.push_screen(ConfirmDialog(f"Record that {item.ref} ({item.title}) was reviewed today?",
                                           "Reviewed", "Cancel"), chosen)

    def action_review(self) -> None:
        key = self._current_key()
        item = self.items.get(key or "")
        if item is None:
            return
        if item.kind in CATALOG_REVIEWS:
            self._mark_reviewed(item, CATALOG_REVIEWS[item.kind])
            return
        if item.subject_type is None:
            self.aims.say(f"{item.ref} is a {KIND_LABELS[item.kind]}, not a review: update it from its record.")
            return
        if not self.allowed(EDIT, "recording a review"):
            return
        db, login, today, subject = self.database, self.login, self.today, item.subject_type

        def save(values: dict[str, Any]) -> dict:
            return record_review(db, login, subject, item.ref,
                                 {"outcome": values["outcome"], "notes": values.get("notes", ""),
                                  "reviewed_on": values.get("reviewed_on", "")},
                                 expect_version=item.version, today=today)

        self.app.push_screen(ReviewDialog(item, save, today or _today()))
