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
``supplier_not_assessed``
    an active supplier (A.10.3) never assessed, or past its next assessment.
``nonconformity_overdue``
    a nonconformity not closed whose due date has passed (10.2).
``corrective_action_effectiveness_not_reviewed``
    a corrective action done whose effectiveness review is past its date (or
    has none) and was not recorded (10.2).
``no_approved_ai_policy``
    no AI policy in force (5.2): no document of type ai_policy that is approved
    and not past its review date (:func:`aims_tui.core.documents.current_ai_policy`).
``scope_not_set``
    the scope of the AIMS (4.3, ``settings.scope``) is empty.
``excluded_control_still_linked``
    a control the SoA marks not applicable that a live risk still links to, or
    that a treatment of a live risk (not cancelled) names.
``decided_control_without_justification``
    an SoA entry decided (applicable yes or no) with no justification: inclusion
    needs its reason as much as exclusion (entries decided before that rule).
``treatment_plan_not_approved``
    a live risk above appetite whose treatment plan no approver has approved, or
    that changed since it was approved.
``objective_not_measured``
    an active objective whose next measurement was due before today: its latest
    measurement is older than its cadence, or it has none by its next
    measurement date (:func:`aims_tui.core.objectives.not_measured`).
``training_expired``
    completed training or awareness past its expiry, of a person not
    deactivated, and not renewed (:func:`aims_tui.core.support.expired_training`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import exists, func
from sqlmodel import Session, col, select

from . import objectives, reminders, support, tally
from .documents import ai_policies, current_ai_policy
from .db import Database
from .models import (WITHDRAWN, AISystem, Applicability, Control, CorrectiveAction, ImpactAssessment, Nonconformity,
                     Risk, RiskControl, Supplier)
from .schedule import today as _today
from .scoring import Matrix
from .suppliers import not_assessed
from .records import settings_row
from .rules import live_risk, overdue, valid_current_acceptance
from .planning import excluded_control_linked, plan_unapproved_conditions

SCHEMA = "aims.check/1"
GATES = {
    "unaccepted_above_appetite": "residual risk above appetite with no valid acceptance",
    "system_without_approved_impact_assessment": "AI system past design with no approved impact assessment",
    "overdue_beyond_grace": "overdue by more than the grace period",
    "applicable_control_without_owner": "applicable control with no owner",
    "risk_awaiting_assessment": "risk imported without scores, awaiting assessment",
    "supplier_not_assessed": "active supplier never assessed or past its next assessment",
    "nonconformity_overdue": "nonconformity not closed by its due date",
    "corrective_action_effectiveness_not_reviewed": "corrective action done, effectiveness review overdue",
    "no_approved_ai_policy": "no AI policy approved and within its review date",
    "scope_not_set": "the scope of the AIMS is not set",
    "excluded_control_still_linked": "control marked not applicable but linked to live risks or treatments",
    "decided_control_without_justification": "SoA entry decided with no justification",
    "treatment_plan_not_approved": "risk above appetite whose treatment plan is unapproved or changed since",
    "objective_not_measured": "active objective not measured within its cadence",
    "training_expired": "training or awareness of an active person has expired",
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


def _suppliers_not_assessed(s: Session, today: date, sample: int) -> GateResult:
    g = GateResult("supplier_not_assessed", GATES["supplier_not_assessed"])
    conds = not_assessed(today)
    g.count = int(s.exec(select(func.count()).select_from(Supplier).where(*conds)).one())
    if g.count:
        q = select(Supplier).where(*conds).order_by(Supplier.ref).limit(sample)
        g.items = [{"ref": r.ref, "title": reminders._one_line(r.name), "owner": r.owner,
                    "assessed_on": r.assessed_on.isoformat() if r.assessed_on else None,
                    "next_assessment": r.next_assessment.isoformat() if r.next_assessment else None}
                   for r in s.exec(q)]
    return g


def _nc_overdue(s: Session, today: date, sample: int) -> GateResult:
    g = GateResult("nonconformity_overdue", GATES["nonconformity_overdue"])
    conds = [Nonconformity.status.not_in(("closed", WITHDRAWN)), overdue(Nonconformity.due_date, today)]
    g.count = int(s.exec(select(func.count()).select_from(Nonconformity).where(*conds)).one())
    if g.count:
        q = (select(Nonconformity.ref, Nonconformity.title, Nonconformity.owner, col(Nonconformity.due_date))
             .where(*conds).order_by(Nonconformity.due_date, Nonconformity.ref).limit(sample))
        g.items = [{"ref": r, "title": reminders._one_line(t), "owner": o, "due": d.isoformat(),
                    "days_overdue": (today - d).days} for r, t, o, d in s.exec(q)]
    return g


def _effectiveness_not_reviewed(s: Session, today: date, sample: int) -> GateResult:
    g = GateResult("corrective_action_effectiveness_not_reviewed",
                   GATES["corrective_action_effectiveness_not_reviewed"])
    due = col(CorrectiveAction.effectiveness_review_due)
    conds = [CorrectiveAction.status == "done", CorrectiveAction.effectiveness_reviewed_on.is_(None),
             due.is_(None) | overdue(due, today)]
    g.count = int(s.exec(select(func.count()).select_from(CorrectiveAction).where(*conds)).one())
    if g.count:
        q = (select(CorrectiveAction.ref, CorrectiveAction.action, CorrectiveAction.owner, due)
             .where(*conds).order_by(due, CorrectiveAction.ref).limit(sample))
        g.items = [{"ref": r, "title": reminders._one_line(t), "owner": o, "due": d.isoformat() if d else None}
                   for r, t, o, d in s.exec(q)]
    return g


def _no_ai_policy(s: Session, today: date, sample: int) -> GateResult:
    g = GateResult("no_approved_ai_policy", GATES["no_approved_ai_policy"])
    if current_ai_policy(s, today) is not None:
        return g
    g.count = 1
    found = [d for d in ai_policies(s) if d.status != "retired"][:sample]
    g.items = [{"ref": d.ref, "title": reminders._one_line(
        f"{d.title} ({'approved, review was due ' + d.next_review.isoformat() if d.status == 'approved' and d.next_review else d.status})"),
        "owner": d.owner} for d in found] or [
        {"ref": "-", "title": "no ai_policy document: aims documents add --set doc_type=ai_policy ..."}]
    return g


def _no_scope(st: Any) -> GateResult:
    g = GateResult("scope_not_set", GATES["scope_not_set"])
    if not (st.scope or "").strip():
        g.count = 1
        g.items = [{"ref": "-", "title": "aims context scope set --text ... (an admin)"}]
    return g


def _excluded_linked(s: Session, sample: int) -> GateResult:
    g = GateResult("excluded_control_still_linked", GATES["excluded_control_still_linked"])
    conds = [Applicability.applicable == False, excluded_control_linked()]  # noqa: E712
    base = select(Control.code, Control.title).join(Applicability, Applicability.control_id == Control.id)
    g.count = int(s.exec(select(func.count()).select_from(base.where(*conds).subquery())).one())
    if g.count:
        for code, title in s.exec(base.where(*conds).order_by(Control.sort_key).limit(sample)):
            risks = s.exec(select(Risk.ref).join(RiskControl, RiskControl.risk_id == Risk.id)
                           .join(Control, Control.id == RiskControl.control_id)
                           .where(Control.code == code, live_risk()).order_by(Risk.ref_num)).all()
            g.items.append({"ref": code, "title": reminders._one_line(title), "risks": list(risks)})
    return g


def _unjustified(s: Session, sample: int) -> GateResult:
    g = GateResult("decided_control_without_justification", GATES["decided_control_without_justification"])
    conds = [Applicability.applicable.is_not(None), func.trim(Applicability.justification) == ""]
    g.count = int(s.exec(select(func.count()).select_from(Applicability).where(*conds)).one())
    if g.count:
        q = (select(Control.code, Control.title, Applicability.applicable)
             .join(Applicability, Applicability.control_id == Control.id)
             .where(*conds).order_by(Control.sort_key).limit(sample))
        g.items = [{"ref": c, "title": reminders._one_line(t), "applicable": a} for c, t, a in s.exec(q)]
    return g


def _plans(s: Session, m: Matrix, sample: int) -> GateResult:
    g = GateResult("treatment_plan_not_approved", GATES["treatment_plan_not_approved"])
    conds = plan_unapproved_conditions(m)
    g.count = int(s.exec(select(func.count()).select_from(Risk).where(*conds)).one())
    if g.count:
        q = (select(Risk.ref, Risk.title, Risk.owner, col(Risk.plan_changed_at)).where(*conds)
             .order_by(Risk.residual_score.desc(), Risk.ref_num).limit(sample))
        g.items = [{"ref": r, "title": reminders._one_line(t), "owner": o,
                    "plan": "changed since approval" if ch is not None else "not approved"}
                   for r, t, o, ch in s.exec(q)]
    return g


def _listed(gate: str, items: list[dict[str, Any]], sample: int) -> GateResult:
    g = GateResult(gate, GATES[gate], count=len(items))
    g.items = items[:sample]
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
        gates.append(_suppliers_not_assessed(s, d, sample))
        gates += [_nc_overdue(s, d, sample), _effectiveness_not_reviewed(s, d, sample)]
        gates.append(_no_ai_policy(s, d, sample))
        gates.append(_no_scope(st))
        gates.append(_excluded_linked(s, sample))
        gates.append(_unjustified(s, sample))
        gates.append(_plans(s, m, sample))
        gates.append(_listed("objective_not_measured", objectives.not_measured(s, d), sample))
        gates.append(_listed("training_expired", support.expired_training(s, d), sample))
    r = reminders.due_items(db, today=d, overdue_only=True, older_than=grace, limit=sample)
    late.count = r.overdue
    late.items = [{"ref": i.ref, "kind": i.kind, "title": i.title, "owner": i.owner, "due": i.due.isoformat(),
                   "days_overdue": i.days_overdue} for i in sorted(r.items, key=reminders._order)]
    return CheckReport(as_of=d, appetite=m.appetite, grace_days=grace, gates=gates)
