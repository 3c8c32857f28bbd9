"""Pick the Annex A (and custom) controls linked to a risk."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, SelectionList, Static
from textual.widgets.selection_list import Selection

from ..render import lit


class ControlsPicker(ModalScreen[list[str] | None]):
    BINDINGS = [Binding("escape", "cancel", "Cancel"), Binding("ctrl+s", "ok", "Done")]

    def __init__(self, controls: list[tuple[str, str]], chosen: list[str]) -> None:
        super().__init__()
        self.controls, self.chosen = controls, set(chosen)

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog tall"):
            yield Static("Linked controls (space: toggle, ctrl+s: done)", markup=False, classes="dialog-title")
            yield SelectionList[str](*[
                Selection(lit(f"{code}  {title}"), code, code in self.chosen) for code, title in self.controls
            ])
            with Horizontal(classes="buttons"):
                yield Button("Done", id="ok", variant="primary", compact=True)
                yield Button("Cancel", id="cancel", compact=True)

    def on_mount(self) -> None:
        self.query_one(SelectionList).focus()

    def action_ok(self) -> None:
        sel = self.query_one(SelectionList).selected
        order = [c for c, _ in self.controls]
        self.dismiss(sorted(sel, key=order.index))

    def action_cancel(self) -> None:
        self.dismiss(None)

    def on_button_pressed(self, event: Button.Pressed) -> None:
        self.action_ok() if event.button.id == "ok" else self.action_cancel()
