"""The aims CLI in-process (Typer's CliRunner), acting as a chosen OS login.

The OS login is the actor; tests patch ``aims_tui.core.identity.os_login`` (never an option or
a variable a user could set).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from aims_tui import __version__
from aims_tui.cli import app
from aims_tui.core import migrate
from aims_tui.core.db import open_database


class Cli:
    """Runs aims commands against one database file as a given login."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch, path: Path):
        self.path = path
        self.login = "ada"
        self.runner = CliRunner()
        monkeypatch.setattr("aims_tui.core.identity.os_login", lambda: self.login)
        monkeypatch.setenv("AIMS_DB", str(path))
        monkeypatch.setenv("COLUMNS", "200")
        monkeypatch.delenv("AIMS_DEBUG", raising=False)

    def __call__(self, *args: str, login: str | None = None, code: int | None = 0):
        if login is not None:
            self.login = login
        result = self.runner.invoke(app, list(args))
        assert "Traceback" not in result.output, result.output
        if result.exception is not None and not isinstance(result.exception, SystemExit):
            raise AssertionError(f"aims {' '.join(args)} raised {result.exception!r}")
        if code is not None:
            assert result.exit_code == code, (args, result.exit_code, result.output)
        return result

    def json(self, *args: str, login: str | None = None):
        return json.loads(self(*args, "--format", "json", login=login).stdout)


@pytest.fixture
def cli(monkeypatch, tmp_path) -> Cli:
    return Cli(monkeypatch, tmp_path / "aims.db")


@pytest.fixture
def demo_cli(cli) -> Cli:
    cli("init", "--org", "Acme AI")
    cli("demo", "--systems", "6", "--risks-per-system", "4", "--seed", "3")
    return cli


def _one_line(stderr: str) -> str:
    lines = stderr.strip().splitlines()
    assert len(lines) == 1, stderr
    assert lines[0].startswith("aims: ")
    return lines[0]


# -- init, demo, --version -------------------------------------------------------------

def test_init_makes_the_caller_the_first_admin_and_loads_annex_a(cli):
    out = cli("init", "--org", "Acme AI").stdout
    assert "First admin: ada" in out and "Annex A controls added: 38" in out and "Acme AI" in out
    again = cli("init").stdout
    assert "Annex A controls added: 0" in again and "First admin" not in again
    users = cli.json("users", "list")
    assert [(u["login"], u["role"]) for u in users] == [("ada", "admin")]


def test_init_by_someone_who_is_not_the_admin_is_refused(cli):
    cli("init")
    cli("users", "add", "eve", "--role", "editor")
    r = cli("init", "--org", "Hijack", login="eve", code=1)
    assert "admin" in _one_line(r.stderr)
    r = cli("init", login="mallory", code=1)
    assert "ada" in _one_line(r.stderr)


def test_the_version_is_printed(cli):
    assert cli("--version").stdout.strip() == f"aims {__version__}"


def test_demo_loads_a_seeded_register_sized_by_its_options(cli, tmp_path):
    cli("init")
    out = cli("demo", "--systems", "4", "--risks-per-system", "3", "--seed", "9").stdout
    assert "4 systems, 12 risks" in out
    first = cli.json("risks", "list")
    assert len(first) == 12
    assert {r["system_ref"] for r in first} == {"AIS-001", "AIS-002", "AIS-003", "AIS-004"}
    # the same seed on another database gives the same register
    cli.path = tmp_path / "again.db"
    cli("--db", str(cli.path), "init")
    cli("demo", "--db", str(cli.path), "--systems", "4", "--risks-per-system", "3", "--seed", "9")
    second = json.loads(cli("risks", "list", "--db", str(cli.path), "--format", "json").stdout)
    drop = ("next_review", "review_state")  # relative to today
    assert [{k: v for k, v in r.items() if k not in drop} for r in second] == \
        [{k: v for k, v in r.items() if k not in drop} for r in first]


