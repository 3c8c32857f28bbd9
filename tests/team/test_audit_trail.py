"""The audit trail: append-only, hash-chained, and edits behind aims' back are found."""

from __future__ import annotations

import json
import shutil
import sqlite3
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from aims_tui.cli import app
from aims_tui.core import audit, identity, migrate
from aims_tui.core.db import open_database
from aims_tui.core.services import risks, setup, systems, users

from ..conftest import ADMIN, EDITOR, VIEWER, acting_as, make_db, raw_connect

def tamper(path, *sql: str, params: tuple = ()) -> None:
    """What someone with write access and the sqlite3 shell (or psql) could do: ``path``
    is the file, or the open database (the plain driver of its engine)."""
    con = sqlite3.connect(str(path)) if isinstance(path, Path) else raw_connect(path)
    try:
        for stmt in sql:
            con.execute(stmt, params if "?" in stmt else ())
        con.commit()
    finally:
        con.close()


def cli(monkeypatch, login: str, *args: str):
    monkeypatch.setattr(identity, "os_login", lambda: login)
    return CliRunner().invoke(app, list(args))


def with_history(db) -> list[str]:
    s = systems.create_system(db, EDITOR, {"name": "Triage model"})
    refs = [risks.create_risk(db, EDITOR, {"system": s["ref"], "title": f"Risk {i}", "inherent_likelihood": 2,
                                           "inherent_impact": 3})["ref"] for i in range(2)]
    for i in range(3):
        risks.update_risk(db, EDITOR, refs[i % 2], {"title": f"Renamed {i}"})
    return refs


def event_ids(path) -> list[int]:
    con = sqlite3.connect(str(path)) if isinstance(path, Path) else raw_connect(path)
    try:
        return [r[0] for r in con.execute("SELECT id FROM audit_event ORDER BY id")]
    finally:
        con.close()


def test_an_update_made_with_sqlite3_is_found_and_the_event_named(db, monkeypatch):
    """Issue 6: someone opens the file with sqlite3 and rewrites who did event 4."""
    with_history(db)
    tamper(db, "UPDATE audit_event SET actor = 'mallory' WHERE id = 4")
    res = cli(monkeypatch, VIEWER, "audit", "verify", "--db", acting_as(db, VIEWER, monkeypatch))
    assert res.exit_code == 3
    assert "broken at event #4" in res.stdout and "edited" in res.stdout


def test_a_deleted_event_in_the_middle_is_found_and_named(db, monkeypatch):
    """Issue 6: DELETE of one event behind aims' back. The first event that no
    longer verifies is the one after it (its link is broken); the message names
    the deleted one."""
    with_history(db)
    tamper(db, "DELETE FROM audit_event WHERE id = 5")
    res = cli(monkeypatch, VIEWER, "audit", "verify", "--db", acting_as(db, VIEWER, monkeypatch))
    assert res.exit_code == 3
    assert "broken at event #6" in res.stdout and "#5 before it was deleted" in res.stdout


def test_deleting_the_newest_events_is_found_through_the_head(db, monkeypatch):
    """A hash chain alone cannot see its own end cut off: the head row kept by
    the insert trigger can."""
    with_history(db)
    ids = event_ids(db)
    tamper(db, f"DELETE FROM audit_event WHERE id >= {ids[-2]}")
    res = cli(monkeypatch, VIEWER, "audit", "verify", "--db", acting_as(db, VIEWER, monkeypatch))
    assert res.exit_code == 3
    assert f"broken at event #{ids[-2]}" in res.stdout and "newest events were deleted" in res.stdout


