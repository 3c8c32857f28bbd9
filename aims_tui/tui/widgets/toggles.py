"""A checkbox whose state is a character, not only a colour.

Textual draws the same "X" in a ticked and an unticked checkbox and tells them apart
by colour only; with NO_COLOR every checkbox reads as ticked. ``Check`` draws "X"
when ticked and a blank when not, in colour or without.
"""

from __future__ import annotations

from textual.content import Content
from textual.widgets import Checkbox


class Check(Checkbox):
    @property
    def _button(self) -> Content:
        self.BUTTON_INNER = "X" if self.value else " "
        return super()._button
