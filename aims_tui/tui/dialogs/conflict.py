"""Someone else saved first: show both values, reload or overwrite knowingly."""

from __future__ import annotations

from typing import Any

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Static

from ..render import lit


def _show(v: Any) -> Text:
    if isinstance(v, (list, tuple)):
        v = ", ".join(str(x) for x in v)
    return lit(v if v not in (None, "") else "(empty)")


class ConflictDialog(ModalScreen[str]):
    """Returns "reload", "overwrite" or "cancel"."""

    BINDINGS = [Binding("escape", "choose('cancel')", "Cancel"), Binding("r", "choose('reload')", "Reload"),
                Binding("o", "choose('overwrite')", "Overwrite")]

    def __init__(self, what: str, mine: dict[str, Any], theirs: dict[str, Any], their_version: Any) -> None:
        super().__init__()
        self.what, self.mine, self.theirs, self.their_version = what, mine, theirs, their_version

    def compose(self) -> ComposeResult:
        table = Table(expand=True, show_lines=False)
        table.add_column("field", no_wrap=True)
        table.add_column("yours (not saved)")
        table.add_column("theirs (saved)")
        for k, v in self.mine.items():
            theirs = self.theirs.get(k, self.theirs.get(f"{k}_ref", "(not shown)"))
            table.add_row(Text(k), _show(v), _show(theirs))
        with Vertical(classes="dialog"):
            yield Static(Text(f"{self.what} was changed by someone else (now version {self.their_version})",
                              style="bold"), classes="dialog-title")
            with VerticalScroll():
                yield Static(table)
            yield Static("Reload: drop your changes and show theirs.  Overwrite: save yours over theirs.",
                         markup=False, classes="hint")
            with Horizontal(classes="buttons"):
                yield Button("Reload", id="reload", variant="primary", compact=True)
                yield Button("Overwrite", id="overwrite", variant="error", compact=True)
                yield Button("Cancel", id="cancel", compact=True)

    def on_button_pressed(self, event: Button.Pressed) -> None:
        self.dismiss(event.button.id or "cancel")

    def action_choose(self, what: str) -> None:
        self.dismiss(what)
