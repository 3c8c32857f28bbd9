"""A table that holds only the rows on screen, read from SQL a window at a time.

Textual's DataTable measures every cell it holds, so holding a whole register
makes first paint grow with the register (measured: linear in the rows held). This widget keeps
exactly one window (the visible height) in its DataTable and moves the window
with keyset queries: arrows at the edge shift it by one row, PageUp/PageDown by
a page, Home/End jump to either end of the whole result; the next window is
prefetched so PageDown is usually instant. The row count comes from SQL.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Protocol

from rich.text import Text
from textual import events
from textual.app import ComposeResult
from textual.css.scalar import Unit
from textual.message import Message
from textual.widget import Widget
from textual.widgets import DataTable, Static

from ..base import DbMixin
from .cells import DirectCells


@dataclass
class Window:
    rows: list[dict[str, Any]]
    first_key: Any
    last_key: Any
    has_more: bool  # more rows in the direction that was read


class PageSource(Protocol):
    def fetch(self, *, after: Any = None, before: Any = None, last: bool = False, limit: int = 20) -> Window: ...

    def count(self) -> int: ...


@dataclass
class Col:
    key: str
    label: str
    width: int | None  # None: takes the remaining width
    render: Callable[[dict[str, Any]], Text]
    min_total: int = 0  # shown only when the table is at least this wide
    sort: str | None = None  # the sort key this column orders by


class WindowTable(DirectCells, DataTable):
    """The DataTable inside a PagedTable: edges move the window, not the cursor."""

    def settle(self) -> None:
        """Measure the rows just added now, not when the table is next idle: rows given before the
        first layout (``PagedTable._laid_out_size``) are then measured before the first frame, as
        a bare DataTable's rows given at mount are. Otherwise the first frame is drawn, the
        table measures its rows, and every cell is drawn a second time (one paint of the whole
        register, ~70 ms at 160x50, issue 15). What Textual 8.2's DataTable does on idle."""
        step = self._on_idle(events.Idle())  # a coroutine that never waits: run to its end here
        try:
            step.send(None)
        except StopIteration:
            pass
        else:  # pragma: no cover - a Textual whose idle step waits: let the idle run it
            step.close()
            self._require_update_dimensions = True

    @property
    def pager(self) -> "PagedTable":
        return self.parent  # type: ignore[return-value]

    def action_cursor_down(self) -> None:
        if self.row_count and self.cursor_row < self.row_count - 1:
            super().action_cursor_down()
        else:
            self.pager.shift(+1)

    def action_cursor_up(self) -> None:
        if self.cursor_row > 0:
            super().action_cursor_up()
        else:
            self.pager.shift(-1)

    def action_page_down(self) -> None:
        self.pager.page(+1)

    def action_page_up(self) -> None:
        self.pager.page(-1)

    def action_scroll_home(self) -> None:
        self.pager.home()

    def action_scroll_top(self) -> None:
        self.pager.home()

    def action_scroll_end(self) -> None:
        self.pager.end()

    def action_scroll_bottom(self) -> None:
        self.pager.end()

    def _on_mouse_scroll_down(self, event: events.MouseScrollDown) -> None:
        event.stop()
        event.prevent_default()
        self.pager.shift(+3)

    def _on_mouse_scroll_up(self, event: events.MouseScrollUp) -> None:
        event.stop()
        event.prevent_default()
        self.pager.shift(-3)


