"""Help: every key of the screen that was open (? or F1).

The screen's own keys come first, then the keys that work everywhere, then the
screens to go to. The list scrolls (it has the focus: Up/Down, j/k, PageUp/PageDown,
Home/End) and is never taller than the terminal, so the last line can be reached
at 80x24 too."""

from __future__ import annotations

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

SCREENS = "Screens"  # the section listing the screens to go to: shown last
HINT = "Up/Down, PageDown, End: scroll.  ctrl+p: every action by name.  Escape: close."


class HelpBody(VerticalScroll, can_focus=True):
    """The keys, scrolled with the keyboard (j and k as well as the arrows)."""

    BINDINGS = [Binding("j", "scroll_down", "Down", show=False),
                Binding("k", "scroll_up", "Up", show=False),
                Binding("space", "page_down", "Page down", show=False)]


class HelpDialog(ModalScreen[None]):
    BINDINGS = [Binding("escape,q,question_mark,f1", "close", "Close")]

    def __init__(self, title: str, keys: list[tuple[str, str]], intro: str = "", *,
                 sections: list[tuple[str, list[tuple[str, str]]]] | None = None) -> None:
        super().__init__()
        self.title_text, self.keys, self.intro = title, keys, intro
        given = list(sections or [])
        # the screen's own keys first, the screens to go to last
        self.sections = [s for s in given if s[0] != SCREENS] + [s for s in given if s[0] == SCREENS]
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
        with Vertical(classes="dialog help"):
            yield Static(Text(f"Keys: {self.title_text}", style="bold"), classes="dialog-title")
            with HelpBody(id="help-body"):
                if self.intro:
                    yield Static(self.intro, markup=False, classes="dialog-text")
                yield Static(table)
            yield Static(HINT, markup=False, classes="hint", id="help-hint")

    def on_mount(self) -> None:
        self.query_one(HelpBody).focus()

    def on_resize(self) -> None:
        """The keys scroll; the title and the hint stay in view: borders 2, title 2, and the
        hint's lines (the dialog is 90% of the width, at most 100, less border and padding)."""
        inside = max(10, min(100, self.size.width * 9 // 10) - 4)
        hint = -(-len(HINT) // inside)
        self.query_one(HelpBody).styles.max_height = max(3, self.size.height - 4 - hint)

    def action_close(self) -> None:
        self.dismiss(None)
