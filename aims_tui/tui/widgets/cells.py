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
