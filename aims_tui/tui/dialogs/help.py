"""Help: every key of the screen that was open (? or F1)."""

from __future__ import annotations

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static


class HelpDialog(ModalScreen[None]):
    BINDINGS = [Binding("escape,q,question_mark,f1", "close", "Close")]

    def __init__(self, title: str, keys: list[tuple[str, str]], intro: str = "", *,
                 sections: list[tuple[str, list[tuple[str, str]]]] | None = None) -> None:
        super().__init__()
        self.title_text, self.keys, self.intro = title, keys, intro
        self.sections = list(sections or [])
        if keys:
            self.sections.insert(0, ("", keys))
        self.keys = [k for _, rows in self.sections for k in rows]  # every (key, description), in order

    def compose(self) -> ComposeResult:
        table = Table.grid(padding=(0, 2))
        table.add_column(style="bold", no_wrap=True)
        table.add_column()
        first = True
        for name, keys in self.sections:
            if not keys:
                continue
            if name:
                if not first:
                    table.add_row(Text(""), Text(""))
                table.add_row(Text(name, style="bold underline"), Text(""))
            first = False
            for key, desc in keys:
                table.add_row(Text(key), Text(desc))
        with Vertical(classes="dialog"):
            yield Static(Text(f"Keys: {self.title_text}", style="bold"), classes="dialog-title")
            with VerticalScroll():
                if self.intro:
                    yield Static(self.intro, markup=False)
                yield Static(table)
            yield Static("ctrl+p: every action by name.  Escape: close.", markup=False, classes="hint")

    def action_close(self) -> None:
        self.dismiss(None)
