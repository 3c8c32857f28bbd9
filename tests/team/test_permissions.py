"""Shared files: a new database is never world-readable; `aims db check` reports what is."""

from __future__ import annotations

import grp
import os
import stat
import sqlite3
from pathlib import Path

import pytest
from typer.testing import CliRunner

from aims_tui.cli import app
from aims_tui.core import identity, permissions
from aims_tui.core.db import open_database
from aims_tui.core.services import settings as settings_svc

from ..conftest import ADMIN, VIEWER


def mode(p: Path) -> int:
    return stat.S_IMODE(p.stat().st_mode)


def cli(monkeypatch, login: str, *args: str):
    monkeypatch.setattr(identity, "os_login", lambda: login)
    return CliRunner().invoke(app, list(args))


@pytest.fixture
def loose_umask():
    old = os.umask(0o000)
    yield
    os.umask(old)


def test_a_new_database_and_its_wal_and_shm_are_0660_even_with_a_permissive_umask(tmp_path, loose_umask):
    """With umask 000 a careless create would make a world-writable register;
    the file is created 0660 and SQLite gives -wal/-shm the same mode."""
    db = open_database(str(tmp_path / "aims.db"))
    from aims_tui.core.services import setup

    setup.initialize(db, ADMIN)
    held = sqlite3.connect(str(db.path))  # keeps -wal and -shm in place while we look
    held.execute("SELECT count(*) FROM audit_event").fetchone()
    try:
        files = permissions.db_files(db.path)
        assert {f.name for f in files} >= {"aims.db", "aims.db-wal", "aims.db-shm"}
        assert {f.name: mode(f) for f in files} == {f.name: 0o660 for f in files}
        assert permissions.check(db) == []
    finally:
        held.close()
        db.dispose()


def test_db_check_reports_a_world_readable_database_and_exits_3(db, monkeypatch):
    """Issue 6: the database copied in with `cp` under umask 022 is 0644."""
    os.chmod(db.path, 0o644)
    res = cli(monkeypatch, VIEWER, "db", "check", "--db", str(db.path))
    assert res.exit_code == 3
    assert f"{db.path} is readable by every user" in res.stdout
    assert f"chmod o-rwx {db.path}" in res.stdout


def test_db_check_passes_a_private_database(db, monkeypatch):
    res = cli(monkeypatch, VIEWER, "db", "check", "--db", str(db.path))
    assert res.exit_code == 0, res.stdout
    assert "Permissions" not in res.stdout


def test_a_world_writable_folder_is_reported(db):
    """Anyone could swap the database for their own in a 0777 folder."""
    os.chmod(db.path.parent, 0o777)
    try:
        assert any("writable by every user" in w and "chmod o-w" in w for w in permissions.check(db))
    finally:
        os.chmod(db.path.parent, 0o700)


def own_group() -> str:
    return grp.getgrgid(os.getegid()).gr_name


def test_init_group_makes_the_folder_setgid_2770_and_the_files_0660_of_that_group(tmp_path, monkeypatch):
    """Issue 6: `aims init --group GROUP` (here the caller's own group, so it
    runs without root) and the group is remembered in settings."""
    folder = tmp_path / "shared"
    folder.mkdir(mode=0o755)
    path = folder / "aims.db"
    group = own_group()
    res = cli(monkeypatch, ADMIN, "init", "--group", group, "--db", str(path))
    assert res.exit_code == 0, res.stderr
    assert mode(folder) == 0o2770 and folder.stat().st_gid == grp.getgrnam(group).gr_gid
    assert mode(path) == 0o660
    db = open_database(str(path))
    try:
        assert settings_svc.get_settings(db)["shared_group"] == group
        assert permissions.check(db) == []
        check = cli(monkeypatch, ADMIN, "db", "check", "--db", str(path))
        assert check.exit_code == 0, check.stdout
        # the folder losing its setgid bit and opening to others is reported
        os.chmod(folder, 0o775)
        warnings = permissions.check(db)
        assert any("not setgid" in w for w in warnings)
        assert any("open to users outside" in w for w in warnings)
        assert cli(monkeypatch, ADMIN, "db", "check", "--db", str(path)).exit_code == 3
    finally:
        db.dispose()


def test_a_file_of_another_group_or_not_group_writable_is_reported(db):
    """With a shared group set, a file left 0600 or in the wrong group stops teammates."""
    group = own_group()
    os.chmod(db.path, 0o600)
    warnings = permissions.check(db, group=group)
    assert any("not readable and writable by group" in w for w in warnings)
    others = [g.gr_name for g in grp.getgrall() if g.gr_gid != os.getegid()]
    warnings = permissions.check(db, group=others[0])
    assert any(f"not {others[0]}" in w for w in warnings)


def test_init_refuses_an_unknown_group_before_creating_anything(tmp_path, monkeypatch):
    path = tmp_path / "aims.db"
    res = cli(monkeypatch, ADMIN, "init", "--group", "no_such_group_aims", "--db", str(path))
    assert res.exit_code == 1
    assert "no group 'no_such_group_aims'" in res.stderr
    assert not path.exists()


def test_init_group_is_refused_for_a_postgresql_url(monkeypatch):
    res = cli(monkeypatch, ADMIN, "init", "--group", own_group(), "--db", "postgresql+psycopg://u@h/aims")
    assert res.exit_code == 2
    assert "SQLite" in res.stderr


def test_init_group_is_admin_only(db, monkeypatch):
    """Only an admin may re-run init, so only an admin can change the group."""
    res = cli(monkeypatch, VIEWER, "init", "--group", own_group(), "--db", str(db.path))
    assert res.exit_code == 1
    assert "admin role" in res.stderr
