"""The audit trail: append-only, hash-chained, written in the caller's transaction.

Each event's hash covers its own fields and the previous event's hash, so an
UPDATE or DELETE made behind aims' back breaks the chain at that event.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from decimal import Decimal
from typing import Any, Iterable

from sqlalchemy import event as sa_event
from sqlalchemy import text
from sqlmodel import Session, select

from . import seal
from .models import AuditEvent
from sqlalchemy import inspect
from .identity import os_login

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
               action: str, changes: dict, seal: str | None = None) -> str:
    """The event's hash; ``seal`` (the digest of the records it left, see
    :mod:`.seal`) is covered when the event has one (events before 0006 have none)."""
    if isinstance(at, str):
        at = datetime.fromisoformat(at)
    at_s = _naive_utc(at).isoformat(timespec="microseconds")
    fields = {
        "prev": prev_hash, "at": at_s, "actor": actor, "entity": entity,
        "ref": entity_ref, "action": action, "changes": changes,
    }
    if seal is not None:
        fields["seal"] = seal
    return hashlib.sha256(canonical(fields).encode("utf-8")).hexdigest()


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


def chain_head(session: Session) -> str:
    """The hash the next events of a bulk write link to (:func:`chain`); on PostgreSQL read
    from ``audit_head`` under its row lock (see :func:`_high_water`)."""
    if session.connection().dialect.name == "postgresql":
        hw = _high_water(session)
        if hw is not None:
            return hw[1]
    return last_hash(session)


def _high_water(session: Session) -> tuple[int | None, str] | None:
    """(id, hash) of the newest event ever written, from ``audit_head``.

    A new event takes the next id after it and links to its hash, so an id is
    never reused after the newest events were deleted, and the new event's
    link names the deleted ones (instead of the deletion going unseen).

    PostgreSQL: the head row is read ``FOR UPDATE``, so two transactions that
    append events are serialised on it (whatever else they lock) and cannot both
    link to the same event (a forked chain); the id comes from the sequence
    (never reused either), so the id returned is None."""
    conn = session.connection()
    if conn.dialect.name == "postgresql":
        row = conn.exec_driver_sql(
            "SELECT last_id, hash FROM audit_head WHERE id = 1 FOR UPDATE").first()
        if row is None:
            return None
        top = conn.exec_driver_sql("SELECT id, hash FROM audit_event ORDER BY id DESC LIMIT 1").first()
        if top is not None and int(top[0]) > int(row[0] or 0):  # added behind aims' back: go past them
            return None, str(top[1])
        return None, str(row[1] or "") or GENESIS
    if conn.dialect.name != "sqlite":
        return None
    row = conn.exec_driver_sql(
        "SELECT h.last_id, h.hash, (SELECT max(id) FROM audit_event) FROM audit_head h WHERE h.id = 1").first()
    if row is None:
        return None
    head_id, head_hash, top = int(row[0] or 0), str(row[1] or ""), int(row[2] or 0)
    if top > head_id:  # events added behind aims' back: go past them (verify names them)
        h = conn.exec_driver_sql("SELECT hash FROM audit_event WHERE id = ?", (top,)).scalar()
        return top, str(h or GENESIS)
    return head_id, head_hash or GENESIS


def record(session: Session, actor: str, entity: str, entity_ref: str, action: str,
           changes: dict | None = None, at: datetime | None = None) -> AuditEvent:
    """Append one event. Call inside the write transaction of the change.

    The records the transaction changed are sealed into the transaction's last
    event just before it commits (see :mod:`.seal`)."""
    at = at or utcnow()
    changes = plain(changes or {})
    if session.connection().dialect.name == "postgresql":
        hw = _high_water(session)  # a failed statement aborts the transaction: no try here
    else:
        try:
            hw = _high_water(session)
        except Exception:  # noqa: BLE001 - a database older than migration 0002 has no audit_head
            hw = None
    prev = hw[1] if hw else last_hash(session)
    ev = AuditEvent(
        at=at, actor=actor, entity=entity, entity_ref=str(entity_ref), action=action,
        changes=changes, prev_hash=prev,
        hash=event_hash(prev, at, actor, entity, str(entity_ref), action, changes),
    )
    if hw and hw[0] is not None:
        ev.id = hw[0] + 1
    session.add(ev)
    session.flush()
    session.info["aims_last_event"] = ev
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
    """What :func:`verify` found. ``broken_id`` names the first event of the
    trail that fails; ``problems`` lists what was found (at most ``PROBLEM_LIMIT``
    lines; ``total`` counts them all), in the trail and in the register."""

    ok: bool
    count: int
    head: str
    broken_id: int | None = None
    reason: str = ""
    last_id: int = 0
    problems: list[str] = field(default_factory=list)
    total: int = 0
    records_checked: bool = False

    def message(self) -> str:
        if self.ok:
            tail = "; every record is as its latest audit event left it" if self.records_checked else ""
            return f"audit trail verified: {self.count} events, newest #{self.last_id} {self.head[:16]}{tail}"
        if self.broken_id is not None:
            first = f"audit trail broken at event #{self.broken_id}: {self.reason}"
        else:
            first = "the register does not match the audit trail"
        lines = [first, f"{self.total} problem{'s' if self.total != 1 else ''} found:"]
        lines += [f"  - {p}" for p in self.problems]
        if self.total > len(self.problems):
            lines.append(f"  ... and {self.total - len(self.problems)} more (the first {len(self.problems)} "
                         "are listed)")
        return "\n".join(lines)


PROBLEM_LIMIT = 50


class _Problems:
    def __init__(self, limit: int):
        self.limit, self.total = limit, 0
        self.lines: list[str] = []
        self.first: tuple[int, str] | None = None

    def add(self, text_: str, event_id: int | None = None, reason: str = "") -> None:
        self.total += 1
        if len(self.lines) < self.limit:
            self.lines.append(text_)
        if event_id is not None and self.first is None:
            self.first = (event_id, reason)


def _rows(conn) -> Iterable[tuple]:
    return conn.execute(text(
        "SELECT id, at, actor, entity, entity_ref, action, changes, prev_hash, hash, seal "
        "FROM audit_event ORDER BY id"
    ) if _has_seal_column(conn) else text(
        "SELECT id, at, actor, entity, entity_ref, action, changes, prev_hash, hash, NULL "
        "FROM audit_event ORDER BY id"
    ))


def _has_seal_column(conn) -> bool:
    return any(c["name"] == "seal" for c in inspect(conn).get_columns("audit_event"))


def _head(conn) -> tuple[int, int, str] | None:
    """(events, last_id, hash) from audit_head, or None when the table is absent."""
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


def _span(lo: int, hi: int) -> str:
    return f"#{lo}" if lo == hi else f"#{lo}..#{hi}"


def verify(session_or_conn, anchor: tuple[int, str] | None = None, *, records: bool = True,
           limit: int = PROBLEM_LIMIT) -> VerifyResult:
    """Check the trail and (``records``, SQLite) the register against it; report every problem.

    The trail: each event's content against its hash (an edited event is named),
    each link to the previous event (a deleted or inserted event: the gap is
    named), the head kept by a trigger (the newest events deleted, or events
    added behind aims' back), and with ``anchor`` (an ``(id, hash)`` written down
    earlier, e.g. by ``aims backup``) a history rewritten as a whole.

    The register (see :mod:`.seal`): every record against the digest its latest
    audit event left (a record inserted, changed or deleted outside aims is named
    with its ref), and each event's record digests against the event.
    """
    conn = session_or_conn.connection() if isinstance(session_or_conn, Session) else session_or_conn
    found = _Problems(limit)
    prev = GENESIS
    count = 0
    expected_id = None
    last_id = 0
    anchor_seen = anchor is None
    gaps: list[tuple[int, int]] = []
    seals: dict[int, str] = {}
    baseline = 0
    for (id_, at, actor, entity, ref, action, changes, prev_hash, h, seal_) in _rows(conn):
        count += 1
        content_ok = True
        if isinstance(changes, str):
            try:
                changes = json.loads(changes)
            except ValueError:
                content_ok = False
        try:
            at_dt = datetime.fromisoformat(at) if isinstance(at, str) else at
        except ValueError:
            at_dt, content_ok = None, False
        if prev_hash != prev:
            if expected_id is not None and id_ != expected_id:
                # SQLite never leaves gaps; PostgreSQL may (a rolled-back insert
                # uses up an id), so a gap alone is not evidence: a broken link is.
                gap = _span(expected_id, id_ - 1)
                gaps.append((expected_id, id_ - 1))
                why = f"its link to the previous event is broken: {gap} before it was deleted"
                shown = f"event{'s' if id_ - expected_id > 1 else ''} {gap} deleted (the link of #{id_} names it)"
            elif expected_id is None:
                if id_ > 1:
                    gaps.append((1, id_ - 1))
                why = ("it is the first event but does not link to the start of the trail: the events "
                       "before it were deleted" if id_ > 1 else "its link to the start of the trail was edited")
                shown = f"event #{id_}: {why}"
            else:
                why = (f"its link to the previous event is broken: #{last_id} was changed after it was "
                       "written, or an event was inserted or renumbered")
                shown = f"event #{id_}: {why}"
            found.add(shown, id_, why)
        if content_ok:
            try:
                content_ok = event_hash(prev_hash, at_dt, actor, entity, ref, action, changes, seal_) == h
            except (TypeError, ValueError):
                content_ok = False
        if not content_ok:
            why = "its content does not match its hash (it was edited)"
            found.add(f"event #{id_} ({entity} {ref}, {action}): {why}", id_, why)
        if anchor is not None and id_ == anchor[0]:
            if not str(h).startswith(anchor[1]):
                why = (f"its hash {str(h)[:16]} is not the anchored {anchor[1][:16]} "
                       "(the history up to here was rewritten)")
                found.add(f"event #{id_}: {why}", id_, why)
            anchor_seen = True
        if entity == "register" and action == "seal":
            seals.clear()  # a baseline: the register is proved from here on
            baseline = id_
        if seal_ is not None:
            seals[id_] = seal_
        prev = h
        last_id = id_
        expected_id = id_ + 1
    _check_head(conn, found, count, last_id, prev, gaps)
    if not anchor_seen:
        found.add(f"event #{anchor[0]}: the anchored event is missing (deleted)",  # type: ignore[index]
                  anchor[0], "the anchored event is missing (deleted)")  # type: ignore[index]
    checked = False
    if records and conn.dialect.name == "sqlite":
        raw = conn.connection.driver_connection
        if seal.has_seal_tables(raw):
            checked = True
            _check_seals(raw, found, seals, gaps, baseline)
            for line in seal.register_problems(raw):
                found.add(line)
    first = found.first
    return VerifyResult(found.total == 0, count, prev, first[0] if first else None, first[1] if first else "",
                        last_id, found.lines, found.total, checked)


def _check_head(conn, found: _Problems, count: int, last_id: int, prev: str,
                gaps: list[tuple[int, int]]) -> None:
    head = _head(conn)
    if head is None:
        return
    events, head_id, head_hash = head
    if events == -1:
        why = "the audit head record (audit_head) is missing"
        found.add(why, last_id + 1 if count else 1, why)
        return
    explained = sum(hi - lo + 1 for lo, hi in gaps)
    if head_id > last_id or events > count + explained:
        # PostgreSQL ids may have gaps: with one event missing, the head names it
        first_missing = head_id if events - count - explained == 1 else last_id + 1
        why = (f"the newest events were deleted: the trail should end at #{head_id} "
               f"with {events} events, it ends at #{last_id} with {count}")
        gaps.append((last_id + 1, head_id))
        found.add(why, first_missing, why)
    elif (head_id, events, head_hash) != (last_id, count + explained, prev if count else ""):
        first_extra = conn.execute(text("SELECT min(id) FROM audit_event WHERE id > :h"),
                                   {"h": head_id}).scalar()
        why = (f"the audit head (#{head_id}, {events} events) does not match the trail "
               f"(#{last_id}, {count} events): events were added or renumbered behind aims' back")
        found.add(why, first_extra or head_id, why)


def _check_seals(raw, found: _Problems, seals: dict[int, str], gaps: list[tuple[int, int]],
                 baseline: int) -> None:
    """Each event's record digests (audit_seal rows) against the seal the event carries
    (from the newest baseline on: before it, the register was sealed afresh)."""
    missing = lambda eid: any(lo <= eid <= hi for lo, hi in gaps)  # noqa: E731
    for eid, recomputed in seal.event_seals(raw):
        if eid < baseline:
            continue
        want = seals.pop(eid, None)
        if want is None:
            if not missing(eid):
                found.add(f"audit_seal holds record digests of event #{eid}, which carries none or is gone "
                          "(edited outside aims)")
        elif want != recomputed:
            found.add(f"the record digests of event #{eid} were edited outside aims (audit_seal)")
    for eid in seals:
        found.add(f"the record digests of event #{eid} were deleted outside aims (audit_seal)")


@dataclass
class QuickResult:
    ok: bool
    problems: list[str]

    def message(self) -> str:
        if self.ok:
            return "audit trail: quick check passed (head, newest events, record counts)"
        return "audit trail broken: " + "; ".join(self.problems) + " (run: aims audit verify)"


QUICK_EVENTS = 200


def quick_check(session_or_conn) -> QuickResult:
    """The cheap form, run when the app starts and by ``aims db check``: the
    head against the trail (count, newest id and hash), the newest events'
    hashes and links, and (SQLite) the number of records of each kind against
    the tally. Its cost does not follow the size of the register (counts are
    read from the smallest index); a record changed in place is found only by
    the full :func:`verify`."""
    conn = session_or_conn.connection() if isinstance(session_or_conn, Session) else session_or_conn
    problems: list[str] = []
    cols = "seal" if _has_seal_column(conn) else "NULL"
    rows = list(conn.execute(text(
        f"SELECT id, at, actor, entity, entity_ref, action, changes, prev_hash, hash, {cols} FROM audit_event "
        "ORDER BY id DESC LIMIT :n"), {"n": QUICK_EVENTS + 1}))[::-1]
    for i, (id_, at, actor, entity, ref, action, changes, prev_hash, h, seal_) in enumerate(rows):
        try:
            ch = json.loads(changes) if isinstance(changes, str) else changes
            at_dt = datetime.fromisoformat(at) if isinstance(at, str) else at
            ok = event_hash(prev_hash, at_dt, actor, entity, ref, action, ch, seal_) == h
        except (TypeError, ValueError):
            ok = False
        if not ok and i > 0:
            problems.append(f"event #{id_} was edited")
        if i > 0 and prev_hash != rows[i - 1][8]:
            problems.append(f"the link of event #{id_} is broken" + (
                f" (#{rows[i - 1][0] + 1}..#{id_ - 1} deleted)" if id_ > rows[i - 1][0] + 1 else ""))
    head = _head(conn)
    if head is not None:
        events, head_id, head_hash = head
        n = int(conn.execute(text("SELECT count(*) FROM audit_event")).scalar() or 0)
        top = rows[-1] if rows else None
        if events == -1:
            problems.append("the audit head record is missing")
        elif top is None and events:
            problems.append(f"all {events} events were deleted")
        elif top is not None and (top[0] != head_id or top[8] != head_hash):
            problems.append(f"the newest event is #{top[0]}, the head says #{head_id}"
                            + (" (the newest events were deleted)" if head_id > top[0] else ""))
        elif events != n:
            problems.append(f"{events - n} event(s) deleted" if events > n else f"{n - events} event(s) added")
    if conn.dialect.name == "sqlite":
        raw = conn.connection.driver_connection
        if seal.has_seal_tables(raw):
            problems += seal.tally_problems(raw)
    return QuickResult(not problems, problems)


def seal_baseline(conn, actor: str | None = None) -> int:
    """Seal every record of a database sealed for the first time (migration 0006),
    with one audit event (``register``, ``seal``): the state at that moment is
    the baseline the register is checked against. Returns the records sealed."""
    raw = conn.connection.driver_connection
    event_id, prev = _raw_head(raw)
    digest, n = seal.seal_all(raw, event_id)
    if not n:
        return 0
    changes = {"records": [0, n], "reason": [None, "first seal of the register (migration 0006)"]}
    _insert_raw(raw, event_id, prev, actor or os_login(), "register", "baseline", "seal", changes, digest)
    return n


def _raw_head(raw) -> tuple[int, str]:
    """(the next event's id, the hash it links to), on a DB-API connection (a migration's)."""
    row = raw.execute("SELECT last_id, hash FROM audit_head WHERE id = 1").fetchone()
    top = raw.execute("SELECT coalesce(max(id), 0) FROM audit_event").fetchone()[0]
    last = raw.execute("SELECT hash FROM audit_event ORDER BY id DESC LIMIT 1").fetchone()
    head_id, prev = (int(row[0]), str(row[1] or "")) if row else (0, "")
    if top > head_id or not prev:
        head_id, prev = top, (last[0] if last else "")
    return head_id + 1, prev or GENESIS


def _insert_raw(raw, event_id: int, prev: str, actor: str, entity: str, entity_ref: str, action: str,
                changes: dict, digest: str | None) -> None:
    at = utcnow()
    h = event_hash(prev, at, actor, entity, entity_ref, action, changes, digest)
    raw.execute("INSERT INTO audit_event (id, at, actor, entity, entity_ref, action, changes, prev_hash, hash, "
                "seal) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (event_id, _naive_utc(at).strftime("%Y-%m-%d %H:%M:%S.%f"), actor, entity, entity_ref, action,
                 canonical(changes), prev, h, digest))


def append_raw(raw, actor: str, entity: str, entity_ref: str, action: str, changes: dict, *,
               sealed: bool) -> None:
    """One event written by a migration on its DB-API connection (SQLite), chained to the
    newest; ``sealed``: the records the transaction touched (``seal.arm`` was called) are
    sealed into it, as a write of aims does."""
    event_id, prev = _raw_head(raw)
    digest = seal.seal_touched(raw, event_id) if sealed else None
    _insert_raw(raw, event_id, prev, actor, entity, entity_ref, action, plain(changes), digest)


# -- sealing each write transaction (SQLite) -----------------------------------


@sa_event.listens_for(Session, "after_begin")
def _arm_write(session: Session, _transaction, connection) -> None:
    """Every write transaction notes what it touches (see :mod:`.seal`)."""
    if connection.dialect.name != "sqlite" or not connection.get_execution_options().get("aims_write"):
        return
    raw = connection.connection.driver_connection
    try:
        version = raw.execute("PRAGMA main.schema_version").fetchone()[0]
        if connection.info.get("aims_armed") != version or not raw.execute(
                "SELECT 1 FROM sqlite_temp_master WHERE name LIKE 'aims_seal_%' LIMIT 1").fetchone():
            if not seal.arm(raw):
                return
            connection.info["aims_armed"] = version
        seal.forget_touched(raw)
        session.info["aims_armed"] = True
    except sqlite3.Error:
        return


@sa_event.listens_for(Session, "before_commit")
def _seal_on_commit(session: Session) -> None:
    """Seal the records this transaction touched into its last audit event."""
    ev = session.info.pop("aims_last_event", None)
    if not session.info.pop("aims_armed", False):
        return
    session.flush()
    raw = session.connection().connection.driver_connection
    if ev is None:
        seal.forget_touched(raw)  # a write with no event: verify will name what it changed
        return
    digest = seal.seal_touched(raw, ev.id)
    if digest is None:
        return
    ev.seal = digest
    ev.hash = event_hash(ev.prev_hash, ev.at, ev.actor, ev.entity, ev.entity_ref, ev.action, ev.changes, digest)
    session.add(ev)
    session.flush()
    raw.execute("UPDATE audit_head SET hash = ? WHERE id = 1 AND last_id = ?", (ev.hash, ev.id))


@sa_event.listens_for(Session, "after_rollback")
def _forget(session: Session) -> None:
    session.info.pop("aims_last_event", None)
    session.info.pop("aims_armed", None)


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
