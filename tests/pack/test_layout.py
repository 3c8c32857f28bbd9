"""Properties of the pack's text primitives: wrapping, escaping, printable text."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st
from reportlab.pdfbase import pdfmetrics

from aims_tui.reports.layout import FONT, _coverage, _styles, para, printable, register_fonts, wrap_plain

register_fonts()
STYLE = _styles()["cell"]
TEXT = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=400)
WORDY = st.lists(st.one_of(st.text(alphabet="abcXYZ<>&;/ ΣЖ", min_size=1, max_size=120), st.just(" ")),
                 max_size=40).map("".join)


@settings(max_examples=150, deadline=None)
@given(WORDY, st.floats(min_value=20, max_value=400))
def test_wrapped_lines_fit_the_width_and_keep_every_character(text, width):
    """Every line fits (long words are broken); no character is lost or reordered."""
    out = wrap_plain(text, width)
    for line in out.split("\n"):
        assert pdfmetrics.stringWidth(line, FONT, 7.5) <= max(width, 15.0) + 0.01
    assert "".join(out.split()) == "".join(printable(text).split())


@settings(max_examples=150, deadline=None)
@given(TEXT)
def test_any_text_becomes_a_paragraph_that_reads_back_literally(text):
    """Markup-like input never raises and is never interpreted: the plain text is the input."""
    p = para(text, STYLE)
    assert "".join(p.getPlainText().split()) == "".join(printable(text).split())  # <br/> reads back as nothing


@settings(max_examples=150, deadline=None)
@given(TEXT)
def test_printable_text_only_uses_characters_the_embedded_font_has(text):
    """Whatever a user types, every character printed is in DejaVu Sans (or a line break)."""
    cover = _coverage()
    out = printable(text)
    assert len(out) == len(text)
    assert all(c in "\n\r" or ord(c) in cover for c in out)


CELL_ATTRS = ("fontname", "fontsize", "leading", "color", "alignment", "valign", "leftPadding", "rightPadding",
              "topPadding", "bottomPadding")
CELL_OP = st.sampled_from([("FONT", "DejaVuSans-Bold", 7.5, 9.2), ("FONT", "DejaVuSans", 8), ("TEXTCOLOR", "#c62828"),
                           ("ALIGN", "RIGHT"), ("ALIGN", "CENTER"), ("LEFTPADDING", 3), ("TOPPADDING", 1.5),
                           ("BOTTOMPADDING", 2.0), ("RIGHTPADDING", 0), ("LEADING", 11), ("FONTSIZE", 9)])
SPAN = st.tuples(st.integers(-4, 3), st.integers(-4, 3))


@settings(max_examples=200, deadline=None)
@given(st.integers(1, 4), st.integers(1, 4), st.lists(st.tuples(CELL_OP, SPAN, SPAN), max_size=8))
def test_shared_cell_styles_give_every_cell_what_reportlab_gives_it(nrows, ncols, commands):
    """A system's page built ~60 CellStyles through ReportLab's per-cell styling (15% of the pack's
    CPU); the shared styles must leave each cell exactly the attributes ReportLab's would."""
    from reportlab.lib import colors
    from reportlab.platypus import Table, TableStyle

    from aims_tui.reports.layout import GRID, shared_cell_styles

    cmds = [("GRID", (0, 0), (-1, -1), 0.4, GRID), ("VALIGN", (0, 0), (-1, -1), "TOP")]
    cmds += [(op[0], start, end, *op[1:]) for op, start, end in commands]
    cmds.append(("BACKGROUND", (0, 0), (-1, 0), colors.white))
    shared = shared_cell_styles(cmds, nrows, ncols)
    assert shared is not None
    styles, drawing = shared
    ref = Table([[""] * ncols for _ in range(nrows)])
    ref.setStyle(TableStyle(cmds))
    for i in range(nrows):
        for j in range(ncols):
            for a in CELL_ATTRS:
                assert getattr(styles[i][j], a) == getattr(ref._cellStyles[i][j], a), (i, j, a)
    assert drawing == [cmds[0], cmds[-1]]


def test_shared_cell_styles_decline_a_middle_aligned_cell():
    """ReportLab changes a middle-aligned cell's style in place when it splits its row: such a
    table keeps one style per cell (a shared one would move every row that shares it)."""
    from aims_tui.reports.layout import shared_cell_styles

    assert shared_cell_styles([("VALIGN", (0, 0), (-1, -1), "MIDDLE")], 2, 2) is None
    assert shared_cell_styles([("VALIGN", (0, 0), (-1, -1), "TOP"), ("VALIGN", (1, 1), (1, 1), "MIDDLE")], 2, 2) is None
    assert shared_cell_styles([("VALIGN", (0, 0), (-1, -1), "TOP")], 2, 2) is not None
