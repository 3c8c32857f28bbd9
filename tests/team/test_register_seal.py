"""Issue 13: verify proves the register, not only the trail; admin-only bulk commands.

Every out-of-band change here is made the way a teammate with write access to
the file would: Python's sqlite3 module, no aims code involved.
"""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

import pytest
from typer.testing import CliRunner

from aims_tui.cli import app
from aims_tui.core import audit, catalog, config, identity
from aims_tui.core.errors import PermissionDenied
from aims_tui.core.services import backups, demo, management, risks, users

from ..conftest import ADMIN, EDITOR, TODAY, VIEWER, make_db
from ..system.examples import record_on

# every kind of record the register holds (every table but the trail's own), and every
# kind of the management system's registers (core.catalog)
KINDS = ("acceptance", "ai_system", "applicability", "control", "impact_assessment", "management_review",
         "management_review_action", "nonconformity", "review", "risk", "risk_control", "settings",
         "stage_event", "treatment", "user") + tuple(k.model.__tablename__ for k in catalog.ALL)


def cli(monkeypatch, login: str, *args: str):
    monkeypatch.setattr(identity, "os_login", lambda: login)
    return CliRunner().invoke(app, list(args))


def tamper(path: Path, *sql: str) -> None:
    con = sqlite3.connect(str(path))
    try:
        for stmt in sql:
            con.execute(stmt)
        con.commit()
    finally:
        con.close()


def verify(path: Path, limit: int = 500) -> audit.VerifyResult:
    from aims_tui.core.db import open_database

    db = open_database(str(path), upgrade=False)
    try:
        with db.read() as s:
            return audit.verify(s, limit=limit)
    finally:
        db.dispose()


@pytest.fixture(scope="module")
def full_register(tmp_path_factory) -> Path:
    """A register with at least one record of every kind, made by aims only."""
    folder = tmp_path_factory.mktemp("register")
    db = make_db(folder / "full.db")
    demo.load_demo(db, ADMIN, systems=3, risks_per_system=3, seed=5, today=TODAY)
    mr = management.create_review(db, ADMIN, {"held_on": "2026-06-01"})
    management.add_action(db, ADMIN, mr["ref"], {"action": "Retrain the model"})
    for k in catalog.ALL:
        record_on(db, ADMIN, k.entity)
    db.dispose()
    con = sqlite3.connect(str(folder / "full.db"))
    con.execute("PRAGMA journal_mode = DELETE")
    con.close()
    return folder / "full.db"


@pytest.fixture
def register(full_register, tmp_path) -> Path:
    path = tmp_path / "copy.db"
    shutil.copyfile(full_register, path)
    return path


