"""Risk treatment plans (6.1.3): actions with owners and due dates."""

from __future__ import annotations

from typing import Any

from sqlmodel import Session, select

from .. import audit, fields
from ..db import Database
from ..errors import NotFound, ValidationError
from ..identity import APPROVE, EDIT, require
from ..fields import F
from ..models import TREATMENT_EFFECTIVENESS, WITHDRAWN, Control, Risk, Treatment
from ..records import to_dict
from ._base import apply, check_version, clean, created, fetch_for_change, record_change, stamp_completion
from .risks import get_risk_row

SPECS = fields.TREATMENT  # the rules forms ask too (core.fields)
EFFECTIVENESS_SPECS = {
    "effectiveness": F("choice", choices=TREATMENT_EFFECTIVENESS, required=True, label="Effectiveness"),
    "effectiveness_note": F("longtext", label="Note"),
}
# A change of these after the plan was approved is a change of the plan (6.1.3); moving a
# treatment on (planned, in progress, done) or saying whether it worked is carrying it out.
PLAN_FIELDS = ("action", "owner", "due_date", "control_id")


def _plan_changed(s: Session, risk: Risk, actor: str, what: str) -> None:
    """An approved plan that changes is marked changed since approval (once; audited)."""
    if risk.plan_approved_at is None or risk.plan_changed_at is not None:
        return
    risk.plan_changed_at = audit.utcnow()
    s.add(risk)
    s.flush()
    audit.record(s, actor, "risk", risk.ref, "plan_changed",
                 {"plan_changed_at": [None, audit.plain(risk.plan_changed_at)], "why": [None, what]})


def treatment_ref(s: Session, ref: str | int) -> int:
    """The id of a treatment named R-0001/T7 (or T7, or 7); NotFound otherwise."""
    text = str(ref).strip()
    risk_ref, _, tail = text.rpartition("/")
    tail = tail[1:] if tail[:1] in ("T", "t") else tail
    row = s.get(Treatment, int(tail)) if tail.isdigit() else None
    if row is not None and risk_ref:
        owner_ref = s.exec(select(Risk.ref).where(Risk.id == row.risk_id)).first()
        if owner_ref != risk_ref:
            row = None
    if row is None:
        raise NotFound("treatment", text)
    return int(row.id)


def get_treatment(db: Database, ref: str | int) -> dict:
    """One treatment by R-0001/T7 (or its id), as a dict."""
    with db.read() as s:
        return treatment_dict(s, s.get(Treatment, treatment_ref(s, ref)))


def _control_id(s: Session, code: str | None) -> int | None:
    if not code:
        return None
    cid = s.exec(select(Control.id).where(Control.code == code)).first()
    if cid is None:
        raise ValidationError("control", f"unknown control {code}")
    return cid


def treatment_dict(s: Session, t: Treatment) -> dict[str, Any]:
    d = to_dict(t)
    d["risk_ref"] = s.exec(select(Risk.ref).where(Risk.id == t.risk_id)).first()
    d["control"] = s.exec(select(Control.code).where(Control.id == t.control_id)).first() if t.control_id else None
    return d


def list_treatments(db: Database, risk_ref: str) -> list[dict[str, Any]]:
    with db.read() as s:
        risk = get_risk_row(s, risk_ref)
        rows = s.exec(select(Treatment).where(Treatment.risk_id == risk.id).order_by(Treatment.id)).all()
        return [treatment_dict(s, t) for t in rows]


def add_treatment(db: Database, actor: str, risk_ref: str, data: dict[str, Any]) -> dict:
    def tx(s: Session) -> dict:
        require(s, actor, EDIT, "adding a treatment")
        values = clean(SPECS, data, partial=False, session=s)
        if not values["action"].strip():
            raise ValidationError("action", "must not be empty")
        risk = get_risk_row(s, risk_ref)
        cid = _control_id(s, values.pop("control", None))
        t = Treatment(risk_id=risk.id, control_id=cid, created_at=audit.utcnow(), **values)
        if not t.owner:
            t.owner = risk.owner or actor
        if t.status == "done":
            t.completed_at = audit.utcnow()
        s.add(t)
        if risk.status == "open":
            risk.status = "treating"
            s.add(risk)
        s.flush()
        _plan_changed(s, risk, actor, f"treatment T{t.id} added")
        out = treatment_dict(s, t)
        audit.record(s, actor, "treatment", f"{risk.ref}/T{t.id}", "create", created(t, {"control": out.get("control")}))
        return out

    return db.transact(tx)


def update_treatment(db: Database, actor: str, treatment_id: int, changes: dict[str, Any],
                     expect_version: int | None = None) -> dict:
    def tx(s: Session) -> dict:
        require(s, actor, EDIT, "editing a treatment")
        values = clean(SPECS, changes, partial=True, session=s)
        t = fetch_for_change(s, Treatment, treatment_id, expect_version, "treatment")
        if "control" in values:
            values["control_id"] = _control_id(s, values.pop("control"))
        stamp_completion(values, t.status)
        ref = s.exec(select(Risk.ref).where(Risk.id == t.risk_id)).first()
        diff = apply(t, values)
        record_change(s, actor, t, "treatment", f"{ref}/T{t.id}", "update", diff)
        planned = [k for k in PLAN_FIELDS if k in diff] + (["cancelled"] if values.get("status") == "cancelled"
                                                           and "status" in diff else [])
        if planned:
            _plan_changed(s, s.get(Risk, t.risk_id), actor, f"T{t.id} changed: {', '.join(planned)}")
        return treatment_dict(s, t)

    return db.transact(tx)


