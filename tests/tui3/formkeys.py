"""Driving the app as a user does, shared by the app's tests: typing into a form (keys into
inputs and text areas, a Select chosen with Enter and the arrow keys, never by setting
values), opening a register from the M screen, waiting until the writes started have landed.
The audit events a write left: tests/core/helpers.py (audit_events, audit_actions)."""

from __future__ import annotations

import asyncio

from textual.widgets import Input, Select, TextArea

from ..tui.helpers import make_app as base_make_app
from ..tui.helpers import settle


async def focus_field(pilot, key: str):
    w = pilot.app.screen.query_one(f"#f-{key}")
    w.focus()
    await pilot.pause()
    return w


async def clear(pilot, key: str) -> None:
    """Empty a field with keys: select everything (F7 in a text area, end+shift+home in an input), delete."""
    w = await focus_field(pilot, key)
    if isinstance(w, TextArea):
        await pilot.press("f7", "backspace")
    elif isinstance(w, Input):
        await pilot.press("end", "shift+home", "backspace")


async def type_into(pilot, key: str, text: str, *, replace: bool = True) -> None:
    w = await focus_field(pilot, key)
    if replace:
        await clear(pilot, key)
    keys = ["enter" if c == "\n" else ("space" if c == " " else c) for c in text]
    await pilot.press(*keys)
    assert not isinstance(w, Select)


async def choose(pilot, key: str, label: str) -> None:
    """Open the list (Enter), go to the top, arrow down to the option, Enter."""
    sel = await focus_field(pilot, key)
    assert isinstance(sel, Select)
    labels = [str(p) for p, _ in sel._options]
    index = labels.index(label)
    await pilot.press("enter")
    await pilot.pause()
    await pilot.press("home", *["down"] * index, "enter")
    await pilot.pause()


async def fill(pilot, values: dict[str, str]) -> None:
    """Each value typed (or chosen, for a list) into the field of that key."""
    for key, text in values.items():
        w = pilot.app.screen.query_one(f"#f-{key}")
        if isinstance(w, Select):
            await choose(pilot, key, text)
        else:
            await type_into(pilot, key, text)


def make_app(database, login: str, **kw):
    """The tests' app, recording every message it says: a toast expires after a few seconds,
    which a loaded machine can take between the message and the assertion."""
    app = base_make_app(database, login, **kw)
    app.said = []
    say = app.say

    def recording_say(message: str, *, error: bool = False) -> None:
        app.said.append(message)
        say(message, error=error)

    app.say = recording_say
    return app


def notes(app) -> list[str]:
    """Every message the app said (kept after its toast expired)."""
    return list(getattr(app, "said", [])) or [n.message for n in app._notifications]


async def landed(pilot) -> None:
    """Wait (on a condition, not a clock) until every write the user started has landed,
    then until the screens have refreshed."""
    for _ in range(400):
        if pilot.app.pending_writes == 0:
            break
        await asyncio.sleep(0.02)
    await settle(pilot)


async def open_register(pilot, entry_id: str) -> None:
    """M (the management system's registers), then the arrow keys to the register of that id, Enter."""
    await pilot.press("M")
    await settle(pilot)
    ids = [r["id"] for r in pilot.app.screen.rows]
    await pilot.press("home", *["down"] * ids.index(entry_id), "enter")
    await settle(pilot)
