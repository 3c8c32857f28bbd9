"""A simple list screen: a DataTable of a short list (tens to hundreds of rows)
read in one call, with a title line. Screens over big tables use PagedTable."""

from __future__ import annotations

from typing import Any, Callable

from rich.text import Text
from textual.app import ComposeResult
from textual.widgets import DataTable, Static

from ...core.services import systems, users
from .base import AimsScreen
from ..widgets.header import AimsHeader
from ..widgets.row_table import RowTable
from ..widgets.footer import AimsFooter


class ListScreen(AimsScreen):
    # (label, width or None for the flexible column, shown only from this terminal width)
    COLUMNS: list[tuple] = []

    def __init__(self, database, login) -> None:
        super().__init__(database, login)
        self.rows: list[dict[str, Any]] = []

    def compose(self) -> ComposeResult:
        yield AimsHeader()
        yield Static("", id="list-title", classes="detail-title", markup=False)
        yield RowTable(id="list", cursor_type="row", zebra_stripes=True)
        yield AimsFooter()

    def on_mount(self) -> None:
        self._layout = None
        self.table.focus()

    def _columns(self) -> list[tuple[int, str, int]]:
        """(index in COLUMNS, label, width) of the columns that fit the screen."""
        width = self.size.width or 80
        cols = [(i, c[0], c[1]) for i, c in enumerate(self.COLUMNS) if width >= (c[2] if len(c) > 2 else 0)]
        fixed = sum((w or 0) + 2 for _, _, w in cols)
        flex = max(10, width - fixed - 4)
        return [(i, label, w if w is not None else flex) for i, label, w in cols]

    def on_resize(self) -> None:
        if self.rows or self._layout is not None:
            self.show(self.rows)

    @property
    def table(self) -> DataTable:
        return self.query_one("#list", DataTable)

    def load(self) -> Any:
        """Runs in a worker: return the rows."""
        raise NotImplementedError

    def cells(self, row: dict[str, Any]) -> list[Text]:
        raise NotImplementedError

    def title_line(self) -> str:
        return ""

    def refresh_data(self) -> None:
        self.db_work(self.load, self.show)

    def show(self, rows: list[dict[str, Any]]) -> None:
        self.rows = rows
        t = self.table
        cursor = t.cursor_row
        layout = self._columns()
        if layout != self._layout:
            t.clear(columns=True)
            for _, label, w in layout:
                t.add_column(label, width=w)
            self._layout = layout
        else:
            t.clear()
        keep = [i for i, _, _ in layout]
        for r in rows:
            cells = self.cells(r)
            t.add_row(*[cells[i] for i in keep])
        if rows:
            t.move_cursor(row=min(cursor, len(rows) - 1), animate=False)
        self.query_one("#list-title", Static).update(f"{self.title_line()}  ({len(rows)})")

    @property
    def current(self) -> dict[str, Any] | None:
        i = self.table.cursor_row
        return self.rows[i] if self.rows and 0 <= i < len(self.rows) else None

    def choice_lists(self) -> Callable[[], dict[str, list[tuple[str, Any]]]]:
        """What a form reads (off the UI thread) for its lists: AI systems, active users."""
        db = self.database

        def read() -> dict[str, list[tuple[str, Any]]]:
            return {"systems": [(f"{s['ref']} {s['name']}", s["ref"]) for s in systems.list_systems(db)],
                    "users": [(u["login"], u["login"]) for u in users.list_users(db, include_inactive=False)]}

        return read
