"""Helpers for the core tests (and the app's): a whole-database snapshot, the audit count,
one record's audit events."""

from __future__ import annotations

from sqlalchemy import text
from sqlmodel import SQLModel

from aims_tui.core import audit, models  # noqa: F401  (models registers the tables)
from aims_tui.core.db import Database


def snapshot(db: Database) -> dict[str, list[tuple]]:
    """Every row of every table, in a stable order: "nothing was written" means equal snapshots."""
    out: dict[str, list[tuple]] = {}
    with db.engine.connect() as conn:
        for table in SQLModel.metadata.sorted_tables:
            rows = conn.execute(text(f'SELECT * FROM "{table.name}"')).fetchall()
            out[table.name] = sorted((tuple(r) for r in rows), key=repr)
    return out


def audit_count(db: Database) -> int:
    with db.engine.connect() as conn:
        return int(conn.execute(text("SELECT count(*) FROM audit_event")).scalar() or 0)


def row_counts(db: Database) -> dict[str, int]:
    return {name: len(rows) for name, rows in snapshot(db).items()}


def audit_events(db, ref: str) -> list[dict]:
    """The audit events of one record, newest first."""
    with db.read() as s:
        return audit.events(s, entity_ref=ref, limit=None)


def audit_actions(db, ref: str) -> list[str]:
    """The actions of one record's audit events, oldest first (e.g. ["create", "update"])."""
    return [e["action"] for e in reversed(audit_events(db, ref))]
