"""Read-only aggregates the screens need that core.queries does not offer yet.

Every function is one short read session and does aggregate (indexed COUNT)
work only: nothing here loads the register.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from sqlalchemy import func
from sqlmodel import select

from ..core import queries
from ..core.checks import unaccepted_above_appetite
from ..core.db import Database
from ..core.models import WITHDRAWN, Risk, Treatment
from ..core.schedule import today as _today
from ..core.scoring import Matrix
from ..core.services._base import settings_row

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

        live = Risk.status.not_in(("closed", WITHDRAWN))
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
        d.unaccepted = count(Risk, *unaccepted_above_appetite(m, today))
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
        return list(s.exec(select(Risk.ref).where(*unaccepted_above_appetite(m, today)).order_by(Risk.ref_num).limit(limit)))


# The AI systems list, the treatments and the audit trail are read a window at a
# time by aims_tui.core.windows (see tui/sources.py).
