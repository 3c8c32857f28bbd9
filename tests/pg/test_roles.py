"""Issue 18: on PostgreSQL the server holds aims' roles.

Real OS users connect by peer authentication over the server's Unix socket (no password);
the plain driver (psycopg, no aims code) shows what each database role may do.
"""

from __future__ import annotations

import json

import pytest

from aims_tui.core import pgroles
from aims_tui.core.db import open_database
from aims_tui.core.services import dbroles, setup, users

from .conftest import plain, why_no_server

pytestmark = [pytest.mark.engines, pytest.mark.slow,
              pytest.mark.skipif(why_no_server() is not None, reason=str(why_no_server()))]


def _risk(team) -> tuple[int, str, int]:
    with plain(team.server, team.dbname) as con:
        return con.execute("SELECT id, title, version FROM risk ORDER BY id LIMIT 1").fetchone()


def _events(team) -> int:
    with plain(team.server, team.dbname) as con:
        return con.execute("SELECT count(*) FROM audit_event").fetchone()[0]


def test_a_viewers_role_can_read_but_cannot_update_a_risk_or_delete_an_audit_event(pg_team):
    """Issue 18: on SQLite anyone in the group can open the file and write; on PostgreSQL the
    viewer's own database role, used with the plain driver, is refused by the server."""
    before, events = _risk(pg_team), _events(pg_team)
    read = pg_team.sql_as("viewer", "SELECT count(*) FROM risk")
    assert read.stdout.splitlines() == [f"AS {pg_team.users['viewer']}", "OK 1"], read.stderr
    upd = pg_team.sql_as("viewer", f"UPDATE risk SET title = 'hacked' WHERE id = {before[0]}")
    assert upd.stdout.splitlines()[1] == "ERROR InsufficientPrivilege permission denied for table risk"
    dele = pg_team.sql_as("viewer", "DELETE FROM audit_event WHERE id = 1")
    assert dele.stdout.splitlines()[1] == "ERROR InsufficientPrivilege permission denied for table audit_event"
    ins = pg_team.sql_as("viewer", "INSERT INTO settings (id) VALUES (99)")
    assert ins.stdout.splitlines()[1].startswith("ERROR InsufficientPrivilege")
    assert (_risk(pg_team), _events(pg_team)) == (before, events)


def test_an_editors_role_writes_records_but_cannot_update_delete_or_truncate_audit_events(pg_team):
    """Issue 18: the audit trail is insert-only for everyone who writes."""
    events = _events(pg_team)
    for sql in ("UPDATE audit_event SET actor = 'someone' WHERE id = 1", "DELETE FROM audit_event WHERE id = 1",
                "TRUNCATE audit_event CASCADE"):
        out = pg_team.sql_as("editor", sql).stdout.splitlines()
        assert out[1].startswith("ERROR InsufficientPrivilege permission denied"), (sql, out)
    assert _events(pg_team) == events


def test_the_admin_who_owns_the_tables_cannot_delete_audit_events_either(pg_team):
    """Issue 18: a table owner bypasses grants; the revoke and the trigger still refuse."""
    events = _events(pg_team)
    for sql in ("DELETE FROM audit_event WHERE id = 1", "UPDATE audit_event SET hash = 'x' WHERE id = 1"):
        out = pg_team.sql_as("admin", sql).stdout.splitlines()
        assert out[1].startswith("ERROR InsufficientPrivilege"), (sql, out)
    # even a superuser meets the trigger (grants do not bind it)
    import psycopg

    with plain(pg_team.server, pg_team.dbname) as con:
        for sql in ("DELETE FROM audit_event WHERE id = 1", "TRUNCATE audit_event CASCADE"):
            with pytest.raises(psycopg.errors.InsufficientPrivilege, match="audit events are insert-only"):
                con.execute(sql)
    assert _events(pg_team) == events


