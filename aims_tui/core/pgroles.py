"""aims' roles as PostgreSQL roles: the server enforces them (issue 18).

On SQLite every teammate can write the file, so roles hold only inside aims.
On PostgreSQL each aims role is a group role (NOLOGIN) with grants, and each
user's login role (the OS login, by peer authentication) is a member of the
group of their aims role:

- ``aims_viewer``: SELECT on every table; nothing else.
- ``aims_editor``, ``aims_approver``, ``aims_admin``: SELECT, INSERT, UPDATE,
  DELETE on the register's tables; on ``audit_event`` SELECT and INSERT only;
  ``alembic_version`` read-only. Admin logins also get CREATEROLE, so that
  ``aims users add`` can create and grant login roles.
- ``audit_event`` is insert-only for everyone: UPDATE, DELETE and TRUNCATE are
  revoked from PUBLIC, every group and the table's owner, and a trigger
  refuses them as a second wall (a table owner bypasses grants). The trigger
  lets a write transaction finish the event it has just inserted itself (not
  yet committed, so nobody has seen it); a committed event never changes.
- Only aims' write path changes records (migration 0017, :func:`guard_records`):
  a transaction that changes a record table commits only if it also inserted an
  audit event; otherwise a deferred constraint trigger refuses it at COMMIT. The
  server's own marks (``aims_write_tx``) and the risk tallies are written by
  SECURITY DEFINER trigger functions only: every group may read them, none write.
  What this does not prove is that aims computed the event: one typed by hand
  passes, stays (insert-only) and must continue the hash chain, which
  ``aims audit verify`` checks.

:func:`setup` is idempotent (``aims init`` and ``aims db roles`` run it). The
users service calls :func:`sync_login` in the same transaction as the user's
change, so a role change and its grant commit together (role DDL is
transactional on PostgreSQL). A database without the group roles' grants
(never set up) keeps roles inside aims only, as on SQLite.

Group roles belong to the cluster, grants to the database: one register per
cluster (or per set of group roles) keeps the membership unambiguous.
"""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.engine import Connection

from .errors import DatabaseError

from .seal import SKIP as NOT_RECORDS

GROUPS = {"viewer": "aims_viewer", "editor": "aims_editor", "approver": "aims_approver", "admin": "aims_admin"}
WRITERS = ("aims_editor", "aims_approver", "aims_admin")
READ_ONLY_TABLES = ("alembic_version",)
WRITE_TX = "aims_write_tx"  # migration 0017: one row per open write transaction, kept by the server
# tables only the server's own (SECURITY DEFINER) triggers write: the write marks and the
# risk tallies (migration 0017); every group may read them, nobody's login may write them
SERVER_KEPT = (WRITE_TX, "risk_tally_cells", "risk_tally_due", "risk_tally_cover", "risk_tally_expiry")
AUDIT_TABLE = "audit_event"

_GUARD_FUNCTION = """
CREATE OR REPLACE FUNCTION aims_audit_event_insert_only() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'TRUNCATE' THEN
        RAISE EXCEPTION 'audit events are insert-only: TRUNCATE of audit_event refused'
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    -- the write path may finish the event its own transaction inserted (not yet
    -- committed); a committed event never changes
    IF OLD.xmin::text::bigint = txid_current() % 4294967296 THEN
        RETURN CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
    END IF;
    RAISE EXCEPTION 'audit events are insert-only: % of audit event % refused', TG_OP, OLD.id
        USING ERRCODE = 'insufficient_privilege';
END $$
"""

_GUARD_TRIGGERS = (
    "DROP TRIGGER IF EXISTS aims_audit_event_insert_only ON audit_event",
    "CREATE TRIGGER aims_audit_event_insert_only BEFORE UPDATE OR DELETE ON audit_event "
    "FOR EACH ROW EXECUTE FUNCTION aims_audit_event_insert_only()",
    "DROP TRIGGER IF EXISTS aims_audit_event_no_truncate ON audit_event",
    "CREATE TRIGGER aims_audit_event_no_truncate BEFORE TRUNCATE ON audit_event "
    "FOR EACH STATEMENT EXECUTE FUNCTION aims_audit_event_insert_only()",
)


