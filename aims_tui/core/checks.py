"""Policy gates for automation (``aims check``): each gate counts its violations
by one SQL aggregate and lists a bounded sample of them.

Gates:

``unaccepted_above_appetite``
    an open risk whose residual score is above the appetite and whose current
    acceptance (the latest one not revoked) is missing or not valid - the rule of
    :func:`aims_tui.core.rules.acceptance_state`, in its SQL form: not expired,
    and the residual score no worse than the score that was accepted.
``system_without_approved_impact_assessment``
    an AI system past design (and not retired) with no approved impact assessment.
``overdue_beyond_grace``
    anything of :mod:`aims_tui.core.reminders` overdue by more than
    ``settings.overdue_grace_days`` days.
``applicable_control_without_owner``
    a Statement of Applicability entry marked applicable with no owner.
``risk_awaiting_assessment``
    an active risk brought in without scores (an imported catalogue), until
    someone scores it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import exists, func
from sqlmodel import Session, select

from . import reminders, tally
from .db import Database
from .models import WITHDRAWN, AISystem, Applicability, Control, ImpactAssessment, Risk
from .schedule import today as _today
from .scoring import Matrix
from .records import settings_row
from .rules import live_risk, valid_current_acceptance

SCHEMA = "aims.check/1"
GATES = {
    "unaccepted_above_appetite": "residual risk above appetite with no valid acceptance",
    "system_without_approved_impact_assessment": "AI system past design with no approved impact assessment",
    "overdue_beyond_grace": "overdue by more than the grace period",
    "applicable_control_without_owner": "applicable control with no owner",
    "risk_awaiting_assessment": "risk imported without scores, awaiting assessment",
}
SAMPLE = 50


@dataclass
class GateResult:
    id: str
    description: str
    count: int = 0
    items: list[dict[str, Any]] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return self.count == 0

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "description": self.description, "passed": self.passed, "count": self.count,
                "more": max(0, self.count - len(self.items)), "items": self.items}


@dataclass
class CheckReport:
    as_of: date
    appetite: int
    grace_days: int
    gates: list[GateResult]

    @property
    def passed(self) -> bool:
        return all(g.passed for g in self.gates)

    @property
    def violations(self) -> int:
        return sum(g.count for g in self.gates)

    def to_dict(self) -> dict[str, Any]:
        return {"schema": SCHEMA, "as_of": self.as_of.isoformat(), "passed": self.passed,
                "violations": self.violations, "appetite": self.appetite, "grace_days": self.grace_days,
                "gates": [g.to_dict() for g in self.gates]}


def unaccepted_above_appetite(m: Matrix, today: date) -> list:
    """SQL conditions: an active risk above appetite whose current acceptance is
    not valid. The one definition the check, the dashboard and the pack share."""
    return [Risk.residual_score > m.appetite, live_risk(), ~valid_current_acceptance(today)]


def _unaccepted(s: Session, m: Matrix, today: date, sample: int) -> GateResult:
    g = GateResult("unaccepted_above_appetite", GATES["unaccepted_above_appetite"])
    conds = unaccepted_above_appetite(m, today)
    counted = tally.unaccepted(s, m.appetite, today)  # kept by triggers (core/tally.py); None: count here
    g.count = counted if counted is not None else int(s.exec(select(func.count()).select_from(Risk).where(*conds)).one())
    if g.count:
        q = (select(Risk.ref, Risk.title, Risk.owner, Risk.residual_score).where(*conds)
             .order_by(Risk.residual_score.desc(), Risk.ref_num).limit(sample))
        g.items = [{"ref": ref, "title": reminders._one_line(t), "owner": o, "residual_score": sc,
                    "residual_level": m.band_for_score(sc).name} for ref, t, o, sc in s.exec(q)]
    return g


def _no_impact_assessment(s: Session, sample: int) -> GateResult:
    g = GateResult("system_without_approved_impact_assessment", GATES["system_without_approved_impact_assessment"])
    approved = exists().where(ImpactAssessment.system_id == AISystem.id, ImpactAssessment.status == "approved")
    conds = [AISystem.stage.not_in(("design", "retired", WITHDRAWN)), ~approved]
    g.count = int(s.exec(select(func.count()).select_from(AISystem).where(*conds)).one())
    if g.count:
        q = select(AISystem.ref, AISystem.name, AISystem.stage, AISystem.business_owner).where(*conds) \
            .order_by(AISystem.ref).limit(sample)
        g.items = [{"ref": r, "title": reminders._one_line(n), "stage": st, "owner": o} for r, n, st, o in s.exec(q)]
    return g


def _unowned_controls(s: Session, sample: int) -> GateResult:
    g = GateResult("applicable_control_without_owner", GATES["applicable_control_without_owner"])
    conds = [Applicability.applicable == True, Applicability.owner == ""]  # noqa: E712
    g.count = int(s.exec(select(func.count()).select_from(Applicability).where(*conds)).one())
    if g.count:
        q = (select(Control.code, Control.title).join(Applicability, Applicability.control_id == Control.id)
             .where(*conds).order_by(Control.sort_key).limit(sample))
        g.items = [{"ref": c, "title": reminders._one_line(t)} for c, t in s.exec(q)]
    return g


def _awaiting(s: Session, sample: int) -> GateResult:
    g = GateResult("risk_awaiting_assessment", GATES["risk_awaiting_assessment"])
    conds = [Risk.awaiting_assessment == True, live_risk()]  # noqa: E712
    g.count = int(s.exec(select(func.count()).select_from(Risk).where(*conds)).one())
    if g.count:
        q = select(Risk.ref, Risk.title, Risk.owner).where(*conds).order_by(Risk.ref_num).limit(sample)
        g.items = [{"ref": r, "title": reminders._one_line(t), "owner": o} for r, t, o in s.exec(q)]
    return g


def run_checks(db: Database, *, today: date | None = None, sample: int = SAMPLE) -> CheckReport:
    d = today or _today()
    with db.read() as s:
        st = settings_row(s)
        m = Matrix.from_dict(st.matrix)
        grace = int(st.overdue_grace_days)
        gates = [_unaccepted(s, m, d, sample), _no_impact_assessment(s, sample)]
        late = GateResult("overdue_beyond_grace", GATES["overdue_beyond_grace"])
        gates.append(late)
        gates.append(_unowned_controls(s, sample))
        gates.append(_awaiting(s, sample))
    r = reminders.due_items(db, today=d, overdue_only=True, older_than=grace, limit=sample)
    late.count = r.overdue
    late.items = [{"ref": i.ref, "kind": i.kind, "title": i.title, "owner": i.owner, "due": i.due.isoformat(),
                   "days_overdue": i.days_overdue} for i in sorted(r.items, key=reminders._order)]
    return CheckReport(as_of=d, appetite=m.appetite, grace_days=grace, gates=gates)
