"""Nonconformities: incidents and audit findings, with corrective action (10.2)."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlmodel import Session, col, select

from ..db import Database
from ..errors import ValidationError
from ..identity import EDIT, require
from ..models import NC_KINDS, NC_SEVERITIES, NC_STATUSES, CorrectiveAction, InternalAudit, Nonconformity, WITHDRAWN
from ..records import get_by_ref, system_ref_of, to_dict
from ..schedule import today as _today
from ..fields import F
from ._base import apply, clean, created, fetch_ref_for_change, next_ref, record_change, resolve_system

SPECS = {
    "kind": F("choice", choices=NC_KINDS),
    "title": F("text", required=True, max_len=300),
    "description": F("longtext"),
    "location": F("text", max_len=200),
    "system": F("text", max_len=32),
    "severity": F("choice", choices=NC_SEVERITIES),
    "root_cause": F("longtext"),
    "corrective_actions": F("longtext"),
    "owner": F("login", max_len=64),
    "status": F("choice", choices=NC_STATUSES),
    "raised_on": F("date", nullable=False),
    "due_date": F("date"),
    "closed_on": F("date"),
}


def nc_dict(s: Session, nc: Nonconformity) -> dict[str, Any]:
    d = to_dict(nc)
    d["system_ref"] = system_ref_of(s, nc.system_id)
    d["internal_audit"] = (s.exec(select(InternalAudit.ref).where(InternalAudit.id == nc.internal_audit_id)).first()
                           if nc.internal_audit_id is not None else None)
    return d


def get_nonconformity(db: Database, ref: str) -> dict[str, Any]:
    with db.read() as s:
        return nc_dict(s, get_by_ref(s, Nonconformity, ref, "nonconformity"))


def _blocking_actions(s: Session, nc: Nonconformity) -> str | None:
    """Why the nonconformity cannot be closed yet (10.2): an open corrective action,
    or a done one whose effectiveness is not reviewed; None when nothing stops it."""
    rows = s.exec(select(CorrectiveAction.ref, CorrectiveAction.status, col(CorrectiveAction.effectiveness_reviewed_on))
                  .where(CorrectiveAction.nonconformity_id == nc.id).order_by(CorrectiveAction.ref)).all()
    open_ = [r for r, st, _ in rows if st in ("planned", "in_progress")]
    if open_:
        return f"corrective action {', '.join(open_)} is still open: finish or cancel it first"
    unreviewed = [r for r, st, rev in rows if st == "done" and rev is None]
    if unreviewed:
        return (f"corrective action {', '.join(unreviewed)} is done but its effectiveness is not reviewed "
                "(set effective=yes or no on it first)")
    return None


def list_nonconformities(db: Database) -> list[dict[str, Any]]:
    with db.read() as s:
        return [nc_dict(s, r) for r in s.exec(select(Nonconformity).where(Nonconformity.status != WITHDRAWN)
                                              .order_by(Nonconformity.ref))]


def _record(s: Session, actor: str, data: dict[str, Any], today: date | None,
            also: dict[str, Any] | None = None) -> Nonconformity:
    """Write a new nonconformity and its audit event inside the caller's transaction (the
    caller checks the role); ``also``: more fields for the event (where it came from)."""
    values = clean(SPECS, data, partial=False, session=s)
    sid = resolve_system(s, values.pop("system", None))
    values["raised_on"] = values.get("raised_on") or today or _today()
    nc = Nonconformity(ref=next_ref(s, Nonconformity, "NC", 3), system_id=sid, **values)
    if nc.status == "closed" and nc.closed_on is None:
        nc.closed_on = today or _today()
    record_change(s, actor, nc, "nonconformity", nc.ref, "create",
                  {**created(nc, {"system_ref": system_ref_of(s, sid)}, skip=("internal_audit_id",)), **(also or {})})
    return nc


def create_nonconformity(db: Database, actor: str, data: dict[str, Any], *, today: date | None = None) -> dict:
    def tx(s: Session) -> dict:
        require(s, actor, EDIT, "recording a nonconformity")
        return nc_dict(s, _record(s, actor, data, today))

    return db.transact(tx)


def update_nonconformity(db: Database, actor: str, ref: str, changes: dict[str, Any],
                         expect_version: int | None = None, *, today: date | None = None) -> dict:
    def tx(s: Session) -> dict:
        require(s, actor, EDIT, "editing a nonconformity")
        values = clean(SPECS, changes, partial=True, session=s)
        nc = fetch_ref_for_change(s, Nonconformity, ref, expect_version, "nonconformity")
        if "system" in values:
            values["system_id"] = resolve_system(s, values.pop("system"))
        if values.get("status") == "closed" and nc.status != "closed":
            values.setdefault("closed_on", today or _today())
            if not (values.get("root_cause", nc.root_cause) or "").strip():
                raise ValidationError("root_cause", "record the root cause before closing (10.2)")
            blocked = _blocking_actions(s, nc)
            if blocked:
                raise ValidationError("status", f"{ref} cannot be closed: {blocked}")
        elif values.get("status") and values["status"] != "closed":
            values["closed_on"] = None
        record_change(s, actor, nc, "nonconformity", ref, "update", apply(nc, values))
        return nc_dict(s, nc)

    return db.transact(tx)