def test_demo_on_a_new_database_makes_the_caller_its_admin(cli):
    r = cli("demo", "--systems", "1", "--risks-per-system", "1")
    assert "ada is its admin" in r.stderr
    assert any(u["login"] == "ada" and u["role"] == "admin" for u in cli.json("users", "list"))


# -- risks list ---------------------------------------------------------------------------

def test_risks_list_as_json_parses_and_carries_levels_and_versions(demo_cli):
    rows = demo_cli.json("risks", "list")
    assert len(rows) == 24
    assert [r["ref"] for r in rows] == sorted(r["ref"] for r in rows)
    r = rows[0]
    for key in ("ref", "system_ref", "title", "owner", "inherent_score", "inherent_level", "residual_score",
                "residual_level", "above_appetite", "status", "next_review", "version"):
        assert key in r
    assert r["inherent_score"] == r["inherent_likelihood"] * r["inherent_impact"]


def test_risks_list_filters(demo_cli):
    all_rows = demo_cli.json("risks", "list")
    high = demo_cli.json("risks", "list", "--level", "high")
    assert high and all(r["residual_level"] == "High" for r in high)
    assert len(high) == sum(r["residual_level"] == "High" for r in all_rows)
    mine = demo_cli.json("risks", "list", "--owner", "alice")
    assert mine and all(r["owner"] == "alice" for r in mine)
    one = demo_cli.json("risks", "list", "--system", "AIS-002")
    assert one and all(r["system_ref"] == "AIS-002" for r in one)
    overdue = demo_cli.json("risks", "list", "--overdue")
    assert all(r["review_state"] == "overdue" for r in overdue)
    csv_out = demo_cli("risks", "list", "--format", "csv").stdout.splitlines()
    assert len(csv_out) == 25 and csv_out[0].startswith("ref,")
    table = demo_cli("risks", "list").stdout.splitlines()
    assert table[0].startswith("REF") and len(table) == 26


# -- risks update ---------------------------------------------------------------------

def test_risks_update_with_the_current_version_saves(demo_cli):
    before = demo_cli.json("risks", "list")[0]
    out = demo_cli("risks", "update", before["ref"], "--residual-likelihood", "1", "--residual-impact", "1",
                   "--expect-version", str(before["version"])).stdout
    assert f"updated to version {before['version'] + 1}" in out and "residual 1 (Low)" in out
    after = demo_cli.json("risks", "list")[0]
    assert (after["residual_score"], after["version"]) == (1, before["version"] + 1)


def test_risks_update_with_a_stale_version_fails_in_one_line_and_changes_nothing(demo_cli):
    """Two people listed version 1; the first saved; the second gets exit 1 and the current version."""
    first = demo_cli.json("risks", "list")[0]
    ref = first["ref"]
    new_owner = "chen" if first["owner"] != "chen" else "alice"
    demo_cli("risks", "update", ref, "--owner", new_owner, "--expect-version", "1")
    before = demo_cli.json("risks", "list")
    r = demo_cli("risks", "update", ref, "--residual-likelihood", "5", "--expect-version", "1", code=1)
    line = _one_line(r.stderr)
    assert ref in line and "version 1" in line and "version 2" in line
    assert r.stdout == ""
    assert demo_cli.json("risks", "list") == before


def test_risks_update_refuses_bad_values_naming_the_field(demo_cli):
    ref = demo_cli.json("risks", "list")[0]["ref"]
    before = demo_cli.json("risks", "list")
    r = demo_cli("risks", "update", ref, "--residual-likelihood", "9", code=1)
    assert "residual_likelihood" in _one_line(r.stderr)
    r = demo_cli("risks", "update", ref, "--owner", "nobody", code=1)
    assert "owner" in _one_line(r.stderr)
    r = demo_cli("risks", "update", "R-9999", "--status", "closed", code=1)
    assert "R-9999" in _one_line(r.stderr)
    assert demo_cli.json("risks", "list") == before


