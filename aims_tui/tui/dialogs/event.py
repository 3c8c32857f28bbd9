"""One audit event, whole: when, who, which record, what was done and every field it changed
(the audit trail's Changes column is cut to the width of the screen)."""

from __future__ import annotations

from typing import Any

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from ...core.text import visible
from ..columns import change_text, when_text


def event_lines(e: dict[str, Any]) -> list[str]:
    """The event as lines of text: a heading, then one line per field changed (old -> new)."""
    lines = [f"{when_text(e.get('at'))}  {e.get('actor') or ''}  {e.get('entity_ref') or ''}  "
             f"{e.get('action') or ''}", ""]
    changes = e.get("changes") or {}
    if not changes:
        lines.append("(no fields recorded)")
    lines += [change_text(k, v, set_mark=": ") for k, v in changes.items()]
    return [visible(str(x)) for x in lines]


class EventDialog(ModalScreen[None]):
    BINDINGS = [Binding("escape", "close", "Close"), Binding("enter", "close", "Close", show=False)]

    def __init__(self, event: dict[str, Any]) -> None:
        super().__init__()
        self.event = event

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Static(f"Event {self.event.get('id', '')}", markup=False, classes="dialog-title")
            with VerticalScroll(id="event-body"):
                yield Static("\n".join(event_lines(self.event)), markup=False, id="event-text")
            yield Static("Escape or Enter: close · arrows, PageUp/PageDown: scroll", markup=False, classes="hint")

    def on_mount(self) -> None:
        self.query_one("#event-body", VerticalScroll).focus()

    def action_close(self) -> None:
        self.dismiss(None)
