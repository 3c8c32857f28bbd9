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
