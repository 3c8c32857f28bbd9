"""The aims Textual app (placeholder until the TUI lands)."""

from __future__ import annotations

from textual.app import App, ComposeResult
from textual.widgets import Footer, Header, Static

from ..core.db import Database


class AimsApp(App):
    TITLE = "aims"
    BINDINGS = [("q", "quit", "Quit")]

    def __init__(self, database: Database, login: str):
        super().__init__()
        self.database = database
        self.login = login

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static("aims: the register is available from the CLI (aims --help).", markup=False)
        yield Footer()


def run(database: Database, login: str) -> None:
    AimsApp(database, login).run()
