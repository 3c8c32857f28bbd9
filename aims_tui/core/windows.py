"""Windows of the AI systems, the treatments and the audit trail (keyset paging).

The same conventions as ``queries.risk_page``: ``after``/``before`` are the
keys of the row just outside the window, ``from_end`` reads the last window,
``has_more`` says whether rows exist beyond the window in the direction read;
rows are plain dicts. Each range is read through an index (checked with
EXPLAIN QUERY PLAN in tests/tui2/test_window_plans.py):

- AI systems: ordered by ref (unique, indexed); key ``(ref,)``. A stage filter
  reads ix_ai_system_stage_ref, an owner the two owner indexes (that owner's
  systems sorted); tier and search test rows along the ref index (the
  inventory has thousands of systems, not millions). Refs sort as text
  (AIS-100 < AIS-1000 < AIS-101), as the list always did.
- Treatments: soonest due first, undated last, ties by id; key
  ``(due_date or None, id)``. Undated rows are their own index range
  (``due_date IS NULL`` ordered by id), so no coalesce hides the column from the
  index. Without an owner, each status is its own range of
  ix_treatment_status_due (status, due_date, id) and the ranges are merged;
  with an owner, ix_treatment_owner_due (owner, due_date, id) is read.
- Audit events: newest first; key ``(id,)``. For a set of records, each record
  (entity_ref = x, or a prefix such as a risk's treatments "R-0001/") is a range
  of ix_audit_entity (entity_ref, id), each read at most a window deep and the
  ranges merged; so a window costs in proportion to the number of records
  (about 4 ms for a system with 50 risks, 0.5 s for one with 3,000).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

from sqlalchemy import func, literal, or_, text, tuple_
from sqlmodel import select

from .db import Database
from .models import OPEN_TREATMENT_STATUSES, TREATMENT_STATUSES, WITHDRAWN, AISystem, AuditEvent, Risk, Treatment
from .records import system_id_of, to_dict
from .rules import live_risk, open_treatment
from .search import capped



@dataclass
class Page:
    rows: list[dict[str, Any]]
    first_key: tuple | None
    last_key: tuple | None
    has_more: bool


def _check(after, before, limit: int) -> None:
    if after is not None and before is not None:
        raise ValueError("give after or before, not both")
    if limit < 0:
        raise ValueError("limit must not be negative")


def _page(rows: list, backwards: bool, limit: int, key: Callable[[Any], tuple],
          to_row: Callable[[list], list[dict[str, Any]]]) -> Page:
    has_more = len(rows) > limit
    rows = rows[:limit]
    if backwards:
        rows.reverse()
    keys = [key(r) for r in rows]
    return Page(to_row(rows), keys[0] if keys else None, keys[-1] if keys else None, has_more)


# ---------------------------------------------------------------------------
# AI systems
@dataclass(frozen=True)
class SystemFilter:
    stage: str | None = None
    tier: str | None = None
    owner: str | None = None  # business or technical owner
    search: str = ""  # words, each found in name, ref or an owner (case folded)


def _system_conds(f: SystemFilter) -> list:
    conds: list = []
    if f.stage:
        conds.append(AISystem.stage == f.stage)
    else:  # a withdrawn AI system (made by mistake) is listed only when asked for
        conds.append(AISystem.stage != WITHDRAWN)
    if f.tier:
        conds.append(AISystem.eu_ai_act_tier == f.tier)
    if f.owner:
        conds.append(or_(AISystem.business_owner == f.owner, AISystem.technical_owner == f.owner))
    for term in capped(f.search).casefold().split():
        like = f"%{term}%"
        conds.append(or_(func.lower(AISystem.name).like(like), func.lower(AISystem.ref).like(like),
                         func.lower(AISystem.business_owner).like(like),
                         func.lower(AISystem.technical_owner).like(like)))
    return conds


def system_page(db: Database, f: SystemFilter = SystemFilter(), *, after: tuple | None = None,
                before: tuple | None = None, limit: int = 100, from_end: bool = False) -> Page:
    """One window of the AI systems in ref order, each with its open risk count."""
    _check(after, before, limit)
    backwards = before is not None or from_end
    with db.read() as s:
        q = select(AISystem).where(*_system_conds(f))
        if after is not None:
            q = q.where(AISystem.ref > after[0])
        if before is not None:
            q = q.where(AISystem.ref < before[0])
        q = q.order_by(AISystem.ref.desc() if backwards else AISystem.ref.asc()).limit(limit + 1)
        found = list(s.exec(q))

        def to_rows(rows: list[AISystem]) -> list[dict[str, Any]]:
            ids = [r.id for r in rows]
            counts = dict(s.exec(select(Risk.system_id, func.count()).where(
                Risk.system_id.in_(ids), live_risk()).group_by(Risk.system_id)).all()) if ids else {}
            out = []
            for r in rows:
                d = to_dict(r)
                d["open_risks"] = int(counts.get(r.id, 0))
                out.append(d)
            return out

        return _page(found, backwards, limit, lambda r: (r.ref,), to_rows)


def system_count(db: Database, f: SystemFilter = SystemFilter()) -> int:
    with db.read() as s:
        return int(s.exec(select(func.count()).select_from(AISystem).where(*_system_conds(f))).one())


# ---------------------------------------------------------------------------
# Treatments
@dataclass(frozen=True)
class TreatmentFilter:
    owner: str | None = None  # None: everyone's
    include_done: bool = False  # False: planned and in progress only


def _statuses(f: TreatmentFilter) -> tuple[str, ...]:
    return TREATMENT_STATUSES if f.include_done else OPEN_TREATMENT_STATUSES


def _walk_order(t: Treatment) -> tuple:
    """Ascending order of a treatment: dated first (by date), then undated; ties by id."""
    return (0, t.due_date, t.id) if t.due_date is not None else (1, None, t.id)


def _due_ranges(s, conds: list, boundary: tuple | None, backwards: bool, want: int) -> list[Treatment]:
    """Up to ``want`` treatments after (backwards: before) ``boundary`` in the
    order (due_date NULLS LAST, id), reading the dated and the undated rows as
    two index ranges."""
    segs = [False, True]  # is the range the undated one? in ascending order
    if backwards:
        segs.reverse()
    if boundary is not None:
        in_null = boundary[0] is None
        while segs and segs[0] != in_null:
            segs.pop(0)
    rows: list[Treatment] = []
    for i, is_null in enumerate(segs):
        c = list(conds)
        c.append(Treatment.due_date.is_(None) if is_null else Treatment.due_date.is_not(None))
        if boundary is not None and i == 0:
            due, tid = boundary
            if is_null:
                c.append(Treatment.id < tid if backwards else Treatment.id > tid)
            else:
                pair, edge = tuple_(Treatment.due_date, Treatment.id), tuple_(literal(due), literal(tid))
                c.append(pair < edge if backwards else pair > edge)
        if is_null:
            order = [Treatment.id.desc() if backwards else Treatment.id.asc()]
        else:
            order = ([Treatment.due_date.desc(), Treatment.id.desc()] if backwards
                     else [Treatment.due_date.asc(), Treatment.id.asc()])
        rows.extend(s.exec(select(Treatment).where(*c).order_by(*order).limit(want - len(rows))))
        if len(rows) >= want:
            break
    return rows


def _treatment_rows(s, want: int, f: TreatmentFilter, boundary: tuple | None, backwards: bool) -> list[Treatment]:
    if f.owner is not None:
        conds = [Treatment.owner == f.owner]
        if not f.include_done:
            conds.append(open_treatment(Treatment.status))
        return _due_ranges(s, conds, boundary, backwards, want)
    # everyone: one range per status, merged
    merged: list[Treatment] = []
    for st in _statuses(f):
        merged.extend(_due_ranges(s, [Treatment.status == st], boundary, backwards, want))
    merged.sort(key=_walk_order, reverse=backwards)
    return merged[:want]


def _treatment_key(t: Treatment) -> tuple:
    return (t.due_date, t.id)


def treatment_page(db: Database, f: TreatmentFilter = TreatmentFilter(), *, after: tuple | None = None,
                   before: tuple | None = None, limit: int = 100, from_end: bool = False) -> Page:
    """One window of treatments, soonest due first (undated last), with their risk's ref and title."""
    _check(after, before, limit)
    backwards = before is not None or from_end
    with db.read() as s:
        found = _treatment_rows(s, limit + 1, f, after if after is not None else before, backwards)

        def to_rows(rows: list[Treatment]) -> list[dict[str, Any]]:
            ids = {t.risk_id for t in rows}
            risks = {rid: (ref, title) for rid, ref, title in
                     s.exec(select(Risk.id, Risk.ref, Risk.title).where(Risk.id.in_(ids))).all()} if ids else {}
            out = []
            for t in rows:
                d = to_dict(t)
                d["risk_ref"], d["risk_title"] = risks.get(t.risk_id, ("", ""))
                d["_key"] = _treatment_key(t)
                out.append(d)
            return out

        return _page(found, backwards, limit, _treatment_key, to_rows)


