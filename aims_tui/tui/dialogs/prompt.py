"""Ask for a line (or two) of text, e.g. a justification; checked before it closes."""

from __future__ import annotations

from typing import Callable

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Footer, Button, Input, Label, Static

from ..render import lines


class PromptDialog(ModalScreen[dict | None]):
    """Fields: list of (key, label, placeholder, initial). Returns {key: value}."""

    BINDINGS = [Binding("escape", "cancel", "Cancel"), Binding("ctrl+s", "ok", "OK")]

    def __init__(self, title: str, fields: list[tuple[str, str, str, str]], *, ok: str = "OK",
                 explain: str = "", check: Callable[[dict], str | None] | None = None) -> None:
        super().__init__()
        self.title_text, self.fields, self.ok_label, self.explain, self.check = title, fields, ok, explain, check

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Static(self.title_text, markup=False, classes="dialog-title")
            if self.explain:
                yield Static(self.explain, markup=False, classes="dialog-text")
            for key, label, placeholder, initial in self.fields:
                with Horizontal(classes="field"):
                    yield Label(label, classes="field-label")
                    yield Input(initial, placeholder=placeholder, id=f"f-{key}")
            yield Static("", id="prompt-error", markup=False, classes="error")
            with Horizontal(classes="buttons"):
                yield Button(self.ok_label, id="ok", variant="primary", compact=True)
                yield Button("Cancel", id="cancel", compact=True)

        yield Footer()
    def values(self) -> dict:
        return {k: self.query_one(f"#f-{k}", Input).value for k, *_ in self.fields}

    def on_input_changed(self, event: Input.Changed) -> None:
        self.query_one("#prompt-error", Static).update(lines(self.check(self.values()) or "" if self.check else ""))

    def on_input_submitted(self, event: Input.Submitted) -> None:
        self.action_ok()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "ok":
            self.action_ok()
        else:
            self.action_cancel()

    def action_ok(self) -> None:
        values = self.values()
        problem = self.check(values) if self.check else None
        if problem:
            self.query_one("#prompt-error", Static).update(lines(problem))
            return
        self.dismiss(values)

    def action_cancel(self) -> None:
        """Escape backs out; if something was typed, only after confirming."""
        if self.values() != {k: initial for k, _, _, initial in self.fields}:
            from .confirm import ConfirmDialog

            self.app.push_screen(ConfirmDialog("Discard what you typed?", "Discard", "Keep editing"),
                                 lambda yes: self.dismiss(None) if yes else None)
            return
        self.dismiss(None)
