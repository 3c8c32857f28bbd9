"""Shared helpers for the TUI tests: an app over a test database, waiting for workers."""

from __future__ import annotations

from textual.pilot import Pilot
from textual.worker import WorkerCancelled

from aims_tui.tui.app import AimsApp

from ..conftest import TODAY


def make_app(database, login: str, *, poll: float = 0, start_notice: bool = False) -> AimsApp:
    """An app with a frozen date, no polling and no start notice (unless asked):
    a toast that expires after some seconds would make snapshots depend on speed."""
    return AimsApp(database, login, today=TODAY, poll_seconds=poll, start_notice=start_notice)


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


async def started(pilot: Pilot, seconds: float = 60) -> None:
    """Wait until the app has loaded the ORM and run its start's checks and notice, which it
    does in a worker after the first paint (issue 15), then settle."""
    for _ in range(int(seconds / 0.05)):
        if pilot.app.started:
            break
        await pilot.pause(0.05)
    assert pilot.app.started, "the app did not finish starting"
    await settle(pilot)


def notes(app: AimsApp) -> list[str]:
    return [n.message for n in app._notifications]


async def goto(pilot: Pilot, key: str) -> None:
    await pilot.press(key)
    await settle(pilot)
