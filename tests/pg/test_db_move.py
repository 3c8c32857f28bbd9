"""Issue 18: `aims db move --to URL` between SQLite and PostgreSQL, both ways, losslessly,
with the audit trail verified on arrival (real server, the aims CLI in real processes)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from .conftest import plain, why_no_server

pytestmark = [pytest.mark.engines, pytest.mark.slow,
              pytest.mark.skipif(why_no_server() is not None, reason=str(why_no_server()))]


def aims(*args: str, db: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "AIMS_DB": db, "COLUMNS": "200"}
    env.pop("AIMS_DEBUG", None)
    return subprocess.run([sys.executable, "-m", "aims_tui", *args], env=env, capture_output=True, text=True,
                          timeout=300)


@pytest.fixture(scope="module")
def demo_file(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("move") / "demo.db"
    res = aims("demo", "--with-users", "--systems", "3", "--risks-per-system", "4", db=str(path))
    assert res.returncode == 0, res.stderr
    return path


def test_a_demo_moves_to_postgresql_and_back_with_the_same_records_and_a_verified_trail(server, demo_file, tmp_path):
    """Issue 18: SQLite -> PostgreSQL -> SQLite gives the same register, byte for byte in its
    JSON export, and each arrival verifies the trail (same events, same hashes)."""
    name, url = server.new_database(prefix="m")
    try:
        there = aims("db", "move", "--to", url, db=str(demo_file))
        assert there.returncode == 0, there.stderr
        with plain(server, name) as con:
            n_events = con.execute("SELECT count(*) FROM audit_event").fetchone()[0]
            n_risks = con.execute("SELECT count(*) FROM risk").fetchone()[0]
        assert n_risks == 12
        assert f"Audit trail verified on arrival: the same {n_events} events with the same hashes" in there.stdout
        assert "written" in there.stderr and "(100%)" in there.stderr  # progress, on stderr

        back = tmp_path / "back.db"
        home = aims("db", "move", "--to", str(back), db=url)
        assert home.returncode == 0, home.stderr
        assert f"the same {n_events} events with the same hashes" in home.stdout

        first, again = tmp_path / "first.json", tmp_path / "again.json"
        assert aims("export", "json", "--out", str(first), db=str(demo_file)).returncode == 0
        assert aims("export", "json", "--out", str(again), db=str(back)).returncode == 0
        assert first.read_bytes() == again.read_bytes()
        assert json.loads(first.read_text())["tables"]["audit_event"], "the trail came along"
        verify = aims("audit", "verify", db=str(back))
        assert verify.returncode == 0 and "audit trail verified" in verify.stdout, verify.stdout + verify.stderr
    finally:
        server.drop_database(name)


def test_a_move_into_a_register_that_is_not_empty_is_refused_and_changes_nothing(server, demo_file):
    """Issue 18: the target must be empty; one clear line, exit 1, nothing written."""
    name, url = server.new_database(prefix="m")
    try:
        assert aims("db", "move", "--to", url, db=str(demo_file)).returncode == 0
        with plain(server, name) as con:
            before = con.execute("SELECT count(*), max(hash) FROM audit_event").fetchone()
        again = aims("db", "move", "--to", url, db=str(demo_file))
        assert again.returncode == 1
        line = again.stderr.strip().splitlines()[-1]
        assert "is not empty" in line and "aims db move only goes into an empty database" in line
        assert "Traceback" not in again.stderr
        with plain(server, name) as con:
            assert con.execute("SELECT count(*), max(hash) FROM audit_event").fetchone() == before
    finally:
        server.drop_database(name)


def test_a_password_in_the_target_url_is_never_printed(server, demo_file):
    """Issue 18: credentials in a URL are masked wherever aims shows the URL."""
    name, url = server.new_database(prefix="m")
    try:
        with plain(server, "postgres") as con:
            con.execute(f"ALTER ROLE {server.superuser} PASSWORD 'hunter2-secret'")
        secret_url = url.replace(f"{server.superuser}@", f"{server.superuser}:hunter2-secret@")
        moved = aims("db", "move", "--to", secret_url, db=str(demo_file))
        assert moved.returncode == 0, moved.stderr
        check = aims("db", "check", db=secret_url)
        again = aims("db", "move", "--to", secret_url, db=str(demo_file))  # refused: not empty
        for res in (moved, check, again):
            assert "hunter2" not in res.stdout + res.stderr
        assert f"{server.superuser}:***@" in moved.stdout and f"{server.superuser}:***@" in check.stdout
    finally:
        server.drop_database(name)