def test_identity_comes_from_the_connection_not_from_what_the_environment_claims(pg_team):
    """Issue 18: the viewer's process says USER=LOGNAME=<admin> (and PGUSER, or a URL naming the admin); peer authentication
    connects it as the viewer, so aims acts as the viewer and the server refuses the admin's name."""
    res = pg_team.run("viewer", "risks", "update", "R-0001", "--title", "Hacked")
    assert res.returncode == 1
    assert "editing a risk needs the editor role (you are viewer)" in res.stderr
    res = pg_team.run("viewer", "users", "list", "--db",
                      pg_team.peer_url.replace(":///", f"://{pg_team.users['admin']}@/"))
    assert res.returncode == 1
    assert "peer authentication failed" in res.stderr.lower()
    res = pg_team.run("viewer", "users", "list", env={"PGUSER": pg_team.users["admin"]})
    assert res.returncode == 1
    assert "peer authentication failed" in res.stderr.lower()
    res = pg_team.run("editor", "risks", "update", "R-0001", "--title", "Checked by the editor")
    assert res.returncode == 0, res.stderr
    with plain(pg_team.server, pg_team.dbname) as con:
        actor, ref = con.execute("SELECT actor, entity_ref FROM audit_event ORDER BY id DESC LIMIT 1").fetchone()
    assert (actor, ref) == (pg_team.users["editor"], "R-0001")


def test_users_add_creates_the_login_role_and_set_role_and_deactivate_move_its_grants(pg_team):
    """Issue 18: `aims users add` creates and grants the role; a role change or deactivation revokes."""
    newbie = pg_team.users["viewer"] + "_n"
    groups_sql = ("SELECT coalesce(string_agg(g.rolname, ',' ORDER BY g.rolname), '') FROM pg_auth_members m "
                  "JOIN pg_roles g ON g.oid = m.roleid JOIN pg_roles u ON u.oid = m.member WHERE u.rolname = %s")

    def groups() -> str:
        with plain(pg_team.server, "postgres") as con:
            return con.execute(groups_sql, (newbie,)).fetchone()[0]

    res = pg_team.run("admin", "users", "add", newbie, "--role", "viewer")
    assert res.returncode == 0, res.stderr
    assert groups() == "aims_viewer"
    assert pg_team.run("admin", "users", "set-role", newbie, "editor").returncode == 0
    assert groups() == "aims_editor"
    assert pg_team.run("admin", "users", "set-role", newbie, "admin").returncode == 0
    with plain(pg_team.server, "postgres") as con:
        assert con.execute("SELECT rolcreaterole FROM pg_roles WHERE rolname = %s", (newbie,)).fetchone()[0]
    assert pg_team.run("admin", "users", "set-role", newbie, "viewer").returncode == 0
    with plain(pg_team.server, "postgres") as con:
        assert not con.execute("SELECT rolcreaterole FROM pg_roles WHERE rolname = %s", (newbie,)).fetchone()[0]
    assert groups() == "aims_viewer"
    assert pg_team.run("admin", "users", "deactivate", newbie).returncode == 0
    assert groups() == ""


def test_a_non_admin_cannot_add_a_user_nor_grant_a_role_with_the_plain_driver(pg_team):
    """Issue 18: an editor's role has no CREATEROLE: it cannot grant itself the admin group."""
    out = pg_team.sql_as("editor", f'GRANT aims_admin TO "{pg_team.users["editor"]}"').stdout.splitlines()
    assert out[1].startswith("ERROR InsufficientPrivilege"), out


def test_init_set_up_the_roles_and_running_the_setup_again_changes_nothing(pg_team):
    """Issue 18: `aims init` on PostgreSQL creates the group roles and grants; `aims db roles` is idempotent."""
    assert "Roles: audit_event is insert-only" in pg_team.setup_output
    first = pg_team.run("admin", "db", "roles")
    again = pg_team.run("admin", "db", "roles")
    assert first.returncode == again.returncode == 0, (first.stderr, again.stderr)
    assert "created" not in again.stdout and "granted aims_" not in again.stdout.replace("granted aims_viewer SELECT", "")
    with plain(pg_team.server, pg_team.dbname) as con:
        rows = con.execute("SELECT has_table_privilege('aims_viewer', 'risk', 'SELECT'), "
                           "has_table_privilege('aims_viewer', 'risk', 'UPDATE'), "
                           "has_table_privilege('aims_editor', 'risk', 'UPDATE'), "
                           "has_table_privilege('aims_editor', 'audit_event', 'INSERT'), "
                           "has_table_privilege('aims_admin', 'audit_event', 'DELETE')").fetchone()
    assert rows == (True, False, True, True, False)