def test_the_register_holds_every_kind_and_verifies_untouched(register):
    """Guards the tests below: each kind is present, and an untouched register passes."""
    con = sqlite3.connect(str(register))
    tables = {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    for kind in KINDS:
        assert con.execute(f'SELECT count(*) FROM "{kind}"').fetchone()[0] > 0, kind
    con.close()
    assert set(KINDS) <= tables
    result = verify(register)
    assert result.ok and result.records_checked, result.message()


def _first(con, kind: str) -> dict:
    cur = con.execute(f'SELECT * FROM "{kind}" ORDER BY rowid LIMIT 1')
    return dict(zip([d[0] for d in cur.description], cur.fetchone()))


def _ref(con, kind: str, row: dict) -> str:
    """How the record is named in the report, from its own columns."""
    risk_ref = lambda rid: con.execute("SELECT ref FROM risk WHERE id = ?", (rid,)).fetchone()[0]  # noqa: E731
    code = lambda cid: con.execute("SELECT code FROM control WHERE id = ?", (cid,)).fetchone()[0]  # noqa: E731
    if kind in ("risk", "ai_system", "impact_assessment", "nonconformity", "management_review") or "ref" in row:
        return row["ref"]
    return {
        "user": lambda: row["login"],
        "control": lambda: row["code"],
        "settings": lambda: f"#{row['id']}",
        "treatment": lambda: f"{risk_ref(row['risk_id'])}/T{row['id']}",
        "acceptance": lambda: f"{risk_ref(row['risk_id'])}/acceptance {row['id']}",
        "risk_control": lambda: f"{risk_ref(row['risk_id'])} ~ {code(row['control_id'])}",
        "applicability": lambda: f"{code(row['control_id'])} applicability",
        "stage_event": lambda: con.execute("SELECT ref FROM ai_system WHERE id = ?", (row["system_id"],))
        .fetchone()[0] + f"/stage event {row['id']}",
        "review": lambda: f"review {row['id']} ({row['subject_type']} #{row['subject_id']})",
        "management_review_action": lambda: con.execute(
            "SELECT ref FROM management_review WHERE id = ?", (row["review_id"],)).fetchone()[0] + f"/A{row['id']}",
    }[kind]()


def _insert_like(con, kind: str) -> dict:
    """Insert a copy of the first record of ``kind``, changed just enough to be new."""
    row = _first(con, kind)
    if kind == "risk_control":
        linked = {(r, c) for r, c in con.execute("SELECT risk_id, control_id FROM risk_control")}
        rid = row["risk_id"]
        row["control_id"] = next(c for (c,) in con.execute("SELECT id FROM control") if (rid, c) not in linked)
    else:
        row.pop("id")
        for col in ("ref", "login", "code"):
            if col in row:
                row[col] = f"{row[col]}X"
        if kind == "applicability":  # one entry per control: a control without one
            ctl = _first(con, "control")
            ctl.pop("id")
            ctl["code"] = "Z.9"
            con.execute(f"INSERT INTO control ({', '.join(f'{chr(34)}{c}{chr(34)}' for c in ctl)}) "
                        f"VALUES ({', '.join('?' * len(ctl))})",
                        list(ctl.values()))
            row["control_id"] = con.execute("SELECT id FROM control WHERE code = 'Z.9'").fetchone()[0]
    for generated in ("inherent_score", "residual_score"):
        row.pop(generated, None)
    cols = ", ".join(f'"{c}"' for c in row)
    cur = con.execute(f'INSERT INTO "{kind}" ({cols}) VALUES ({", ".join("?" * len(row))})', list(row.values()))
    if kind != "risk_control":
        row["id"] = cur.lastrowid
    return row


def _update_first(con, kind: str) -> dict:
    row = _first(con, kind)
    if kind == "risk_control":
        con.execute("UPDATE risk_control SET control_id = (SELECT max(id) FROM control) + 1 "
                    "WHERE risk_id = ? AND control_id = ?", (row["risk_id"], row["control_id"]))
        return row
    info = con.execute(f'PRAGMA table_info("{kind}")').fetchall()
    col = next(r[1] for r in info if r[2].upper().startswith(("VARCHAR", "TEXT")) and r[1] not in (
        "ref", "login", "code", "subject_type"))  # not what names the record
    con.execute(f'UPDATE "{kind}" SET "{col}" = coalesce("{col}", \'\') || \' (edited)\' WHERE rowid = '
                f'(SELECT min(rowid) FROM "{kind}")')
    return row


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("op", ["insert", "update", "delete"])
def test_an_out_of_band_change_to_any_kind_of_record_is_named_by_verify(register, kind, op):
    """Issue 13: a direct `UPDATE risk SET ...` left verify passing (the chain proves the
    trail, not the register). An insert, update or delete made with the sqlite3 module on
    any kind of record is now reported, naming the record."""
    con = sqlite3.connect(str(register))
    try:
        if op == "insert":
            row = _insert_like(con, kind)
            ref, words = _ref(con, kind, row), "was inserted outside aims"
        elif op == "update":
            row = _update_first(con, kind)
            ref = _ref(con, kind, row)
            words = "was deleted outside aims" if kind == "risk_control" else "was changed outside aims"
        else:
            row = _first(con, kind)
            ref, words = _ref(con, kind, row), "was deleted outside aims"
            con.execute(f'DELETE FROM "{kind}" WHERE rowid = (SELECT min(rowid) FROM "{kind}")')
        con.commit()
    finally:
        con.close()
    result = verify(register)
    assert not result.ok
    assert any(p.startswith(f"{kind} {ref}: {words}") for p in result.problems), result.message()


def test_several_tamperings_are_all_reported_with_a_bounded_list_and_a_count(register, monkeypatch):
    """Issue 13: with an edited event and other edits, verify named only the first thing."""
    tamper(register,
           "UPDATE audit_event SET actor = 'mallory' WHERE id = 3",
           "UPDATE risk SET title = 'Quietly renamed' WHERE ref = 'R-0002'",
           "DELETE FROM treatment WHERE id = (SELECT max(id) FROM treatment)",
           "UPDATE user SET role = 'admin' WHERE login = 'eve'",
           "DELETE FROM audit_event WHERE id = 6")
    result = verify(register)
    text_ = "\n".join(result.problems)
    assert result.total == len(result.problems) == 5, result.message()
    assert "event #3 " in text_ and "edited" in text_
    assert "event #6 deleted (the link of #7 names it)" in text_
    assert "risk R-0002: was changed outside aims" in text_
    assert "user eve: was changed outside aims" in text_
    assert "treatment R-" in text_ and "was deleted outside aims" in text_
    res = cli(monkeypatch, VIEWER, "audit", "verify", "--limit", "2", "--db", str(register))
    assert res.exit_code == 3
    assert "5 problems found:" in res.stdout
    assert res.stdout.count("\n  - ") == 2 and "... and 3 more" in res.stdout


def test_event_ids_are_never_reused_after_the_newest_events_were_deleted(register):
    """Issue 13: after a deletion the next event reused the deleted id, and verify then
    blamed the newest legitimate event. Now the next event takes the next id after the
    highest ever written, links to the deleted one, and verify names the deleted ids."""
    con = sqlite3.connect(str(register))
    top = con.execute("SELECT max(id) FROM audit_event").fetchone()[0]
    con.execute("DELETE FROM audit_event WHERE id >= ?", (top - 1,))
    con.execute("DELETE FROM audit_seal WHERE event_id >= ?", (top - 1,))
    con.commit()
    con.close()
    from aims_tui.core.db import open_database

    db = open_database(str(register))
    risks.update_risk(db, ADMIN, "R-0001", {"title": "A legitimate change"})
    with db.read() as s:
        newest = audit.events(s, limit=1)[0]
    db.dispose()
    assert newest["id"] == top + 1
    result = verify(register)
    text_ = "\n".join(result.problems)
    assert f"events #{top - 1}..#{top} deleted (the link of #{top + 1} names it)" in text_, result.message()
    assert f"event #{top + 1} (" not in text_  # the new event itself verifies


def test_db_check_runs_the_quick_trail_check_and_exits_3_when_broken(register, monkeypatch):
    """Issue 13: `aims db check` exited 0 with a broken chain."""
    ok = cli(monkeypatch, VIEWER, "db", "check", "--db", str(register))
    assert "Audit trail: ok" in ok.stdout
    tamper(register, "DELETE FROM risk WHERE ref = 'R-0003'")
    res = cli(monkeypatch, VIEWER, "db", "check", "--db", str(register))
    assert res.exit_code == 3
    assert "Audit trail: BROKEN: risk: 1 record(s) fewer than the audit trail records" in res.stdout


def test_the_quick_check_finds_the_newest_event_edited_or_deleted(register):
    from aims_tui.core.db import open_database

    tamper(register, "DELETE FROM audit_event WHERE id = (SELECT max(id) FROM audit_event)")
    db = open_database(str(register), upgrade=False)
    with db.read() as s:
        quick = audit.quick_check(s)
    db.dispose()
    assert not quick.ok and "the newest events were deleted" in quick.message()


# -- admin-only bulk commands ----------------------------------------------------


def test_an_editor_cannot_load_demo_data(db, monkeypatch):
    """Issue 13: `aims demo` ran for any editor and created users (bob as approver)."""
    res = cli(monkeypatch, EDITOR, "demo", "--db", str(db.path), "--systems", "1")
    assert res.exit_code == 1
    assert "loading demo data needs the admin role (you are editor)" in res.stderr
    assert [u["login"] for u in users.list_users(db)] == sorted([ADMIN, "bob", EDITOR, VIEWER])


def test_demo_loads_only_into_an_empty_register(db, monkeypatch):
    """Issue 13: demo loaded into a database that already held the live register."""
    assert cli(monkeypatch, ADMIN, "demo", "--db", str(db.path), "--systems", "1").exit_code == 0
    res = cli(monkeypatch, ADMIN, "demo", "--db", str(db.path), "--systems", "1")
    assert res.exit_code == 1
    assert "the register already holds 1 AI systems" in res.stderr and "only into an empty register" in res.stderr


def test_demo_always_adds_its_team_each_with_an_audit_event(tmp_path, monkeypatch):
    """Issue 17: without --with-users the demo named owners who were not users, so its JSON
    export was refused by `aims import json`; the team is now always added (admins only load
    the demo, issue 13), a login that is already a user is left as it is."""
    db = make_db(tmp_path / "a.db")
    demo.load_demo(db, ADMIN, systems=1, risks_per_system=1, today=TODAY)
    assert {u["login"] for u in users.list_users(db)} == {ADMIN, "alice", "bob", "chen", "dana", EDITOR, VIEWER}
    other = make_db(tmp_path / "b.db")
    res = cli(monkeypatch, ADMIN, "demo", "--systems", "1", "--db", str(other.path))
    assert res.exit_code == 0, res.stderr
    with other.read() as s:
        made = {e["entity_ref"]: e for e in audit.events(s, limit=None)
                if e["entity"] == "user" and e["changes"].get("source") == [None, "demo"]}
    assert set(made) == {"alice", "chen", "dana"}  # bob was already a user of this test database
    assert made["alice"]["actor"] == ADMIN and made["alice"]["changes"]["role"] == [None, "editor"]
    assert verify(other.path).ok
    db.dispose()
    other.dispose()


def test_only_an_admin_hands_out_roles(db):
    with pytest.raises(PermissionDenied, match="changing a role needs the admin role"):
        users.set_role(db, EDITOR, VIEWER, "approver")
    with pytest.raises(PermissionDenied, match="adding a user needs the admin role"):
        users.add_user(db, EDITOR, "newbie", "approver")


def test_a_viewer_cannot_make_a_backup_and_an_admins_backup_is_audited(db, tmp_path, monkeypatch):
    """Issue 13: any viewer could make a backup (a copy of every record), with no event."""
    res = cli(monkeypatch, VIEWER, "backup", str(tmp_path / "v.db"), "--db", str(db.path))
    assert res.exit_code == 1 and "making a backup needs the admin role (you are viewer)" in res.stderr
    assert not (tmp_path / "v.db").exists()
    dest = tmp_path / "backups" / "b.db"  # a missing folder is made
    r = backups.make_backup(db, ADMIN, dest)
    assert oct(dest.stat().st_mode & 0o777) == "0o640"
    with db.read() as s:
        ev = audit.events(s, limit=1)[0]
    assert (ev["entity"], ev["action"], ev["actor"]) == ("backup", "create", ADMIN)
    assert ev["changes"]["path"] == [None, str(dest)] and ev["changes"]["anchor"] == [None, r.anchor]


def test_changes_to_users_roles_and_settings_are_audited(db):
    from aims_tui.core.services import settings

    users.add_user(db, ADMIN, "newbie", "viewer")
    users.set_role(db, ADMIN, "newbie", "editor")
    users.deactivate(db, ADMIN, "newbie")
    settings.update_settings(db, ADMIN, {"organization": "Renamed Org"})
    with db.read() as s:
        evs = [(e["entity"], e["entity_ref"], e["action"]) for e in audit.events(s, limit=4)]
    assert evs == [("settings", "settings", "update"), ("user", "newbie", "deactivate"),
                   ("user", "newbie", "update"), ("user", "newbie", "create")]
    with db.read() as s:
        assert audit.verify(s).ok


# -- where the database comes from ------------------------------------------------


@pytest.fixture
def config_env(tmp_path, monkeypatch):
    monkeypatch.delenv("AIMS_DB", raising=False)
    system = tmp_path / "etc" / "config.toml"
    user = tmp_path / "xdg" / "aims" / "config.toml"
    monkeypatch.setenv(config.SYSTEM_CONFIG_VAR, str(system))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))
    for p in (system, user):
        p.parent.mkdir(parents=True)
    return system, user


