"""The Management system screen (key M): every register of clauses 4 to 10 in one
list; Enter opens the highlighted one. The registers are listed in
``registry.py`` (group "system"), each with the clauses it answers. One row is
not a register: the AIMS scope (4.3), a text of the settings; Enter on it (or s
anywhere) opens its form (admins)."""

from __future__ import annotations

from textual.binding import Binding

from ...core.services import scope as scope_svc
from .. import render
from . import registry
from .listing import ListScreen
from .scope import TITLE as SCOPE_TITLE, first_line, open_scope_form

SCOPE_ID = "scope"  # the row of the scope: not a register (it opens a form, not a screen)


class ManagementSystemScreen(ListScreen):
    WRITE_ACTIONS = frozenset({"scope"})  # refused while a past date is set (issue 19)
    HELP_TITLE = "Management system"
    HELP = ("Every register of the management system (clauses 4 to 10). Enter opens the highlighted one; "
            "s sets the AIMS scope (admins).")
    COLUMNS = [("Register", 30), ("What it holds", None)]
    BINDINGS = [Binding("enter", "choose_row", "Open", show=True, priority=True), Binding("s", "scope", "Scope", priority=True)]

    def title_line(self) -> str:
        return "Management system: the registers of clauses 4 to 10"

    def load(self):
        rows = [{"id": e.id, "title": e.title, "help": e.help} for e in registry.registers()
                if e in self.aims.screen_entries]
        scope = {"id": SCOPE_ID, "title": SCOPE_TITLE, "help": first_line(scope_svc.get_scope(self.database)["scope"])}
        after = max((i + 1 for i, r in enumerate(rows) if r["id"] in ("context_issues", "interested_parties")),
                    default=0)
        return rows[:after] + [scope] + rows[after:]

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
        if r is not None and r["id"] == SCOPE_ID:
            self.action_scope()
        elif r is not None:
            self.aims.goto(r["id"])

    def action_scope(self) -> None:
        """The scope's form (admins; anyone else is told who may set it)."""
        open_scope_form(self, lambda _res: self.refresh_data())
