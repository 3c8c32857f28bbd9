"""Text from users and files, made safe to put on a terminal.

A cell of an imported sheet, a risk title or a login can hold characters that
a terminal obeys instead of showing: ESC starts an escape sequence (set the
window title, clear the screen, move the cursor), other C0/C1 controls and
DEL do their own things, and the bidi overrides and isolates (U+202A-U+202E,
U+2066-U+2069, LRM/RLM/ALM) reorder what follows them, so that a line reads
differently from what it holds ("Trojan Source").

:func:`visible` shows each of them as a visible escape instead: ``\\x1b``,
``\\t``, ``<U+202E>``. It is the one function every face (the app, the
command line, messages) uses before user text reaches the screen. The escape
is reversible: a backslash or a ``<U+`` that the user typed, and that could be
read as one of these escapes, is escaped too (``\\\\``, ``<U+003C>``), so two
different texts never look the same. Text without any of these characters
comes back unchanged (the common case costs one regex search).
"""

from __future__ import annotations

import re

# Bidi controls: ALM, LRM, RLM, LRE..RLO (U+202A-202E), LRI..PDI (U+2066-2069);
# line and paragraph separators (a terminal may break the line on them).
BIDI = "\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
SEPARATORS = "\u2028\u2029"
_UNSAFE_CLASS = "\x00-\x1f\x7f-\x9f" + BIDI + SEPARATORS
_SHORT = {"\t": "\\t", "\n": "\\n", "\r": "\\r"}

# A backslash is doubled only where it could be read as the start of one of our
# escapes: before x, t, n, r, another backslash, or a character that is escaped
# with a backslash. "<" is escaped only before "U+".
_ESCAPED = re.compile("[" + _UNSAFE_CLASS + "]|\\\\(?=[xtnr\\\\\x00-\x1f\x7f-\x9f])|<(?=U\\+)")
_ESCAPED_KEEP_LINES = re.compile(
    "\r\n|[" + _UNSAFE_CLASS.replace("\x00-\x1f", "\x00-\x08\x0b-\x1f") + "]"
    "|\\\\(?=[xtnr\\\\\x00-\x08\x0b-\x1f\x7f-\x9f])|<(?=U\\+)")


def _escape(match: re.Match) -> str:
    ch = match.group()
    if ch == "\r\n":
        return "\n"
    if ch == "\\":
        return "\\\\"
    if ch == "<":
        return "<U+003C>"
    if ch in _SHORT:
        return _SHORT[ch]
    code = ord(ch)
    if code <= 0x9F:
        return f"\\x{code:02x}"
    return f"<U+{code:04X}>"


def visible(value: object, *, keep_newlines: bool = False) -> str:
    """``value`` as text whose every character a terminal shows rather than obeys.

    Control characters become ``\\xNN`` (``\\t``, ``\\n``, ``\\r`` for the
    common three), bidi controls and line separators ``<U+XXXX>``. With
    ``keep_newlines`` (a widget that shows several lines), newlines and tabs
    stay as they are and a Windows line end becomes a newline.
    """
    text = "" if value is None else value if isinstance(value, str) else str(value)
    pattern = _ESCAPED_KEEP_LINES if keep_newlines else _ESCAPED
    if pattern.search(text) is None:
        return text
    return pattern.sub(_escape, text)


def is_visible(text: str) -> bool:
    """True when ``text`` holds no character a terminal would obey."""
    return re.search("[" + _UNSAFE_CLASS + "]", text) is None


def counted(n: int, noun: str, plural: str | None = None) -> str:
    """``n`` and its noun in the number that agrees with it: "1 risk", "0 risks", "2 risk reviews";
    ``plural`` for the nouns that do not just take an s ("1 nonconformity", "3 nonconformities")."""
    return f"{n} {noun if n == 1 else plural or noun + 's'}"


def are(n: int) -> str:
    """The verb that agrees with a count: "1 risk is", "2 risks are"."""
    return "is" if n == 1 else "are"
