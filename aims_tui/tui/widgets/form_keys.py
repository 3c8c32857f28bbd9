"""Form pieces that keep every key the user types.

- ``HoldKeysUntilLoaded``: a dialog that takes no keys before its record is
  loaded. Keys typed meanwhile are held and applied in order once it is, so
  none is lost and none replaces the loaded text.
- ``FormInput``: an Input that selects nothing on focus (one key never wipes a
  value).
- ``ScoreInput``: a one-digit score field: a digit typed into it becomes its
  value, whether or not it held one, so a digit typed right after Tab is never
  lost or refused by the length limit.
"""

from __future__ import annotations

from typing import Callable

from textual import events
from textual.binding import Binding
from textual.widget import Widget
from textual.widgets import Input, TextArea

from ...core.identity import EDIT
from .typed import TypedInput

# Tab and shift+tab move the focus at once, before the next key is handed on: as
# ordinary bindings they run only after the key has bubbled back up from the field,
# so a digit typed right behind a Tab (a burst from the terminal, or held keys
# applied after a load) went to the field being left.
def type_stray_key(event: events.Key, focused: Widget | None, first: Callable[[], Widget | None]) -> None:
    """A printable key that reached the form itself (typed while it was opening, or in
    the same burst as Tab) goes into the focused field, or the ``first`` one: never
    nowhere. (A key typed into a field is taken by the field and never gets here.)"""
    if not event.is_printable or not event.character:
        return
    w = focused
    if not isinstance(w, (Input, TextArea)):
        if w is not None:
            return
        w = first()
        if w is None:
            return
    if w.disabled:
        return
    if isinstance(w, TextArea):
        w.insert(event.character)
    elif isinstance(w, Input):
        w.insert_text_at_cursor(event.character)
    event.stop()
    event.prevent_default()


FOCUS_KEYS = [
    Binding("tab", "next_field", "Next field", show=False, priority=True),
    Binding("shift+tab", "previous_field", "Previous field", show=False, priority=True),
]


class HoldKeysUntilLoaded:
    """Mix into a ModalScreen with ``AUTO_FOCUS = ""`` and a ``loaded`` flag; call
    ``release_keys()`` once the record is on screen and the first field focused.
    Add ``FOCUS_KEYS`` to its BINDINGS (a dialog without a load is always loaded)."""

    PASS_THROUGH = frozenset({"escape", "ctrl+q", "ctrl+c"})
    loaded: bool
    _held_keys: list[tuple[str, str | None]]

    def on_key(self, event: events.Key) -> None:
        if getattr(self, "loaded", True) or event.key in self.PASS_THROUGH:
            return
        if not hasattr(self, "_held_keys"):
            self._held_keys = []
        self._held_keys.append((event.key, event.character))
        event.stop()
        event.prevent_default()

    def action_next_field(self) -> None:
        self._focus_step("tab", "\t")

    def action_previous_field(self) -> None:
        self._focus_step("shift+tab", None)

    def _focus_step(self, key: str, character: str | None) -> None:
        if not getattr(self, "loaded", True):
            if not hasattr(self, "_held_keys"):
                self._held_keys = []
            self._held_keys.append((key, character))
            return
        screen = self  # type: ignore[assignment]
        screen.focus_next() if key == "tab" else screen.focus_previous()  # type: ignore[attr-defined]

    @property
    def held_keys(self) -> int:
        return len(getattr(self, "_held_keys", []))

    def release_keys(self) -> None:
        held, self._held_keys = getattr(self, "_held_keys", []), []
        for key, character in held:
            self.app.post_message(events.Key(key, character))  # type: ignore[attr-defined]


def ready_to_save(form, doing: str, noun: str, labels: dict[str, str],
                  focusable: Callable[[str], bool] = lambda _field: True) -> bool:
    """What an editor checks before it saves, written once for the risk and system editors:
    the role, the record loaded, no save of it in flight, and its fields (else the first bad
    field is focused, when it is a box, and named by its label)."""
    if not form.allowed(EDIT, doing) or not form.loaded:
        return False
    if form.saving is not None:
        form.aims.say(f"a save of this {noun} is on its way: ctrl+s again once it has landed", error=True)
        return False
    errs = form._validate()
    if errs:
        first = next(iter(errs))
        if focusable(first):
            form.query_one(f"#{first}").focus()
        form.aims.say(f"{labels.get(first, first)}: {errs[first]}", error=True)
        return False
    return True


class FormInput(TypedInput):
    """An Input that keeps the cursor where it is on focus (nothing pre-selected)."""

    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("select_on_focus", False)
        kwargs.setdefault("compact", True)
        super().__init__(*args, **kwargs)

    def set_text(self, text: str) -> None:
        """Set the value with the cursor at its end and nothing selected."""
        self.value = text
        self.cursor_position = len(text)


class ScoreInput(FormInput):
    """A likelihood or impact: a digit typed becomes the value when the scale has one digit."""

    digits = 1  # how many digits the scale's largest value has

    def insert_text_at_cursor(self, text: str) -> None:
        if text.isdigit() and self.digits == 1:
            self.set_text(text[-1])
            return
        super().insert_text_at_cursor(text)
