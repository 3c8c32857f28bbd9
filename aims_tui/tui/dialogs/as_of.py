"""The date the app shows the register as of (key D, issue 19).

Type a past day as YYYY-MM-DD: the register, the dashboard and the AI systems then show the
register as it was at the end of that day, read only. Empty, today's date or Escape: back to
today. A bad or future date is refused in the dialog, naming the field.
"""

from __future__ import annotations

from datetime import date

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Static
from ...core.days import parse_day
from ...core.errors import ValidationError
from ..widgets.typed import TypedInput

FIELD = "As of date"


def parse_as_of(text: str, today: date) -> date | None:
    """The day typed (None: back to today). ValueError names the field and what was typed, in the
    words of the CLI's --as-of (core.days: one parser of these days for every face)."""
    value = text.strip()
    if not value:
        return None
    try:
        day = parse_day(value, FIELD, today=today)
    except ValidationError as exc:
        raise ValueError(str(exc)) from None
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
