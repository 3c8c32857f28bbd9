"""Internal audits (9.2): the writes beyond the generic ones of ``registers``.

- ``approve_programme``: an approver approves an audit programme (who and when
  are recorded; changing its scope, criteria or period later asks again);
- ``raise_finding``: a finding of an audit becomes a nonconformity of kind
  ``audit_finding`` linked to the audit, in one transaction with an audit
  event on both records.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlmodel import Session

from ..db import Database
from ..errors import ValidationError
from ..identity import APPROVE, EDIT, require
from ..models import WITHDRAWN, AuditProgramme, InternalAudit, Nonconformity
from ..records import to_dict
from ..schedule import today as _today
from ._base import apply, clean, created, fetch_ref_for_change, next_ref, record_change
from .nonconformities import SPECS as NC_SPECS, nc_dict

# what a finding may say; the rest (kind, audit, raised on) follows from the audit
FINDING_FIELDS = ("title", "severity", "description", "location", "owner", "due_date")
FINDING_SPECS = {name: NC_SPECS[name] for name in FINDING_FIELDS}


def approve_programme(db: Database, actor: str, ref: str, expect_version: int | None = None, *,
                      today: date | None = None) -> dict[str, Any]:
    """Approve an audit programme (an approver); its scope and criteria must be said."""

    def tx(s: Session) -> dict[str, Any]:
        require(s, actor, APPROVE, "approving an audit programme")
        row = fetch_ref_for_change(s, AuditProgramme, ref, expect_version, "audit programme")
        if row.status in ("closed", WITHDRAWN):
            raise ValidationError("status", f"{ref} is {row.status}; only a planned programme is approved")
        if row.status == "approved":
            raise ValidationError("status", f"{ref} is already approved (by {row.approved_by or 'someone'})")
        for name in ("scope", "criteria"):
            if not (getattr(row, name) or "").strip():
                raise ValidationError(name, f"say the programme's {name} before it is approved")
        changes = apply(row, {"status": "approved", "approved_by": actor, "approved_on": today or _today()})
        record_change(s, actor, row, "audit_programme", ref, "approve", changes, stamp=True)
        return to_dict(row)

    return db.transact(tx)


def raise_finding(db: Database, actor: str, audit_ref: str, data: dict[str, Any],
                  expect_version: int | None = None, *, today: date | None = None) -> dict[str, Any]:
    """Record a finding of an internal audit as a nonconformity (kind audit_finding)
    linked to it; owned by the audited area's owner unless ``owner`` is given.
    The nonconformity as a dict (``internal_audit``: the audit's ref)."""
    day = today or _today()

    def tx(s: Session) -> dict[str, Any]:
        require(s, actor, EDIT, "raising an audit finding")
        values = clean(FINDING_SPECS, data, partial=False, session=s)
        audit = fetch_ref_for_change(s, InternalAudit, audit_ref, expect_version, "internal audit")
        if audit.status == WITHDRAWN:
            raise ValidationError("status", f"{audit_ref} is withdrawn; restore it first")
        values["owner"] = values.get("owner") or audit.area_owner
        values["location"] = values.get("location") or audit.area
        nc = Nonconformity(ref=next_ref(s, Nonconformity, "NC", 3), kind="audit_finding", raised_on=day,
                           internal_audit_id=audit.id, **values)
        record_change(s, actor, nc, "nonconformity", nc.ref, "create",
                      created(nc, {"internal_audit": audit.ref}, skip=("internal_audit_id",)))
        record_change(s, actor, audit, "internal_audit", audit.ref, "finding", {"finding": [None, nc.ref]},
                      stamp=True)
        return nc_dict(s, nc)

    return db.transact(tx)
