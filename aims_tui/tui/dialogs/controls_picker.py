"""Pick the Annex A (and custom) controls linked to a risk.

Textual's SelectionList draws the same ``X`` in front of every row and tells a chosen row
from the others by colour alone: in a terminal of few colours, over SSH, or with NO_COLOR,
every control looked linked. Here only a chosen row carries the mark, and the title counts them.
"""

from __future__ import annotations

from rich.segment import Segment
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.strip import Strip
from textual.widgets import Button, SelectionList, Static
from textual.widgets._toggle_button import ToggleButton
from textual.widgets.option_list import OptionDoesNotExist
from textual.widgets.selection_list import Selection

from ..render import lit
from ..widgets.footer import AimsFooter


class ControlsList(SelectionList[str]):
    """A SelectionList whose unchosen rows show an empty box: the mark says chosen, not the colour."""

    def render_line(self, y: int) -> Strip:
        strip = super().render_line(y)
        try:
            selection = self.get_option_at_index(self.scroll_offset.y + y)
        except OptionDoesNotExist:
            return strip
        if selection.value in self._selected:
            return strip
        segments = list(strip)
        # Textual 8.2 draws [BUTTON_LEFT, BUTTON_INNER, BUTTON_RIGHT, " ", *prompt]
        if len(segments) > 1 and segments[1].text == ToggleButton.BUTTON_INNER:
            inner = segments[1]
            segments[1] = Segment(" " * len(inner.text), inner.style, inner.control)
            return Strip(segments, strip.cell_length)
        return strip


class ControlsPicker(ModalScreen[list[str] | None]):
    BINDINGS = [Binding("escape", "cancel", "Cancel"), Binding("ctrl+s", "ok", "Done")]

    def __init__(self, controls: list[tuple[str, str]], chosen: list[str]) -> None:
        super().__init__()
        self.controls, self.chosen = controls, set(chosen)

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog tall"):
            yield Static(self._title(len(self.chosen)), markup=False, classes="dialog-title", id="picker-title")
            yield ControlsList(*[
                Selection(lit(f"{code}  {title}"), code, code in self.chosen) for code, title in self.controls
            ])
            with Horizontal(classes="buttons"):
                yield Button("Done", id="ok", variant="primary", compact=True)
                yield Button("Cancel", id="cancel", compact=True)
        yield AimsFooter()  # the picker's keys, not those of the editor beneath it

    @staticmethod
    def _title(n: int) -> str:
        return f"Linked controls: {n} chosen (space: toggle, ctrl+s: done)"

    def on_mount(self) -> None:
        self.query_one(SelectionList).focus()

    def on_selection_list_selected_changed(self, event: SelectionList.SelectedChanged) -> None:
        self.query_one("#picker-title", Static).update(self._title(len(event.selection_list.selected)))

    def action_ok(self) -> None:
        sel = self.query_one(SelectionList).selected
        order = [c for c, _ in self.controls]
        self.dismiss(sorted(sel, key=order.index))

    def action_cancel(self) -> None:
        self.dismiss(None)

    def on_button_pressed(self, event: Button.Pressed) -> None:
        self.action_ok() if event.button.id == "ok" else self.action_cancel()
