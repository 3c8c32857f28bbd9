"""Issue 18: live refresh by LISTEN/NOTIFY on PostgreSQL (SQLite keeps polling data_version).

Two real processes: a listener (Database.listen, as the app's worker thread runs it) and a
writer (the services in this process, or the aims CLI in a third). The listener prints one
line per wake-up; the tests wait for that line (the event), not for a time.
"""

from __future__ import annotations

import os
import select
import subprocess
import sys

import pytest

from aims_tui.core.db import open_database
from aims_tui.core.services import risks, setup, users

from .conftest import why_no_server

pytestmark = [pytest.mark.engines, pytest.mark.slow,
              pytest.mark.skipif(why_no_server() is not None, reason=str(why_no_server()))]

LISTENER = """
import sys
from aims_tui.core.db import Database
db = Database(sys.argv[1])
wakes = 0
def changed():
    global wakes
    wakes += 1
    print("changed", wakes, flush=True)
db.listen(changed, lambda: wakes >= int(sys.argv[2]), ready=lambda: print("ready", flush=True))
print("stopped", flush=True)
"""


def _line(proc: subprocess.Popen, patience: float = 120.0) -> str:
    """The listener's next line (the bound only stops a broken test from hanging)."""
    ready, _, _ = select.select([proc.stdout], [], [], patience)
    assert ready, "the listener printed nothing"
    return proc.stdout.readline().strip()


@pytest.fixture
def register(server):
    name, url = server.new_database(prefix="n")
    db = open_database(url)
    setup.initialize(db, "ada", "Org")
    users.add_user(db, "ada", "eve", "editor")
    users.add_user(db, "ada", server.superuser, "editor")
    from aims_tui.core.services import systems

    system = systems.create_system(db, "ada", {"name": "Chatbot", "purpose": "answers"})
    risk = risks.create_risk(db, "eve", {"system": system["ref"], "title": "Wrong answers",
                                          "inherent_likelihood": 2, "inherent_impact": 3, "owner": "eve"})
    yield db, url, risk
    db.dispose()
    server.drop_database(name)


def _listener(url: str, wakes: int) -> subprocess.Popen:
    proc = subprocess.Popen([sys.executable, "-c", LISTENER, url, str(wakes)], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env={**os.environ, "PYTHONUNBUFFERED": "1"})
    assert _line(proc) == "ready"
    return proc


def test_a_commit_in_another_process_wakes_the_listener(register):
    """Issue 18: the app listens instead of polling; a teammate's commit wakes it."""
    db, url, risk = register
    proc = _listener(url, 2)
    try:
        risks.update_risk(db, "eve", risk["ref"], {"title": "Wrong answers, twice"})
        assert _line(proc) == "changed 1"
        # a write by a third process (the aims CLI, acting as the connection's role: the
        # session's superuser, made an editor) wakes it too
        res = subprocess.run([sys.executable, "-m", "aims_tui", "risks", "update", risk["ref"],
                              "--title", "Wrong answers, thrice", "--db", url],
                             capture_output=True, text=True, timeout=120)
        assert res.returncode == 0, res.stderr
        assert _line(proc) == "changed 2"
        assert _line(proc) == "stopped"
    finally:
        proc.kill()
        proc.wait()


async def _settle(pilot) -> None:
    """tests/tui/helpers.settle, except the LISTEN worker (it runs as long as the app)."""
    from textual.worker import WorkerCancelled

    for _ in range(12):
        others = [w for w in pilot.app.workers if w.group != "listen"]
        if others:  # (an empty list would wait for every worker)
            try:
                await pilot.app.workers.wait_for_complete(others)
            except WorkerCancelled:
                pass
        await pilot.pause()
        if all(w.is_finished for w in pilot.app.workers if w.group != "listen"):
            break


async def test_the_app_on_postgresql_listens_and_refreshes_the_register_when_another_connection_commits(db):
    """Issue 18: on PostgreSQL the app runs a LISTEN worker instead of polling data_version;
    a commit on another connection wakes it and the register re-reads its rows."""
    from ..conftest import ADMIN, EDITOR
    from ..tui.helpers import make_app

    risks.create_risk(db, EDITOR, {"title": "Before", "inherent_likelihood": 2, "inherent_impact": 2})
    app = make_app(db, EDITOR, poll=30)  # a poll every 30 s would be far too slow for this test
    async with app.run_test(size=(100, 30)) as pilot:
        await _settle(pilot)
        await pilot.press("2")
        await _settle(pilot)
        assert [w for w in app.workers if w.group == "listen" and not w.is_finished], "no LISTEN worker"
        other = open_database(db.url)
        try:
            risks.update_risk(other, ADMIN, "R-0001", {"title": "After"})
        finally:
            other.dispose()
        for _ in range(400):  # bounded wait for the event (the refresh), not a timing assertion
            await pilot.pause(0.05)
            if app.screen.pager.rows and app.screen.pager.rows[0]["title"] == "After":
                break
        assert app.screen.pager.rows[0]["title"] == "After"
