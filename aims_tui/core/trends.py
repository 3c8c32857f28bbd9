"""Monthly series for the management review pack's charts (issue 19): how the
register moved over the 12 months ending at the pack's date.

Headless (no ReportLab): the pack draws these, anything else may print them.

At each month end (the last one is the pack's date itself) :func:`trends` gives
the register's headline figures *as it was then* (:class:`Figures`): active
risks by residual level, above appetite, overdue risk reviews, overdue
treatments, open nonconformities, objectives on and off target. Per month: the
nonconformities raised and closed. Per active objective: its latest value at
each month end against its target.

How the past is read, from what aims already records:

- a risk's residual scores, awaiting flag, status and next review at a moment:
  its row today with every audited change after that moment undone (the
  ``risk`` events of the audit trail, newest first); a risk created after the
  moment did not exist yet, a risk deleted after it comes back from its delete
  event. This is the rule of :mod:`.history` (the register as of a moment),
  replayed here for all 13 moments in one pass over the trail; with
  ``via_history=True`` each moment is read through the history API instead
  (``history.at`` and the dashboard's aggregate reads): the same numbers (the
  tests hold both to one known history), about three times the CPU at 10,000
  risks (each moment builds its own views);
- a treatment was open at a moment when it existed, and is still open or was
  completed (``completed_at``) after it; overdue when its due date had passed;
- a nonconformity was open from its ``raised_on`` until its ``closed_on``;
- an objective counts from its creation (its audit event), or from its first
  measurement when that is dated earlier (an objective recorded today with
  values measured since June counts from June, as its own series shows); its
  value at a moment is its latest measurement dated on or before it.

Everything is read in one session with one query per table, then each month end
is one pass over plain tuples: 13 moments at 10,000 risks cost a fraction of a
second. :func:`figures_at` gives the same figures for any other moment (the
pack compares the figures at its date with those at the last management review).
"""

from __future__ import annotations

from bisect import bisect_right
from collections import defaultdict
from dataclasses import asdict, dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from typing import Any, Iterable

from sqlmodel import Session, select

from . import history, queries
from .db import Database
from .errors import DatabaseError
from .models import (
    OPEN_TREATMENT_STATUSES,
    WITHDRAWN,
    AuditEvent,
    Measurement,
    Nonconformity,
    Objective,
    Risk,
    Treatment,
)
from .objectives import AT_MOST, meets
from .records import settings_row
from .scoring import Matrix

MONTHS = 12
TRACKED = ("residual_likelihood", "residual_impact", "awaiting_assessment", "status", "next_review")


def end_of(d: date) -> datetime:
    """The last moment of day ``d`` (UTC)."""
    return datetime.combine(d, time.max, tzinfo=timezone.utc)


def month_ends(as_of: date, n: int = MONTHS) -> list[date]:
    """The last day of each of the ``n`` months ending with ``as_of``'s month; the
    last element is ``as_of`` itself (the current month ends at the pack's date)."""
    out = [as_of]
    first = as_of.replace(day=1)
    while len(out) < n:
        last = first - timedelta(days=1)
        out.append(last)
        first = last.replace(day=1)
    return out[::-1]


def month_label(d: date) -> str:
    """'2026-06'."""
    return f"{d.year:04d}-{d.month:02d}"


@dataclass(frozen=True)
class Figures:
    """The register's headline figures at one moment (the end of day ``at``)."""

    at: date
    levels: dict[str, int]  # active risks by residual level (risks awaiting assessment in none)
    cells: dict[tuple[int, int], int]  # the residual heat map: active risks per (likelihood, impact)
    active_risks: int
    above_appetite: int
    overdue_reviews: int
    overdue_treatments: int
    open_nonconformities: int
    objectives_active: int
    objectives_on_target: int
    objectives_off_target: int


@dataclass
class ObjectiveSeries:
    ref: str
    title: str
    unit: str
    direction: str
    target: float
    values: list[float | None]  # the latest value at each month end (None: not measured yet)