# Only aims' write path changes records (migration 0017). Every statement that changes
# rows of a record table marks its transaction in aims_write_tx; every statement that
# inserts audit events marks it audited; at commit a deferred constraint trigger refuses
# a marked transaction that wrote no audit event. The functions are SECURITY DEFINER
# (they run as the tables' owner) so that no login needs, or has, a grant on the marks.
WRITE_GUARD_SQL = (
    f"CREATE TABLE IF NOT EXISTS {WRITE_TX} (tx bigint PRIMARY KEY, audited boolean NOT NULL DEFAULT false)",
    f"""CREATE OR REPLACE FUNCTION aims_records_changed() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM changed) THEN
        INSERT INTO {WRITE_TX} (tx) VALUES (txid_current()) ON CONFLICT (tx) DO NOTHING;
    END IF;
    RETURN NULL;
END $$""",
    f"""CREATE OR REPLACE FUNCTION aims_audit_written() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM changed) THEN
        INSERT INTO {WRITE_TX} (tx, audited) VALUES (txid_current(), true)
        ON CONFLICT (tx) DO UPDATE SET audited = true;
    END IF;
    RETURN NULL;
END $$""",
    f"""CREATE OR REPLACE FUNCTION aims_write_audited() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    ok boolean;
BEGIN
    SELECT audited INTO ok FROM {WRITE_TX} WHERE tx = NEW.tx;
    DELETE FROM {WRITE_TX} WHERE tx = NEW.tx;
    IF ok IS NOT TRUE THEN
        RAISE EXCEPTION 'records change only through aims: this transaction changed records without '
                        'writing their audit event, so the database refuses it (use aims; see the '
                        'README, PostgreSQL section)'
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    RETURN NULL;
END $$""",
    f"DROP TRIGGER IF EXISTS aims_write_audited ON {WRITE_TX}",
    f"CREATE CONSTRAINT TRIGGER aims_write_audited AFTER INSERT ON {WRITE_TX} "
    "DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION aims_write_audited()",
    f"DROP TRIGGER IF EXISTS aims_audit_written ON {AUDIT_TABLE}",
    f"CREATE TRIGGER aims_audit_written AFTER INSERT ON {AUDIT_TABLE} REFERENCING NEW TABLE AS changed "
    "FOR EACH STATEMENT EXECUTE FUNCTION aims_audit_written()",
)
GUARD_EVENTS = {"ins": ("INSERT", "NEW"), "upd": ("UPDATE", "NEW"), "del": ("DELETE", "OLD")}


def record_tables(conn: Connection) -> list[str]:
    """The tables of records (the trail, the server's marks and tallies, alembic's left out)."""
    skip = set(NOT_RECORDS) | set(SERVER_KEPT) | set(READ_ONLY_TABLES)
    return [t for t in _tables(conn) if t not in skip]


def guard_records(conn: Connection) -> list[str]:
    """Install (idempotent) the write guard: a change to a record table commits only with
    an audit event written in the same transaction (migration 0017; ``setup`` runs it again
    so that tables added by later migrations are guarded too). PostgreSQL only."""
    if not is_postgres(conn):
        return []
    for sql in WRITE_GUARD_SQL:
        conn.exec_driver_sql(sql)
    tables = record_tables(conn)
    for t in tables:
        qt = quote(conn, t)
        for suffix, (event, which) in GUARD_EVENTS.items():
            name = quote(conn, f"aims_guard_{suffix}")
            conn.exec_driver_sql(f"DROP TRIGGER IF EXISTS {name} ON {qt}")
            conn.exec_driver_sql(f"CREATE TRIGGER {name} AFTER {event} ON {qt} REFERENCING {which} TABLE AS changed "
                                 "FOR EACH STATEMENT EXECUTE FUNCTION aims_records_changed()")
    return [f"{len(tables)} record tables change only with an audit event in the same transaction "
            "(a deferred check at commit)"]


