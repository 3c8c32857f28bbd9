"""Small forms that save themselves: management review, decisions, action.

A :class:`SavingForm` runs its own write (``db_write``) and closes only when
the write has landed. ctrl+s saves from anywhere in the form, Enter saves from
a one-line field, Escape cancels (asking first when something was typed).
While the save waits (e.g. for a teammate's write lock) the form says so and
keeps every key typed; on a refusal it stays open with the text intact, names
the field as the user sees it and puts the cursor in it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any, Callable

from textual import events
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widget import Widget
from textual.widgets import Button, Input, Label, Static, TextArea

from ...core.errors import AimsError, ValidationError
from ..base import DbMixin
from ..widgets.form_keys import type_stray_key
from ..widgets.typed import TypedInput
from ..widgets.typed_area import TypedTextArea
from ..widgets.footer import AimsFooter
from .confirm import ConfirmDialog


@dataclass(frozen=True)
class Field:
    key: str  # the service's field name
    label: str  # what the user sees
    initial: str = ""
    placeholder: str = ""
    multiline: bool = False


def field_message(err: AimsError, labels: dict[str, str]) -> tuple[str | None, str]:
    """The error in the user's words: (field key or None, one line naming the field by its label)."""
    if isinstance(err, ValidationError):
        lines = []
        for key, msg in err.errors:
            lines.append(f"{labels.get(key, key)}: {msg}")
        first = err.errors[0][0] if err.errors else err.field
        return (first if first in labels else None), "; ".join(lines)
    return None, str(err)


