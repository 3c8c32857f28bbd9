"""The base of every aims screen: the database, the login, role-aware actions.

The one way to build a screen: subclass :class:`AimsScreen`, compose a
``Header`` first and a ``Footer`` last, and register it in ``registry.py``.
Reads go through ``self.db_work(fn, done)`` (cancellable, replaced by a newer
read) and are all started from ``refresh_data``, which the app calls when the
screen resumes and after every commit (yours or a teammate's). Writes go
through ``self.db_write(fn, done, message=..., failed=...)`` and only call core
services; they are never cancelled and always end with a message or an error.
Actions that change data are named in ``EDIT_ACTIONS`` (approver-only ones in
``APPROVE_ACTIONS``) so a viewer is not offered them, and each such action
still starts with ``self.allowed(...)`` so a refused role is told which role it
needs. Forms live in ``tui/dialogs/``: a dialog that saves runs the write
itself, closes only when it lands, and on a refusal stays open with the text
intact and the field named as the user sees it. Letters and digits typed
into a focused Input are text, never screen keys; a ctrl key the screen needs
and an Input would take (ctrl+d deletes right) is a ``priority`` binding.
"""

from __future__ import annotations

from typing import Callable

from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import DataTable

from ...core.db import Database
from ...core.roles import ADMIN, EDIT
from ..base import DbMixin
from ..widgets.paged_table import PagedTable


def is_write_action(node: object, action: str) -> bool:
    """Whether ``action`` of ``node`` changes data: the role-bound actions of a screen
    (EDIT_ACTIONS, APPROVE_ACTIONS, ADMIN_ACTIONS) and those it names in WRITE_ACTIONS."""
    return any(action in getattr(node, name, ()) for name in
               ("EDIT_ACTIONS", "APPROVE_ACTIONS", "ADMIN_ACTIONS", "WRITE_ACTIONS"))


class AimsScreen(DbMixin, Screen):
    """A screen over the database.

    ``EDIT_ACTIONS`` and ``APPROVE_ACTIONS`` name the actions a role may lack.
    Viewers see none of them (footer, help, command palette); an editor sees
    the approver actions and, using one, is told which role it needs.
    ``refresh_data`` is called when another user (or this one) commits.
    """

    AUTO_FOCUS = "DataTable"  # the list, not the search box: single keys are commands
    # Enter on a list opens its row at once, when the app reads the key: as the table's own
    # binding it ran only after the key came back from the app, and the screen it opened
    # appeared after the keys typed behind Enter had gone to the list (Enter X backspace Y
    # ctrl+s over SSH edited nothing, although the editor says the keys typed are kept).
    BINDINGS = [Binding("enter", "choose_row", "Open", show=False, priority=True)]
    EDIT_ACTIONS: frozenset[str] = frozenset()
    APPROVE_ACTIONS: frozenset[str] = frozenset()
    ADMIN_ACTIONS: frozenset[str] = frozenset()  # shown to admins only (e.g. loading demo data)
    # Other actions that change data (checked inside, for any role): with the three above, what the
    # app refuses while it shows the register as of a past day (AimsApp.run_action, issue 19).
    WRITE_ACTIONS: frozenset[str] = frozenset()
    SHOWS_AS_OF = False  # True: reads the register as of the day set (key D) through self.aims.read_db

    def __init__(self, database: Database, login: str) -> None:
        super().__init__()
        self.database = database
        self.login = login

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "choose_row":
            return self._row_chooser(need_row=False) is not None  # else Enter goes on to the focused widget
        if action == "search":  # / is a priority key: in a text box it is typed, not a command
            from textual.widgets import Input  # (here: the dashboard's first paint loads no Input)

            return not isinstance(self.focused, Input)
        role = getattr(self.app, "role", None)
        if action in self.EDIT_ACTIONS and role not in EDIT:
            return False
        if action in self.APPROVE_ACTIONS and role not in EDIT:
            return False
        if action in self.ADMIN_ACTIONS and role not in ADMIN:
            return False
        if is_write_action(self, action) and getattr(self.app, "as_of", None) is not None:
            return None  # a past date is set: shown dimmed, and the app says why if pressed (issue 19)
        return True

    def _row_chooser(self, need_row: bool = True) -> Callable[[], None] | None:
        """What Enter does on the focused list's row, run in line: the screen's own handler
        of a chosen row, given the event the table would have sent (None: not a list row).
        ``need_row=False``: whether Enter belongs to the list at all (rows or not yet), so
        that the footer offers it the same whether or not the rows have arrived."""
        table = self.focused
        if table is None:
            # nothing focused yet (the list takes the focus just after the screen mounts, or got
            # it back after a dialog): Enter belongs to the list that would have it, so that the
            # screen it opens is there before the keys typed behind Enter (else they went to the
            # list and its Enter ran after them: Enter X backspace Y ctrl+s saved "Drif")
            table = next((t for t in self.query(DataTable) if t.display and t.cursor_type == "row"), None)
        if not isinstance(table, DataTable) or table.cursor_type != "row":
            return None
        pager = table.parent if isinstance(table.parent, PagedTable) else None
        if pager is not None:
            chosen = getattr(self, "on_paged_table_chosen", None)
            row = pager.current
            if chosen is None:
                return None
            if not need_row:
                return lambda: None
            if row is None:
                return None
            return lambda: chosen(PagedTable.Chosen(pager, row))
        selected = getattr(self, "on_data_table_row_selected", None)
        between = table.ancestors[:table.ancestors.index(self)] if self in table.ancestors else [None]
        if selected is None or any(hasattr(node, "on_data_table_row_selected") for node in between):
            return None  # a widget between the list and the screen takes the row itself
        if not need_row:
            return lambda: None
        if not table.row_count:
            return None
        row_key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key
        return lambda: selected(DataTable.RowSelected(table, table.cursor_row, row_key))

    def focus_search(self) -> None:
        """The search box (``#search``) focused at once, not as ``Widget.focus`` does (after the
        keys already waiting): with / a priority binding, what is typed in the same burst as /
        (typed ahead, over SSH) is the search, not commands to the list (f opening the filter)."""
        from textual.widgets import Input

        self.set_focus(self.query_one("#search", Input))

    def action_choose_row(self) -> None:
        choose = self._row_chooser()
        if choose is not None:
            choose()

    def refresh_data(self) -> None:
        """Read what is on screen again."""

    def on_screen_resume(self) -> None:
        self.refresh_data()


class PagedListScreen(AimsScreen):
    """A screen around one paged list: the list has the focus when the screen opens."""

    @property
    def pager(self) -> PagedTable:
        return self.query_one(PagedTable)

    def on_mount(self) -> None:
        self.pager.table.focus()