@dataclass
class Trends:
    as_of: date
    month_ends: list[date]
    points: list[Figures]  # at each month end
    nc_raised: list[int]  # per month (the last month up to as_of)
    nc_closed: list[int]
    objectives: list[ObjectiveSeries] = field(default_factory=list)

    @property
    def months(self) -> list[str]:
        return [month_label(d) for d in self.month_ends]

    def series(self, name: str) -> list[int]:
        """One figure per month end, e.g. ``series("overdue_treatments")``."""
        return [getattr(p, name) for p in self.points]

    def level_series(self, level: str) -> list[int]:
        return [p.levels.get(level, 0) for p in self.points]

    def to_json(self) -> dict[str, Any]:
        return {"schema": "aims.trends/1", "as_of": self.as_of.isoformat(), "months": self.months,
                "points": [{**asdict(p), "at": p.at.isoformat(), "cells": [[li, im, n] for (li, im), n in p.cells.items()]}
                           for p in self.points],
                "nc_raised": self.nc_raised, "nc_closed": self.nc_closed,
                "objectives": [asdict(o) for o in self.objectives]}


def _aware(dt: datetime | None) -> datetime | None:
    if dt is None:
        return None
    return dt.replace(tzinfo=timezone.utc) if dt.tzinfo is None else dt


def _parse_at(value: Any) -> datetime | None:
    if value is None or isinstance(value, datetime):
        return _aware(value)
    return _aware(datetime.fromisoformat(str(value).rstrip("Z")))


def _as_date(value: Any) -> date | None:
    if value is None or value == "":
        return None
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value)[:10])
    except ValueError:
        return None


@dataclass
class Facts:
    """The tables the series are computed from, read once (plain tuples)."""

    m: Matrix
    # risk ref -> (created_at, deleted_at, state dict of TRACKED now, or when it was deleted)
    risks: dict[str, tuple[datetime | None, datetime | None, dict[str, Any]]]
    # risk ref -> [(at, changes)] oldest first, only events after ``since``
    risk_events: dict[str, list[tuple[datetime, dict]]]
    treatments: list[tuple[datetime | None, datetime | None, date | None, str]]
    ncs: list[tuple[date, date | None, str]]
    objectives: list[tuple[int, str, str, str, str, float]]
    measurements: dict[int, list[tuple[date, float]]]
    objective_made: dict[str, datetime] = field(default_factory=dict)  # ref -> its create event


def read_facts(s: Session, since: datetime) -> Facts:
    """Everything the series need, one query per table; risk events only after ``since``."""
    m = Matrix.from_dict(settings_row(s).matrix)
    risks: dict[str, tuple[datetime | None, datetime | None, dict[str, Any]]] = {}
    for ref, created, rl, ri, aw, st, nr in s.exec(select(
            Risk.ref, Risk.created_at, Risk.residual_likelihood, Risk.residual_impact,
            Risk.awaiting_assessment, Risk.status, Risk.next_review)):
        risks[ref] = (_aware(created), None, {"residual_likelihood": rl, "residual_impact": ri,
                                              "awaiting_assessment": bool(aw), "status": st, "next_review": nr})
    events: dict[str, list[tuple[datetime, dict]]] = defaultdict(list)
    for ref, at, action, changes in s.exec(select(AuditEvent.entity_ref, AuditEvent.at, AuditEvent.action,
                                                  AuditEvent.changes)
                                           .where(AuditEvent.entity == "risk", AuditEvent.at > since,
                                                  AuditEvent.action != "create")
                                           .order_by(AuditEvent.at, AuditEvent.id)):
        if not isinstance(changes, dict):
            continue
        if action == "delete":  # deleted since: it comes back, as it was when deleted, before that moment
            rec = (changes.get("record") or [None])[0]
            if isinstance(rec, dict) and ref not in risks:
                risks[ref] = (_parse_at(rec.get("created_at")), _parse_at(at),
                              {k: rec.get(k) for k in TRACKED})
            continue
        if any(k in changes for k in TRACKED):
            events[ref].append((_parse_at(at), changes))
    treatments = [(_aware(c), _aware(done), due, st) for c, done, due, st in s.exec(
        select(Treatment.created_at, Treatment.completed_at, Treatment.due_date, Treatment.status)
        .join(Risk, Risk.id == Treatment.risk_id)
        .where(Treatment.status != WITHDRAWN, Risk.status != WITHDRAWN))]
    ncs = [(r, c, st) for r, c, st in s.exec(select(Nonconformity.raised_on, Nonconformity.closed_on,
                                                     Nonconformity.status)
                                              .where(Nonconformity.status != WITHDRAWN))]
    objectives = [tuple(o) for o in s.exec(select(Objective.id, Objective.ref, Objective.title, Objective.unit,
                                                  Objective.direction, Objective.target)
                                           .where(Objective.status == "active").order_by(Objective.ref))]
    measurements: dict[int, list[tuple[date, float]]] = defaultdict(list)
    for oid, on, value in s.exec(select(Measurement.objective_id, Measurement.measured_on, Measurement.value)
                                 .where(Measurement.status != WITHDRAWN)
                                 .order_by(Measurement.objective_id, Measurement.measured_on, Measurement.id)):
        measurements[oid].append((on, float(value)))
    made = {ref: _parse_at(at) for ref, at in s.exec(
        select(AuditEvent.entity_ref, AuditEvent.at).where(AuditEvent.entity == "objective",
                                                          AuditEvent.action == "create"))}
    return Facts(m, risks, dict(events), treatments, ncs, objectives, dict(measurements),
                 {k: v for k, v in made.items() if v is not None})


