"""Shared helpers for the import/export tests: counting what a database holds."""

from __future__ import annotations

from types import SimpleNamespace

from sqlalchemy import func, select

from aims_tui.core import audit
from aims_tui.core.models import AuditEvent, Risk, User
from aims_tui.core.records import to_dict


def count(db, model) -> int:
    with db.read() as s:
        return int(s.exec(select(func.count()).select_from(model)).one()[0])


def risks(db) -> list[SimpleNamespace]:
    """The register's risks as plain records (attribute access), in ref order."""
    with db.read() as s:
        return [SimpleNamespace(**to_dict(r)) for r in s.exec(select(Risk).order_by(Risk.ref_num)).scalars()]


def snapshot(db) -> tuple[int, int, int]:
    """(risks, audit events, users): what a rejected import must leave unchanged."""
    return count(db, Risk), count(db, AuditEvent), count(db, User)


def chain_ok(db) -> bool:
    with db.read() as s:
        return audit.verify(s).ok