def treatment_count(db: Database, f: TreatmentFilter = TreatmentFilter()) -> int:
    with db.read() as s:
        q = select(func.count()).select_from(Treatment)
        if f.owner is not None:
            q = q.where(Treatment.owner == f.owner)
        if not f.include_done:
            q = q.where(open_treatment(Treatment.status))
        return int(s.exec(q).one())


# ---------------------------------------------------------------------------
# Audit events
@dataclass(frozen=True)
class AuditFilter:
    """Events about these records: exact entity refs, and refs starting with a
    prefix (a risk's treatments are "<risk ref>/T<id>"). Both empty: every event."""

    refs: tuple[str, ...] = ()
    prefixes: tuple[str, ...] = ()

    @property
    def everything(self) -> bool:
        return not self.refs and not self.prefixes


def audit_filter_for_system(db: Database, ref: str) -> AuditFilter:
    """The events of an AI system, its risks and their treatments."""
    with db.read() as s:
        sid = system_id_of(s, ref)
        risk_refs = tuple(s.exec(select(Risk.ref).where(Risk.system_id == sid))) if sid else ()
    return AuditFilter(refs=(ref, *risk_refs), prefixes=tuple(f"{r}/" for r in risk_refs))


RANGES_PER_STATEMENT = 200  # SQLite allows 500 terms in a compound SELECT


