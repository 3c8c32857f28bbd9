"""AI system impact assessments (6.1.4, A.5)."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlmodel import Session, select

from .. import audit
from ..db import Database
from ..errors import ValidationError
from ..identity import APPROVE, EDIT, require
from ..models import AISystem, ImpactAssessment, WITHDRAWN
from ..records import get_by_ref, settings_row, system_ref_of, to_dict
from ..schedule import next_review, today as _today
from ..fields import F
from ._base import apply, clean, created, fetch_ref_for_change, next_ref, record_change, resolve_system

SEVERITIES = ("low", "medium", "high", "critical")
SPECS = {
    "system": F("text", required=True, max_len=32),
    "title": F("text", max_len=300),
    "affected_individuals": F("longtext"),
    "affected_groups": F("longtext"),
    "societal_impacts": F("longtext"),
    "impacts": F("json"),
    "mitigations": F("longtext"),
    "review_cadence": F("cadence"),
    "next_review": F("date"),
}


def _impacts(value: Any) -> list[dict[str, str]]:
    if value in (None, ""):
        return []
    if not isinstance(value, list):
        raise ValidationError("impacts", "must be a list of {description, severity}")
    out = []
    for i, item in enumerate(value, start=1):
        if not isinstance(item, dict) or not str(item.get("description", "")).strip():
            raise ValidationError("impacts", f"impact {i} needs a description")
        sev = str(item.get("severity", "medium")).lower()
        if sev not in SEVERITIES:
            raise ValidationError("impacts", f"impact {i}: severity '{sev}' is not one of {', '.join(SEVERITIES)}")
        out.append({"description": str(item["description"]).strip(), "severity": sev})
    return out


def ia_dict(s: Session, ia: ImpactAssessment) -> dict[str, Any]:
    d = to_dict(ia)
    d["system_ref"] = system_ref_of(s, ia.system_id)
    return d


def get_row(s: Session, ref: str) -> ImpactAssessment:
    return get_by_ref(s, ImpactAssessment, ref, "impact assessment")


def get_assessment(db: Database, ref: str) -> dict[str, Any]:
    with db.read() as s:
        return ia_dict(s, get_row(s, ref))


def list_assessments(db: Database, system_ref: str | None = None) -> list[dict[str, Any]]:
    with db.read() as s:
        q = select(ImpactAssessment).where(ImpactAssessment.status != WITHDRAWN).order_by(ImpactAssessment.ref)
        if system_ref:
            q = q.join(AISystem, AISystem.id == ImpactAssessment.system_id).where(AISystem.ref == system_ref)
        return [ia_dict(s, r) for r in s.exec(q)]


def create_assessment(db: Database, actor: str, data: dict[str, Any], *, today: date | None = None) -> dict:
    def tx(s: Session) -> dict:
        require(s, actor, EDIT, "adding an impact assessment")
        values = clean(SPECS, data, partial=False)
        sys_ref = values.pop("system")
        sid = resolve_system(s, sys_ref)
        values["impacts"] = _impacts(values.get("impacts"))
        ia = ImpactAssessment(ref=next_ref(s, ImpactAssessment, "IA", 3), system_id=sid, status="draft",
                              created_at=audit.utcnow(), **values)
        if ia.next_review is None:
            ia.next_review = next_review(today or _today(), ia.review_cadence, "High", settings_row(s).cadences)
        record_change(s, actor, ia, "impact_assessment", ia.ref, "create", created(ia, {"system_ref": sys_ref}))
        return ia_dict(s, ia)

    return db.transact(tx)


def update_assessment(db: Database, actor: str, ref: str, changes: dict[str, Any],
                      expect_version: int | None = None) -> dict:
    def tx(s: Session) -> dict:
        require(s, actor, EDIT, "editing an impact assessment")
        specs = {k: v for k, v in SPECS.items() if k != "system"}
        values = clean(specs, changes, partial=True)
        if "impacts" in values:
            values["impacts"] = _impacts(values["impacts"])
        ia = fetch_ref_for_change(s, ImpactAssessment, ref, expect_version, "impact assessment")
        diff = apply(ia, values)
        if diff and ia.status == "approved":
            diff["status"] = ["approved", "draft"]
            ia.status = "draft"
            ia.approved_by = ""
            ia.approved_at = None
        record_change(s, actor, ia, "impact_assessment", ref, "update", diff)
        return ia_dict(s, ia)

    return db.transact(tx)


def approve_assessment(db: Database, actor: str, ref: str, expect_version: int | None = None) -> dict:
    def tx(s: Session) -> dict:
        require(s, actor, APPROVE, "approving an impact assessment")
        ia = fetch_ref_for_change(s, ImpactAssessment, ref, expect_version, "impact assessment")
        if not (ia.affected_individuals or ia.affected_groups or ia.societal_impacts or ia.impacts):
            raise ValidationError("impacts", "an impact assessment with no impacts recorded cannot be approved")
        old = ia.status
        ia.status = "approved"
        ia.approved_by = actor
        ia.approved_at = audit.utcnow()
        record_change(s, actor, ia, "impact_assessment", ref, "approve", {"status": [old, "approved"]})
        return ia_dict(s, ia)

    return db.transact(tx)