def _risk_states(f: Facts, cuts: list[datetime]) -> list[list[dict[str, Any]]]:
    """For each cut (ascending), the state of every risk that existed then."""
    out: list[list[dict[str, Any]]] = [[] for _ in cuts]
    for ref, (created, deleted, now) in f.risks.items():
        evs = f.risk_events.get(ref)
        if not evs:
            for i, cut in enumerate(cuts):
                if (created is None or created <= cut) and (deleted is None or cut < deleted):
                    out[i].append(now)
            continue
        # walk the cuts newest first, undoing the events after each
        state = dict(now)
        j = len(evs) - 1
        for i in range(len(cuts) - 1, -1, -1):
            cut = cuts[i]
            while j >= 0 and evs[j][0] > cut:
                for k, v in evs[j][1].items():
                    if k in TRACKED and isinstance(v, list) and len(v) == 2:
                        state[k] = v[0]
                j -= 1
            if (created is None or created <= cut) and (deleted is None or cut < deleted):
                out[i].append(dict(state))
    return out


@dataclass(frozen=True)
class _RiskPart:
    levels: dict[str, int]
    cells: dict[tuple[int, int], int]
    active: int
    above: int
    overdue_reviews: int


def _risk_part_replayed(m: Matrix, d: date, states: Iterable[dict[str, Any]]) -> _RiskPart:
    """The risk figures from states replayed here (when the history API cannot read the database)."""
    levels = {b.name: 0 for b in m.bands}
    cells: dict[tuple[int, int], int] = defaultdict(int)
    active = above = overdue_reviews = 0
    for st in states:
        if st["status"] in ("closed", WITHDRAWN, None):
            continue
        active += 1
        nr = _as_date(st["next_review"])
        if nr is not None and nr < d:
            overdue_reviews += 1
        if st["awaiting_assessment"]:
            continue
        try:
            li, im = int(st["residual_likelihood"]), int(st["residual_impact"])
        except (TypeError, ValueError):
            continue
        cells[(li, im)] += 1
    for (li, im), n in cells.items():  # the level of each cell once, not of each risk
        levels[m.level(li, im).name] += n
        above += n * m.above_appetite(li * im)
    return _RiskPart(levels, dict(sorted(cells.items())), active, above, overdue_reviews)


def _risk_part_as_of(db: Database, m: Matrix, d: date) -> _RiskPart:
    """The risk figures of the register as it was at the end of ``d`` (the history API:
    the same aggregate reads as the dashboard, on the register as of that moment)."""
    adb = history.at(db, history.end_of_day(d))
    active = queries.RiskFilter(status="active", today=d)
    cells = dict(sorted(queries.heat_map(adb, True, active).items()))
    levels = {b.name: 0 for b in m.bands}
    for (li, im), n in cells.items():
        levels[m.level(li, im).name] += n
    above = sum(n for (li, im), n in cells.items() if m.above_appetite(li * im))
    return _RiskPart(levels, cells, queries.risk_count(adb, active), above,
                     queries.risk_count(adb, queries.RiskFilter(overdue=True, today=d)))