def _audit_ids(s, f: AuditFilter, boundary: int | None, backwards: bool, want: int) -> list[int]:
    """Up to ``want`` event ids past ``boundary`` (newest first; backwards: oldest
    first). Each range is read newest (oldest) first through ix_audit_entity, at
    most ``want`` entries, in one UNION ALL per RANGES_PER_STATEMENT ranges; the
    ranges are merged here."""
    order = AuditEvent.id.asc() if backwards else AuditEvent.id.desc()
    past = [] if boundary is None else [AuditEvent.id > boundary if backwards else AuditEvent.id < boundary]
    if f.everything:
        return list(s.exec(select(AuditEvent.id).where(*past).order_by(order).limit(want)))
    # Written as text: a system has a hundred ranges or more, and building that
    # many SQLAlchemy selects costs more than running them. A prefix range is
    # read through ix_audit_entity and its (few) entries sorted: "+id" keeps
    # the planner from walking the primary key instead.
    cmp, direction = (">", "ASC") if backwards else ("<", "DESC")
    params: dict[str, Any] = {"want": want, "b": boundary}
    ranges: list[str] = []
    for i, r in enumerate(f.refs):
        params[f"r{i}"] = r
        bound = f" AND id {cmp} :b" if boundary is not None else ""
        ranges.append(f"entity_ref = :r{i}{bound} ORDER BY id {direction}")
    for i, p in enumerate(x for x in f.prefixes if x):
        params[f"p{i}"], params[f"q{i}"] = p, p[:-1] + chr(ord(p[-1]) + 1)
        bound = f" AND +id {cmp} :b" if boundary is not None else ""
        ranges.append(f"entity_ref >= :p{i} AND entity_ref < :q{i}{bound} ORDER BY +id {direction}")
    ids: set[int] = set()
    for i in range(0, len(ranges), RANGES_PER_STATEMENT):
        sql = " UNION ALL ".join(f"SELECT id FROM (SELECT id FROM audit_event WHERE {r} LIMIT :want) AS w{j}"
                                 for j, r in enumerate(ranges[i:i + RANGES_PER_STATEMENT]))
        ids.update(row[0] for row in s.execute(text(sql), params).all())
    return sorted(ids, reverse=not backwards)[:want]


def audit_page(db: Database, f: AuditFilter = AuditFilter(), *, after: tuple | None = None,
               before: tuple | None = None, limit: int = 100, from_end: bool = False) -> Page:
    """One window of audit events, newest first; keys are (id,).

    ``from_end`` reads the oldest events (the end of the newest-first list)."""
    _check(after, before, limit)
    backwards = before is not None or from_end  # towards newer events
    boundary = after if after is not None else before
    with db.read() as s:
        ids = _audit_ids(s, f, None if boundary is None else boundary[0], backwards, limit + 1)
        by_id = {e.id: e for e in s.exec(select(AuditEvent).where(AuditEvent.id.in_(ids)))} if ids else {}
        found = [by_id[i] for i in ids]
        return _page(found, backwards, limit, lambda e: (e.id,), lambda rows: [to_dict(e) for e in rows])


def _disjoint(f: AuditFilter) -> tuple[list[str], list[str]]:
    """The filter's refs and prefixes without overlaps (a ref or prefix inside
    another prefix's range is dropped), so per-range counts add up."""
    prefixes = set(p for p in f.prefixes if p)

    def covered(x: str, strict: bool) -> bool:
        return any(x[:i + 1] in prefixes for i, ch in enumerate(x) if ch == "/" and not (strict and i + 1 == len(x)))

    return sorted(r for r in set(f.refs) if not covered(r, False)), sorted(p for p in prefixes if not covered(p, True))


def audit_count(db: Database, f: AuditFilter = AuditFilter()) -> int:
    """How many events match, counted from ix_audit_entity range by range."""
    with db.read() as s:
        if f.everything:
            return int(s.exec(select(func.count()).select_from(AuditEvent)).one())
        refs, prefixes = _disjoint(f)
        total = 0
        for i in range(0, len(refs), 500):
            total += int(s.exec(select(func.count()).select_from(AuditEvent)
                                .where(AuditEvent.entity_ref.in_(refs[i:i + 500]))).one())
        for i in range(0, len(prefixes), RANGES_PER_STATEMENT):
            chunk = prefixes[i:i + RANGES_PER_STATEMENT]
            params: dict[str, Any] = {}
            parts = []
            for j, p in enumerate(chunk):
                params[f"p{j}"], params[f"q{j}"] = p, p[:-1] + chr(ord(p[-1]) + 1)
                parts.append(f"SELECT count(*) AS n FROM audit_event WHERE entity_ref >= :p{j} AND entity_ref < :q{j}")
            total += int(s.execute(text(f"SELECT sum(n) FROM ({' UNION ALL '.join(parts)}) AS c"), params).scalar() or 0)
        return total
