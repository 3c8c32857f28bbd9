"""Withdraw a record made by mistake, and restore it: risks, AI systems,
treatments, impact assessments and nonconformities.

Schema-free: the record's status (an AI system's stage) becomes ``withdrawn``
(models.WITHDRAWN), a value outside every list of choices. Lists, checks,
reminders and the pack leave withdrawn records out; the audit trail keeps them
(actions ``withdraw`` and ``restore``, with the status before). Restoring puts
back the status the record had when it was withdrawn, read from that event.
Role-checked (editors), versioned (``expect_version``), one transaction each.
"""

from __future__ import annotations

from typing import Any

from sqlmodel import Session, select

from .. import audit
from ..db import Database
from ..errors import NotFound, ValidationError
from ..identity import EDIT, require
from ..models import WITHDRAWN, AISystem, AuditEvent, ImpactAssessment, Nonconformity, Risk, Treatment
from ..catalog import KINDS as CATALOG
from ..records import to_dict
from ._base import check_version

KINDS = ("risk", "ai_system", "treatment", "impact_assessment", "nonconformity")
TITLES = {"risk": "risk", "ai_system": "AI system", "treatment": "treatment",
          "impact_assessment": "impact assessment", "nonconformity": "nonconformity"}


# The kinds found by their ref, with the name of their status column.
_BY_REF: dict[str, tuple[Any, str]] = {
    "risk": (Risk, "status"), "ai_system": (AISystem, "stage"),
    "impact_assessment": (ImpactAssessment, "status"), "nonconformity": (Nonconformity, "status"),
}


def title_of(kind: str) -> str:
    return TITLES[kind] if kind in TITLES else CATALOG[kind].what if kind in CATALOG else kind


def _load(s: Session, kind: str, ref: str) -> tuple[Any, str, str]:
    """The row, the name of its status column, and the ref its audit events use."""
    row: Any
    if kind in CATALOG:  # the kinds of core.catalog: found by ref, status in their status field
        k = CATALOG[kind]
        row = s.exec(select(k.model).where(k.model.ref == ref)).first()
        if row is None:
            raise NotFound(k.what, ref)
        return row, k.status_field, ref
    if kind in _BY_REF:
        model, field = _BY_REF[kind]
        row = s.exec(select(model).where(model.ref == ref)).first()
        audit_ref = ref
    elif kind == "treatment":  # R-0001/T7 or 7
        tid = str(ref).rsplit("T", 1)[-1]
        row = s.get(Treatment, int(tid)) if tid.isdigit() else None
        risk_ref = s.exec(select(Risk.ref).where(Risk.id == row.risk_id)).first() if row else None
        field, audit_ref = "status", f"{risk_ref}/T{row.id}" if row else ref
    else:
        raise ValidationError("kind", f"'{kind}' is not one of {', '.join(KINDS + tuple(CATALOG))}")
    if row is None:
        raise NotFound(title_of(kind), ref)
    return row, field, audit_ref


def _entity(kind: str) -> str:
    return "ai_system" if kind == "ai_system" else kind


def withdraw(db: Database, actor: str, kind: str, ref: str, *, reason: str = "",
             expect_version: int | None = None) -> dict[str, Any]:
    """Withdraw a record made by mistake (reversible with ``restore``)."""

    def tx(s: Session) -> dict[str, Any]:
        require(s, actor, EDIT, f"withdrawing a {title_of(kind)}")
        row, field, audit_ref = _load(s, kind, ref)
        check_version(row, expect_version, title_of(kind), ref)
        before = getattr(row, field)
        if before == WITHDRAWN:
            raise ValidationError(field, f"{audit_ref} is already withdrawn")
        setattr(row, field, WITHDRAWN)
        if hasattr(row, "updated_at"):
            row.updated_at = audit.utcnow()
        s.add(row)
        s.flush()
        audit.record(s, actor, _entity(kind), audit_ref, "withdraw", {
            field: [before, WITHDRAWN], **({"reason": [None, reason.strip()]} if reason.strip() else {})})
        out = to_dict(row)
        out["ref"], out["kind"] = audit_ref, kind
        return out

    return db.transact(tx)


def restore(db: Database, actor: str, kind: str, ref: str, *, expect_version: int | None = None) -> dict[str, Any]:
    """Put a withdrawn record back with the status it had when it was withdrawn."""

    def tx(s: Session) -> dict[str, Any]:
        require(s, actor, EDIT, f"restoring a {title_of(kind)}")
        row, field, audit_ref = _load(s, kind, ref)
        check_version(row, expect_version, title_of(kind), ref)
        if getattr(row, field) != WITHDRAWN:
            raise ValidationError(field, f"{audit_ref} is not withdrawn")
        last = s.exec(select(AuditEvent).where(AuditEvent.entity_ref == audit_ref,
                                               AuditEvent.action == "withdraw")
                      .order_by(AuditEvent.id.desc())).first()
        before = ((last.changes or {}).get(field) or [None])[0] if last is not None else None
        if not before:
            raise ValidationError(field, f"the audit trail does not say what {audit_ref} was before it was withdrawn")
        setattr(row, field, before)
        if hasattr(row, "updated_at"):
            row.updated_at = audit.utcnow()
        s.add(row)
        s.flush()
        audit.record(s, actor, _entity(kind), audit_ref, "restore", {field: [WITHDRAWN, before]})
        out = to_dict(row)
        out["ref"], out["kind"] = audit_ref, kind
        return out

    return db.transact(tx)