@pytest.mark.sqlite_only  # the register's seals are SQLite's (see README, PostgreSQL)
def test_a_tail_cut_that_also_fixes_the_head_is_found_through_the_register_and_the_anchor(db, monkeypatch):
    """Whoever can write the file can cut the tail and fix the head too (issue 6 showed
    only an anchor found that). Since issue 13 the register is checked as well: the risk
    the cut event renamed is no longer as its latest remaining event left it."""
    refs = with_history(db)
    first = cli(monkeypatch, VIEWER, "audit", "verify", "--db", acting_as(db, VIEWER, monkeypatch))
    anchor = [ln.split()[1] for ln in first.stdout.splitlines() if ln.startswith("Anchor:")][0]
    ids = event_ids(db)
    tamper(db, f"DELETE FROM audit_event WHERE id = {ids[-1]}",
           f"DELETE FROM audit_seal WHERE event_id = {ids[-1]}",
           "UPDATE audit_head SET events = events - 1, last_id = (SELECT max(id) FROM audit_event), "
           "hash = (SELECT hash FROM audit_event ORDER BY id DESC LIMIT 1)")
    res = cli(monkeypatch, VIEWER, "audit", "verify", "--db", acting_as(db, VIEWER, monkeypatch))
    assert res.exit_code == 3
    assert f"risk {refs[0]}: was changed outside aims" in res.stdout  # "Renamed 2" has no event now
    res = cli(monkeypatch, VIEWER, "audit", "verify", "--anchor", anchor, "--db", acting_as(db, VIEWER, monkeypatch))
    assert res.exit_code == 3
    assert f"broken at event #{ids[-1]}" in res.stdout


