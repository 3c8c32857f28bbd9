"""The Due screen: overdue, due this week, due this month; record a review in
two keystrokes (``r`` or Enter on a row, then Enter).

The rows come from :func:`aims_tui.core.reminders.window`, which is bounded by
date and capped per bucket, so the table never holds the register. Every
database call runs in a thread worker; user text is shown literally (``Text``).
"""

from __future__ import annotations

from datetime import date
from typing import Any

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen, Screen
from textual.widgets import DataTable, Footer, Input, RadioButton, RadioSet, Static

from ...core.db import Database
from ...core.reminders import KIND_LABELS, DueItem
from ..render import lit

BUCKETS = (("overdue", "Overdue"), ("week", "This week"), ("month", "This month"))
# The outcomes a review can have from here; "rescored" needs new scores, which
# belong on the risk's own form.
DIALOG_OUTCOMES = (("still_valid", "Still valid"), ("escalated", "Escalated"), ("closed", "Closed (risks only)"))
ROW_LIMIT = 300


class ReviewDialog(ModalScreen[dict | None]):
    """Outcome (still valid preselected) and notes; Enter saves, Escape cancels."""

    DEFAULT_CSS = """
    ReviewDialog { align: center middle; }
    ReviewDialog > Vertical { width: 72; height: auto; border: thick $accent; background: $surface; padding: 1 2; }
    ReviewDialog RadioSet { width: 100%; }
    ReviewDialog .hint { color: $text-muted; }
    """
    BINDINGS = [Binding("escape", "cancel", "Cancel"), Binding("ctrl+s", "save", "Save")]

    def __init__(self, item: DueItem) -> None:
        super().__init__()
        self.item = item

    def compose(self) -> ComposeResult:
        i = self.item
        with Vertical():
            yield Static(lit(f"Review {i.ref}: {i.title}"), id="review-title")
            yield Static(Text(f"{KIND_LABELS[i.kind]}, due {i.due.isoformat()}"), classes="hint")
            outcomes = [o for o in DIALOG_OUTCOMES if o[0] != "closed" or i.subject_type == "risk"]
            with RadioSet(id="review-outcome"):
                for n, (_value, label) in enumerate(outcomes):
                    yield RadioButton(label, value=n == 0)
            yield Input(placeholder="Notes (optional)", id="review-notes")
            yield Static("Enter saves  ·  Esc cancels", classes="hint")

    def on_mount(self) -> None:
        self.query_one("#review-notes", Input).focus()

    def _outcomes(self) -> list[str]:
        return [o for o, _ in DIALOG_OUTCOMES if o != "closed" or self.item.subject_type == "risk"]

    def action_save(self) -> None:
        idx = self.query_one(RadioSet).pressed_index
        outcome = self._outcomes()[idx if idx >= 0 else 0]
        self.dismiss({"outcome": outcome, "notes": self.query_one("#review-notes", Input).value})

    @on(Input.Submitted, "#review-notes")
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.action_save()

    def action_cancel(self) -> None:
        self.dismiss(None)


class DueScreen(Screen):
    """What is due for the login (``a`` shows everyone's)."""

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
        super().__init__()
        self.database = database
        self.login = login
        self.today = today
        self.show_all = False
        self.items: dict[str, DueItem] = {}
        self.totals: dict[str, int] = {}

    def compose(self) -> ComposeResult:
        yield Static("Loading what is due…", id="due-summary", markup=False)
        yield DataTable(id="due-table", cursor_type="row", zebra_stripes=True)
        yield Footer()

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        table.add_column("When", key="when")
        table.add_column("Due", key="due")
        table.add_column("Ref", key="ref")
        table.add_column("What", key="kind")
        table.add_column("Owner", key="owner")
        table.add_column("Title", key="title")
        table.focus()
        self.load()

    # -- data ----------------------------------------------------------------
    @work(thread=True, exclusive=True, group="due-load")
    def load(self) -> None:
        from textual.worker import get_current_worker

        from ...core.reminders import window

        try:
            data = window(self.database, today=self.today, owner=None if self.show_all else self.login,
                          limit=ROW_LIMIT)
        except Exception as exc:  # noqa: BLE001 - shown to the user, the app keeps running
            self.app.call_from_thread(self.notify, f"Could not read what is due: {exc}", severity="error",
                                      markup=False)
            return
        if not get_current_worker().is_cancelled:
            self.app.call_from_thread(self._show, data)

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
        self.query_one("#due-summary", Static).update(Text(
            f"{t['overdue']} overdue · {t['week']} due this week · {t['month']} due this month "
            f"({whose} items, as of {data['as_of'].isoformat()}; a: mine/all, r: record review)"))
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
        self.load()

    def action_toggle_all(self) -> None:
        self.show_all = not self.show_all
        self.load()

    def action_back(self) -> None:
        if len(self.app.screen_stack) > 1:
            self.app.pop_screen()

    @on(DataTable.RowSelected, "#due-table")
    def _row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        self.action_review()

    def action_review(self) -> None:
        key = self._current_key()
        item = self.items.get(key or "")
        if item is None:
            return
        if item.subject_type is None:
            self.notify(f"{item.ref} is a {KIND_LABELS[item.kind]}, not a review: update it from its record.",
                        markup=False)
            return

        def done(result: dict | None) -> None:
            if result is not None:
                self.save_review(item, result)

        self.app.push_screen(ReviewDialog(item), done)

    @work(thread=True, group="due-save")
    def save_review(self, item: DueItem, result: dict) -> None:
        from ...core.errors import AimsError
        from ...core.services.reviews import record_review

        try:
            rv = record_review(self.database, self.login, item.subject_type, item.ref,
                               {"outcome": result["outcome"], "notes": result.get("notes", "")},
                               today=self.today)
        except AimsError as exc:
            self.app.call_from_thread(self.notify, str(exc), severity="error", markup=False)
            return
        except Exception as exc:  # noqa: BLE001
            self.app.call_from_thread(self.notify, f"Could not record the review: {exc}", severity="error",
                                      markup=False)
            return
        self.app.call_from_thread(
            self.notify, f"{item.ref}: review recorded ({rv['outcome']}); next review {rv['next_review'].isoformat()}",
            markup=False)
        self.app.call_from_thread(self.load)
