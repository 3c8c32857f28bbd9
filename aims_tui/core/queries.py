"""The read path for screens and the CLI: filtered, sorted, paged, aggregated.

Lists are read a window at a time with keyset paging on (sort key, ref_num), so
a screen never loads the whole register; counts and heat maps are aggregates.
"""

from __future__ import annotations

import time
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import date, datetime
from typing import Any, Iterator, Sequence

from sqlalchemy import Column, Integer, MetaData, Table, and_, func, literal, tuple_
from sqlalchemy.exc import OperationalError
from sqlalchemy.sql import operators
from sqlalchemy.sql.expression import UnaryExpression
from sqlmodel import select

from . import history, search, tally
from .search import match_query
from .db import Database
from .models import RISK_STATUSES, STAGES, WITHDRAWN, AISystem, Risk
from .schedule import due_state, today as _today
from .scoring import AWAITING_COLOUR, AWAITING_LEVEL, Matrix
from .records import settings_row, system_id_of
from .rules import overdue
from .models import User
from .riskfilter import RiskFilter

FAR_FUTURE = date(9999, 12, 31)  # kept for callers; sorting no longer needs it


# Sort keys. Each is read through an index on (column, ref_num); ref_num
# breaks ties, so a key (sort value, ref_num) names exactly one row.
SORTS: dict[str, Any] = {
    "ref": Risk.ref_num,
    "title": Risk.title_fold,
    "owner": Risk.owner,
    "status": Risk.status,
    "category": Risk.category,
    "inherent": Risk.inherent_score,
    "residual": Risk.residual_score,
    "next_review": Risk.next_review,
    "system": Risk.system_id,
}
# Sorts whose column may be NULL, and where the NULLs go in ascending order
# (descending reverses the whole order): risks without a next review come
# after every date, organization-wide risks (no system) before every system.
# The NULL rows are read as their own index range (``col IS NULL`` ordered by
# ref_num), so no expression (coalesce) ever hides the column from its index.
NULLS_IN_ASCENDING: dict[str, str] = {"next_review": "last", "system": "first"}

# Reading a filtered window (see _fetch): up to FEW matches are read and
# sorted; beyond, the sort index is walked for at most WALK_BUDGET seconds.
FEW = 5_000
WALK_BUDGET = 0.04
# A search walk first reads the matching ids (about a microsecond each), and
# reading them is also the first step of the alternative: it gets longer.
WALK_BUDGET_SEARCH = 0.25
BUDGET_STEP = 2000  # SQLite VM steps between two looks at the clock
ACTIVE_STATUSES = tuple(st for st in RISK_STATUSES if st != "closed")


@dataclass
class RiskPage:
    rows: list[dict[str, Any]]
    first_key: tuple | None
    last_key: tuple | None
    has_more: bool


def _system_id(s, ref: str) -> int:
    sid = system_id_of(s, ref)
    return -1 if sid is None else sid


def search_terms(text: str) -> list[str]:
    return [t for t in search.capped(text).casefold().split() if t]


def _plain(col, keep: Any = None):
    """``+col``: the same value, but SQLite will not read it through an index
    (used to make the planner walk the sort index instead). ``keep`` is left
    alone."""
    if keep is not None and col is keep:
        return col
    return UnaryExpression(col, operator=operators.custom_op("+"), type_=col.type)


def _where(s, m: Matrix, f: RiskFilter, search_mode: str = "auto", walk: Any = None) -> list:
    """The filter as conditions on Risk.

    ``search_mode``: "auto" (FTS5 when there, the matches read once per
    statement), "probe" (FTS5 asked row by row), "like" (the LIKE fallback).
    ``walk``: a sort column: every other column is wrapped so that the planner
    walks that column's index (None: the planner chooses)."""
    def c(col):
        return col if walk is None else _plain(col, walk)

    conds: list = []
    if f.system:
        conds.append(c(Risk.system_id).is_(None) if f.system == "-" else c(Risk.system_id) == _system_id(s, f.system))
    if f.owner:
        conds.append(c(Risk.owner) == f.owner)
    if f.level:
        b = m.band(f.level)
        conds.append(c(Risk.residual_score).between(b.low, b.high))
    if f.inherent_level:
        b = m.band(f.inherent_level)
        conds.append(c(Risk.inherent_score).between(b.low, b.high))
    if f.status:
        conds.append(c(Risk.status).in_(ACTIVE_STATUSES) if f.status == "active" else c(Risk.status) == f.status)
    else:  # a withdrawn risk (made by mistake) is listed only when asked for
        conds.append(c(Risk.status) != WITHDRAWN)
    if f.category:
        conds.append(c(Risk.category) == f.category)
    if f.overdue:
        conds.append(and_(c(Risk.status).in_(ACTIVE_STATUSES), overdue(c(Risk.next_review), f.today or _today())))
    if f.inherent_cell:
        conds.append(and_(c(Risk.inherent_likelihood) == f.inherent_cell[0],
                          c(Risk.inherent_impact) == f.inherent_cell[1]))
    if f.residual_cell:
        conds.append(and_(c(Risk.residual_likelihood) == f.residual_cell[0],
                          c(Risk.residual_impact) == f.residual_cell[1]))
    if f.search:
        cond = search.risk_condition(s, f.search, fts=False if search_mode == "like" else None,
                                     id_column=None if walk is None else _plain(Risk.id),
                                     correlated=search_mode == "probe")
        if cond is not None:
            conds.append(cond)
    return conds


