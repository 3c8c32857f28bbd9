"""The audit trail: append-only, hash-chained, written in the caller's transaction.

Each event's hash covers its own fields and the previous event's hash, so an
UPDATE or DELETE made behind aims' back breaks the chain at that event.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import date, datetime, timezone
from decimal import Decimal
from typing import Any, Iterable

from sqlalchemy import text
from sqlmodel import Session, select

from .models import AuditEvent

GENESIS = "0" * 64


def utcnow() -> datetime:
    """Aware UTC, the form every timestamp in the database takes."""
    return datetime.now(timezone.utc)


def _naive_utc(at: datetime) -> datetime:
    if at.tzinfo is not None:
        at = at.astimezone(timezone.utc).replace(tzinfo=None)
    return at


def plain(value: Any) -> Any:
    """A JSON-safe copy of a value (dates as ISO strings)."""
    if isinstance(value, datetime):
        return _naive_utc(value).isoformat(timespec="microseconds") + "Z"
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set)):
        return [plain(v) for v in value]
    return value


def canonical(obj: Any) -> str:
    return json.dumps(plain(obj), sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def event_hash(prev_hash: str, at: datetime | str, actor: str, entity: str, entity_ref: str,
               action: str, changes: dict) -> str:
    if isinstance(at, str):
        at = datetime.fromisoformat(at)
    at_s = _naive_utc(at).isoformat(timespec="microseconds")
    body = canonical({
        "prev": prev_hash, "at": at_s, "actor": actor, "entity": entity,
        "ref": entity_ref, "action": action, "changes": changes,
    })
    return hashlib.sha256(body.encode("utf-8")).hexdigest()


def last_hash(session: Session) -> str:
    row = session.exec(select(AuditEvent.hash).order_by(AuditEvent.id.desc()).limit(1)).first()
    return row or GENESIS


def record(session: Session, actor: str, entity: str, entity_ref: str, action: str,
           changes: dict | None = None, at: datetime | None = None) -> AuditEvent:
    """Append one event. Call inside the write transaction of the change."""
    at = at or utcnow()
    changes = plain(changes or {})
    prev = last_hash(session)
    ev = AuditEvent(
        at=at, actor=actor, entity=entity, entity_ref=str(entity_ref), action=action,
        changes=changes, prev_hash=prev,
        hash=event_hash(prev, at, actor, entity, str(entity_ref), action, changes),
    )
    session.add(ev)
    session.flush()
    return ev


def diff(before: dict, after: dict, fields: Iterable[str] | None = None) -> dict:
    """``{field: [old, new]}`` for the fields that changed."""
    keys = fields if fields is not None else sorted(set(before) | set(after))
    out = {}
    for k in keys:
        if before.get(k) != after.get(k):
            out[k] = [plain(before.get(k)), plain(after.get(k))]
    return out


@dataclass
class VerifyResult:
    ok: bool
    count: int
    head: str
    broken_id: int | None = None
    reason: str = ""


def verify(session: Session) -> VerifyResult:
    """Walk the chain in id order; name the first event that does not verify."""
    prev = GENESIS
    count = 0
    expected_id = None
    rows = session.connection().execute(text(
        "SELECT id, at, actor, entity, entity_ref, action, changes, prev_hash, hash "
        "FROM audit_event ORDER BY id"
    ))
    for (id_, at, actor, entity, ref, action, changes, prev_hash, h) in rows:
        count += 1
        if isinstance(changes, str):
            changes = json.loads(changes)
        if isinstance(at, str):
            at_dt = datetime.fromisoformat(at)
        else:
            at_dt = at
        if expected_id is not None and id_ != expected_id:
            return VerifyResult(False, count, prev, id_,
                                f"events {expected_id}..{id_ - 1} are missing (deleted)")
        if prev_hash != prev:
            return VerifyResult(False, count, prev, id_,
                                "its link to the previous event is broken (an event before it was changed or deleted)")
        if event_hash(prev_hash, at_dt, actor, entity, ref, action, changes) != h:
            return VerifyResult(False, count, prev, id_, "its content does not match its hash (it was edited)")
        prev = h
        expected_id = id_ + 1
    return VerifyResult(True, count, prev)
