"""Several processes writing one database at once: nothing lost, nothing half-written."""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

import pytest

from aims_tui.core import audit
from aims_tui.core.errors import Conflict
from aims_tui.core.services import risks

from ..conftest import APPROVER, EDITOR, acting_as, on_postgresql, raw_connect, where
from .support import (
    WRITERS,
    assert_history_consistent,
    commits,
    db_with_risks,
    integrity,
    read_until,
    spawn,
)

PROCESSES = 4
UPDATES = 200


@pytest.mark.slow
def test_four_processes_making_200_updates_each_to_the_same_risks_lose_nothing(tmp_path: Path):
    """Issue 6: four users save risks at the same moment. Every committed update is
    in the register with its audit event, in one unbroken chain; no process sees
    "database is locked"; the file passes the integrity check."""
    database, refs = db_with_risks(tmp_path / "aims.db", 6)
    start = {r: risks.get_risk(database, r)["version"] for r in refs}
    go = tmp_path / "go"
    procs = [spawn("burst", where(database), WRITERS[i], f"p{i}", str(UPDATES), str(go), *refs)
             for i in range(PROCESSES)]
    for p in procs:
        assert "ready" in read_until(p, "ready")[-1]
    go.touch()
    results = []
    for p in procs:
        msgs = read_until(p, "done")
        p.wait(timeout=120)
        results.append(msgs)
        assert p.returncode == 0, p.stderr.read()  # type: ignore[union-attr]
    errors = [m["error"] for msgs in results for m in msgs if "error" in m]
    assert errors == []
    done = [msgs[-1] for msgs in results]
    assert [d["done"] for d in done] == [UPDATES] * PROCESSES
    # they really ran at the same time: every run overlaps every other
    assert max(d["start"] for d in done) < min(d["end"] for d in done)
    committed = [c for msgs in results for c in commits(msgs)]
    assert len(committed) == PROCESSES * UPDATES
    assert_history_consistent(database, refs, start, committed)
    assert sum(risks.get_risk(database, r)["version"] - start[r] for r in refs) == PROCESSES * UPDATES
    with database.read() as s:
        result = audit.verify(s)
    assert result.ok, result.message()
    assert integrity(database) == ["ok"]


@pytest.mark.slow
def test_a_writer_killed_in_a_burst_of_writes_leaves_every_committed_change_and_nothing_else(tmp_path: Path):
    """Issue 6: a dropped SSH connection kills aims with SIGKILL while it writes
    (here beside a second writer). What it committed stays, with its audit event;
    the transaction it was in leaves no trace; the chain and the file check out."""
    database, refs = db_with_risks(tmp_path / "aims.db", 4)
    start = {r: risks.get_risk(database, r)["version"] for r in refs}
    go = tmp_path / "go"
    victim = spawn("burst", where(database), EDITOR, "victim", "0", str(go), *refs)
    other = spawn("burst", where(database), APPROVER, "other", "150", str(go), *refs)
    for p in (victim, other):
        read_until(p, "ready")
    go.touch()
    seen = []
    for line_msgs in iter(lambda: read_until(victim, "title"), []):
        seen += line_msgs
        if len(commits(seen)) >= 60:
            break
    victim.send_signal(signal.SIGKILL)
    victim.wait(timeout=10)
    assert victim.returncode == -signal.SIGKILL
    other_msgs = read_until(other, "done")
    other.wait(timeout=60)
    assert [m for m in seen + other_msgs if "error" in m] == []
    assert integrity(database) == ["ok"]
    with database.read() as s:
        result = audit.verify(s)
    assert result.ok, result.message()
    assert_history_consistent(database, refs, start, commits(seen) + commits(other_msgs))
    # the lock died with the process: the next write goes straight through
    t = time.monotonic()
    risks.update_risk(database, EDITOR, refs[0], {"title": "after the kill"})
    assert time.monotonic() - t < 5


def test_a_writer_killed_inside_its_transaction_leaves_nothing_half_written(tmp_path: Path):
    """Issue 6: SIGKILL lands after the risk row and its audit event were written
    (and spilled to the WAL file) but before COMMIT. Neither is there afterwards,
    the trail verifies, and other users can write at once."""
    database, refs = db_with_risks(tmp_path / "aims.db", 2)
    before = risks.get_risk(database, refs[0])
    wal = Path(f"{database.path}-wal")
    wal_before = wal.stat().st_size if database.path is not None and wal.exists() else 0
    p = spawn("hold", where(database), EDITOR, refs[0])
    try:
        assert read_until(p, "inside")[-1] == {"inside": refs[0]}
        wal_inside = wal.stat().st_size if database.path is not None else 1
        if on_postgresql():  # the half-written rows are on the server, visible to nobody else
            with raw_connect(database) as con:
                assert con.execute("SELECT count(*) FROM pg_stat_activity WHERE state = 'idle in transaction' "
                                   "AND datname = current_database()").fetchone()[0] == 1
        os.kill(p.pid, signal.SIGKILL)
        p.wait(timeout=10)
    finally:
        if p.poll() is None:
            p.kill()
    assert wal_inside > wal_before, "the uncommitted pages should have reached the WAL file"
    after = risks.get_risk(database, refs[0])
    assert after["title"] == before["title"] and after["version"] == before["version"]
    with database.read() as s:
        assert [e for e in audit.events(s, entity_ref=refs[0], limit=None) if e["action"] == "update"] == []
        assert audit.verify(s).ok
    assert integrity(database) == ["ok"]
    r = risks.update_risk(database, APPROVER, refs[0], {"title": "next writer"})
    assert r["version"] == before["version"] + 1


