"""The base of every aims screen: the database, the login, role-aware actions."""

from __future__ import annotations

from textual.screen import Screen

from ...core.db import Database
from ...core.identity import EDIT
from ..base import DbMixin
from ..widgets.paged_table import PagedTable


class AimsScreen(DbMixin, Screen):
    """A screen over the database.

    ``EDIT_ACTIONS`` and ``APPROVE_ACTIONS`` name the actions a role may lack.
    Viewers see none of them (footer, help, command palette); an editor sees
    the approver actions and, using one, is told which role it needs.
    ``refresh_data`` is called when another user (or this one) commits.
    """

    AUTO_FOCUS = "DataTable"  # the list, not the search box: single keys are commands
    EDIT_ACTIONS: frozenset[str] = frozenset()
    APPROVE_ACTIONS: frozenset[str] = frozenset()

    def __init__(self, database: Database, login: str) -> None:
        super().__init__()
        self.database = database
        self.login = login

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        role = getattr(self.app, "role", None)
        if action in self.EDIT_ACTIONS and role not in EDIT:
            return False
        if action in self.APPROVE_ACTIONS and role not in EDIT:
            return False
        return True

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
