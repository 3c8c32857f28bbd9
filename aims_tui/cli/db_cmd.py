"""aims db upgrade | check."""

from __future__ import annotations

import sqlite3
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import typer
from sqlalchemy.exc import DBAPIError

from ..core import permissions
from ..core.db import _db_message, integrity_check, open_database, resolve_url, sqlite_path
from ..core.errors import DatabaseError
from ..core.services import dbroles
from ..io import move as mover
from . import common


def _existing(*, damaged_ok: bool = False):
    """Open without upgrading; a missing SQLite file is an error here, not a new database."""
    target = common.choose_db()
    path = sqlite_path(resolve_url(target))
    if path is not None and not common._exists(path):
        choice = common.db_choice()
        common.fail(f"no database at {path} (aims init creates one; chosen by {choice.describe()})")
    # `db check` opens a damaged file to report the damage; `db upgrade` refuses it
    return open_database(target, upgrade=False, create=False, damaged_ok=damaged_ok)


@contextmanager
def _readable(database):
    """A file that is not SQLite (or is damaged beyond reading) is one line, exit 1."""
    try:
        yield
    except DBAPIError as exc:
        raise DatabaseError(_db_message(exc, database)) from None


dbapp = common.command_group("db", help="Database maintenance.")


@dbapp.command("upgrade")
@common.handle_errors
def upgrade() -> None:
    """Upgrade the database to the newest migration."""
    from ..core import migrate  # Alembic: loaded only by the commands that need it

    database = _existing()
    with _readable(database):
        before = migrate.current_revision(database)
        applied = migrate.upgrade_if_needed(database)
        after = migrate.current_revision(database)
    typer.echo(f"Upgraded {before or 'empty'} -> {after}" if applied else f"Already at {after} (head)")


@dbapp.command("roles")
@common.handle_errors
def roles() -> None:
    """PostgreSQL: create the group roles and grants, give each user's login role its group."""
    database = _existing()
    if database.is_sqlite:
        common.fail("a SQLite database has no roles of its own (roles hold inside aims; see 'Team setup')")
    for line in dbroles.apply_roles(database):
        typer.echo(line)
    typer.echo("Roles: up to date (aims_viewer reads; aims_editor, aims_approver, aims_admin write; "
               "audit events insert-only)")


@dbapp.command("move")
@common.handle_errors
def move(
    to: Annotated[str, typer.Option("--to", help="The target: a SQLite path or a postgresql+psycopg:// URL "
                                               "of an EMPTY database.", show_default=False)],
) -> None:
    """Move the register (--db) to another database, SQLite <-> PostgreSQL, losslessly;
    the audit trail is verified on arrival. The source is left as it was."""
    source = _existing()
    target_url = resolve_url(to)
    target_path = sqlite_path(target_url)
    new_file = target_path is not None and not target_path.exists()
    target = open_database(to, create=True)
    step = {"last": 0.0}

    def on_export(table: str, rows: int) -> None:
        if rows:
            common.note(f"aims: read {rows} {table} row{'s' if rows != 1 else ''}")

    def on_import(done: int, total: int) -> None:
        now = time.monotonic()
        if done == total or now - step["last"] >= 1.0:
            step["last"] = now
            common.note(f"aims: written {done}/{total} rows ({100 * done // max(total, 1)}%)")

    try:
        result = mover.move(source, target, on_export=on_export, on_import=on_import)
    except BaseException:
        if new_file:  # nothing left behind: the file this command made goes again
            target.dispose()
            for suffix in ("", "-wal", "-shm", "-journal"):
                Path(f"{target_path}{suffix}").unlink(missing_ok=True)
        raise
    typer.echo(f"Moved {result.total} records ({len(result.counts)} tables) from {source.where} to {target.where}")
    typer.echo(f"Audit trail verified on arrival: the same {result.events} events with the same hashes "
               f"(newest #{result.last_id} {result.head[:16]})"
               + ("; every record is as its latest event left it" if result.records_checked else ""))
    if not target.is_sqlite:
        try:
            for line in dbroles.apply_roles(target):
                typer.echo(f"Roles: {line}")
        except DatabaseError as exc:
            common.note(f"aims: note: the database roles were not set up ({exc}); run 'aims db roles --db ...' "
                        "as the database's owner")
    typer.echo(f"Next: point --db (or AIMS_DB, or the config file) at {target.where}; the source is unchanged")


@dbapp.command("check")
@common.handle_errors
def check() -> None:
    """Integrity, migration level, the audit trail (quick form), permissions. Exit 3 on a problem."""
    try:
        _check()
    except PermissionError as exc:
        where = exc.filename or "the database folder"
        common.fail(f"cannot read {where}: permission denied; ask an admin to add you to the database's group "
                    "(see 'Team setup' in the README), then log in again")


def _check() -> None:

    from ..core import audit, migrate  # Alembic: loaded only by the commands that need it

    database = _existing(damaged_ok=True)
    problems = []
    unreadable = False
    try:
        current = migrate.current_revision(database)
    except DBAPIError:  # damage in the schema itself: the integrity check below says what
        current, unreadable = None, True
    head = migrate.head_revision()
    typer.echo(f"Database: {database.where}")
    typer.echo(f"Chosen by: {common.db_choice().describe()}")
    hint = "" if current == head or unreadable else (
        "  <- run: aims db upgrade" if migrate.is_known(current) else "  <- made by a newer aims: install it")
    typer.echo(f"Migration: {'unreadable' if unreadable else current or 'none'} (newest: {head}){hint}")
    if current != head:
        problems.append("migration behind")
    if database.is_sqlite:
        mode = "unknown"
        try:
            with database.engine.connect() as c:
                mode = c.exec_driver_sql("PRAGMA journal_mode").scalar()
        except DBAPIError:  # damage bad enough that nothing can be read: integrity_check says what
            pass
        res = integrity_check(database)
        found = "; ".join(" ".join(str(r).split()) for r in res[:5])
        typer.echo(f"Integrity: {'ok' if res == ['ok'] else found}")
        typer.echo(f"Journal mode: {mode}")
        typer.echo(f"SQLite library: {sqlite3.sqlite_version}"
                   + ("  (has the WAL-reset bug fixed in 3.51.3; keep backups)" if sqlite3.sqlite_version_info < (3, 51, 3) else ""))
        if res != ["ok"]:
            problems.append("integrity")
    if current != head:
        typer.echo("Audit trail: not checked at this migration level")
    elif "integrity" not in problems:
        with _readable(database), database.engine.connect() as c:
            quick = audit.quick_check(c)
        typer.echo("Audit trail: ok (quick check: head, newest events, record counts; 'aims audit verify' "
                   "checks every event and record)" if quick.ok else
                   f"Audit trail: BROKEN: {'; '.join(quick.problems)} (run: aims audit verify)")
        if not quick.ok:
            problems.append("audit trail")
    if database.is_sqlite:
        for warning in permissions.check(database):
            typer.echo(f"Permissions: {warning}")
            problems.append("permissions")
    if problems:
        raise typer.Exit(common.EXIT_ATTENTION)