def _has_filter(f: RiskFilter) -> bool:
    return replace(f, today=None) != RiskFilter()


def _few_matches(s, m: Matrix, f: RiskFilter, few: int) -> bool:
    """True when at most ``few`` risks match (counted no further than that)."""
    if f.search:
        n = search.match_count(s, f.search, few + 1)
        if n is not None:
            if n > few:
                return False
            if replace(f, search="", today=None) == RiskFilter():
                return True
    inner = select(literal(1)).select_from(Risk).where(*_where(s, m, f)).limit(few + 1)
    return int(s.exec(select(func.count()).select_from(inner.subquery())).one()) <= few


class _OverBudget(Exception):
    pass


@contextmanager
def _budget(s, seconds: float) -> Iterator[None]:
    """Interrupt SQLite statements of this session that run past ``seconds``."""
    raw = s.connection().connection.driver_connection
    deadline = time.perf_counter() + seconds
    raw.set_progress_handler(lambda: 1 if time.perf_counter() > deadline else 0, BUDGET_STEP)
    try:
        yield
    except OperationalError as exc:
        if "interrupt" in str(exc).lower():
            raise _OverBudget() from None
        raise
    finally:
        raw.set_progress_handler(None, 0)


def risk_row(r: Risk, m: Matrix, sys_ref: str | None, today: date, soon: int) -> dict[str, Any]:
    if r.awaiting_assessment:  # imported without scores: placeholders are not shown as a level
        return {
            "id": r.id, "ref": r.ref, "ref_num": r.ref_num, "title": r.title, "system_ref": sys_ref,
            "owner": r.owner, "category": r.category, "status": r.status,
            "inherent_likelihood": None, "inherent_impact": None, "inherent_score": None,
            "inherent_level": AWAITING_LEVEL, "inherent_colour": AWAITING_COLOUR,
            "residual_likelihood": None, "residual_impact": None, "residual_score": None,
            "residual_level": AWAITING_LEVEL, "residual_colour": AWAITING_COLOUR, "above_appetite": False,
            "next_review": r.next_review,
            "review_state": "none" if r.status == "closed" else due_state(r.next_review, today, soon),
            "version": r.version, "awaiting_assessment": True,
        }
    ib = m.band_for_score(r.inherent_score)
    rb = m.band_for_score(r.residual_score)
    return {
        "id": r.id, "ref": r.ref, "ref_num": r.ref_num, "title": r.title, "system_ref": sys_ref,
        "owner": r.owner, "category": r.category, "status": r.status,
        "inherent_likelihood": r.inherent_likelihood, "inherent_impact": r.inherent_impact,
        "inherent_score": r.inherent_score, "inherent_level": ib.name,
        "inherent_colour": ib.colour,
        "residual_likelihood": r.residual_likelihood, "residual_impact": r.residual_impact,
        "residual_score": r.residual_score, "residual_level": rb.name,
        "residual_colour": rb.colour, "above_appetite": m.above_appetite(r.residual_score),
        "next_review": r.next_review,
        "review_state": "none" if r.status == "closed" else due_state(r.next_review, today, soon),
        "version": r.version, "awaiting_assessment": False,
    }


def _sort_value(r: Risk, sort: str) -> Any:
    """The sort value of a row as it appears in keys (None for a NULL)."""
    if sort == "ref":
        return r.ref_num
    if sort == "title":
        return r.title_fold
    if sort == "system":
        return r.system_id
    if sort == "inherent":
        return r.inherent_score
    if sort == "residual":
        return r.residual_score
    return getattr(r, sort)