def test_the_database_is_chosen_by_option_variable_user_file_system_file_then_default(config_env, monkeypatch):
    system, user = config_env
    assert config.choose_db(None).source == "default"
    system.write_text('db = "/srv/team/aims.db"\n')
    assert (config.choose_db(None).value, config.choose_db(None).source) == ("/srv/team/aims.db", "system config")
    user.write_text('db = "mine.db"\n')  # relative to the file's folder
    assert config.choose_db(None).value == str(user.parent / "mine.db")
    assert config.choose_db(None).describe() == f"user config {user}"
    monkeypatch.setenv("AIMS_DB", "/from/env.db")
    assert config.choose_db(None).source == "AIMS_DB"
    assert config.choose_db("/from/option.db").source == "--db"


def test_db_check_says_which_file_chose_the_database(config_env, tmp_path, monkeypatch):
    system, _user = config_env
    db = make_db(tmp_path / "team.db")
    db.dispose()
    system.write_text(f'db = "{tmp_path / "team.db"}"\numask = "007"\n')
    res = cli(monkeypatch, VIEWER, "db", "check")
    assert res.exit_code == 0, res.stdout + res.stderr
    assert f"Database: {tmp_path / 'team.db'}" in res.stdout
    assert f"Chosen by: system config {system}" in res.stdout