class SavingForm(DbMixin, ModalScreen[Any]):
    """A few fields saved by ``save(values)`` in a write of its own."""

    BINDINGS = [
        Binding("ctrl+s", "save", "Save", priority=True),
        Binding("escape", "cancel", "Cancel"),
        # Tab moves the focus when it is read, so keys typed right after it reach the next field
        Binding("tab", "app.focus_next", "Next field", show=False, priority=True),
        Binding("shift+tab", "app.focus_previous", "Previous field", show=False, priority=True),
    ]
    FORM_CLASSES = "dialog mr-form"
    AUTO_FOCUS = None  # on_mount puts the cursor in first_focus(); no second, racing choice
    DEFAULT_CSS = """
    SavingForm .mr-form { max-width: 80; }
    SavingForm .mr-field { height: 1; margin-bottom: 1; }
    SavingForm .mr-label { width: 16; }
    SavingForm .mr-field Input { width: 1fr; }
    SavingForm .mr-area-label { height: 1; }
    SavingForm .mr-area { height: 5; }
    SavingForm .mr-field Select { width: 1fr; }
    """

    def __init__(self, title: str, fields: list[Field], save: Callable[[dict[str, Any]], Any], *,
                 message: str | Callable[[Any], str] | None = None, explain: str = "") -> None:
        super().__init__()
        self.title_text = title
        self.fields = fields
        self.save = save
        self.message = message
        self.explain = explain
        self.pending = False
        self._was_focused: Widget | None = None

    # -- layout ---------------------------------------------------------------
    def compose(self) -> ComposeResult:
        with Vertical(classes=self.FORM_CLASSES):
            yield Static(self.title_text, markup=False, classes="dialog-title")
            if self.explain:
                yield Static(self.explain, markup=False, classes="dialog-text")
            yield from self.extra_top()
            for f in self.fields:
                if f.multiline:
                    yield Label(f.label, classes="mr-area-label")
                    yield TypedTextArea(f.initial, id=f"f-{f.key}", classes="mr-area",
                                   soft_wrap=True, show_line_numbers=False)
                else:
                    with Horizontal(classes="mr-field"):
                        yield Label(f.label, classes="mr-label")
                        yield TypedInput(f.initial, placeholder=f.placeholder, id=f"f-{f.key}", compact=True,
                                    select_on_focus=False)  # one key must never wipe a value
            yield Static("", id="form-error", markup=False, classes="error")
            yield Static("ctrl+s saves" + ("" if self._only_areas() else " (Enter in a line too)")
                         + "  ·  Esc cancels", id="form-hint", markup=False, classes="hint")
            with Horizontal(classes="buttons"):
                yield Button("Save", id="save", variant="primary", compact=True)
                yield Button("Cancel", id="cancel", compact=True)
        yield AimsFooter()

    def extra_top(self) -> ComposeResult:
        yield from ()

    def _only_areas(self) -> bool:
        return all(f.multiline for f in self.fields)

    def on_mount(self) -> None:
        self.first_focus().focus()

    def first_focus(self) -> Widget:
        """Where the cursor starts (Textual calls every class's on_mount: override this instead)."""
        return self.query_one(f"#f-{self.fields[0].key}")

    # -- values -----------------------------------------------------------------
    def values(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for f in self.fields:
            w = self.query_one(f"#f-{f.key}")
            out[f.key] = w.text if isinstance(w, TextArea) else w.value  # type: ignore[attr-defined]
        return out

    def changed(self) -> bool:
        return self.values() != {f.key: f.initial for f in self.fields}

    def labels(self) -> dict[str, str]:
        return {f.key: f.label for f in self.fields}

    def on_key(self, event: events.Key) -> None:
        """A key that reaches the form itself (typed in the same burst as Tab, or while the
        form was opening) goes into the focused field, or the first one: never nowhere."""
        type_stray_key(event, self.focused,
                       lambda: next((b for b in self.query("Input, TextArea") if not b.disabled), None))

    # -- saving -------------------------------------------------------------------
    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.action_save()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        if event.button.id == "save":
            self.action_save()
        else:
            self.action_cancel()

    def _lock(self, locked: bool) -> None:
        """While a save waits, the fields take no keys (a key typed then would vanish when the
        form closes); they show what is being saved and come back as they were on a refusal."""
        for w in self.query(".mr-field Input, .mr-field Select, TextArea.mr-area"):
            w.disabled = locked

    def action_save(self) -> None:
        if self.pending:
            return  # one save at a time
        values = self.values()
        save = self.save
        self.pending = True
        self._was_focused = self.focused
        self._lock(True)
        self.query_one("#form-error", Static).update("")
        self.query_one("#form-hint", Static).update(
            "Saving… the fields wait until it lands (the database may be busy with a teammate's write)")
        self.db_write(lambda: save(values), self._saved, failed=self._refused, message=self.message)

    def _saved(self, result: Any) -> None:
        self.pending = False
        self.dismiss(result)

    def _refused(self, err: AimsError) -> bool:
        self.pending = False
        self._lock(False)
        key, text = field_message(err, self.labels())
        self.query_one("#form-error", Static).update(text)
        self.query_one("#form-hint", Static).update("Not saved: fix it and press ctrl+s, or Esc to cancel")
        target = next(iter(self.query(f"#f-{key}")), None) if key else None
        target = target or self._was_focused
        if target is not None:
            target.focus()
        return True

    def action_cancel(self) -> None:
        if self.pending:
            self.aims.say("saving… the form closes when the save lands")
            return
        if self.changed():
            self.app.push_screen(ConfirmDialog("Discard what you typed?", "Discard", "Keep editing"),
                                 lambda yes: self.dismiss(None) if yes else None)
            return
        self.dismiss(None)


def new_review_form(save: Callable[[dict[str, Any]], Any], today: date) -> SavingForm:
    return SavingForm("New management review", [
        Field("held_on", "Held on", today.isoformat(), "YYYY-MM-DD"),
        Field("period_start", "Period from", "", "YYYY-MM-DD (optional)"),
        Field("period_end", "Period to", "", "YYYY-MM-DD (optional)"),
        Field("attendees", "Attendees", "", "who attends"),
    ], save, message=lambda r: f"{r['ref']} created")


def decisions_form(save: Callable[[dict[str, Any]], Any], ref: str, decisions: str,
                   opportunities: str) -> SavingForm:
    return SavingForm(f"Decisions of {ref} (9.3.3)", [
        Field("decisions", "Decisions on improvement and needed changes", decisions, multiline=True),
        Field("opportunities", "Opportunities for improvement (9.3.2 e)", opportunities, multiline=True),
    ], save, message=f"recorded the decisions of {ref}")


def action_form(save: Callable[[dict[str, Any]], Any], ref: str, owner: str) -> SavingForm:
    return SavingForm(f"New action for {ref}", [
        Field("action", "Action", "", "what is to be done"),
        Field("owner", "Owner (login)", owner, "login"),
        Field("due_date", "Due date", "", "YYYY-MM-DD (optional)"),
    ], save, message=f"added an action to {ref}")
