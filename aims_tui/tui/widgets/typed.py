"""Text boxes that apply every key in the order it was typed.

Textual's Input and TextArea insert a printable key as soon as they read it, but
their own editing keys (backspace, delete, the arrows, home, end, ctrl+u, ctrl+w,
...) are bindings: the key bubbles up to the app and its action runs only once the
app reads it back, after the characters typed behind it in the same burst. Over
SSH keys often arrive in bursts, so ``abcX, backspace, d`` saved ``abcXd`` with the
``d`` deleted later, and ``ctrl+u 2026-11-04 ctrl+s`` saved an empty date: the
clear ran after the new date was typed (Textual issue 6605).

Here a box runs its own bindings when it reads the key, in line with the
characters. What runs is unchanged: priority bindings are still checked by the app
before a key reaches the box, and the focused box is the first place the app looks
for an ordinary binding anyway. Every text box in the app is one of these (a test
in tests/tui3 says so). ``TypedTextArea`` is in ``typed_area.py``: importing Textual's TextArea
(its document model and themes) is not paid by the screens with only a search box (issue 15).
"""

from __future__ import annotations

from textual import events
from textual.widgets import Input


class InlineKeys:
    """Mix in before Input or TextArea."""

    async def _on_key(self, event: events.Key) -> None:
        if not event.is_printable:
            widget = self  # the text box
            for binding in widget._bindings.key_to_bindings.get(event.key, ()):  # type: ignore[attr-defined]
                if binding.priority:
                    continue
                if await widget.app.run_action(binding.action, widget):  # type: ignore[attr-defined]
                    event.stop()
                    event.prevent_default()
                    return
        await super()._on_key(event)  # type: ignore[misc]


class TypedInput(InlineKeys, Input):
    """An Input whose editing keys keep their place among the characters typed."""