def test_a_viewer_cannot_update_a_risk(demo_cli):
    ref = demo_cli.json("risks", "list")[0]["ref"]
    r = demo_cli("risks", "update", ref, "--status", "closed", login="dana", code=1)  # dana: demo viewer
    line = _one_line(r.stderr)
    assert "editor" in line and "viewer" in line


# -- usage errors, unknown logins, tracebacks -------------------------------------------

@pytest.mark.parametrize("args", [
    ["frobnicate"],
    ["risks", "list", "--colour"],
    ["risks", "list", "--format", "xml"],
    ["risks", "list", "--level", "Apocalyptic"],
    ["risks", "list", "--status", "maybe"],
    ["risks", "update"],
    ["risks", "update", "R-0001"],
    ["risks", "update", "R-0001", "--likelihood", "three"],
    ["systems", "list", "--stage", "production"],
    ["demo", "--systems", "0"],
    ["users", "add"],
    ["users", "set-role", "ada"],
])
def test_bad_usage_exits_2(demo_cli, args):
    r = demo_cli(*args, code=2)
    assert r.stdout == "" or "Usage" in r.output


def test_an_unknown_os_login_is_refused_naming_an_admin(demo_cli):
    before = demo_cli.json("risks", "list")
    for args in (["risks", "list"], ["systems", "list"], ["users", "list"],
                 ["risks", "update", "R-0001", "--status", "closed"], ["demo"]):
        r = demo_cli(*args, login="mallory", code=1)
        line = _one_line(r.stderr)
        assert "mallory" in line and "ada" in line and "aims users add mallory" in line
    assert demo_cli.json("risks", "list", login="ada") == before


def test_a_deactivated_user_is_refused_like_a_stranger(demo_cli):
    demo_cli("users", "deactivate", "chen")
    r = demo_cli("risks", "list", login="chen", code=1)
    assert "ada" in _one_line(r.stderr)


def test_a_database_that_cannot_be_opened_is_one_line_not_a_traceback(cli, tmp_path):
    r = cli("--db", str(tmp_path), "risks", "list", code=1)
    assert "cannot" in _one_line(r.stderr)
    blocker = tmp_path / "file"
    blocker.write_text("x")
    r = cli("risks", "list", "--db", str(blocker / "aims.db"), code=1)
    _one_line(r.stderr)
    garbage = tmp_path / "garbage.db"
    garbage.write_bytes(b"this is not a database" * 100)
    r = cli("risks", "list", "--db", str(garbage), code=1)
    _one_line(r.stderr)


# -- users ----------------------------------------------------------------------------

def test_users_add_set_role_and_deactivate(cli):
    cli("init")
    assert cli("users", "add", "zoe", "--role", "editor", "--name", "Zoe Z").stdout.strip() == \
        "Added zoe as editor"
    assert cli("users", "set-role", "zoe", "approver").stdout.strip() == "zoe is now approver"
    assert cli("users", "deactivate", "zoe").stdout.strip() == "Deactivated zoe"
    users = {u["login"]: u for u in cli.json("users", "list")}
    assert users["zoe"]["role"] == "approver" and users["zoe"]["active"] is False
    cli("users", "add", "zoe", "--role", "viewer")  # reactivated with a new role
    assert {u["login"]: u for u in cli.json("users", "list")}["zoe"]["active"] is True


def test_the_last_admin_cannot_be_demoted_or_deactivated(cli):
    cli("init")
    cli("users", "add", "zoe", "--role", "editor")
    before = cli.json("users", "list")
    r = cli("users", "set-role", "ada", "viewer", code=1)
    assert "last admin" in _one_line(r.stderr)
    r = cli("users", "deactivate", "ada", code=1)
    assert "last admin" in _one_line(r.stderr)
    assert cli.json("users", "list") == before
    cli("users", "set-role", "zoe", "admin")
    cli("users", "set-role", "ada", "viewer")  # now there is another admin
    r = cli("users", "add", "yan", login="ada", code=1)
    assert "admin" in _one_line(r.stderr)


