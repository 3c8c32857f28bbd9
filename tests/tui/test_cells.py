"""The register's cells drawn directly (aims_tui.tui.widgets.cells) look exactly as DataTable
draws them: the same characters in the same styles, cell by cell, for any text (property test,
against the three lines of Rich that DataTable runs), and for every cell of the register on
screen, cursor row included (in the app)."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st
from rich.console import Console
from rich.padding import Padding
from rich.segment import Segment
from rich.style import Style
from rich.text import Span, Text
from textual.renderables.styled import Styled
from textual.widgets import DataTable

from aims_tui.core.services import risks
from aims_tui.tui.widgets.cells import cell_lines
from aims_tui.tui.widgets.paged_table import WindowTable

from ..conftest import EDITOR
from .helpers import goto, make_app, settle

CONSOLE = Console(width=120, color_system="truecolor", force_terminal=True)
STYLES = st.sampled_from([Style.null(), Style(bold=True), Style(color="red"), Style(bgcolor="blue", italic=True),
                          Style(color="#ffcc00", underline=True), Style(dim=True, reverse=True)])
CHARS = st.text(alphabet=st.sampled_from(list("ab Z-_.é€中文😀[]/:") + ["\u0301"]), max_size=30)


def simple(lines: list[list[Segment]]) -> list[list[tuple[str, Style | None]]]:
    """Segments joined where the style is the same: what the terminal shows."""
    return [[(s.text, s.style) for s in Segment.simplify(line)] for line in lines]


def datatable_draws(cell: Text, width: int, padding: int, pre: Style, post: Style) -> list[list[Segment]]:
    """What DataTable._render_cell draws for a one-line row (Textual 8.2)."""
    options = CONSOLE.options.update_dimensions(width, 1).update(no_wrap=True)
    return CONSOLE.render_lines(Styled(Padding(cell, (0, padding)), pre_style=pre, post_style=post), options)


@st.composite
def texts(draw) -> Text:
    plain = draw(CHARS)
    spans = []
    for _ in range(draw(st.integers(0, 3))):
        start = draw(st.integers(0, len(plain)))
        end = draw(st.integers(start, len(plain)))
        spans.append(Span(start, end, draw(STYLES)))
    return Text(plain, style=draw(STYLES), spans=spans,
                overflow=draw(st.sampled_from([None, "fold", "crop", "ellipsis"])),
                no_wrap=draw(st.sampled_from([None, True])))


@settings(max_examples=400, deadline=None)
@given(cell=texts(), width=st.integers(1, 40), padding=st.integers(0, 2), pre=STYLES, post=STYLES)
def test_a_cell_drawn_directly_is_the_cell_datatable_draws(cell, width, padding, pre, post):
    drawn = cell_lines(CONSOLE, cell, width, padding, pre, post)
    if drawn is None:  # not a case drawn directly: DataTable draws it
        assert width - 2 * padding <= 0
        return
    assert simple(drawn) == simple(datatable_draws(cell, width, padding, pre, post))


def test_cells_not_drawn_directly_are_left_to_datatable():
    """Two lines, a tab, a plain string: DataTable's own drawing."""
    for cell in (Text("a\nb"), Text("a\tb"), "plain", Text("x", justify="right")):
        assert cell_lines(CONSOLE, cell, 10, 1, Style.null(), Style.null()) is None


async def test_every_cell_of_the_register_on_screen_is_drawn_as_datatable_draws_it(db):
    """In the app, at 100x30: each cell of the register's window, cursor row included, drawn by
    WindowTable is the cell DataTable draws (its cache cleared in between)."""
    for i in range(12):
        risks.create_risk(db, EDITOR, {"title": f"Model drift [bold]{i}[/] 中文 " + "x" * (i * 4),
                                       "inherent_likelihood": 1 + i % 5, "inherent_impact": 1 + (i * 3) % 5})
    app = make_app(db, EDITOR)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await goto(pilot, "2")
        table = app.screen.query_one(WindowTable)
        assert table.row_count == 12
        base = table.rich_style
        compared = 0
        for row in range(table.row_count):
            # every cell is one the table draws directly (else this compares DataTable with itself)
            assert all(cell_lines(app.console, cell, 20, 1, base, Style.null()) is not None
                       for cell in table._get_row_renderables(row)[1])
            for col, column in enumerate(table.ordered_columns):
                for cursor in (False, True):
                    table._cell_render_cache.clear()
                    ours = table._render_cell(row, col, base, column.get_render_width(table), cursor)
                    table._cell_render_cache.clear()
                    theirs = DataTable._render_cell(table, row, col, base, column.get_render_width(table), cursor)
                    assert simple(ours) == simple(theirs), (row, col, cursor)
                    compared += 1
        assert compared == 12 * len(table.ordered_columns) * 2


async def test_every_cell_of_the_dashboard_s_heat_maps_is_drawn_as_datatable_draws_it(demo_db):
    """The heat maps draw their cells the same way (DirectCells): each of the 25 cells of both
    maps, with and without the cursor, is the cell DataTable draws; the row labels and the
    header are left to DataTable."""
    from aims_tui.tui.widgets.heat_map import HeatMap

    app = make_app(demo_db, EDITOR)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        maps = list(app.screen.query(HeatMap))
        assert len(maps) == 2 and all(m.row_count == 5 for m in maps)
        compared = 0
        for table in maps:
            base = table.rich_style
            for row in range(table.row_count):
                assert all(cell_lines(app.console, cell, 6, 1, base, Style.null()) is not None
                           for cell in table._get_row_renderables(row)[1])
                for col, column in enumerate(table.ordered_columns):
                    for cursor in (False, True):
                        table._cell_render_cache.clear()
                        ours = table._render_cell(row, col, base, column.get_render_width(table), cursor)
                        table._cell_render_cache.clear()
                        theirs = DataTable._render_cell(table, row, col, base, column.get_render_width(table),
                                                        cursor)
                        assert simple(ours) == simple(theirs), (table.id, row, col, cursor)
                        compared += 1
        assert compared == 2 * 25 * 2