def _segments(sort: str, descending: bool, backwards: bool) -> list[tuple[bool, bool]]:
    """The index ranges a page walks, in walking order: (null range?, ascending?)."""
    nulls = NULLS_IN_ASCENDING.get(sort)
    if nulls is None:
        segs = [False]
    else:
        segs = [True, False] if nulls == "first" else [False, True]
    asc = not descending
    if descending:
        segs.reverse()
    if backwards:
        segs.reverse()
        asc = not asc
    return [(is_null, asc) for is_null in segs]


# The rows of the register as of a past moment that differ from today's (core.history).
_HIST_IDS = Table("risk_ids", MetaData(), Column("id", Integer), schema="hist")


def _merged(s, conds: list, order: list, sort: str, is_null: bool, asc: bool, n: int) -> list[Risk]:
    """Up to ``n`` rows in order from the register as of a past moment: today's rows
    not changed since (read through the sort index, as now) merged with the rows as
    they were (a few), instead of sorting the whole register through the view."""
    stmt = select(Risk).where(*conds).order_by(*order).limit(n)
    live = list(s.exec(stmt.where(Risk.id.not_in(select(_HIST_IDS.c.id)))
                       .execution_options(schema_translate_map={None: "main"})))
    past = list(s.exec(stmt.execution_options(schema_translate_map={None: "hist"})))
    if not past:
        return live

    def key(r: Risk) -> tuple:
        return (r.ref_num,) if is_null or sort == "ref" else (_sort_value(r, sort), r.ref_num)

    return sorted(live + past, key=key, reverse=not asc)[:n]


def _keyset_rows(s, base: list, sort: str, descending: bool, boundary: tuple | None, backwards: bool,
                 want: int, skip: int = 0, merge: bool = False) -> list[Risk]:
    """Up to ``want`` rows after (or, backwards, before) ``boundary`` in the
    order of ``sort``, the first ``skip`` of them left out; each index range is
    read with its own indexed query."""
    key = SORTS[sort]
    nullable = sort in NULLS_IN_ASCENDING
    segs = _segments(sort, descending, backwards)
    if boundary is not None:
        in_null = nullable and boundary[0] is None
        while segs and segs[0][0] != in_null:
            segs.pop(0)
    rows: list[Risk] = []
    for i, (is_null, asc) in enumerate(segs):
        conds = list(base)
        if nullable:
            conds.append(key.is_(None) if is_null else key.is_not(None))
        if boundary is not None and i == 0:
            v, n = boundary
            if is_null or sort == "ref":
                conds.append(Risk.ref_num > n if asc else Risk.ref_num < n)
            else:
                conds.append(tuple_(key, Risk.ref_num) > tuple_(literal(v), literal(n)) if asc
                             else tuple_(key, Risk.ref_num) < tuple_(literal(v), literal(n)))
        if is_null or sort == "ref":
            order = [Risk.ref_num.asc() if asc else Risk.ref_num.desc()]
        else:
            order = [key.asc(), Risk.ref_num.asc()] if asc else [key.desc(), Risk.ref_num.desc()]
        if skip:
            # Rows of this range, counted from the index no further than needed.
            inner = select(literal(1)).select_from(Risk).where(*conds).limit(skip + 1)
            here = int(s.exec(select(func.count()).select_from(inner.subquery())).one())
            if here <= skip:
                skip -= here
                continue
        if merge and not skip and s.info.get(history.SESSION_KEY) is not None:
            got = _merged(s, conds, order, sort, is_null, asc, want - len(rows))
        else:
            got = list(s.exec(select(Risk).where(*conds).order_by(*order).offset(skip or None)
                              .limit(want - len(rows))))
        skip = 0
        rows.extend(got)
        if len(rows) >= want:
            break
    return rows


def _fetch(s, m: Matrix, f: RiskFilter, sort: str, descending: bool, boundary: tuple | None, backwards: bool,
           want: int, skip: int = 0) -> list[Risk]:
    """Choose how to read a window under a filter.

    Without a filter, the sort index is walked. With one, on SQLite: when few
    risks match, they are read through the filter's indexes and sorted; else
    the sort index is walked, testing each row (fast when matches are spread
    through the sort order), and if that takes longer than WALK_BUDGET (the
    matches sit far along the sort order) the matches are read and sorted."""
    merge = not f.search  # as of a past moment: today's rows merged with those of then (no FTS in hist)
    if not _has_filter(f) or s.connection().dialect.name != "sqlite":
        return _keyset_rows(s, _where(s, m, f), sort, descending, boundary, backwards, want, skip, merge)
    if _few_matches(s, m, f, FEW):
        return _keyset_rows(s, _where(s, m, f), sort, descending, boundary, backwards, want, skip, merge)
    mode = "probe" if f.search and search.short_prefix(f.search) else "auto"
    try:
        with _budget(s, WALK_BUDGET_SEARCH if f.search else WALK_BUDGET):
            return _keyset_rows(s, _where(s, m, f, mode, walk=SORTS[sort]), sort, descending, boundary, backwards,
                                want, skip)
    except _OverBudget:
        return _keyset_rows(s, _where(s, m, f), sort, descending, boundary, backwards, want, skip, merge)


