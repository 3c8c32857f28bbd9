"""The date the app shows the register as of (key D, issue 19).

Type a past day as YYYY-MM-DD: the register, the dashboard and the AI systems then show the
register as it was at the end of that day, read only. Empty, today's date or Escape: back to
today. A bad or future date is refused in the dialog, naming the field.
"""

from __future__ import annotations

import re
from datetime import date

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Static
from ..widgets.typed import TypedInput

FIELD = "As of date"
_ISO_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")


def parse_as_of(text: str, today: date) -> date | None:
    """The day typed (None: back to today). ValueError names the field and what was typed."""
    value = text.strip()
    if not value:
        return None
    if not _ISO_DAY.fullmatch(value):
        raise ValueError(f"{FIELD}: '{value}' is not a date; type it as YYYY-MM-DD, e.g. {today.isoformat()}")
    try:
        day = date.fromisoformat(value)
    except ValueError:
        raise ValueError(f"{FIELD}: '{value}' is not a day of the calendar (YYYY-MM-DD)") from None
    if day > today:
        raise ValueError(f"{FIELD}: {day.isoformat()} is in the future; the register can be viewed as of "
                         f"today ({today.isoformat()}) or an earlier day")
    return None if day == today else day


class AsOfDialog(ModalScreen[date | None]):
    """Returns the day chosen, or None for today (empty, today's date, or Escape)."""

    HELP_TITLE = "As of a date"
    HELP = ("Type a past day (YYYY-MM-DD) and Enter: the register, the dashboard and the AI systems show "
            "the register as it was at the end of that day, read only. Empty and Enter, or Escape: back "
            "to today.")
    BINDINGS = [Binding("escape", "today", "Back to today")]

    def __init__(self, today: date, current: date | None = None) -> None:
        super().__init__()
        self.today, self.current = today, current

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog small", id="as-of-dialog"):
            yield Static("View the register as of a date", markup=False, classes="dialog-title")
            yield Static(f"{FIELD} (YYYY-MM-DD, today is {self.today.isoformat()}):", markup=False)
            yield TypedInput(self.current.isoformat() if self.current else "", placeholder="YYYY-MM-DD",
                        id="as-of", max_length=10)
            yield Static("", id="as-of-error", markup=False, classes="error")
            yield Static("Enter: show that day, read only.  Empty or Escape: back to today.", markup=False,
                         classes="hint")

    def on_mount(self) -> None:
        self.query_one("#as-of", Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        try:
            day = parse_as_of(event.value, self.today)
        except ValueError as exc:
            self.query_one("#as-of-error", Static).update(str(exc))
            self.query_one("#as-of", Input).add_class("invalid")
            return
        self.dismiss(day)

    def on_input_changed(self, event: Input.Changed) -> None:
        self.query_one("#as-of-error", Static).update("")
        event.input.remove_class("invalid")

    def action_today(self) -> None:
        self.dismiss(None)