@pytest.fixture(scope="module")
def base_trail(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("trail")
    db = make_db(folder / "live.db")
    with_history(db)
    db.dispose()
    con = sqlite3.connect(str(folder / "live.db"))
    con.execute("PRAGMA journal_mode = DELETE")
    con.close()
    return folder / "live.db"


COLUMNS = ("id", "at", "actor", "entity", "entity_ref", "action", "changes", "prev_hash", "hash")


@pytest.mark.sqlite_only  # copies the file per example
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_any_single_update_or_delete_of_any_event_is_found_and_named(base_trail, tmp_path, data):
    """Property: one UPDATE of any column of any event, or one DELETE of any
    event (first, middle or newest), fails verification, naming the first event
    that no longer verifies: the edited one, or the one after a deleted one (the
    deleted newest one when nothing follows it)."""
    path = tmp_path / f"t{data.draw(st.integers(0, 10**9))}.db"
    shutil.copyfile(base_trail, path)
    ids = event_ids(path)
    target = data.draw(st.sampled_from(ids), label="event")
    op = data.draw(st.sampled_from(("delete",) + COLUMNS), label="change")
    con = sqlite3.connect(str(path))
    row = dict(zip(COLUMNS, con.execute(f"SELECT {', '.join(COLUMNS)} FROM audit_event WHERE id = ?",
                                        (target,)).fetchone()))
    con.close()
    expected = target
    if op == "delete":
        tamper(path, "DELETE FROM audit_event WHERE id = ?", params=(target,))
        expected = target if target == ids[-1] else target + 1
    else:
        value = {
            "id": target + 1000,
            "at": (datetime.fromisoformat(str(row["at"])) + timedelta(microseconds=1)).isoformat(sep=" "),
            "changes": json.dumps({"tampered": [None, True]}),
            "prev_hash": "f" * 64, "hash": "e" * 64,
        }.get(op, f"{row[op]}x")
        tamper(path, f"UPDATE audit_event SET {op} = ? WHERE id = ?", params=(value, target))
        if op == "id":  # moved to the end: the gap breaks the next link, or the head
            expected = target + 1000 if target == ids[-1] else target + 1
    engine_db = open_database(str(path), upgrade=False)
    try:
        with engine_db.read() as s:
            result = audit.verify(s)
    finally:
        engine_db.dispose()
    assert not result.ok
    assert result.broken_id == expected, (op, target, result.message())


@pytest.mark.sqlite_only  # the 0001 file of SQLite, and its first seal
def test_a_database_made_before_the_audit_head_gets_one_on_upgrade(tmp_path):
    """Upgrading a 0001 database fills audit_head from the existing trail, so
    verification keeps passing and new events keep the head current; the register
    gets its first seal (one baseline event) and is proved from then on."""
    db = open_database(str(tmp_path / "old.db"))
    setup.initialize(db, ADMIN, "Old Org")
    users.add_user(db, ADMIN, EDITOR, "editor")
    migrate.downgrade(db, "0001")
    with db.read() as s:
        assert audit.verify(s).ok  # no head table yet: the chain alone
    migrate.upgrade_if_needed(db)
    users.add_user(db, ADMIN, VIEWER, "viewer")
    with db.read() as s:
        result = audit.verify(s)
        actions = [e["action"] for e in audit.events(s, limit=2)]
    assert result.ok and result.records_checked and result.count == 5, result.message()
    assert actions == ["create", "seal"]
    db.dispose()


def test_audit_log_shows_a_records_events_newest_first_limited(db, monkeypatch):
    """`aims audit log --entity REF --limit N` in table and json."""
    refs = with_history(db)
    res = cli(monkeypatch, VIEWER, "audit", "log", "--entity", refs[0], "--limit", "2", "--format", "json",
              "--db", acting_as(db, VIEWER, monkeypatch))
    assert res.exit_code == 0, res.stderr
    rows = json.loads(res.stdout)
    assert [r["action"] for r in rows] == ["update", "update"]
    assert rows[0]["id"] > rows[1]["id"]
    assert rows[0]["changes"]["title"] == ["Renamed 0", "Renamed 2"]
    assert all(r["entity_ref"] == refs[0] and r["actor"] == EDITOR for r in rows)
    table = cli(monkeypatch, VIEWER, "audit", "log", "--entity", refs[0], "--db", acting_as(db, VIEWER, monkeypatch))
    assert table.exit_code == 0
    assert "title: Renamed 0 -> Renamed 2" in table.stdout
    assert len(table.stdout.strip().splitlines()) == 2 + 3  # header, rule, create + 2 updates


def test_audit_log_refuses_a_bad_format_and_a_zero_limit(db, monkeypatch):
    assert cli(monkeypatch, VIEWER, "audit", "log", "--format", "csv", "--db", acting_as(db, VIEWER, monkeypatch)).exit_code == 2
    assert cli(monkeypatch, VIEWER, "audit", "log", "--limit", "0", "--db", acting_as(db, VIEWER, monkeypatch)).exit_code == 2


def test_audit_commands_refuse_a_login_that_is_not_a_user(db, monkeypatch):
    """Reading the trail is for users of the database too."""
    for args in (["audit", "verify"], ["audit", "log"]):
        res = cli(monkeypatch, "mallory", *args, "--db", acting_as(db, "mallory", monkeypatch))
        assert res.exit_code == 1
        if db.path is None:  # PostgreSQL: a role that is no user's has no grants; the server refuses it
            assert "the database server refused your role" in res.stderr
            assert "aims users add YOUR_LOGIN --role" in res.stderr and "Traceback" not in res.stderr
            continue
        assert "'mallory' is not a user" in res.stderr and ADMIN in res.stderr


def test_a_malformed_anchor_is_bad_usage(db, monkeypatch):
    res = cli(monkeypatch, VIEWER, "audit", "verify", "--anchor", "12-abc", "--db", acting_as(db, VIEWER, monkeypatch))
    assert res.exit_code == 2 and "ID:HASH" in res.stderr


def test_nothing_in_aims_updates_or_deletes_an_audit_event():
    """Append-only by construction: events are made in one place (audit.record)
    and no statement anywhere in the package changes or removes one."""
    import re

    import aims_tui

    root = Path(aims_tui.__file__).parent
    offenders = []
    for py in root.rglob("*.py"):
        if "migrations" in py.parts:
            continue
        text = py.read_text(encoding="utf-8")
        for pattern in (r"update\s+audit_event", r"delete\s+from\s+audit_event", r"update\(\s*AuditEvent",
                        r"delete\(\s*AuditEvent", r"truncate\s+audit_event"):
            if re.search(pattern, text, re.I):
                offenders.append(f"{py.relative_to(root)}: {pattern}")
        if py.name != "audit.py" and re.search(r"(?<!class )\bAuditEvent\(", text):
            offenders.append(f"{py.relative_to(root)}: makes an AuditEvent outside audit.record")
    assert offenders == []
