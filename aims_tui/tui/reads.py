"""Read-only aggregates for the dashboard.

Every function is one short read session and does aggregate (indexed COUNT)
work only: nothing here loads the register. "Overdue", "due soon", a live risk
and an open treatment are the conditions of core.rules, the same ones the
reminders, the register filter and ``aims check`` use.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import func
from sqlmodel import select

from ..core import queries, tally
from ..core.checks import unaccepted_above_appetite
from ..core.db import Database
from ..core.models import Risk, Treatment
from ..core.schedule import today as _today
from ..core.scoring import Matrix
from ..core.records import matrix_of, settings_row
from ..core.rules import due_soon, live_risk, open_treatment, overdue
from .dash_data import Dashboard

__all__ = ["Dashboard", "dashboard", "heat_maps", "unaccepted_refs"]


def dashboard(db: Database, login: str, today: date | None = None) -> Dashboard:
    today = today or _today()
    stages = queries.systems_per_stage(db)
    inherent: dict = {}  # the heat maps are read separately (heat_maps), so counts paint first
    residual: dict = {}
    with db.read() as s:
        st = settings_row(s)
        m = Matrix.from_dict(st.matrix)
        soon = st.due_soon_days

        def count(model, *conds) -> int:
            return int(s.exec(select(func.count()).select_from(model).where(*conds)).one())

        live = live_risk()
        t_open = open_treatment(Treatment.status)
        kept = tally.present(s)  # the risk counts from the tallies (core/tally.py), else counted here

        def risks(*conds, **by) -> int:
            n = tally.live_due(s, **by) if kept else None
            return n if n is not None else count(Risk, live, *conds)

        d = Dashboard(
            empty=sum(stages.values()) == 0 and (tally.risk_count(s) if kept else count(Risk)) == 0,
            organization=st.organization, matrix=m, stages=stages, inherent=inherent, residual=residual,
            soon_days=st.due_soon_days,
        )
        start, end = tally.due_soon_window(today, soon)
        d.risks_overdue = risks(overdue(Risk.next_review, today), before=today)
        d.risks_due_soon = risks(due_soon(Risk.next_review, today, soon), start=start, end=end)
        d.treatments_overdue = count(Treatment, t_open, overdue(Treatment.due_date, today))
        d.treatments_due_soon = count(Treatment, t_open, due_soon(Treatment.due_date, today, soon))
        n = tally.unaccepted(s, m.appetite, today) if kept else None
        d.unaccepted = n if n is not None else count(Risk, *unaccepted_above_appetite(m, today))
        d.my_risks = risks(Risk.owner == login, owner=login)
        d.my_risks_overdue = risks(Risk.owner == login, overdue(Risk.next_review, today), owner=login, before=today)
        d.my_treatments = count(Treatment, t_open, Treatment.owner == login)
        d.my_treatments_overdue = count(Treatment, t_open, Treatment.owner == login,
                                        overdue(Treatment.due_date, today))
    return d


def heat_maps(db: Database, residual: bool, today: date | None = None) -> tuple[Matrix, dict]:
    """One heat map of the active risks, with the matrix to draw it."""
    active = queries.RiskFilter(status="active", today=today or _today())
    with db.read() as s:
        m = matrix_of(s)
    return m, queries.heat_map(db, residual=residual, f=active)


def unaccepted_refs(db: Database, today: date | None = None, limit: int = 200) -> list[str]:
    today = today or _today()
    with db.read() as s:
        m = matrix_of(s)
        return list(s.exec(select(Risk.ref).where(*unaccepted_above_appetite(m, today)).order_by(Risk.ref_num).limit(limit)))


# The AI systems list, the treatments and the audit trail are read a window at a
# time by aims_tui.core.windows (see tui/sources.py).
