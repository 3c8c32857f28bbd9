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


def chain(prev_hash: str, at: datetime, actor: str, entity: str, action: str,
          items: Iterable[tuple[str, str]]) -> list[tuple[str, str]]:
    """(prev_hash, hash) of events appended one after another, each ``items``
    entry an (entity_ref, ``canonical(changes)``) whose JSON was made beforehand
    (outside the write lock, by a bulk import). Equal to :func:`event_hash`
    event by event: the body is the same canonical JSON, assembled."""
    head = ('{"action":' + json.dumps(action, ensure_ascii=False) + ',"actor":' + json.dumps(actor, ensure_ascii=False)
            + ',"at":' + json.dumps(_naive_utc(at).isoformat(timespec="microseconds")) + ',"changes":')
    tail = ',"entity":' + json.dumps(entity, ensure_ascii=False) + ',"prev":'
    out = []
    prev = prev_hash
    for ref, changes_json in items:
        body = head + changes_json + tail + json.dumps(prev) + ',"ref":' + json.dumps(ref, ensure_ascii=False) + "}"
        h = hashlib.sha256(body.encode("utf-8")).hexdigest()
        out.append((prev, h))
        prev = h
    return out


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
    """What :func:`verify` found. ``broken_id`` names the first event that fails."""

    ok: bool
    count: int
    head: str
    broken_id: int | None = None
    reason: str = ""
    last_id: int = 0

    def message(self) -> str:
        if self.ok:
            return f"audit trail verified: {self.count} events, newest #{self.last_id} {self.head[:16]}"
        return f"audit trail broken at event #{self.broken_id}: {self.reason}"


def _rows(conn) -> Iterable[tuple]:
    return conn.execute(text(
        "SELECT id, at, actor, entity, entity_ref, action, changes, prev_hash, hash "
        "FROM audit_event ORDER BY id"
    ))


def _head(conn) -> tuple[int, int, str] | None:
    """(events, last_id, hash) from audit_head, or None when the table is absent."""
    from sqlalchemy import inspect

    if not inspect(conn).has_table("audit_head"):
        return None  # a database older than migration 0002
    row = conn.execute(text("SELECT events, last_id, hash FROM audit_head WHERE id = 1")).first()
    if row is None:
        return (-1, -1, "")
    return (int(row[0]), int(row[1]), str(row[2]))


def parse_anchor(value: str) -> tuple[int, str]:
    """``ID:HASH`` (as printed by ``aims audit verify`` or ``aims backup``)."""
    try:
        id_s, h = value.strip().split(":", 1)
        id_ = int(id_s.lstrip("#"))
    except ValueError:
        raise ValueError(f"'{value}' is not an anchor (expected ID:HASH, e.g. 1234:9f86d081...)") from None
    h = h.strip().lower()
    if not (8 <= len(h) <= 64) or any(c not in "0123456789abcdef" for c in h):
        raise ValueError(f"'{value}' is not an anchor (the hash part must be hex)")
    return id_, h