def risk_page(db: Database, f: RiskFilter = RiskFilter(), *, sort: str = "ref", descending: bool = False,
              after: tuple | None = None, before: tuple | None = None, limit: int = 100,
              from_end: bool = False, offset: int = 0, as_of: datetime | None = None) -> RiskPage:
    """One window of the register in order.

    ``after``/``before`` are keys (sort value, ref_num) of the row just
    outside the window (the ``last_key`` of the page above, the ``first_key``
    of the page below); ``from_end`` reads the last ``limit`` rows (End).
    ``offset`` skips that many rows first, in the direction read (a jump to
    a scrollbar position: costs a walk over the skipped index entries, so
    prefer keys for everything else; from the end it counts from the bottom).
    ``has_more`` says whether rows exist beyond the window in the direction
    read (below it when reading forward, above it when reading backward).
    Every range is read through an index, whatever the filter and the sort.
    ``as_of``: the register as it was then (core.history; None: as it is)."""
    db = history.at(db, as_of)
    if sort not in SORTS:
        raise ValueError(f"cannot sort by {sort}")
    if after is not None and before is not None:
        raise ValueError("give after or before, not both")
    with db.read() as s:
        st = settings_row(s)
        m = Matrix.from_dict(st.matrix)
        today = f.today or _today()
        backwards = before is not None or from_end
        if offset < 0:
            raise ValueError("offset must not be negative")
        rows = _fetch(s, m, f, sort, descending, after if after is not None else before, backwards, limit + 1,
                      offset)
        has_more = len(rows) > limit
        rows = rows[:limit]
        if backwards:
            rows.reverse()
        ids = {r.system_id for r in rows if r.system_id}
        refs = dict(s.exec(select(AISystem.id, AISystem.ref).where(AISystem.id.in_(ids))).all()) if ids else {}
        out = [risk_row(r, m, refs.get(r.system_id), today, st.due_soon_days) for r in rows]
        keys = [(_sort_value(r, sort), r.ref_num) for r in rows]
        return RiskPage(out, keys[0] if keys else None, keys[-1] if keys else None, has_more)


def risk_count(db: Database, f: RiskFilter = RiskFilter(), *, cap: int | None = None,
               as_of: datetime | None = None) -> int:
    """How many risks match ``f``, counted by SQL from indexes. With ``cap``,
    counting stops at ``cap`` (the result is then ``cap``: "at least cap")."""
    db = history.at(db, as_of)
    with db.read() as s:
        if getattr(db, "as_of", None) is not None:  # as of a past moment: its tallies answer the plain counts
            counted = _tally_count(s, f)
            if counted is not None:
                return counted if cap is None else min(counted, cap)
        m = Matrix.from_dict(settings_row(s).matrix)
        only_search = bool(f.search) and replace(f, search="", today=None) == RiskFilter()
        q = match_query(f.search) if only_search else None
        if q is not None and search.fts_available(s):
            # Only words: the search index alone knows how many rows match.
            inner = select(literal(1)).select_from(search._fts).where(search._fts.c[search.FTS_TABLE].op("MATCH")(q))
        elif cap is None:
            return int(s.exec(select(func.count()).select_from(Risk).where(*_where(s, m, f))).one())
        else:
            inner = select(literal(1)).select_from(Risk).where(*_where(s, m, f))
        if cap is not None:
            inner = inner.limit(cap)
        return int(s.exec(select(func.count()).select_from(inner.subquery())).one())


def _tally_count(s, f: RiskFilter) -> int | None:
    """The count of ``f`` summed from the tallies, for the filters they answer (None otherwise)."""
    if not tally.present(s):
        return None
    plain = replace(f, today=None)
    if plain == RiskFilter() or (plain == RiskFilter(status=f.status)):
        statuses = (ACTIVE_STATUSES if f.status == "active" else (f.status,)) if f.status else \
            tuple(st for st in RISK_STATUSES)  # withdrawn left out, as in _where
        return tally.count_statuses(s, statuses)
    if plain == RiskFilter(overdue=True):
        return tally.live_due(s, before=f.today or _today())
    return None


