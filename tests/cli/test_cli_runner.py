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
    cli("demo", "--systems", "6", "--risks-per-system", "4", "--seed", "3", "--with-users")
    return cli


def _one_line(stderr: str) -> str:
    lines = stderr.strip().splitlines()
    assert len(lines) == 1, stderr
    assert lines[0].startswith("aims: ")
    return lines[0]


# -- init, demo, --version -------------------------------------------------------------

def test_init_makes_the_caller_the_first_admin_and_loads_annex_a(cli):
    """A fresh team's first command: the OS login running it becomes admin; a rerun adds nothing."""
    out = cli("init", "--org", "Acme AI").stdout
    assert "First admin: ada" in out and "Annex A controls added: 38" in out and "Acme AI" in out
    again = cli("init").stdout
    assert "Annex A controls added: 0" in again and "First admin" not in again
    users = cli.json("users", "list")
    assert [(u["login"], u["role"]) for u in users] == [("ada", "admin")]


def test_init_by_someone_who_is_not_the_admin_is_refused(cli):
    """An editor or a stranger cannot re-run init to rename the organization."""
    cli("init")
    cli("users", "add", "eve", "--role", "editor")
    r = cli("init", "--org", "Hijack", login="eve", code=1)
    assert "admin" in _one_line(r.stderr)
    r = cli("init", login="mallory", code=1)
    assert "ada" in _one_line(r.stderr)


def test_the_version_is_printed(cli):
    """`aims --version` prints the package version and exits 0."""
    assert cli("--version").stdout.strip() == f"aims {__version__}"


def test_demo_loads_a_seeded_register_sized_by_its_options(cli, tmp_path):
    """--systems and --risks-per-system size the register; the same --seed gives the same register."""
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
    """`aims demo` as the very first command creates the database and says who its admin is."""
    r = cli("demo", "--systems", "1", "--risks-per-system", "1")
    assert "ada is its admin" in r.stderr
    assert any(u["login"] == "ada" and u["role"] == "admin" for u in cli.json("users", "list"))


# -- risks list ---------------------------------------------------------------------------

def test_risks_list_as_json_parses_and_carries_levels_and_versions(demo_cli):
    """Scripts read `--format json`: valid JSON, in ref order, with levels and the version to send back."""
    rows = demo_cli.json("risks", "list")
    assert len(rows) == 24
    assert [r["ref"] for r in rows] == sorted(r["ref"] for r in rows)
    r = rows[0]
    for key in ("ref", "system_ref", "title", "owner", "inherent_score", "inherent_level", "residual_score",
                "residual_level", "above_appetite", "status", "next_review", "version"):
        assert key in r
    assert r["inherent_score"] == r["inherent_likelihood"] * r["inherent_impact"]


def test_risks_list_filters(demo_cli):
    """--level, --owner, --system and --overdue narrow the list; csv and table print every row."""
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
    """The version just listed is current: the update is saved and the version goes up by one."""
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
    """Out-of-range scores, unknown owners and unknown refs fail with one line and change nothing."""
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
    """The demo's viewer is told the role an update needs and the role they have."""
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
    """Unknown commands and options, bad option values and missing arguments are usage errors (exit 2)."""
    r = demo_cli(*args, code=2)
    assert r.stdout == "" or "Usage" in r.output


def test_an_unknown_os_login_is_refused_naming_an_admin(demo_cli):
    """A login that is not a user is told whom to ask, for reads and writes alike, and nothing changes."""
    before = demo_cli.json("risks", "list")
    for args in (["risks", "list"], ["systems", "list"], ["users", "list"],
                 ["risks", "update", "R-0001", "--status", "closed"], ["demo"]):
        r = demo_cli(*args, login="mallory", code=1)
        line = _one_line(r.stderr)
        assert "mallory" in line and "ada" in line and "aims users add mallory" in line
    assert demo_cli.json("risks", "list", login="ada") == before


def test_a_deactivated_user_is_refused_like_a_stranger(demo_cli):
    """Deactivation takes effect on the next command."""
    demo_cli("users", "deactivate", "chen")
    r = demo_cli("risks", "list", login="chen", code=1)
    assert "ada" in _one_line(r.stderr)


def test_a_database_that_cannot_be_opened_is_one_line_not_a_traceback(cli, tmp_path):
    """A folder, a path under a file, and a file that is not SQLite: one line each, exit 1."""
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
    """The admin's user commands, and re-adding a deactivated user."""
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
    """A database must never be left without an admin; with a second admin the first may step down."""
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
    """A login with a space, an unknown role, an unknown user, an editor adding users."""
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
    """The demo has a system at every stage; --stage filters."""
    rows = demo_cli.json("systems", "list")
    assert len(rows) == 6 and {r["stage"] for r in rows} == {"design", "validation", "deployment", "monitoring",
                                                            "improvement", "retired"}
    dep = demo_cli.json("systems", "list", "--stage", "deployment")
    assert [r["stage"] for r in dep] == ["deployment"]


