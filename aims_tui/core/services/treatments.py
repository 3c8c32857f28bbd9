"""Risk treatment plans (6.1.3): actions with owners and due dates."""

from __future__ import annotations

from typing import Any

from sqlmodel import Session, select

from .. import audit, fields
from ..db import Database
from ..errors import ValidationError
from ..identity import EDIT, require
from ..models import Control, Risk, Treatment
from ..records import to_dict
from ._base import apply, clean, fetch_for_change, record_change, stamp_completion
from .risks import get_risk_row

SPECS = fields.TREATMENT  # the rules forms ask too (core.fields)


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
        out = treatment_dict(s, t)
        audit.record(s, actor, "treatment", f"{risk.ref}/T{t.id}", "create",
                     {k: [None, audit.plain(out[k])] for k in ("action", "owner", "due_date", "status", "control")
                      if out.get(k) not in (None, "")})
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
        record_change(s, actor, t, "treatment", f"{ref}/T{t.id}", "update", apply(t, values))
        return treatment_dict(s, t)

    return db.transact(tx)


def complete_treatment(db: Database, actor: str, treatment_id: int, expect_version: int | None = None) -> dict:
    return update_treatment(db, actor, treatment_id, {"status": "done"}, expect_version)


def delete_treatment(db: Database, actor: str, treatment_id: int, expect_version: int | None = None) -> dict:
    def tx(s: Session) -> dict:
        require(s, actor, EDIT, "deleting a treatment")
        t = fetch_for_change(s, Treatment, treatment_id, expect_version, "treatment")
        out = treatment_dict(s, t)
        s.delete(t)
        s.flush()
        audit.record(s, actor, "treatment", f"{out['risk_ref']}/T{t.id}", "delete", {"record": [audit.plain(out), None]})
        return out

    return db.transact(tx)