@pytest.mark.parametrize("content,words", [
    ("db = [1", "is not valid TOML"),
    ("database = 'x.db'", "unknown setting database"),
    ("db = 3", "db must be a string"),
    ("umask = '999'", "umask must be octal"),
])
def test_a_bad_config_file_is_one_line_naming_it(config_env, monkeypatch, content, words):
    system, _user = config_env
    system.write_text(content)
    res = cli(monkeypatch, VIEWER, "risks", "list")
    assert res.exit_code == 1
    assert str(system) in res.stderr and words in res.stderr
    assert "Traceback" not in res.stderr and len(res.stderr.strip().splitlines()) == 1


# -- the app --------------------------------------------------------------------


async def test_the_app_warns_for_as_long_as_the_trail_is_broken(register):
    """Issue 13: the app showed no warning while the trail was broken. The quick check runs
    at start in a worker; the header line stays, and so does the notice."""
    from aims_tui.core.db import open_database
    from aims_tui.tui.app import AimsApp

    tamper(register, "INSERT INTO user (login, display_name, role, active, created_at, version) "
                     "VALUES ('mallory', 'M', 'admin', 1, '2026-01-01 00:00:00.000000', 1)")
    db = open_database(str(register))
    app = AimsApp(db, ADMIN, today=TODAY, poll_seconds=0, start_notice=False)
    try:
        async with app.run_test(size=(120, 30)) as pilot:
            for _ in range(100):
                await pilot.pause(0.05)
                if app.trail_warning:
                    break
            assert app.trail_warning and "user: 1 record(s) more" in app.trail_warning
            assert "AUDIT TRAIL BROKEN" in app.sub_title
            await pilot.press("2")
            await pilot.pause(0.2)
            assert "AUDIT TRAIL BROKEN" in app.sub_title
            assert any("Audit trail broken" == (n.title or "") for n in app._notifications)
    finally:
        db.dispose()


async def test_the_app_shows_no_warning_on_a_sound_trail(register):
    from aims_tui.core.db import open_database
    from aims_tui.tui.app import AimsApp

    db = open_database(str(register))
    app = AimsApp(db, ADMIN, today=TODAY, poll_seconds=0, start_notice=False)
    try:
        async with app.run_test(size=(120, 30)) as pilot:
            for _ in range(200):  # the check runs after the first paint, with the ORM (issue 15)
                await pilot.pause(0.05)
                if app.started:
                    break
            await app.workers.wait_for_complete()
            await pilot.pause(0.1)
            assert app.started
            assert app.trail_warning is None and "BROKEN" not in app.sub_title
    finally:
        db.dispose()
