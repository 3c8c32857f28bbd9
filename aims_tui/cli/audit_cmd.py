"""aims audit verify | audit log, and aims backup."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from . import common
from ..core import audit
from ..core.services.backups import make_backup

audit_app = common.command_group("audit", help="The audit trail: verify it, read it.")
commands = common.command_group()  # aims backup


@audit_app.command("verify")
@common.handle_errors
def verify(
    anchor: Annotated[Optional[str], typer.Option(
        "--anchor", help="ID:HASH of an event written down earlier (printed by this command and by "
                         "'aims backup'); the trail must still hold it unchanged.")] = None,
    limit: Annotated[int, typer.Option("--limit", min=1, help="List at most this many problems "
                                                              "(all are counted).")] = 50,
) -> None:
    """Check the audit trail and the register against it; exit 3 listing every problem found.

    Every event against its hash and link, the head, and (SQLite) every record against the
    digest its latest audit event left: an insert, update or delete made outside aims is named
    with the record's ref."""
    anchored = None
    if anchor is not None:
        try:
            anchored = audit.parse_anchor(anchor)
        except ValueError as exc:
            common.fail(str(exc), common.EXIT_USAGE)
    database = common.open_db()
    common.actor_for(database)
    with database.read() as s:
        result = audit.verify(s, anchored, limit=limit)
    typer.echo(result.message())
    if not result.ok:
        raise typer.Exit(common.EXIT_ATTENTION)
    if result.count:
        typer.echo(f"Anchor: {result.last_id}:{result.head}")


LOG_COLUMNS = ["id", "at", "actor", "entity", "entity_ref", "action", "summary"]
LOG_HEADERS = ["ID", "WHEN (UTC)", "WHO", "ENTITY", "REF", "ACTION", "CHANGES"]


@audit_app.command("log")
@common.handle_errors
def log(
    entity: Annotated[Optional[str], typer.Option(
        "--entity", help="Only events of this record (R-0001, AIS-001, a control code, a login).")] = None,
    actor: Annotated[Optional[str], typer.Option("--actor", help="Only events by this login.")] = None,
    limit: Annotated[int, typer.Option("--limit", min=1, help="How many events, newest first.")] = 50,
    fmt: common.FormatOpt = "table",
) -> None:
    """Show audit events, newest first."""
    common.check_format(fmt, ("table", "json"))
    database = common.open_db()
    common.actor_for(database)
    with database.read() as s:
        rows = audit.events(s, entity_ref=entity, limit=limit, actor=actor)
    if fmt == "json":
        common.print_json(rows)
        return
    for r in rows:
        r["at"] = r["at"].strftime("%Y-%m-%d %H:%M:%S")
        r["summary"] = audit.summarize(r["changes"])
    common.print_rows(rows, LOG_COLUMNS, "table", LOG_HEADERS)


@commands.command("backup")
@common.handle_errors
def backup_command(
    path: Annotated[Path, typer.Argument(help="Where to write the copy (a new file).", show_default=False)],
    force: Annotated[bool, typer.Option("--force", help="Replace the file if it exists.")] = False,
) -> None:
    """A consistent copy of the database while others work, verified (integrity and audit chain).
    Admins only; the copy is 0640 in the database's group; each backup is an audit event."""
    database = common.open_db()
    login = common.actor_for(database)
    r = make_backup(database, login, path, force=force)
    typer.echo(f"Backup: {r.path} ({r.size:,} bytes, {r.seconds:.2f} s)")
    typer.echo(f"Integrity: {r.integrity}")
    typer.echo(f"Audit: {r.audit_message}")
    if not r.audit_ok:
        raise typer.Exit(common.EXIT_ATTENTION)
    if r.events:
        typer.echo(f"Anchor: {r.anchor}")
