"""The read path for screens and the CLI: filtered, sorted, paged, aggregated.

Lists are read a window at a time with keyset paging on (sort key, ref_num), so
a screen never loads the whole register; counts and heat maps are aggregates.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any, Sequence

from sqlalchemy import and_, func, literal, or_, tuple_
from sqlmodel import select

from .db import Database
from .models import STAGES, AISystem, Risk
from .schedule import due_state, today as _today
from .scoring import Matrix
from .services._base import settings_row

FAR_FUTURE = date(9999, 12, 31)


@dataclass(frozen=True)
class RiskFilter:
    system: str | None = None  # AI system ref; "-" for organization-wide risks
    owner: str | None = None
    level: str | None = None  # residual level name
    inherent_level: str | None = None
    status: str | None = None  # a status, or "active" for everything not closed
    category: str | None = None
    overdue: bool = False
    search: str = ""
    inherent_cell: tuple[int, int] | None = None  # (likelihood, impact)
    residual_cell: tuple[int, int] | None = None
    today: date | None = None

    def with_(self, **kw: Any) -> "RiskFilter":
        return replace(self, **kw)


SORTS: dict[str, Any] = {
    "ref": Risk.ref_num,
    "title": Risk.title_fold,
    "owner": Risk.owner,
    "status": Risk.status,
    "category": Risk.category,
    "inherent": Risk.inherent_score,
    "residual": Risk.residual_score,
    "next_review": func.coalesce(Risk.next_review, literal(FAR_FUTURE)),
    "system": func.coalesce(Risk.system_id, 0),
}


@dataclass
class RiskPage:
    rows: list[dict[str, Any]]
    first_key: tuple | None
    last_key: tuple | None
    has_more: bool


def _system_id(s, ref: str) -> int:
    sid = s.exec(select(AISystem.id).where(AISystem.ref == ref)).first()
    return -1 if sid is None else sid


def search_terms(text: str) -> list[str]:
    return [t for t in text.casefold().split() if t]


def _where(s, m: Matrix, f: RiskFilter) -> list:
    conds: list = []
    if f.system:
        conds.append(Risk.system_id.is_(None) if f.system == "-" else Risk.system_id == _system_id(s, f.system))
    if f.owner:
        conds.append(Risk.owner == f.owner)
    if f.level:
        b = m.band(f.level)
        conds.append(Risk.residual_score.between(b.low, b.high))
    if f.inherent_level:
        b = m.band(f.inherent_level)
        conds.append(Risk.inherent_score.between(b.low, b.high))
    if f.status:
        conds.append(Risk.status != "closed" if f.status == "active" else Risk.status == f.status)
    if f.category:
        conds.append(Risk.category == f.category)
    if f.overdue:
        conds.append(and_(Risk.next_review.is_not(None), Risk.next_review < (f.today or _today()),
                          Risk.status != "closed"))
    if f.inherent_cell:
        conds.append(and_(Risk.inherent_likelihood == f.inherent_cell[0], Risk.inherent_impact == f.inherent_cell[1]))
    if f.residual_cell:
        conds.append(and_(Risk.residual_likelihood == f.residual_cell[0], Risk.residual_impact == f.residual_cell[1]))
    for term in search_terms(f.search):
        like = "%" + term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        conds.append(or_(Risk.title_fold.like(like, escape="\\"), Risk.ref.like(like.upper(), escape="\\")))
    return conds


def risk_row(r: Risk, m: Matrix, sys_ref: str | None, today: date, soon: int) -> dict[str, Any]:
    ib = m.level(r.inherent_likelihood, r.inherent_impact)
    rb = m.level(r.residual_likelihood, r.residual_impact)
    return {
        "id": r.id, "ref": r.ref, "ref_num": r.ref_num, "title": r.title, "system_ref": sys_ref,
        "owner": r.owner, "category": r.category, "status": r.status,
        "inherent_likelihood": r.inherent_likelihood, "inherent_impact": r.inherent_impact,
        "inherent_score": ib and r.inherent_likelihood * r.inherent_impact, "inherent_level": ib.name,
        "inherent_colour": ib.colour,
        "residual_likelihood": r.residual_likelihood, "residual_impact": r.residual_impact,
        "residual_score": r.residual_likelihood * r.residual_impact, "residual_level": rb.name,
        "residual_colour": rb.colour, "above_appetite": m.above_appetite(r.residual_likelihood * r.residual_impact),
        "next_review": r.next_review,
        "review_state": "none" if r.status == "closed" else due_state(r.next_review, today, soon),
        "version": r.version,
    }


def _sort_value(r: Risk, sort: str, sys_id_fallback: int = 0) -> Any:
    if sort == "ref":
        return r.ref_num
    if sort == "title":
        return r.title_fold
    if sort == "next_review":
        return r.next_review or FAR_FUTURE
    if sort == "system":
        return r.system_id or sys_id_fallback
    if sort == "inherent":
        return r.inherent_likelihood * r.inherent_impact
    if sort == "residual":
        return r.residual_likelihood * r.residual_impact
    return getattr(r, sort)


def risk_page(db: Database, f: RiskFilter = RiskFilter(), *, sort: str = "ref", descending: bool = False,
              after: tuple | None = None, before: tuple | None = None, limit: int = 100) -> RiskPage:
    """One window of the register in order. ``after``/``before`` are keys
    (sort value, ref_num) of the row just outside the window."""
    if sort not in SORTS:
        raise ValueError(f"cannot sort by {sort}")
    key = SORTS[sort]
    with db.read() as s:
        st = settings_row(s)
        m = Matrix.from_dict(st.matrix)
        today = f.today or _today()
        q = select(Risk).where(*_where(s, m, f))
        backwards = before is not None
        asc = not descending
        if after is not None:
            cmp = tuple_(key, Risk.ref_num) > tuple_(*after) if asc else tuple_(key, Risk.ref_num) < tuple_(*after)
            q = q.where(cmp)
        if before is not None:
            cmp = tuple_(key, Risk.ref_num) < tuple_(*before) if asc else tuple_(key, Risk.ref_num) > tuple_(*before)
            q = q.where(cmp)
        forward_asc = asc != backwards
        order = (key.asc(), Risk.ref_num.asc()) if forward_asc else (key.desc(), Risk.ref_num.desc())
        rows = list(s.exec(q.order_by(*order).limit(limit + 1)))
        has_more = len(rows) > limit
        rows = rows[:limit]
        if backwards:
            rows.reverse()
        ids = {r.system_id for r in rows if r.system_id}
        refs = dict(s.exec(select(AISystem.id, AISystem.ref).where(AISystem.id.in_(ids))).all()) if ids else {}
        out = [risk_row(r, m, refs.get(r.system_id), today, st.due_soon_days) for r in rows]
        keys = [(_sort_value(r, sort), r.ref_num) for r in rows]
        return RiskPage(out, keys[0] if keys else None, keys[-1] if keys else None, has_more)


def risk_count(db: Database, f: RiskFilter = RiskFilter()) -> int:
    with db.read() as s:
        m = Matrix.from_dict(settings_row(s).matrix)
        return int(s.exec(select(func.count()).select_from(Risk).where(*_where(s, m, f))).one())


def all_risks(db: Database, f: RiskFilter = RiskFilter(), sort: str = "ref", batch: int = 1000):
    """Every matching risk in order, read in batches (for exports and the CLI)."""
    after = None
    while True:
        page = risk_page(db, f, sort=sort, after=after, limit=batch)
        yield from page.rows
        if not page.has_more:
            return
        after = page.last_key


def heat_map(db: Database, residual: bool = True, f: RiskFilter = RiskFilter(status="active")) -> dict[tuple[int, int], int]:
    """Counts per (likelihood, impact) cell, by one aggregate query."""
    lcol = Risk.residual_likelihood if residual else Risk.inherent_likelihood
    icol = Risk.residual_impact if residual else Risk.inherent_impact
    with db.read() as s:
        m = Matrix.from_dict(settings_row(s).matrix)
        q = select(lcol, icol, func.count()).where(*_where(s, m, f)).group_by(lcol, icol)
        return {(int(l_), int(i_)): int(n) for l_, i_, n in s.exec(q)}


def level_counts(db: Database, residual: bool = True, f: RiskFilter = RiskFilter(status="active")) -> dict[str, int]:
    with db.read() as s:
        m = Matrix.from_dict(settings_row(s).matrix)
    counts = {b.name: 0 for b in m.bands}
    for (l_, i_), n in heat_map(db, residual, f).items():
        counts[m.level(l_, i_).name] += n
    return counts


def systems_per_stage(db: Database) -> dict[str, int]:
    with db.read() as s:
        got = dict(s.exec(select(AISystem.stage, func.count()).group_by(AISystem.stage)).all())
    return {st: int(got.get(st, 0)) for st in STAGES}


def system_refs(db: Database) -> list[tuple[str, str]]:
    with db.read() as s:
        return [(r, n) for r, n in s.exec(select(AISystem.ref, AISystem.name).order_by(AISystem.ref))]


def owners(db: Database) -> Sequence[str]:
    from .models import User
    with db.read() as s:
        return list(s.exec(select(User.login).where(User.active == True).order_by(User.login)))  # noqa: E712
