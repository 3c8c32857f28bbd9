"""aims db upgrade | check."""

from __future__ import annotations

import sqlite3
from contextlib import contextmanager

import typer
from sqlalchemy.exc import DBAPIError

from . import common


def _existing(db: str | None, *, damaged_ok: bool = False):
    """Open without upgrading; a missing SQLite file is an error here, not a new database."""
    from ..core.db import open_database, resolve_url, sqlite_path

    path = sqlite_path(resolve_url(db or common.state.db))
    if path is not None and not path.exists():
        common.fail(f"no database at {path} (aims init creates one)")
    # `db check` opens a damaged file to report the damage; `db upgrade` refuses it
    return open_database(db or common.state.db, upgrade=False, create=False, damaged_ok=damaged_ok)


@contextmanager
def _readable(database):
    """A file that is not SQLite (or is damaged beyond reading) is one line, exit 1."""
    from ..core.db import _db_message
    from ..core.errors import DatabaseError

    try:
        yield
    except DBAPIError as exc:
        raise DatabaseError(_db_message(exc, database)) from None

dbapp = typer.Typer(help="Database maintenance.", no_args_is_help=True)


@dbapp.command("upgrade")
@common.handle_errors
def upgrade(db: common.DbOpt = None) -> None:
    """Upgrade the database to the newest migration."""
    from ..core import migrate

    database = _existing(db)
    with _readable(database):
        before = migrate.current_revision(database)
        applied = migrate.upgrade_if_needed(database)
        after = migrate.current_revision(database)
    typer.echo(f"Upgraded {before or 'empty'} -> {after}" if applied else f"Already at {after} (head)")


@dbapp.command("check")
@common.handle_errors
def check(db: common.DbOpt = None) -> None:
    """Integrity check, migration level and SQLite version. Exit 3 on a problem."""
    from sqlalchemy import text

    from ..core import migrate

    database = _existing(db, damaged_ok=True)
    problems = []
    unreadable = False
    try:
        current = migrate.current_revision(database)
    except DBAPIError:  # damage in the schema itself: the integrity check below says what
        current, unreadable = None, True
    head = migrate.head_revision()
    typer.echo(f"Database: {database.path or database.url}")
    hint = "" if current == head or unreadable else (
        "  <- run: aims db upgrade" if migrate.is_known(current) else "  <- made by a newer aims: install it")
    typer.echo(f"Migration: {'unreadable' if unreadable else current or 'none'} (newest: {head}){hint}")
    if current != head:
        problems.append("migration behind")
    if database.is_sqlite:
        mode = "unknown"
        try:
            with database.engine.connect() as c:
                mode = c.execute(text("PRAGMA journal_mode")).scalar()
                res = [r[0] for r in c.execute(text("PRAGMA integrity_check"))]
        except DBAPIError as exc:  # damage bad enough that the check itself stops
            res = [str(getattr(exc, "orig", exc)).splitlines()[0]]
        found = "; ".join(" ".join(str(r).split()) for r in res[:5])
        typer.echo(f"Integrity: {'ok' if res == ['ok'] else found}")
        typer.echo(f"Journal mode: {mode}")
        typer.echo(f"SQLite library: {sqlite3.sqlite_version}"
                   + ("  (has the WAL-reset bug fixed in 3.51.3; keep backups)" if sqlite3.sqlite_version_info < (3, 51, 3) else ""))
        if res != ["ok"]:
            problems.append("integrity")
        from ..core import permissions
        for warning in permissions.check(database):
            typer.echo(f"Permissions: {warning}")
            problems.append("permissions")
    if problems:
        raise typer.Exit(common.EXIT_ATTENTION)


def register(app: typer.Typer) -> None:
    app.add_typer(dbapp, name="db")
