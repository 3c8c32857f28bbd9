"""The text area of the forms: a TextArea whose editing keys keep their place among the
characters typed (``typed.InlineKeys``). Apart from ``typed.py`` so that a screen with only a
search box does not import Textual's TextArea (issue 15)."""

from __future__ import annotations

from textual.widgets import TextArea

from .typed import InlineKeys


class TypedTextArea(InlineKeys, TextArea):
    """A TextArea whose editing keys keep their place among the characters typed."""
