"""The aims CLI as a real process: `python -m aims_tui ...` with AIMS_DB pointing at a temp file.

The actor is the real OS login of the test run (it becomes the first admin on init).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from aims_tui import __version__

from .processes import ME, aims


@pytest.fixture
def dbfile(tmp_path) -> Path:
    return tmp_path / "team" / "aims.db"


def test_version(dbfile):
    """`python -m aims_tui --version` works and opens no database."""
    assert aims(dbfile, "--version").stdout.strip() == f"aims {__version__}"
    assert not dbfile.exists()  # --version touches no database


def test_init_demo_list_and_a_stale_update_as_real_processes(dbfile):
    """The issue's scenario end to end: a stale --expect-version exits 1 with one line and changes nothing."""
    out = aims(dbfile, "init", "--org", "Acme AI").stdout
    assert f"First admin: {ME}" in out and "Annex A controls added: 38" in out
    assert dbfile.exists()
    out = aims(dbfile, "demo", "--systems", "3", "--risks-per-system", "4", "--seed", "5").stdout
    assert "3 systems, 12 risks" in out
    rows = json.loads(aims(dbfile, "risks", "list", "--format", "json").stdout)
    assert len(rows) == 12 and all(r["version"] == 1 for r in rows)
    ref = rows[0]["ref"]

    aims(dbfile, "risks", "update", ref, "--residual-likelihood", "1", "--expect-version", "1")
    before = aims(dbfile, "risks", "list", "--format", "json").stdout
    done = aims(dbfile, "risks", "update", ref, "--residual-impact", "1", "--expect-version", "1", code=1)
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and ref in lines[0] and "version 2" in lines[0]
    assert done.stdout == ""
    assert aims(dbfile, "risks", "list", "--format", "json").stdout == before


def test_bad_usage_exits_2_as_a_process(dbfile):
    """Usage errors exit 2 from a real process too."""
    aims(dbfile, "init")
    for args in (["frobnicate"], ["risks", "list", "--format", "xml"], ["risks", "update"],
                 ["demo", "--systems", "many"]):
        aims(dbfile, *args, code=2)


def test_users_and_db_commands_as_real_processes(dbfile):
    """User management and db maintenance, as the real OS login of the test run."""
    aims(dbfile, "init")
    aims(dbfile, "users", "add", "zoe", "--role", "editor")
    aims(dbfile, "users", "set-role", "zoe", "approver")
    done = aims(dbfile, "users", "set-role", ME, "viewer", code=1)
    assert "last admin" in done.stderr and len(done.stderr.strip().splitlines()) == 1
    aims(dbfile, "users", "deactivate", "zoe")
    users = json.loads(aims(dbfile, "users", "list", "--format", "json").stdout)
    assert {(u["login"], u["role"], u["active"]) for u in users} == {(ME, "admin", True),
                                                                     ("zoe", "approver", False)}
    check = aims(dbfile, "db", "check").stdout
    assert "Integrity: ok" in check and "Migration: " in check
    assert "Already at" in aims(dbfile, "db", "upgrade").stdout


def test_the_db_option_wins_over_aims_db(dbfile, tmp_path):
    """--db (before or after the command) beats AIMS_DB."""
    other = tmp_path / "other.db"
    aims(dbfile, "--db", str(other), "init", "--org", "Other")
    assert other.exists() and not dbfile.exists()
    aims(dbfile, "init", "--db", str(other))  # after the command too
    assert not dbfile.exists()
