"""Backups: admins only, each one an audit event."""

from __future__ import annotations

from pathlib import Path

from sqlmodel import Session

from .. import audit
from ..backup import BackupResult, backup
from ..db import Database
from ..identity import ADMIN, require


def make_backup(db: Database, actor: str, dest: str | Path, *, force: bool = False) -> BackupResult:
    """Copy the database (see ``core.backup``) and record who made it, where, and the
    trail's anchor at that moment. A backup holds every record: admins only."""
    with db.read() as s:
        require(s, actor, ADMIN, "making a backup")
    result = backup(db, dest, force=force)

    def tx(s: Session) -> None:
        require(s, actor, ADMIN, "making a backup")
        audit.record(s, actor, "backup", result.path.name[-64:], "create", {
            "path": [None, str(result.path)], "size": [None, result.size],
            "anchor": [None, result.anchor], "audit_ok": [None, result.audit_ok]})

    db.transact(tx)
    return result
