"""core.text.visible: what a terminal would obey is shown, never obeyed (issue 14)."""

from __future__ import annotations

import re

from hypothesis import given
from hypothesis import strategies as st

from aims_tui.core.text import BIDI, visible

DANGEROUS = re.compile("[\x00-\x1f\x7f-\x9f" + BIDI + "\u2028\u2029]")


def unescape(shown: str) -> str:
    """The inverse of visible() (single-line form), written from its documented rules."""
    out, i = [], 0
    short = {"t": "\t", "n": "\n", "r": "\r", "\\": "\\"}
    while i < len(shown):
        ch = shown[i]
        if ch == "\\" and i + 1 < len(shown) and shown[i + 1] in short:
            out.append(short[shown[i + 1]])
            i += 2
        elif ch == "\\" and re.match(r"x[0-9a-f]{2}", shown[i + 1:i + 4]):
            out.append(chr(int(shown[i + 2:i + 4], 16)))
            i += 4
        elif (m := re.match(r"<U\+([0-9A-F]{4,6})>", shown[i:])):
            out.append(chr(int(m.group(1), 16)))
            i += m.end()
        else:
            out.append(ch)
            i += 1
    return "".join(out)


# text rich in what matters: controls, bidi, backslashes, "<U+", plain letters
tricky = st.text(alphabet=st.sampled_from(
    list("\x00\x07\x08\t\n\r\x1b\x7f\x85\x9b\u061c\u200e\u200f\u202a\u202e\u2066\u2069\u2028")
    + list("\\<>U+xtnr0123456789abcdefABCDEF é漢"),
), max_size=40)


@given(st.one_of(tricky, st.text(max_size=60)))
def test_visible_text_holds_no_control_or_bidi_character_and_can_be_read_back(value):
    """An ESC, a C1 control or a right-to-left override never reaches the terminal,
    and two different texts never look the same (the escape can be undone)."""
    shown = visible(value)
    assert DANGEROUS.search(shown) is None
    assert unescape(shown) == value


@given(tricky)
def test_kept_newlines_are_the_only_line_breaks_left_in_multi_line_text(value):
    """A description shown on several lines keeps its lines; nothing else gets through."""
    shown = visible(value, keep_newlines=True)
    assert re.search("[\x00-\x08\x0b-\x1f\x7f-\x9f" + BIDI + "\u2028\u2029]", shown) is None
    assert shown.count("\n") == value.replace("\r\n", "\n").count("\n")


def test_a_terminal_title_sequence_and_a_right_to_left_override_are_shown_escaped():
    """The cell of issue 14 that set the terminal's title, and the RLO that reversed a line."""
    assert visible("\x1b]0;owned\x07Risk") == "\\x1b]0;owned\\x07Risk"
    assert visible("Invoice \u202etxt.exe") == "Invoice <U+202E>txt.exe"
    assert visible("a\tb\nc") == "a\\tb\\nc"


def test_ordinary_text_is_unchanged_even_with_backslashes_and_angle_brackets():
    """A Windows path or <b>markup</b> is not mangled: only what could be mistaken is escaped."""
    for plain in ("C:\\Program Files\\aims", "<b>bold</b> & R&D", "Müller 漢字 🙂", "", "a\\"):
        assert visible(plain) == plain
    assert visible("C:\\temp\\new") == "C:\\\\temp\\\\new"  # \t and \n would read as escapes
    assert visible("<U+202E>") == "<U+003C>U+202E>"