def test_users_service_keeps_login_roles_only_where_the_roles_were_set_up(server):
    """A register on PostgreSQL whose roles were never set up keeps roles inside aims (as on
    SQLite): adding a user creates no database role; after `setup` it does."""
    name, url = server.new_database(prefix="r")
    db = open_database(url)
    try:
        setup.initialize(db, "aims_super", "Org")
        users.add_user(db, "aims_super", f"{name}_a", "viewer")
        with db.engine.connect() as c:
            assert not pgroles.role_exists(c, f"{name}_a")
            assert not pgroles.enabled(c)
        lines = dbroles.apply_roles(db)
        assert f"granted aims_viewer to {name}_a" in lines
        users.add_user(db, "aims_super", f"{name}_b", "editor")
        with db.engine.connect() as c:
            assert pgroles.enabled(c)
            member = c.exec_driver_sql(
                "SELECT pg_has_role(%(u)s, 'aims_editor', 'MEMBER')", {"u": f"{name}_b"}).scalar()
        assert member is True
    finally:
        db.dispose()
        server.drop_database(name)


def test_the_users_list_shows_the_database_roles_users(pg_team):
    res = pg_team.run("viewer", "users", "list", "--format", "json")
    assert res.returncode == 0, res.stderr
    roles = {u["login"]: u["role"] for u in json.loads(res.stdout)}
    assert roles[pg_team.users["viewer"]] == "viewer" and roles[pg_team.users["admin"]] == "admin"


def test_an_editors_role_cannot_change_a_risk_without_aims_write_path_but_aims_can(pg_team):
    """Issue 18: "only aims' own write path can change records": the editor's login may write
    the tables (aims needs it), yet a bare UPDATE typed with the plain driver is refused at
    commit, since its transaction wrote no audit event; the server's marks and tallies cannot
    be written by hand; the same editor through aims changes the risk."""
    before, events = _risk(pg_team), _events(pg_team)
    for sql in (f"UPDATE risk SET title = 'hacked' WHERE id = {before[0]}",
                f"DELETE FROM risk_control WHERE risk_id = {before[0]}",
                "UPDATE settings SET organization = 'Hacked Ltd'"):
        out = pg_team.sql_as("editor", sql).stdout.splitlines()
        assert out[1].startswith("ERROR InsufficientPrivilege records change only through aims"), (sql, out)
    for sql in ("INSERT INTO aims_write_tx (tx, audited) VALUES (txid_current(), true)",
                "UPDATE risk_tally_cells SET n = n + 1", "DELETE FROM risk_tally_due"):
        out = pg_team.sql_as("editor", sql).stdout.splitlines()
        assert out[1].startswith("ERROR InsufficientPrivilege permission denied"), (sql, out)
    assert (_risk(pg_team), _events(pg_team)) == (before, events)
    res = pg_team.run("editor", "risks", "update", "R-0001", "--title", "Changed through aims")
    assert res.returncode == 0, res.stderr
    assert _risk(pg_team)[1] == "Changed through aims"
    assert _events(pg_team) == events + 1


def test_a_change_with_a_hand_made_audit_event_passes_the_server_but_audit_verify_names_it(pg_team):
    """Issue 18 (the honest limit): the server checks that a change comes with an audit event, not
    who computed it; an event made by hand in the same statement does not continue the hash
    chain, and `aims audit verify` reports the break."""
    assert pg_team.run("admin", "audit", "verify").returncode == 0
    rid = _risk(pg_team)[0]
    forged = ("WITH e AS (INSERT INTO audit_event (at, actor, entity, entity_ref, action, changes, prev_hash, hash) "
              "VALUES (now(), session_user, 'risk', 'R-0001', 'update', '{}', 'x', 'y') RETURNING id) "
              f"UPDATE risk SET title = 'forged' WHERE id = {rid} AND EXISTS (SELECT 1 FROM e)")
    out = pg_team.sql_as("editor", forged).stdout.splitlines()
    assert out[1] == "OK 1", out
    res = pg_team.run("admin", "audit", "verify")
    assert res.returncode != 0
    assert "broken" in (res.stdout + res.stderr).lower()
