"""A table cell drawn without Rich's general layout machinery (issue 15).

Textual's DataTable draws each cell through Rich: the cell wrapped in ``Padding`` and
``Styled``, measured, rendered, split into lines and cropped twice. For the one-line text
cells of our lists that is ~0.2 ms a cell, and the register's first frame has 9 columns of
45 rows: the largest single cost of its first paint after the imports (cProfile of the
benchmark's probe: ``DataTable._render_cell`` 218 ms profiled of 1,057, against 91 of 273
for the bare Textual app, which draws 225 cells).

``cell_lines`` draws the same segments directly for the common case (a ``Text`` of one line,
no tabs, a row one line high) and says ``None`` for anything else, which the table then draws
the usual way. A property test (tests/tui/test_cells.py) holds it to DataTable's own drawing:
the same characters in the same styles, for any text, spans, width, padding and cursor.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.console import Console
from rich.segment import Segment
from rich.style import Style
from rich.text import Text

_NULL = Style.null()
_JOINER = Text("\n")


def cell_lines(console: Console, cell: object, width: int, padding: int,
               pre_style: Style, post_style: Style) -> list[list[Segment]] | None:
    """The cell's one line of segments, ``width`` cells wide, as DataTable draws a one-line row
    (``Styled(Padding(cell, (0, padding)), pre_style, post_style)``, no wrapping); None when
    the cell is not a case drawn here."""
    if type(cell) is not Text:
        return None
    inner = width - 2 * padding
    plain = cell.plain
    if (inner <= 0 or "\n" in plain or "\t" in plain or cell.end != "\n" or cell.no_wrap is False
            or cell.justify not in (None, "default") or cell.overflow == "ignore"):
        return None
    line = cell.copy()
    # Text.wrap with no_wrap: the line cut to the width (an ellipsis if the text asks for one)
    line.truncate(inner, overflow=cell.overflow or "fold")
    # Text.__rich_console__ joins its lines: the text's own style becomes a span under the others
    segments = list(_JOINER.join([line]).render(console))
    # Padding renders its content padded to the inner width, then adds the padding each side
    body = Segment.adjust_line_length(segments, inner, style=_NULL, pad=True)
    side = [Segment(" " * padding, _NULL)] if padding else []
    # Styled: the cell's style under the text's spans, the cursor's colours over them
    return [list(Segment.apply_style([*side, *body, *side], pre_style, post_style))]


if TYPE_CHECKING:  # the mixin's attributes are DataTable's (no Textual import at run time here)
    from textual.widgets import DataTable as _TableBase
else:
    _TableBase = object


class DirectCells(_TableBase):
    """Mixed into a DataTable (before it): its one-line text cells drawn by ``cell_lines``.
    The register's list (WindowTable) and the dashboard's heat maps use it."""

    def _render_cell(self, row_index: int, column_index: int, base_style: Style, width: int,
                     cursor: bool = False, hover: bool = False) -> list[list[Segment]]:
        """A one-line text cell drawn directly (``cell_lines``: the same segments, at a
        fraction of the cost); the header, row labels and anything else as DataTable draws
        it. Kept in DataTable's own cache under its own key (Textual 8.2's ``_render_cell``)."""
        if row_index < 0 or column_index < 0 or row_index < self.fixed_rows or column_index < self.fixed_columns:
            return super()._render_cell(row_index, column_index, base_style, width, cursor, hover)
        row_key = self._row_locations.get_key(row_index)
        key = (row_key, self._column_locations.get_key(column_index), base_style, cursor, hover,
               self._show_hover_cursor, self._update_count, self._pseudo_class_state)
        lines = self._cell_render_cache.get(key)
        if lines is not None:
            return lines
        row = self.rows[row_key]
        if row.height == 1 and not row.auto_height:
            component, post = self._get_styles_to_render_cell(
                False, False, False, hover, cursor, self.show_cursor, self._show_hover_cursor,
                self.cursor_foreground_priority == "css", self.cursor_background_priority == "css")
            cell = self._get_row_renderables(row_index)[1][column_index]
            pre = base_style + Style.from_meta({"row": row_index, "column": column_index}) + component
            drawn = cell_lines(self.app.console, cell, width, self.cell_padding, pre, post)
            if drawn is not None:
                self._cell_render_cache[key] = drawn
                return drawn
        return super()._render_cell(row_index, column_index, base_style, width, cursor, hover)