def test_users_commands_refuse_bad_input_and_non_admins(cli):
    cli("init")
    r = cli("users", "add", "Zoe Smith", code=1)
    assert "login" in _one_line(r.stderr)
    r = cli("users", "add", "zoe", "--role", "god", code=1)
    assert "role" in _one_line(r.stderr)
    r = cli("users", "set-role", "nobody", "editor", code=1)
    assert "nobody" in _one_line(r.stderr)
    cli("users", "add", "eve", "--role", "editor")
    r = cli("users", "add", "zoe", login="eve", code=1)
    assert "admin" in _one_line(r.stderr)
    assert [u["login"] for u in cli.json("users", "list", login="ada")] == ["ada", "eve"]


# -- systems --------------------------------------------------------------------------

def test_systems_list_by_stage(demo_cli):
    rows = demo_cli.json("systems", "list")
    assert len(rows) == 6 and {r["stage"] for r in rows} == {"design", "validation", "deployment", "monitoring",
                                                            "improvement", "retired"}
    dep = demo_cli.json("systems", "list", "--stage", "deployment")
    assert [r["stage"] for r in dep] == ["deployment"]


# -- db -----------------------------------------------------------------------------------

def test_db_check_reports_integrity_migration_and_sqlite_version(demo_cli):
    out = demo_cli("db", "check").stdout
    head = migrate.head_revision()
    assert f"Migration: {head} (newest: {head})" in out
    assert "Integrity: ok" in out and "SQLite library:" in out and "Journal mode: wal" in out


def test_db_check_and_upgrade_on_a_database_made_by_an_older_aims(cli):
    cli("init")
    database = open_database(str(cli.path))
    migrate.downgrade(database, "base")
    database.dispose()
    r = cli("db", "check", code=3)
    assert "aims db upgrade" in r.stdout
    out = cli("db", "upgrade").stdout
    assert f"-> {migrate.head_revision()}" in out
    assert "Already at" in cli("db", "upgrade").stdout
    cli("db", "check")


def test_db_check_finds_a_corrupted_file(cli):
    cli("init")
    cli("demo", "--systems", "2", "--risks-per-system", "50")
    import sqlite3
    with sqlite3.connect(cli.path) as c:
        c.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        page = c.execute("PRAGMA page_size").fetchone()[0]
        root = c.execute("SELECT rootpage FROM sqlite_master WHERE name = 'ix_risk_owner_ref'").fetchone()[0]
    with open(cli.path, "r+b") as f:  # scribble over an index page
        f.seek((root - 1) * page + 8)
        f.write(b"\xff" * 64)
    r = cli("db", "check", code=3)
    integrity = next(line for line in r.stdout.splitlines() if line.startswith("Integrity:"))
    assert "ix_risk_owner_ref" in integrity


def test_db_check_and_upgrade_on_a_file_that_is_not_a_database_fail_in_one_line(cli, tmp_path):
    garbage = tmp_path / "garbage.db"
    garbage.write_bytes(b"this is not a database" * 300)
    for cmd in ("check", "upgrade"):
        r = cli("db", cmd, "--db", str(garbage), code=1)
        assert "not a readable aims database" in _one_line(r.stderr)


def test_a_database_made_by_a_newer_aims_is_refused_and_db_check_says_so(cli):
    cli("init")
    import sqlite3
    with sqlite3.connect(cli.path) as c:
        c.execute("UPDATE alembic_version SET version_num = '0999'")
    r = cli("risks", "list", code=1)
    assert "newer aims" in _one_line(r.stderr)
    r = cli("db", "upgrade", code=1)
    assert "newer aims" in _one_line(r.stderr)
    r = cli("db", "check", code=3)
    assert "newer aims" in r.stdout and "aims db upgrade" not in r.stdout
