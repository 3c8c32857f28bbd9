"""Read-only aggregates the screens need that core.queries does not offer yet.

Every function is one short read session and does aggregate (indexed COUNT)
work only: nothing here loads the register.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from sqlalchemy import and_, exists, func, or_
from sqlmodel import select

from ..core import queries
from ..core.db import Database
from ..core.models import Acceptance, AISystem, AuditEvent, Risk, Treatment
from ..core.schedule import today as _today
from ..core.scoring import Matrix
from ..core.services._base import settings_row, to_dict

OPEN_TREATMENT = ("planned", "in_progress")


@dataclass
class Dashboard:
    empty: bool
    organization: str
    matrix: Matrix
    stages: dict[str, int]
    inherent: dict[tuple[int, int], int]
    residual: dict[tuple[int, int], int]
    risks_overdue: int = 0
    risks_due_soon: int = 0
    treatments_overdue: int = 0
    treatments_due_soon: int = 0
    unaccepted: int = 0
    my_risks: int = 0
    my_risks_overdue: int = 0
    my_treatments: int = 0
    my_treatments_overdue: int = 0
    soon_days: int = 14
    extra: dict[str, Any] = field(default_factory=dict)


def _unaccepted_cond(m: Matrix, today: date):
    """Active risks above appetite with no valid acceptance (see acceptances.is_valid)."""
    valid = exists().where(
        Acceptance.risk_id == Risk.id, Acceptance.revoked == False,  # noqa: E712
        or_(Acceptance.expires_on.is_(None), Acceptance.expires_on >= today),
        Acceptance.residual_likelihood * Acceptance.residual_impact >= Risk.residual_score,
    )
    return and_(Risk.status != "closed", Risk.residual_score > m.appetite, ~valid)


def dashboard(db: Database, login: str, today: date | None = None) -> Dashboard:
    today = today or _today()
    stages = queries.systems_per_stage(db)
    inherent: dict = {}  # the heat maps are read separately (heat_maps), so counts paint first
    residual: dict = {}
    with db.read() as s:
        st = settings_row(s)
        m = Matrix.from_dict(st.matrix)
        soon = today + timedelta(days=st.due_soon_days)

        def count(model, *conds) -> int:
            return int(s.exec(select(func.count()).select_from(model).where(*conds)).one())

        live = Risk.status != "closed"
        due = Risk.next_review.is_not(None)
        t_open = Treatment.status.in_(OPEN_TREATMENT)
        t_due = Treatment.due_date.is_not(None)
        d = Dashboard(
            empty=sum(stages.values()) == 0 and count(Risk) == 0,
            organization=st.organization, matrix=m, stages=stages, inherent=inherent, residual=residual,
            soon_days=st.due_soon_days,
        )
        d.risks_overdue = count(Risk, live, due, Risk.next_review < today)
        d.risks_due_soon = count(Risk, live, due, Risk.next_review >= today, Risk.next_review <= soon)
        d.treatments_overdue = count(Treatment, t_open, t_due, Treatment.due_date < today)
        d.treatments_due_soon = count(Treatment, t_open, t_due, Treatment.due_date >= today,
                                      Treatment.due_date <= soon)
        d.unaccepted = count(Risk, _unaccepted_cond(m, today))
        d.my_risks = count(Risk, live, Risk.owner == login)
        d.my_risks_overdue = count(Risk, live, Risk.owner == login, due, Risk.next_review < today)
        d.my_treatments = count(Treatment, t_open, Treatment.owner == login)
        d.my_treatments_overdue = count(Treatment, t_open, Treatment.owner == login, t_due,
                                        Treatment.due_date < today)
    return d


def heat_maps(db: Database, residual: bool, today: date | None = None) -> tuple[Matrix, dict]:
    """One heat map of the active risks, with the matrix to draw it."""
    from ..core.services.settings import get_matrix

    active = queries.RiskFilter(status="active", today=today or _today())
    return get_matrix(db), queries.heat_map(db, residual=residual, f=active)


def unaccepted_refs(db: Database, today: date | None = None, limit: int = 200) -> list[str]:
    today = today or _today()
    with db.read() as s:
        m = Matrix.from_dict(settings_row(s).matrix)
        return list(s.exec(select(Risk.ref).where(_unaccepted_cond(m, today)).order_by(Risk.ref_num).limit(limit)))


def entity_events(db: Database, refs: list[str], limit: int = 200) -> list[dict[str, Any]]:
    """The newest audit events about these records (an AI system and its risks)."""
    with db.read() as s:
        conds = [AuditEvent.entity_ref.in_(refs)] if refs else []
        q = select(AuditEvent).where(*conds).order_by(AuditEvent.id.desc()).limit(limit)
        return [to_dict(e) for e in s.exec(q)]


def system_activity(db: Database, ref: str, limit: int = 200) -> list[dict[str, Any]]:
    """Audit events of an AI system, its risks and their treatments, newest first."""
    with db.read() as s:
        sid = s.exec(select(AISystem.id).where(AISystem.ref == ref)).first()
        risk_refs = list(s.exec(select(Risk.ref).where(Risk.system_id == sid))) if sid else []
        conds = [AuditEvent.entity_ref == ref]
        if risk_refs:
            conds.append(AuditEvent.entity_ref.in_(risk_refs))
            conds.append(and_(AuditEvent.entity == "treatment",
                              or_(*[AuditEvent.entity_ref.like(f"{r}/%") for r in risk_refs[:200]])))
        q = select(AuditEvent).where(or_(*conds)).order_by(AuditEvent.id.desc()).limit(limit)
        return [to_dict(e) for e in s.exec(q)]


def systems(db: Database, stage: str | None = None, search: str = "", tier: str | None = None,
            owner: str | None = None) -> list[dict[str, Any]]:
    """AI systems (the inventory is short: at most 1000 shown) with their open risk counts."""
    with db.read() as s:
        q = select(AISystem).order_by(AISystem.ref)
        if stage:
            q = q.where(AISystem.stage == stage)
        if tier:
            q = q.where(AISystem.eu_ai_act_tier == tier)
        if owner:
            q = q.where(or_(AISystem.business_owner == owner, AISystem.technical_owner == owner))
        for term in queries.search_terms(search):
            like = f"%{term}%"
            q = q.where(or_(func.lower(AISystem.name).like(like), func.lower(AISystem.ref).like(like),
                            func.lower(AISystem.business_owner).like(like),
                            func.lower(AISystem.technical_owner).like(like)))
        q = q.limit(1000)
        counts = dict(s.exec(select(Risk.system_id, func.count()).where(Risk.status != "closed")
                             .group_by(Risk.system_id)).all())
        out = []
        for r in s.exec(q):
            d = to_dict(r)
            d["open_risks"] = int(counts.get(r.id, 0))
            out.append(d)
        return out


def _keyset(s, q, key, idcol, *, after=None, before=None, last=False, limit=20):
    """One window of q ordered by (key, id): after/before a key, or the last window."""
    from sqlalchemy import tuple_

    pair = tuple_(key, idcol)
    if after is not None:
        q = q.where(pair > tuple_(*after))
    if before is not None:
        q = q.where(pair < tuple_(*before))
    backwards = last or before is not None
    q = q.order_by(key.desc(), idcol.desc()) if backwards else q.order_by(key.asc(), idcol.asc())
    rows = list(s.exec(q.limit(limit + 1)))
    has_more = len(rows) > limit
    rows = rows[:limit]
    if backwards:
        rows.reverse()
    return rows, has_more


def treatment_window(db: Database, login: str | None, include_done: bool, *, after=None, before=None,
                     last: bool = False, limit: int = 20):
    """A window of treatments (of one owner, or everyone), soonest due first, keyed (due, id)."""
    due = func.coalesce(Treatment.due_date, queries.FAR_FUTURE)
    with db.read() as s:
        q = select(Treatment, Risk.ref, Risk.title).join(Risk, Risk.id == Treatment.risk_id)
        if login:
            q = q.where(Treatment.owner == login)
        if not include_done:
            q = q.where(Treatment.status.in_(OPEN_TREATMENT))
        rows, has_more = _keyset(s, q, due, Treatment.id, after=after, before=before, last=last, limit=limit)
        out = []
        for t, ref, title in rows:
            d = to_dict(t)
            d["risk_ref"], d["risk_title"] = ref, title
            d["_key"] = (t.due_date or queries.FAR_FUTURE, t.id)
            out.append(d)
        return out, has_more


def treatment_count(db: Database, login: str | None, include_done: bool) -> int:
    with db.read() as s:
        q = select(func.count()).select_from(Treatment)
        if login:
            q = q.where(Treatment.owner == login)
        if not include_done:
            q = q.where(Treatment.status.in_(OPEN_TREATMENT))
        return int(s.exec(q).one())
