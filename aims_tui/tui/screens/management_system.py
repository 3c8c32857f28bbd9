"""The Management system screen (key M): every register of clauses 4 to 10 in one
list; Enter opens the highlighted one. The registers are listed in
``registry.py`` (group "system"), each with the clauses it answers."""

from __future__ import annotations

from textual.binding import Binding

from .. import render
from . import registry
from .listing import ListScreen


class ManagementSystemScreen(ListScreen):
    HELP_TITLE = "Management system"
    HELP = "Every register of the management system (clauses 4 to 10). Enter opens the highlighted one."
    COLUMNS = [("Register", 30), ("What it holds", None)]
    BINDINGS = [Binding("enter", "open", "Open", show=True)]

    def title_line(self) -> str:
        return "Management system: the registers of clauses 4 to 10"

    def load(self):
        return [{"id": e.id, "title": e.title, "help": e.help} for e in registry.registers()
                if e in self.aims.screen_entries]

    def show(self, rows) -> None:
        super().show(rows)
        if not rows:
            self.query_one("#list-title").update("Management system: no registers yet")

    def cells(self, r):
        return [render.lit(r["title"]), render.lit(r["help"])]

    def on_data_table_row_selected(self, event) -> None:
        self.action_open()

    def action_open(self) -> None:
        r = self.current
        if r is not None:
            self.aims.goto(r["id"])