def complete_treatment(db: Database, actor: str, treatment_id: int, expect_version: int | None = None, *,
                       effectiveness: str | None = None, note: str = "") -> dict:
    """Mark a treatment done; with ``effectiveness`` (effective, partly, not_effective) and a
    note, whether it worked is recorded in the same change (8.3)."""
    changes: dict = {"status": "done"}
    if effectiveness is not None or note:
        eff = fields.clean(EFFECTIVENESS_SPECS, {"effectiveness": effectiveness, "effectiveness_note": note},
                           partial=False)
        changes.update(eff)
    return _complete(db, actor, treatment_id, changes, expect_version)


def _complete(db: Database, actor: str, treatment_id: int, changes: dict, expect_version: int | None) -> dict:
    def tx(s: Session) -> dict:
        require(s, actor, EDIT, "editing a treatment")
        t = fetch_for_change(s, Treatment, treatment_id, expect_version, "treatment")
        if t.status == "cancelled":
            raise ValidationError("status", "a cancelled treatment cannot be completed")
        values = dict(changes)
        if t.status == "done":
            values.pop("status")
        stamp_completion(values, t.status)
        ref = s.exec(select(Risk.ref).where(Risk.id == t.risk_id)).first()
        record_change(s, actor, t, "treatment", f"{ref}/T{t.id}", "update", apply(t, values))
        return treatment_dict(s, t)

    return db.transact(tx)


def record_effectiveness(db: Database, actor: str, treatment_id: int, effectiveness: str, note: str = "",
                         expect_version: int | None = None) -> dict:
    """Say whether a done treatment worked (8.3): effective, partly or not_effective, and why."""
    def tx(s: Session) -> dict:
        require(s, actor, EDIT, "recording whether a treatment worked")
        values = fields.clean(EFFECTIVENESS_SPECS, {"effectiveness": effectiveness, "effectiveness_note": note},
                              partial=False)
        t = fetch_for_change(s, Treatment, treatment_id, expect_version, "treatment")
        if t.status != "done":
            raise ValidationError("effectiveness", f"T{t.id} is {t.status}: complete it first "
                                                   "(effectiveness is judged on a done treatment)")
        ref = s.exec(select(Risk.ref).where(Risk.id == t.risk_id)).first()
        record_change(s, actor, t, "treatment", f"{ref}/T{t.id}", "update", apply(t, values))
        return treatment_dict(s, t)

    return db.transact(tx)


def approve_plan(db: Database, actor: str, risk_ref: str, expect_version: int | None = None) -> dict:
    """An approver approves a risk's treatment plan (6.1.3): who and when, on the risk;
    a treatment added or changed later marks the plan changed since approval."""
    def tx(s: Session) -> dict:
        require(s, actor, APPROVE, "approving a treatment plan")
        risk = get_risk_row(s, risk_ref)
        check_version(risk, expect_version, "risk", risk_ref)
        if risk.status in ("closed", WITHDRAWN):
            raise ValidationError("status", f"{risk.ref} is {risk.status}: there is no plan to approve")
        plan = s.exec(select(Treatment).where(Treatment.risk_id == risk.id, Treatment.status != "cancelled")
                      .order_by(Treatment.id)).all()
        if not plan and risk.treatment_option != "accept":
            raise ValidationError("treatments", f"{risk.ref} has no treatment: add one (ctrl+t in the risk "
                                                f"editor) before approving its plan")
        if risk.plan_approved_at is not None and risk.plan_changed_at is None:
            raise ValidationError("plan", f"{risk.ref}'s plan is already approved by {risk.plan_approved_by}")
        now = audit.utcnow()
        diff = apply(risk, {"plan_approved_by": actor, "plan_approved_at": now, "plan_changed_at": None})
        diff["treatments"] = [None, [f"T{t.id}" for t in plan]]
        record_change(s, actor, risk, "risk", risk.ref, "approve_plan", diff)
        return {"ref": risk.ref, "plan_approved_by": actor, "plan_approved_at": now, "version": risk.version,
                "treatments": [treatment_dict(s, t) for t in plan]}

    return db.transact(tx)


def delete_treatment(db: Database, actor: str, treatment_id: int, expect_version: int | None = None) -> dict:
    def tx(s: Session) -> dict:
        require(s, actor, EDIT, "deleting a treatment")
        t = fetch_for_change(s, Treatment, treatment_id, expect_version, "treatment")
        out = treatment_dict(s, t)
        risk = s.get(Risk, t.risk_id)
        s.delete(t)
        s.flush()
        _plan_changed(s, risk, actor, f"T{t.id} deleted")
        audit.record(s, actor, "treatment", f"{out['risk_ref']}/T{t.id}", "delete", {"record": [audit.plain(out), None]})
        return out

    return db.transact(tx)
