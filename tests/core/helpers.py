"""Helpers for the core tests (and the app's): a whole-database snapshot, the audit count,
one record's audit events, and the stepped clock of the history tests."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

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


# The history tests' first moment (their `clock` fixture, tests/core/conftest.py, starts there).
START = datetime(2026, 6, 1, 9, 0, tzinfo=timezone.utc)


class Clock:
    """A clock the services read (audit.utcnow): it stands still until advanced, so a moment
    taken from it (clock.now) falls between the writes made before and after it."""

    def __init__(self, start: datetime):
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def advance(self, minutes: int = 10) -> datetime:
        self.now += timedelta(minutes=minutes)
        return self.now