# -- db -----------------------------------------------------------------------------------

def test_db_check_reports_integrity_migration_and_sqlite_version(demo_cli):
    """The facts an admin needs when something looks wrong."""
    out = demo_cli("db", "check").stdout
    head = migrate.head_revision()
    assert f"Migration: {head} (newest: {head})" in out
    assert "Integrity: ok" in out and "SQLite library:" in out and "Journal mode: wal" in out


def test_db_check_and_upgrade_on_a_database_made_by_an_older_aims(cli):
    """db check says to upgrade (exit 3); db upgrade migrates once, then has nothing to do."""
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


@pytest.mark.parametrize("name,offset", [("ix_risk_owner_ref", 8), ("risk", 0)])
def test_db_check_finds_a_corrupted_file(cli, name, offset):
    """A damaged index or table page is reported by the integrity check (exit 3), not hidden and
    not a crash (found by these tests: a page damaged badly enough stopped the check itself)."""
    cli("init")
    cli("demo", "--systems", "2", "--risks-per-system", "50")
    import sqlite3
    with sqlite3.connect(cli.path) as c:
        c.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        page = c.execute("PRAGMA page_size").fetchone()[0]
        root = c.execute("SELECT rootpage FROM sqlite_master WHERE name = ?", (name,)).fetchone()[0]
    with open(cli.path, "r+b") as f:  # scribble over the page
        f.seek((root - 1) * page + offset)
        f.write(b"\xff" * 64)
    r = cli("db", "check", code=3)
    integrity = next(line for line in r.stdout.splitlines() if line.startswith("Integrity:"))
    assert integrity != "Integrity: ok"
    # SQLite names the damaged object, or (when the damage stops the check) says the file is malformed
    assert name in integrity or "malformed" in integrity


def test_db_check_and_upgrade_on_a_file_that_is_not_a_database_fail_in_one_line(cli, tmp_path):
    """Found by these tests: this was a two-line 'unexpected error'."""
    garbage = tmp_path / "garbage.db"
    garbage.write_bytes(b"this is not a database" * 300)
    for cmd in ("check", "upgrade"):
        r = cli("db", cmd, "--db", str(garbage), code=1)
        assert "not an aims database" in _one_line(r.stderr)
    assert garbage.read_bytes() == b"this is not a database" * 300


def test_a_database_made_by_a_newer_aims_is_refused_and_db_check_says_so(cli):
    """Found by these tests: this was an 'unexpected error: CommandError'."""
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


def test_opening_the_app_as_an_unknown_login_is_refused_before_the_app_starts(demo_cli, monkeypatch):
    """`aims` with no command checks who you are before opening the TUI."""
    started = []
    monkeypatch.setattr("aims_tui.tui.app.run", lambda *a, **k: started.append(a))
    r = demo_cli(login="mallory", code=1)
    assert "ada" in _one_line(r.stderr) and started == []
    demo_cli("--demo", login="ada")  # a database with risks: nothing loaded, the app opens
    assert len(started) == 1 and started[0][1] == "ada"
    assert "loaded demo data" not in demo_cli("--demo").stderr


def test_the_app_with_demo_on_an_empty_database_loads_the_demo_first(cli, monkeypatch):
    """The README's run command: `aims --demo` on a new database loads demo data, then opens the app."""
    started = []
    monkeypatch.setattr("aims_tui.tui.app.run", lambda *a, **k: started.append(a))
    r = cli("--demo")
    assert "loaded demo data" in r.stderr and len(started) == 1
    assert len(cli.json("risks", "list")) > 0


def test_db_check_and_upgrade_do_not_create_a_missing_database(cli, tmp_path):
    """Found while reviewing: `aims db check --db typo.db` created an empty file and blamed its migration."""
    missing = tmp_path / "typo.db"
    for cmd in ("check", "upgrade"):
        r = cli("db", cmd, "--db", str(missing), code=1)
        assert "no database" in _one_line(r.stderr) and "aims init" in r.stderr
    assert not missing.exists()


@pytest.mark.parametrize("args", [[], ["init"], ["demo"], ["users"], ["users", "add"], ["systems", "list"],
                                  ["risks", "list"], ["risks", "update"], ["db"], ["db", "check"]])
def test_help_is_available_for_every_command_of_the_contract(cli, args):
    """`-h`/`--help` exits 0, prints usage, and touches no database."""
    r = cli(*args, "--help")
    assert "Usage" in r.stdout
    assert cli(*args, "-h").stdout == r.stdout
    assert not cli.path.exists()
