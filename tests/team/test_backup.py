"""`aims backup PATH`: a consistent, verified copy while others write, and restoring it."""

from __future__ import annotations

import os
import shutil
import sqlite3
import stat
from pathlib import Path

import pytest
from typer.testing import CliRunner

from aims_tui.cli import app
from aims_tui.core import audit, identity
from aims_tui.core.db import open_database
from aims_tui.core.services import risks

from ..conftest import ADMIN, EDITOR, VIEWER
from .support import (
    assert_history_consistent,
    commits,
    db_with_risks,
    integrity,
    read_until,
    spawn,
)


def cli(monkeypatch, login: str, *args: str):
    monkeypatch.setattr(identity, "os_login", lambda: login)
    return CliRunner().invoke(app, list(args))


@pytest.mark.slow
def test_a_backup_taken_while_another_process_writes_is_consistent_and_verified(tmp_path, monkeypatch):
    """Issue 6: Eve's burst of saves goes on while the admin runs `aims backup`.
    The copy passes the integrity check, its audit chain verifies, it holds every
    change committed before it started, and its data agree with its trail (one
    snapshot, not a mix of before and after)."""
    database, refs = db_with_risks(tmp_path / "aims.db", 4)
    start = {r: risks.get_risk(database, r)["version"] for r in refs}
    go = tmp_path / "go"
    writer = spawn("burst", str(database.path), EDITOR, "w", "0", str(go), *refs)
    read_until(writer, "ready")
    go.touch()
    before = []
    try:
        while len(commits(before)) < 40:
            before += read_until(writer, "title")
        res = cli(monkeypatch, ADMIN, "backup", str(tmp_path / "copy.db"), "--db", str(database.path))
        more = read_until(writer, "title")  # the writer kept going during and after
    finally:
        writer.kill()
        writer.wait()
    assert res.exit_code == 0, res.stderr
    assert "Integrity: ok" in res.stdout and "audit trail verified" in res.stdout
    assert [m for m in before + more if "error" in m] == []
    copy = tmp_path / "copy.db"
    assert stat.S_IMODE(copy.stat().st_mode) == 0o640  # the group may read it (issue 13)
    con = sqlite3.connect(str(copy))
    assert con.execute("PRAGMA journal_mode").fetchone()[0] == "delete"
    con.close()
    assert not Path(f"{copy}-wal").exists()
    assert integrity(copy) == ["ok"]
    restored = open_database(str(copy), upgrade=False)
    try:
        assert_history_consistent(restored, refs, start, commits(before))
        with restored.read() as s:
            result = audit.verify(s)
        assert result.ok
        anchor = [ln.split()[1] for ln in res.stdout.splitlines() if ln.startswith("Anchor:")][0]
        assert anchor == f"{result.last_id}:{result.head}"
    finally:
        restored.dispose()
    # the live database went on past the copy, and its chain still holds the anchor
    with database.read() as s:
        assert audit.verify(s, audit.parse_anchor(anchor)).ok


def test_backup_refuses_to_overwrite_a_file_unless_forced(db, monkeypatch, tmp_path):
    target = tmp_path / "existing.db"
    target.write_text("precious")
    res = cli(monkeypatch, ADMIN, "backup", str(target), "--db", str(db.path))
    assert res.exit_code == 1
    assert "already exists; add --force" in res.stderr
    assert target.read_text() == "precious"
    res = cli(monkeypatch, ADMIN, "backup", str(target), "--force", "--db", str(db.path))
    assert res.exit_code == 0, res.stderr
    assert integrity(target) == ["ok"]
    assert [p.name for p in tmp_path.iterdir() if "partial" in p.name] == []


@pytest.mark.parametrize("where", ["the database itself", "a folder", "under a file"])
def test_backup_refuses_a_target_that_is_not_a_new_file(db, monkeypatch, tmp_path, where):
    (tmp_path / "plain").write_text("x")
    target = {"the database itself": db.path, "a folder": tmp_path,
              "under a file": tmp_path / "plain" / "b.db"}[where]
    res = cli(monkeypatch, ADMIN, "backup", str(target), "--force", "--db", str(db.path))
    assert res.exit_code == 1, res.stdout
    assert res.stderr.startswith("aims: ")
    assert integrity(db.path) == ["ok"]


def test_backup_of_a_tampered_database_is_kept_but_exits_3_naming_the_event(db, monkeypatch, tmp_path):
    """The copy is faithful, so it carries the broken trail; the admin is told."""
    con = sqlite3.connect(str(db.path))
    con.execute("UPDATE audit_event SET actor = 'mallory' WHERE id = 2")
    con.commit()
    con.close()
    res = cli(monkeypatch, ADMIN, "backup", str(tmp_path / "b.db"), "--db", str(db.path))
    assert res.exit_code == 3
    assert "broken at event #2" in res.stdout
    assert (tmp_path / "b.db").exists()


def test_backup_refuses_a_login_that_is_not_a_user(db, monkeypatch, tmp_path):
    res = cli(monkeypatch, "mallory", "backup", str(tmp_path / "b.db"), "--db", str(db.path))
    assert res.exit_code == 1 and "not a user" in res.stderr
    assert not (tmp_path / "b.db").exists()


def test_restoring_a_backup_as_the_readme_says_brings_the_register_back(db, monkeypatch, tmp_path):
    """README "audit and backup": with everyone out, move the damaged files
    aside, put the copy in place 0660, check it."""
    ref = risks.create_risk(db, EDITOR, {"title": "Keep me", "inherent_likelihood": 2, "inherent_impact": 2})["ref"]
    backup = tmp_path / "nightly.db"
    assert cli(monkeypatch, ADMIN, "backup", str(backup), "--db", str(db.path)).exit_code == 0
    live = db.path
    db.dispose()
    # disaster: the file is overwritten with garbage
    live.write_bytes(b"not a database" * 100)
    for side in ("-wal", "-shm"):
        Path(f"{live}{side}").unlink(missing_ok=True)
    # restore: install -m 0660 nightly.db aims.db
    damaged = tmp_path / "damaged"
    damaged.mkdir()
    shutil.move(str(live), damaged / live.name)
    shutil.copyfile(backup, live)
    os.chmod(live, 0o660)
    assert cli(monkeypatch, VIEWER, "db", "check", "--db", str(live)).exit_code == 0
    res = cli(monkeypatch, VIEWER, "audit", "verify", "--db", str(live))
    assert res.exit_code == 0, res.stdout
    back = open_database(str(live))
    try:
        assert risks.get_risk(back, ref)["title"] == "Keep me"
        risks.update_risk(back, EDITOR, ref, {"title": "Still writable"})
    finally:
        back.dispose()