def _risk_parts(db: Database, f: Facts, days: list[date], via_history: bool = False) -> dict[date, _RiskPart]:
    """The risk figures at each day: replayed here in one pass (the default), or through the
    history API, one register as of each day (the same numbers, about three times the CPU:
    each moment builds its own views; the tests hold the two to the same answers)."""
    if via_history:
        try:
            return {d: _risk_part_as_of(db, f.m, d) for d in days}
        except DatabaseError:  # not an SQLite file: replay
            pass
    cuts = [end_of(d) for d in days]
    return {d: _risk_part_replayed(f.m, d, st) for d, st in zip(days, _risk_states(f, cuts))}


def _figures(f: Facts, d: date, r: _RiskPart) -> Figures:
    cut = end_of(d)
    overdue_t = 0
    for created, done_at, due, status in f.treatments:
        if due is None or due >= d or (created is not None and created > cut):
            continue
        if status in OPEN_TREATMENT_STATUSES or (done_at is not None and done_at > cut):
            overdue_t += 1
    open_nc = sum(1 for raised, closed, status in f.ncs
                  if raised <= d and (closed is None and status != "closed" or closed is not None and closed > d))
    on = off = existing = 0
    for oid, ref, _title, _unit, direction, target in f.objectives:
        v = _value_at(f.measurements.get(oid, []), d)
        made = f.objective_made.get(ref)
        if made is not None and made > cut and v is None:
            # not set yet (objectives loaded without an event count throughout); one recorded
            # later with a measurement dated by then counts from that measurement, as its own chart shows
            continue
        existing += 1
        ok = meets(v, target, direction)
        on += ok is True
        off += ok is False
    return Figures(at=d, levels=r.levels, cells=r.cells, active_risks=r.active, above_appetite=r.above,
                   overdue_reviews=r.overdue_reviews, overdue_treatments=overdue_t, open_nonconformities=open_nc,
                   objectives_active=existing, objectives_on_target=on, objectives_off_target=off)


def _value_at(points: list[tuple[date, float]], d: date) -> float | None:
    i = bisect_right([p[0] for p in points], d)
    return points[i - 1][1] if i else None


def figures_at(db: Database, days: list[date], via_history: bool = False) -> list[Figures]:
    """The headline figures at the end of each day in ``days`` (any order)."""
    if not days:
        return []
    order = sorted(set(days))
    with db.read() as s:
        f = read_facts(s, end_of(order[0]))
    parts = _risk_parts(db, f, order, via_history)
    by_day = {d: _figures(f, d, parts[d]) for d in order}
    return [by_day[d] for d in days]


def trends(db: Database, as_of: date, n: int = MONTHS, extra: Iterable[date | None] = (),
           via_history: bool = False) -> tuple[Trends, dict[date, Figures]]:
    """The series of the ``n`` months ending at ``as_of``, and the figures at each
    day of ``extra`` (e.g. the last management review's), read in the same pass."""
    ends = month_ends(as_of, n)
    more = [d for d in extra if d is not None]
    days = sorted(set(ends) | set(more))
    with db.read() as s:
        f = read_facts(s, end_of(days[0]))
    parts = _risk_parts(db, f, days, via_history)
    by_day = {d: _figures(f, d, parts[d]) for d in days}
    firsts = [e.replace(day=1) for e in ends]
    raised, closed = [0] * n, [0] * n
    for r, c, _st in f.ncs:
        for i, (lo, hi) in enumerate(zip(firsts, ends)):
            if lo <= r <= hi:
                raised[i] += 1
            if c is not None and lo <= c <= hi:
                closed[i] += 1
    objs = [ObjectiveSeries(ref, title, unit, direction, float(target),
                            [_value_at(f.measurements.get(oid, []), e) for e in ends])
            for oid, ref, title, unit, direction, target in f.objectives]
    t = Trends(as_of=as_of, month_ends=ends, points=[by_day[e] for e in ends], nc_raised=raised, nc_closed=closed,
               objectives=objs)
    return t, {d: by_day[d] for d in more}


def better_when_lower(name: str) -> bool:
    """Whether a fall in the figure is good news (overdue work, risks above appetite)."""
    return name not in ("objectives_on_target", "objectives_active", "active_risks")


__all__ = ["AT_MOST", "Figures", "MONTHS", "ObjectiveSeries", "Trends", "better_when_lower", "end_of",
           "figures_at", "month_ends", "month_label", "trends"]