class PagedTable(DbMixin, Widget):
    """Rows from a PageSource, one visible window at a time."""

    DEFAULT_CSS = """
    PagedTable { height: 1fr; }
    PagedTable > WindowTable { height: 1fr; }
    PagedTable > .pager-status { height: 1; color: $text-muted; }
    """

    class Chosen(Message):
        """Enter (or a click) on a row."""

        def __init__(self, table: "PagedTable", row: dict[str, Any]) -> None:
            super().__init__()
            self.table = table
            self.row = row

    class Loaded(Message):
        def __init__(self, table: "PagedTable", total: int) -> None:
            super().__init__()
            self.table = table
            self.total = total

    class SortRequested(Message):
        def __init__(self, table: "PagedTable", sort: str) -> None:
            super().__init__()
            self.table = table
            self.sort = sort

    def __init__(self, columns: list[Col], *, row_key: str = "ref", empty_text: str = "No rows.",
                 id: str | None = None) -> None:
        super().__init__(id=id)
        self.columns = columns
        self.row_key = row_key
        self.empty_text = empty_text
        self.source: PageSource | None = None
        self.rows: list[dict[str, Any]] = []
        self.first_key: Any = None
        self.last_key: Any = None
        self.start = 0
        self.total = 0
        self.anchor: tuple = ("home",)
        self.more_after = False
        self._prefetched: tuple[Any, Window] | None = None
        self._shown_cols: list[Col] = []
        self._busy = False
        self._need_count = True
        self._pending_shift = 0
        self._page_size = 0
        self._first_on_size = False  # set_source came before the table had its size
        self._width_guess: int | None = None  # the width the first window was drawn for, before layout
        self.sort_label = ""

    def compose(self) -> ComposeResult:
        table = WindowTable(cursor_type="row", zebra_stripes=True)
        yield table
        yield Static("", classes="pager-status", markup=False)

    @property
    def table(self) -> WindowTable:
        return self.query_one(WindowTable)

    @property
    def page_size(self) -> int:
        h = self.table.size.height - 1 if self.table.size.height else 0
        if self.table.show_horizontal_scrollbar:
            h -= 1
        return max(3, h if h > 0 else 20)

    def _laid_out_size(self) -> tuple[int, int] | None:
        """Before the first layout: the width this list will have and the rows its table
        will show, from the screen's size and the fixed heights around the list (the header,
        the search line, the filter line, the footer); None when a neighbour's height is not
        a fixed number of lines. The first window is then read for that size and is in the
        first frame, as the rows a bare DataTable is given at mount are (issue 15): no empty
        table painted first and the whole table painted again. A wrong guess costs only that:
        the list's first resize reads the window again for the size it got."""
        parent, screen = self.parent, self.screen
        if parent is not screen or screen.styles.layout is None or screen.styles.layout.name != "vertical":
            return None
        width, height = self.app.size
        if not width or not height or any(screen.styles.padding) or any(self.styles.margin):
            return None
        used = 0
        for node in screen.children:
            if node is self or not node.display:
                continue
            h = node.styles.height
            if h is None or h.unit != Unit.CELLS:
                return None
            used += int(h.value) + node.styles.margin.top + node.styles.margin.bottom
        status = self.query(".pager-status").first()
        table_h = height - used - (int(status.styles.height.value) if status.styles.height else 1)
        rows = table_h - 1  # the table's header row
        return (width, rows) if rows >= 3 else None

    # -- public ----------------------------------------------------------------
    def set_source(self, source: PageSource, keep_position: bool = False) -> None:
        self.source = source
        self._prefetched = None
        if not self.rows and not keep_position and hasattr(source, "first_window"):
            # a screen's first window, read before its first paint when the source can (issue 15)
            if not self.table.size.height:
                guess = self._laid_out_size()
                if guess is not None and self._load_first(*guess):
                    return
                self._first_on_size = True  # the page size is known once the table has its size
                return
            if self._load_first():
                return
        if keep_position:
            self._load(self.anchor, self.table.cursor_row, count=True)
        else:
            self._load(("home",), 0, count=True)

    def reload(self) -> None:
        """Read the same window again (someone changed the data)."""
        if self.source is not None:
            self._prefetched = None
            self._load(self.anchor, self.table.cursor_row, count=True)

    @property
    def current(self) -> dict[str, Any] | None:
        if not self.rows:
            return None
        i = self.table.cursor_row
        return self.rows[i] if 0 <= i < len(self.rows) else None

    # -- moving the window -----------------------------------------------------
    def home(self) -> None:
        if self.start == 0 and self.rows:
            self.table.move_cursor(row=0)
            return
        self._load(("home",), 0)

    def end(self) -> None:
        if self.rows and self.start + len(self.rows) >= self.total:
            self.table.move_cursor(row=len(self.rows) - 1)
            return
        self._load(("end",), -1)

    def page(self, direction: int) -> None:
        if not self.rows:
            return
        cursor = self.table.cursor_row
        if direction > 0:
            if self.start + len(self.rows) >= self.total and not self.more_after:
                self.table.move_cursor(row=len(self.rows) - 1)
                return
            pre = self._prefetched
            if pre is not None and pre[0] == self.last_key and len(pre[1].rows) >= self.page_size:
                self._apply(("after", self.last_key), pre[1], cursor, self.start + len(self.rows))
                return
            self._load(("after", self.last_key), cursor, fill_end=True)
        else:
            if self.start == 0:
                self.table.move_cursor(row=0)
                return
            self._load(("before", self.first_key), cursor, fill_home=True)

    def shift(self, n: int) -> None:
        """Move the window by n rows (n > 0: towards the end). Key repeats
        that arrive while a window is being read are added up, not lost."""
        if not self.rows:
            return
        if self._busy:
            self._pending_shift += n
            return
        if n > 0:
            if self.start + len(self.rows) >= self.total and not self.more_after:
                return
            self._load(("after", self.first_key), len(self.rows) - 1, step=n)
        elif n < 0:
            if self.start == 0:
                return
            self._load(("before", self.last_key), 0, step=n)

    # -- loading ---------------------------------------------------------------
    def _load(self, anchor: tuple, cursor: int, *, count: bool = False, step: int = 0,
              fill_end: bool = False, fill_home: bool = False) -> None:
        source = self.source
        if source is None:
            return
        size = self.page_size
        self._page_size = size
        count = count or self._need_count
        self._need_count = count
        old_start, old_len, old_anchor = self.start, len(self.rows), self.anchor
        self._busy = True

        def fetch() -> tuple[Window, tuple, int]:
            a = anchor
            kind = a[0]
            if kind == "home":
                w = source.fetch(limit=size)
            elif kind == "end":
                w = source.fetch(last=True, limit=size)
            else:
                key = a[1]
                if abs(step) > 1:  # skip |step|-1 rows first (their last key anchors the window)
                    skip = source.fetch(after=key, limit=step - 1) if step > 0 else \
                        source.fetch(before=key, limit=-step - 1)
                    if skip.rows:
                        key = skip.last_key if step > 0 else skip.first_key
                    a = (kind, key)
                w = source.fetch(after=key if kind == "after" else None,
                                 before=key if kind == "before" else None, limit=size)
                if kind == "after" and (fill_end or step) and len(w.rows) < size:
                    a, w = ("end",), source.fetch(last=True, limit=size)
                elif kind == "before" and (fill_home or step) and len(w.rows) < size:
                    a, w = ("home",), source.fetch(limit=size)
            total = source.count() if count else -1
            return w, a, total

        def done(result: tuple[Window, tuple, int]) -> None:
            self._busy = False
            w, a, total = result
            if total >= 0:
                self.total = total
                self._need_count = False
            kind = a[0]
            if count and a == old_anchor:
                offset = old_start  # a reload keeps its place
            elif kind == "home":
                offset = 0
            elif kind == "end":
                offset = max(0, self.total - len(w.rows))
            elif step:
                offset = old_start + step
                if kind == "after" and not w.has_more:
                    offset = max(0, self.total - len(w.rows))
            elif kind == "after":
                offset = old_start + old_len
            else:
                offset = old_start - len(w.rows)
            self._apply(a, w, cursor, offset)
            pending, self._pending_shift = self._pending_shift, 0
            if pending:
                self.shift(pending)

        def failed(err: Exception) -> None:
            self._busy = False

        self.db_work(fetch, done, group=f"pager-{id(self)}", failed=lambda e: bool(failed(e)))

    def _load_first(self, width: int | None = None, size: int | None = None) -> bool:
        """The first window and the count at once, on this thread, when the source reads them in
        a few milliseconds at any size (the plain register through sqlite3): the screen's first
        frame has its rows, and no empty table is painted first. False: the worker reads them.
        ``width``, ``size``: the list's width and rows before its first layout (``_laid_out_size``)."""
        size = self.page_size if size is None else size
        self._width_guess = width
        try:
            got = self.source.first_window(size)  # type: ignore[union-attr]
        except Exception:  # noqa: BLE001 - the worker reads it again and says what fails
            got = None
        if got is None:
            return False
        w, total = got
        self._page_size, self.total, self._need_count = size, total, False
        self._apply(("home",), w, 0, 0)
        return True

    def _apply(self, anchor: tuple, w: Window, cursor: int, offset: int) -> None:
        self.anchor = anchor
        self.rows = w.rows
        self.first_key, self.last_key = w.first_key, w.last_key
        self.start = max(0, min(offset, max(0, self.total - len(w.rows))))
        self.more_after = w.has_more if anchor[0] in ("after", "home") else self.start + len(w.rows) < self.total
        if anchor[0] == "end":
            self.more_after = False
        self._render_rows(cursor)
        self.post_message(self.Loaded(self, self.total))
        self._prefetch()
        painted = getattr(self.app, "first_paint", None)
        if painted is not None:  # the app loads the ORM after its first screen's rows (issue 15)
            painted()

    def _prefetch(self) -> None:
        source, key, size = self.source, self.last_key, self.page_size
        if source is None or not self.more_after or key is None:
            return
        self.db_work(lambda: (key, source.fetch(after=key, limit=size)), self._prefetched_done,
                     group=f"prefetch-{id(self)}")

    def _prefetched_done(self, result: tuple[Any, Window]) -> None:
        self._prefetched = result

    # -- drawing ---------------------------------------------------------------
    def _columns_for_width(self) -> list[Col]:
        width = self.size.width or self._width_guess or 80
        cols = [c for c in self.columns if width >= c.min_total]
        fixed = sum((c.width or 0) + 2 for c in cols if c.width is not None)
        flex = [c for c in cols if c.width is None]
        room = max(8, width - fixed - 2 - 2 * len(flex))
        return [Col(c.key, c.label, c.width if c.width is not None else max(8, room // max(1, len(flex))),
                    c.render, c.min_total, c.sort) for c in cols]

    def _render_rows(self, cursor: int) -> None:
        table = self.table
        cols = self._columns_for_width()
        if [(c.key, c.width) for c in cols] != [(c.key, c.width) for c in self._shown_cols]:
            table.clear(columns=True)
            for c in cols:
                table.add_column(Text(c.label + self._sort_mark(c)), key=c.key, width=c.width)
            self._shown_cols = cols
        else:
            table.clear()
        for i, row in enumerate(self.rows):
            table.add_row(*[c.render(row) for c in cols], key=f"{i}")
        if self.rows:
            table.move_cursor(row=len(self.rows) - 1 if cursor < 0 else min(cursor, len(self.rows) - 1),
                              animate=False)
        if not table.size.height:
            table.settle()
        self._update_status()

    def _sort_mark(self, c: Col) -> str:
        return ""

    def _update_status(self) -> None:
        status = self.query_one(".pager-status", Static)
        if not self.rows:
            status.update(self.empty_text if self.total == 0 else "")
            return
        a, b = self.start + 1, self.start + len(self.rows)
        extra = f"  {self.sort_label}" if self.sort_label else ""
        status.update(f"{a:,}-{b:,} of {self.total:,}{extra}")

    def on_resize(self, event: events.Resize) -> None:
        if self._first_on_size and self.source is not None and self.table.size.height:
            self._first_on_size = False
            if not self._load_first():
                self._load(("home",), 0, count=True)
        elif self.source is not None and self.page_size != self._page_size:
            self._page_size = self.page_size
            self._load(self.anchor, self.table.cursor_row)
        elif self.rows and [(c.key, c.width) for c in self._columns_for_width()] != \
                [(c.key, c.width) for c in self._shown_cols]:
            self._render_rows(self.table.cursor_row)  # the columns for the new width

    # -- events ----------------------------------------------------------------
    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        row = self.current
        if row is not None:
            self.post_message(self.Chosen(self, row))

    def on_data_table_header_selected(self, event: DataTable.HeaderSelected) -> None:
        event.stop()
        for c in self._shown_cols:
            if c.key == event.column_key.value and c.sort:
                self.post_message(self.SortRequested(self, c.sort))

