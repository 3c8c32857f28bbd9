"""AI systems: inventory and life cycle (stage transitions with their gates)."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import func
from sqlmodel import Session, select

from .. import audit, fields, lifecycle
from ..db import Database
from ..errors import GateFailed, ValidationError
from ..identity import APPROVE, EDIT, require
from ..models import (
    STAGES,
    AISystem,
    ImpactAssessment,
    Review,
    Risk,
    StageEvent,
    Treatment,
)
from ..checks import unaccepted_above_appetite
from ..records import get_by_ref, matrix_of, settings_row, to_dict
from ..rules import live_risk, open_treatment
from ..schedule import next_review, today as _today
from ._base import apply, clean, fetch_ref_for_change, next_ref, record_change, check_version

SPECS = fields.SYSTEM  # the rules forms ask too (core.fields)


def get_system_row(s: Session, ref: str) -> AISystem:
    return get_by_ref(s, AISystem, ref, "AI system")


def get_system(db: Database, ref: str) -> dict[str, Any]:
    with db.read() as s:
        return to_dict(get_system_row(s, ref))


def list_systems(db: Database, stage: str | None = None) -> list[dict[str, Any]]:
    with db.read() as s:
        q = select(AISystem).order_by(AISystem.ref)
        if stage:
            q = q.where(AISystem.stage == stage)
        return [to_dict(r) for r in s.exec(q)]


def _register(s: Session, actor: str, data: dict[str, Any], *, today: date | None = None,
                    note: str = "registered") -> AISystem:
    """Register one AI system in design, with its stage event and audit event, inside the
    caller's write transaction (the caller checks the role). The one place a system is born:
    ``create_system`` and the spreadsheet import (a system named by the file) both call it."""
    values = clean(SPECS, data, partial=False)
    values["personal_data"] = bool(values.get("personal_data"))
    for k in ("ai_role", "eu_ai_act_tier"):
        values.setdefault(k, SPECS[k].choices[-1] if k == "eu_ai_act_tier" else "deployer")
    now = audit.utcnow()  # the time of its audit event (the history finds what was made after a moment by it)
    row = AISystem(ref=next_ref(s, AISystem, "AIS", 3), stage="design", created_at=now, updated_at=now, **values)
    if row.next_review is None:
        row.next_review = next_review(today or _today(), row.review_cadence, "Medium", settings_row(s).cadences)
    s.add(row)
    s.flush()
    s.add(StageEvent(system_id=row.id, from_stage=None, to_stage="design", actor=actor, at=audit.utcnow(), note=note))
    audit.record(s, actor, "ai_system", row.ref, "create",
                 {k: [None, audit.plain(v)] for k, v in to_dict(row).items()
                  if k not in ("id", "version", "created_at", "updated_at")})
    return row


def create_system(db: Database, actor: str, data: dict[str, Any], *, today: date | None = None) -> dict:
    def tx(s: Session) -> dict:
        require(s, actor, EDIT, "adding an AI system")
        return to_dict(_register(s, actor, data, today=today))

    return db.transact(tx)


def update_system(db: Database, actor: str, ref: str, changes: dict[str, Any],
                  expect_version: int | None = None) -> dict:
    def tx(s: Session) -> dict:
        require(s, actor, EDIT, "editing an AI system")
        values = clean(SPECS, changes, partial=True)
        row = fetch_ref_for_change(s, AISystem, ref, expect_version, "AI system")
        record_change(s, actor, row, "ai_system", ref, "update", apply(row, values), stamp=True)
        return to_dict(row)

    return db.transact(tx)


def gate_facts(s: Session, row: AISystem, today: date | None = None) -> lifecycle.SystemFacts:
    today = today or _today()
    unaccepted = s.exec(select(func.count()).select_from(Risk).where(
        Risk.system_id == row.id, *unaccepted_above_appetite(matrix_of(s), today))).one()
    n_risks = s.exec(select(func.count()).select_from(Risk).where(Risk.system_id == row.id)).one()
    approved = s.exec(select(ImpactAssessment.id).where(
        ImpactAssessment.system_id == row.id, ImpactAssessment.status == "approved")).first() is not None
    vv = s.exec(select(func.count()).select_from(Review).where(
        Review.subject_type == "system", Review.subject_id == row.id,
        Review.kind == "verification_validation")).one()
    open_t = s.exec(select(func.count()).select_from(Treatment).join(Risk, Treatment.risk_id == Risk.id).where(
        Risk.system_id == row.id, open_treatment(Treatment.status))).one()
    return lifecycle.SystemFacts(
        risk_count=int(n_risks), approved_impact_assessment=approved, vv_review_count=int(vv),
        open_treatments=int(open_t), technical_owner=row.technical_owner,
        unaccepted_above_appetite=int(unaccepted),
    )


def check_transition(db: Database, ref: str, to_stage: str) -> list[dict[str, str]]:
    """The gates a move would fail (empty: the move may proceed)."""
    with db.read() as s:
        row = get_system_row(s, ref)
        if not lifecycle.allowed(row.stage, to_stage):
            raise ValidationError("to_stage", _not_allowed(row.stage, to_stage))
        facts = gate_facts(s, row)
        return [{"id": g.id, "description": g.description, "how": g.message(ref)}
                for g in lifecycle.failing_gates(to_stage, facts)]


def _not_allowed(frm: str, to: str) -> str:
    nxt = ", ".join(lifecycle.next_stages(frm)) or "nothing (retired is final)"
    return f"cannot move from {frm} to {to}; from {frm} the next stages are: {nxt}"


def transition(db: Database, actor: str, ref: str, to_stage: str, *, note: str = "",
               override_justification: str = "", expect_version: int | None = None,
               today: date | None = None) -> dict:
    """Move an AI system to another stage.

    Failing gates refuse the move, unless an admin or approver gives a written
    justification, which is kept on the stage event. The move is a significant
    change: the system's risks and impact assessments become due for review.
    """

    def tx(s: Session) -> dict:
        require(s, actor, EDIT, "moving an AI system to another stage")
        if to_stage not in STAGES:
            raise ValidationError("to_stage", f"'{to_stage}' is not one of {', '.join(STAGES)}")
        row = fetch_ref_for_change(s, AISystem, ref, expect_version, "AI system")
        if not lifecycle.allowed(row.stage, to_stage):
            raise ValidationError("to_stage", _not_allowed(row.stage, to_stage))
        d = today or _today()
        failing = lifecycle.failing_gates(to_stage, gate_facts(s, row, d))
        justification = (override_justification or "").strip()
        if failing:
            if not justification:
                raise GateFailed(to_stage, [(g.id, g.message(ref)) for g in failing])
            require(s, actor, APPROVE, "overriding a stage gate")
            if len(justification) < 10:
                raise ValidationError("justification", "explain the override in at least 10 characters")
        frm = row.stage
        row.stage = to_stage
        row.updated_at = audit.utcnow()
        s.add(row)
        ev = StageEvent(system_id=row.id, from_stage=frm, to_stage=to_stage, actor=actor, at=audit.utcnow(),
                        note=(note or "").strip(), overridden_gates=[g.id for g in failing],
                        justification=justification if failing else "")
        s.add(ev)
        # Significant change (8.2-8.4): the system's risks and assessments are due now.
        due_now = 0
        brought: dict[str, Any] = {}  # ref -> next review before (the history undoes it from here)
        if to_stage != "retired":
            for r in s.exec(select(Risk).where(Risk.system_id == row.id, live_risk())):
                if r.next_review is None or r.next_review > d:
                    brought[r.ref] = audit.plain(r.next_review)
                    r.next_review = d
                    s.add(r)
                    due_now += 1
            for ia in s.exec(select(ImpactAssessment).where(ImpactAssessment.system_id == row.id)):
                if ia.next_review is None or ia.next_review > d:
                    ia.next_review = d
                    s.add(ia)
        s.flush()
        audit.record(s, actor, "ai_system", ref, "transition", {
            "stage": [frm, to_stage],
            **({"overridden_gates": [None, [g.id for g in failing]],
                "justification": [None, justification]} if failing else {}),
            **({"note": [None, note]} if note else {}),
            **({"risks_due_for_review": [None, due_now]} if due_now else {}),
            **({"risks_brought_forward": [brought, d.isoformat()]} if brought else {}),
        })
        out = to_dict(row)
        out["overridden_gates"] = [g.id for g in failing]
        return out

    return db.transact(tx)


def stage_history(db: Database, ref: str) -> list[dict[str, Any]]:
    with db.read() as s:
        row = get_system_row(s, ref)
        evs = s.exec(select(StageEvent).where(StageEvent.system_id == row.id).order_by(StageEvent.id)).all()
        return [to_dict(e) for e in evs]


def undo_transition(db: Database, actor: str, ref: str, *, expect_version: int | None = None) -> dict:
    """Take back the last stage move of an AI system (ctrl+z after a move).

    The system goes back to the stage it came from, even where the life cycle has
    no such move (monitoring back to deployment): it is the same move taken back,
    not a new one, so no gate applies. It is recorded as a stage event and audited
    as a transition marked ``undo``. Review dates the move brought forward stay
    (a review that became due is not taken back).
    """

    def tx(s: Session) -> dict:
        require(s, actor, EDIT, "undoing a stage move")
        row = get_system_row(s, ref)
        check_version(row, expect_version, "AI system", ref)
        last = s.exec(select(StageEvent).where(StageEvent.system_id == row.id)
                      .order_by(StageEvent.id.desc())).first()
        if last is None or last.from_stage is None or last.to_stage != row.stage:
            raise ValidationError("stage", f"{ref} has no stage move to take back")
        frm, to = row.stage, last.from_stage
        row.stage = to
        row.updated_at = audit.utcnow()
        s.add(row)
        s.add(StageEvent(system_id=row.id, from_stage=frm, to_stage=to, actor=actor, at=audit.utcnow(),
                         note=f"undo of the move {to} -> {frm}"))
        s.flush()
        audit.record(s, actor, "ai_system", ref, "transition", {"stage": [frm, to], "undo": [None, True]})
        return to_dict(row)

    return db.transact(tx)