def test_two_sessions_saving_the_same_risk_the_second_gets_a_conflict_and_nothing_is_lost(db):
    """Issue 6: Eve and Bob open R-0001; Eve saves, then Bob saves his stale copy.
    Bob gets a Conflict carrying Eve's values; Eve's change stays; Bob can save
    again on the fresh copy."""
    from aims_tui.core.services import systems

    s = systems.create_system(db, EDITOR, {"name": "Scoring model"})
    ref = risks.create_risk(db, EDITOR, {"system": s["ref"], "title": "Bias", "inherent_likelihood": 3,
                                         "inherent_impact": 4})["ref"]
    eve_copy = risks.get_risk(db, ref)
    bob_copy = risks.get_risk(db, ref)
    risks.update_risk(db, EDITOR, ref, {"residual_likelihood": 1}, expect_version=eve_copy["version"])
    with pytest.raises(Conflict) as info:
        risks.update_risk(db, APPROVER, ref, {"residual_impact": 2}, expect_version=bob_copy["version"])
    assert info.value.current["residual_likelihood"] == 1
    assert info.value.current["version"] == eve_copy["version"] + 1
    now = risks.get_risk(db, ref)
    assert now["residual_likelihood"] == 1 and now["residual_impact"] == 4
    again = risks.update_risk(db, APPROVER, ref, {"residual_impact": 2}, expect_version=now["version"])
    assert (again["residual_likelihood"], again["residual_impact"]) == (1, 2)
    with db.read() as sess:
        updates = [e for e in audit.events(sess, entity_ref=ref) if e["action"] == "update"]
    assert [e["actor"] for e in updates] == [APPROVER, EDITOR]


def test_a_stale_save_through_the_cli_exits_1_saying_someone_else_changed_it(db, monkeypatch):
    """Issue 6: `aims risks update --expect-version` with an old version refuses."""
    from typer.testing import CliRunner

    from aims_tui.cli import app
    from aims_tui.core import identity
    from aims_tui.core.services import systems

    s = systems.create_system(db, EDITOR, {"name": "Scoring model"})
    r = risks.create_risk(db, EDITOR, {"system": s["ref"], "title": "Bias", "inherent_likelihood": 3,
                                       "inherent_impact": 4})
    risks.update_risk(db, EDITOR, r["ref"], {"owner": APPROVER})
    monkeypatch.setattr(identity, "os_login", lambda: EDITOR)
    res = CliRunner().invoke(app, ["risks", "update", r["ref"], "--impact", "5", "--expect-version",
                                   str(r["version"]), "--db", acting_as(db, EDITOR, monkeypatch)])
    assert res.exit_code == 1
    assert "changed by someone else" in res.stderr
    assert risks.get_risk(db, r["ref"])["inherent_impact"] == 4


def _lock_holder(database):
    """Another connection (the plain driver) holding the write lock until it runs COMMIT:
    SQLite's BEGIN IMMEDIATE; on PostgreSQL the advisory lock every aims write takes."""
    import sqlite3

    from aims_tui.core.db import WRITE_LOCK_KEY

    if database.path is not None:
        holder = sqlite3.connect(str(database.path), check_same_thread=False, isolation_level=None)
        holder.execute("BEGIN IMMEDIATE")
        return holder
    import psycopg
    from sqlalchemy.engine import make_url

    holder = psycopg.connect(make_url(database.url).set(drivername="postgresql").render_as_string(hide_password=False),
                             autocommit=True)
    holder.execute("BEGIN")
    holder.execute(f"SELECT pg_advisory_xact_lock({WRITE_LOCK_KEY})")
    return holder


def test_a_write_waits_and_retries_while_another_user_holds_the_lock(tmp_path, monkeypatch):
    """Issue 6: writes retry on a busy database instead of failing. Here SQLite's
    own busy wait is cut to 20 ms so that aims' retry loop does the waiting:
    another connection holds the write lock for 0.8 s; the save goes through after."""
    import threading

    from aims_tui.core import db as dbmod
    from aims_tui.core.db import open_database

    database, refs = db_with_risks(tmp_path / "aims.db", 1)
    monkeypatch.setattr(dbmod, "BUSY_TIMEOUT_MS", 20)
    impatient = open_database(where(database))
    sleeps = []
    real_sleep = dbmod.time.sleep
    monkeypatch.setattr(dbmod.time, "sleep", lambda s: (sleeps.append(s), real_sleep(s)))
    holder = _lock_holder(database)
    timer = threading.Timer(0.8, lambda: holder.execute("COMMIT"))
    timer.start()
    try:
        t = time.monotonic()
        r = risks.update_risk(impatient, EDITOR, refs[0], {"title": "saved after the wait"})
        waited = time.monotonic() - t
    finally:
        timer.join()
        holder.close()
        impatient.dispose()
        database.dispose()
    assert r["title"] == "saved after the wait"
    assert waited >= 0.7 and len(sleeps) >= 2


def test_a_write_that_stays_blocked_fails_with_one_line_saying_the_database_is_busy(tmp_path, monkeypatch):
    """When the lock is never released in time the user gets a message, not a traceback."""

    from aims_tui.core import db as dbmod
    from aims_tui.core.db import open_database
    from aims_tui.core.errors import DatabaseError

    database, refs = db_with_risks(tmp_path / "aims.db", 1)
    monkeypatch.setattr(dbmod, "BUSY_TIMEOUT_MS", 20)
    impatient = open_database(where(database))
    holder = _lock_holder(database)
    try:
        t = time.monotonic()
        with pytest.raises(DatabaseError, match="^the database is busy .*; try again in a moment$"):
            impatient.transact(lambda s: None, retry_seconds=0.3)
        assert time.monotonic() - t >= 0.3
    finally:
        holder.close()
        impatient.dispose()
        database.dispose()