def all_risks(db: Database, f: RiskFilter = RiskFilter(), sort: str = "ref", batch: int = 1000,
              as_of: datetime | None = None):
    """Every matching risk in order, read in batches (for exports and the CLI)."""
    db = history.at(db, as_of)
    after = None
    while True:
        page = risk_page(db, f, sort=sort, after=after, limit=batch)
        yield from page.rows
        if not page.has_more:
            return
        after = page.last_key


_AGGREGATES: dict[tuple, Any] = {}


def _remembered(db: Database, key: tuple, compute):
    """An aggregate computed once per state of the database: the cache key
    includes ``db.data_version()`` (it changes on every commit by anyone), so
    a dashboard redrawn while nothing changed does no work proportional to the
    register, and any change is seen at once."""
    if db.is_sqlite and db.path is None:  # in memory: no second connection to ask
        return compute()
    try:
        version = db.data_version()
    except Exception:
        return compute()
    full = (db.url, getattr(db, "as_of", None), version, *key)
    if full not in _AGGREGATES:
        if len(_AGGREGATES) > 64:
            _AGGREGATES.clear()
        _AGGREGATES[full] = compute()
    return dict(_AGGREGATES[full])


def heat_map(db: Database, residual: bool = True, f: RiskFilter = RiskFilter(status="active"), *,
             as_of: datetime | None = None) -> dict[tuple[int, int], int]:
    """Counts per (likelihood, impact) cell, by one aggregate query (over the
    covering index (status, likelihood, impact)), remembered until the next commit."""
    db = history.at(db, as_of)
    if f.search or (f.overdue and f.today is None):  # not worth it / depends on the date
        return _heat_map(db, residual, f)
    return _remembered(db, ("heat_map", residual, f), lambda: _heat_map(db, residual, f))


def _heat_map(db: Database, residual: bool, f: RiskFilter) -> dict[tuple[int, int], int]:
    lcol = Risk.residual_likelihood if residual else Risk.inherent_likelihood
    icol = Risk.residual_impact if residual else Risk.inherent_impact
    with db.read() as s:
        if f.status and f == RiskFilter(status=f.status, today=f.today):  # by status alone: the tally has it
            counted = tally.heat_map(s, residual, ACTIVE_STATUSES if f.status == "active" else (f.status,))
            if counted is not None:
                return counted
        m = Matrix.from_dict(settings_row(s).matrix)
        # Grouped by status too: the groups then come in the order of the index
        # (status, likelihood, impact), read alone, without a sort.
        q = select(Risk.status, lcol, icol, func.count()).where(*_where(s, m, f)).group_by(Risk.status, lcol, icol)
        out: dict[tuple[int, int], int] = {}
        for _st, l_, i_, n in s.exec(q):
            out[(int(l_), int(i_))] = out.get((int(l_), int(i_)), 0) + int(n)
        # Risks awaiting assessment sit in no cell: their scores are placeholders.
        # Counted apart (index ix_risk_awaiting: as many rows as there are such risks).
        aq = select(lcol, icol, func.count()).where(Risk.awaiting_assessment == True,  # noqa: E712
                                                   *_where(s, m, f)).group_by(lcol, icol)
        for l_, i_, n in s.exec(aq):
            key = (int(l_), int(i_))
            out[key] = out.get(key, 0) - int(n)
            if out[key] <= 0:
                del out[key]
        return out


def level_counts(db: Database, residual: bool = True, f: RiskFilter = RiskFilter(status="active"), *,
                 as_of: datetime | None = None) -> dict[str, int]:
    db = history.at(db, as_of)
    with db.read() as s:
        m = Matrix.from_dict(settings_row(s).matrix)
    counts = {b.name: 0 for b in m.bands}
    for (l_, i_), n in heat_map(db, residual, f).items():
        counts[m.level(l_, i_).name] += n
    return counts


def systems_per_stage(db: Database, *, as_of: datetime | None = None) -> dict[str, int]:
    db = history.at(db, as_of)
    with db.read() as s:
        got = dict(s.exec(select(AISystem.stage, func.count()).group_by(AISystem.stage)).all())
    return {st: int(got.get(st, 0)) for st in STAGES}


def system_refs(db: Database, *, as_of: datetime | None = None) -> list[tuple[str, str]]:
    db = history.at(db, as_of)
    with db.read() as s:
        return [(r, n) for r, n in s.exec(select(AISystem.ref, AISystem.name).order_by(AISystem.ref))]


def owners(db: Database) -> Sequence[str]:
    with db.read() as s:
        return list(s.exec(select(User.login).where(User.active == True).order_by(User.login)))  # noqa: E712
