"""Shared helpers for the TUI tests: an app over a test database, waiting for workers."""

from __future__ import annotations

from textual.pilot import Pilot
from textual.worker import WorkerCancelled

from aims_tui.tui.app import AimsApp

from ..conftest import TODAY


def make_app(database, login: str, *, poll: float = 0) -> AimsApp:
    """An app with a frozen date and no polling (unless asked)."""
    return AimsApp(database, login, today=TODAY, poll_seconds=poll)


async def settle(pilot: Pilot, rounds: int = 6) -> None:
    """Wait until database workers and the callbacks they post have run
    (a callback may start another worker, e.g. a prefetch)."""
    quiet = 0
    for _ in range(rounds * 3):
        try:
            await pilot.app.workers.wait_for_complete()
        except WorkerCancelled:  # an exclusive worker replaced by a newer one
            pass
        await pilot.pause()
        busy = any(not w.is_finished for w in pilot.app.workers)
        quiet = 0 if busy else quiet + 1
        if quiet >= 2:
            break


def notes(app: AimsApp) -> list[str]:
    return [n.message for n in app._notifications]


async def goto(pilot: Pilot, key: str) -> None:
    await pilot.press(key)
    await settle(pilot)