def unguard_records(conn: Connection) -> None:
    """Take the write guard away (migration 0017's downgrade)."""
    if not is_postgres(conn):
        return
    for t in record_tables(conn):
        for suffix in GUARD_EVENTS:
            conn.exec_driver_sql(f"DROP TRIGGER IF EXISTS {quote(conn, 'aims_guard_' + suffix)} ON {quote(conn, t)}")
    conn.exec_driver_sql(f"DROP TRIGGER IF EXISTS aims_audit_written ON {AUDIT_TABLE}")
    conn.exec_driver_sql(f"DROP TABLE IF EXISTS {WRITE_TX}")
    for fn in ("aims_records_changed", "aims_audit_written", "aims_write_audited"):
        conn.exec_driver_sql(f"DROP FUNCTION IF EXISTS {fn}()")


def quote(conn: Connection, name: str) -> str:
    return conn.dialect.identifier_preparer.quote_identifier(name)


def is_postgres(conn: Connection) -> bool:
    return conn.dialect.name == "postgresql"


def role_exists(conn: Connection, name: str) -> bool:
    return conn.execute(text("SELECT 1 FROM pg_roles WHERE rolname = :n"), {"n": name}).first() is not None


def enabled(conn: Connection) -> bool:
    """Whether this database's roles are held by the server (``setup`` ran here)."""
    if not is_postgres(conn):
        return False
    if not role_exists(conn, GROUPS["viewer"]):
        return False
    return bool(conn.execute(text("SELECT has_table_privilege(:r, 'public.audit_event', 'SELECT')"),
                             {"r": GROUPS["viewer"]}).scalar())


def _tables(conn: Connection) -> list[str]:
    return [r[0] for r in conn.execute(text(
        "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename"))]


def _table_owner(conn: Connection, table: str) -> str | None:
    return conn.execute(text("SELECT tableowner FROM pg_tables WHERE schemaname = 'public' AND tablename = :t"),
                        {"t": table}).scalar()