def verify(session_or_conn, anchor: tuple[int, str] | None = None) -> VerifyResult:
    """Walk the chain in id order; name the first event that does not verify. Finds:
    an edited event (its hash no longer matches: that event is named), a deleted
    or inserted event in the middle or at the start (the next event's link
    breaks: the event after it is named, the message names the missing ids), the
    newest events deleted (the head kept by a trigger no longer matches), and,
    with ``anchor`` (an ``(id, hash)`` written down earlier, e.g. by ``aims
    backup``), a history rewritten and re-hashed as a whole up to that point.
    """
    conn = session_or_conn.connection() if isinstance(session_or_conn, Session) else session_or_conn
    prev = GENESIS
    count = 0
    expected_id = None
    last_id = 0
    anchor_seen = anchor is None
    for (id_, at, actor, entity, ref, action, changes, prev_hash, h) in _rows(conn):
        count += 1
        if isinstance(changes, str):
            try:
                changes = json.loads(changes)
            except ValueError:
                return VerifyResult(False, count, prev, id_, "its changes are not valid JSON (it was edited)", last_id)
        try:
            at_dt = datetime.fromisoformat(at) if isinstance(at, str) else at
        except ValueError:
            return VerifyResult(False, count, prev, id_, "its time is not a timestamp (it was edited)", last_id)
        if prev_hash != prev:
            if expected_id is not None and id_ != expected_id:
                # SQLite never leaves gaps; PostgreSQL may (a rolled-back insert
                # uses up an id), so a gap alone is not evidence: a broken link is.
                gap = f"#{expected_id}" if id_ == expected_id + 1 else f"#{expected_id}..#{id_ - 1}"
                why = f"its link to the previous event is broken: {gap} before it was deleted"
            elif expected_id is None:
                why = ("it is the first event but does not link to the start of the trail: the events "
                       "before it were deleted" if id_ > 1 else "its link to the start of the trail was edited")
            else:
                why = (f"its link to the previous event is broken: #{last_id} was changed after it was "
                       "written, or an event was inserted or renumbered")
            return VerifyResult(False, count, prev, id_, why, last_id)
        try:
            ok = event_hash(prev_hash, at_dt, actor, entity, ref, action, changes) == h
        except (TypeError, ValueError):
            ok = False
        if not ok:
            return VerifyResult(False, count, prev, id_, "its content does not match its hash (it was edited)", last_id)
        if anchor is not None and id_ == anchor[0]:
            if not h.startswith(anchor[1]):
                return VerifyResult(False, count, prev, id_,
                                    f"its hash {h[:16]} is not the anchored {anchor[1][:16]} "
                                    "(the history up to here was rewritten)", last_id)
            anchor_seen = True
        prev = h
        last_id = id_
        expected_id = id_ + 1
    head = _head(conn)
    if head is not None:
        events, head_id, head_hash = head
        if events == -1:
            return VerifyResult(False, count, prev, last_id + 1 if count else 1,
                                "the audit head record (audit_head) is missing", last_id)
        if head_id > last_id or events > count:
            # PostgreSQL ids may have gaps: with one event missing, the head names it
            first_missing = head_id if events - count == 1 else last_id + 1
            return VerifyResult(False, count, prev, first_missing,
                                f"the newest events were deleted: the trail should end at #{head_id} "
                                f"with {events} events, it ends at #{last_id} with {count}", last_id)
        if (head_id, events, head_hash) != (last_id, count, prev if count else ""):
            first_extra = conn.execute(text("SELECT min(id) FROM audit_event WHERE id > :h"),
                                       {"h": head_id}).scalar()
            return VerifyResult(False, count, prev, first_extra or head_id,
                                f"the audit head (#{head_id}, {events} events) does not match the trail "
                                f"(#{last_id}, {count} events): events were added or renumbered "
                                "behind aims' back", last_id)
    if not anchor_seen:
        return VerifyResult(False, count, prev, anchor[0],  # type: ignore[index]
                            "the anchored event is missing (deleted)", last_id)
    return VerifyResult(True, count, prev, last_id=last_id)


def events(session, entity_ref: str | None = None, limit: int | None = 50,
           before_id: int | None = None, actor: str | None = None) -> list[dict[str, Any]]:
    """Audit events as plain dicts, newest first (the read path of ``aims audit log``
    and a record's history)."""
    q = select(AuditEvent).order_by(AuditEvent.id.desc())
    if entity_ref:
        q = q.where(AuditEvent.entity_ref == entity_ref)
    if actor:
        q = q.where(AuditEvent.actor == actor)
    if before_id is not None:
        q = q.where(AuditEvent.id < before_id)
    if limit is not None:
        q = q.limit(limit)
    out = []
    for ev in session.exec(q):
        out.append({"id": ev.id, "at": ev.at, "actor": ev.actor, "entity": ev.entity,
                    "entity_ref": ev.entity_ref, "action": ev.action, "changes": ev.changes,
                    "prev_hash": ev.prev_hash, "hash": ev.hash})
    return out


def summarize(changes: dict, width: int = 80) -> str:
    """One line: ``field: old -> new; ...`` (long values shortened)."""

    def short(v: Any) -> str:
        t = "" if v is None else (json.dumps(v, ensure_ascii=False) if isinstance(v, (dict, list)) else str(v))
        t = t.replace("\n", " ").replace("\r", " ")
        return t if len(t) <= 30 else t[:29] + "…"

    parts = []
    for k, v in (changes or {}).items():
        if isinstance(v, list) and len(v) == 2:
            parts.append(f"{k}: {short(v[0])} -> {short(v[1])}")
        else:
            parts.append(f"{k}: {short(v)}")
    line = "; ".join(parts)
    return line if len(line) <= width else line[: width - 1] + "…"