def setup(conn: Connection) -> list[str]:
    """Create the group roles and grants, and the audit trail's wall (idempotent).

    Runs in the caller's transaction; needs CREATEROLE (for the group roles)
    and ownership of the tables (for the grants). Returns what was done, one
    line each."""
    if not is_postgres(conn):
        return []
    done: list[str] = []
    for group in GROUPS.values():
        if not role_exists(conn, group):
            conn.execute(text(f"CREATE ROLE {quote(conn, group)} NOLOGIN"))
            done.append(f"created group role {group}")
    db = conn.execute(text("SELECT current_database()")).scalar()
    all_groups = ", ".join(quote(conn, g) for g in GROUPS.values())
    writers = ", ".join(quote(conn, g) for g in WRITERS)
    conn.execute(text(f"GRANT CONNECT, TEMPORARY ON DATABASE {quote(conn, str(db))} TO {all_groups}"))
    conn.execute(text(f"GRANT USAGE ON SCHEMA public TO {all_groups}"))
    tables = _tables(conn)
    for t in tables:
        qt = quote(conn, t)
        conn.execute(text(f"REVOKE ALL ON {qt} FROM PUBLIC, {all_groups}"))
        conn.execute(text(f"GRANT SELECT ON {qt} TO {all_groups}"))
        if t == AUDIT_TABLE:
            conn.execute(text(f"GRANT INSERT ON {qt} TO {writers}"))
        elif t not in READ_ONLY_TABLES and t not in SERVER_KEPT:
            conn.execute(text(f"GRANT INSERT, UPDATE, DELETE ON {qt} TO {writers}"))
    conn.execute(text(f"GRANT USAGE, SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA public TO {writers}"))
    conn.execute(text(f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {quote(conn, GROUPS['viewer'])}"))
    done.append(f"granted {GROUPS['viewer']} SELECT on {len(tables)} tables; {', '.join(WRITERS)} "
                f"also INSERT, UPDATE, DELETE (audit_event: INSERT only; the server's own marks and "
                f"tallies: SELECT only)")
    if WRITE_TX in tables:  # migration 0017: guard the tables added since
        done += guard_records(conn)
    if AUDIT_TABLE in tables:
        owner = _table_owner(conn, AUDIT_TABLE)
        who = "PUBLIC, " + all_groups + (f", {quote(conn, owner)}" if owner else "")
        conn.execute(text(f"REVOKE UPDATE, DELETE, TRUNCATE ON {AUDIT_TABLE} FROM {who}"))
        conn.execute(text(_GUARD_FUNCTION))
        for stmt in _GUARD_TRIGGERS:
            conn.execute(text(stmt))
        done.append(f"audit_event is insert-only: UPDATE, DELETE, TRUNCATE revoked from everyone "
                    f"(owner {owner} included) and refused by a trigger")
    return done


def _member_of(conn: Connection, login: str) -> set[str]:
    rows = conn.execute(text(
        "SELECT g.rolname FROM pg_auth_members m JOIN pg_roles g ON g.oid = m.roleid "
        "JOIN pg_roles u ON u.oid = m.member WHERE u.rolname = :l"), {"l": login})
    return {r[0] for r in rows} & set(GROUPS.values())


def sync_login(conn: Connection, login: str, role: str | None) -> list[str]:
    """Make ``login``'s database role match its aims role (None: no role, e.g.
    deactivated): create the login role when missing, grant the group of
    ``role``, revoke the other aims groups. A no-op when the roles are not set
    up in this database. Runs in the caller's transaction."""
    if not enabled(conn):
        return []
    done: list[str] = []
    q = quote(conn, login)
    try:
        if role is not None and not role_exists(conn, login):
            conn.execute(text(f"CREATE ROLE {q} LOGIN"))
            done.append(f"created login role {login}")
        if not role_exists(conn, login):
            return done
        want = GROUPS.get(role) if role else None
        for group in sorted(_member_of(conn, login) - ({want} if want else set())):
            conn.execute(text(f"REVOKE {quote(conn, group)} FROM {q}"))
            done.append(f"revoked {group} from {login}")
        if want and want not in _member_of(conn, login):
            conn.execute(text(f"GRANT {quote(conn, want)} TO {q}"))
            done.append(f"granted {want} to {login}")
        is_super, creates = conn.execute(text("SELECT rolsuper, rolcreaterole FROM pg_roles WHERE rolname = :l"),
                                         {"l": login}).one()
        if not is_super and creates != (role == "admin"):  # admins create and grant the roles of users
            conn.execute(text(f"ALTER ROLE {q} {'CREATEROLE' if role == 'admin' else 'NOCREATEROLE'}"))
            done.append(f"{'gave' if role == 'admin' else 'took'} CREATEROLE {'to' if role == 'admin' else 'from'} {login}")
    except Exception as exc:  # noqa: BLE001 - the driver's error, as one line
        orig = getattr(exc, "orig", exc)
        if "permission denied" in str(orig).lower() or "must have createrole" in str(orig).lower():
            raise DatabaseError(
                f"your database role may not create or grant roles, so {login}'s database role cannot "
                f"follow the change ({str(orig).splitlines()[0]}); an admin's login role needs CREATEROLE: "
                f"ALTER ROLE <admin> CREATEROLE") from None
        raise
    return done


def login_role(conn: Connection) -> str:
    """The role this connection authenticated as (peer authentication: the OS login)."""
    return str(conn.execute(text("SELECT session_user")).scalar())
