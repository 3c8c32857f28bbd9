"""Nonconformities: incidents and audit findings, with corrective action (10.2)."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlmodel import Session, select

from .. import audit
from ..db import Database
from ..errors import NotFound, ValidationError
from ..identity import EDIT, require
from ..models import NC_KINDS, NC_SEVERITIES, NC_STATUSES, WITHDRAWN, AISystem, Nonconformity
from ..schedule import today as _today
from ._base import F, apply, check_version, clean, next_ref, to_dict

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
    d["system_ref"] = s.exec(select(AISystem.ref).where(AISystem.id == nc.system_id)).first() \
        if nc.system_id else None
    return d


def _system_id(s: Session, ref: str | None) -> int | None:
    if not ref:
        return None
    sid = s.exec(select(AISystem.id).where(AISystem.ref == ref)).first()
    if sid is None:
        raise ValidationError("system", f"AI system {ref} does not exist")
    return sid


def list_nonconformities(db: Database) -> list[dict[str, Any]]:
    with db.read() as s:
        return [nc_dict(s, r) for r in s.exec(select(Nonconformity).where(Nonconformity.status != WITHDRAWN)
                                              .order_by(Nonconformity.ref))]


def create_nonconformity(db: Database, actor: str, data: dict[str, Any], *, today: date | None = None) -> dict:
    def tx(s: Session) -> dict:
        require(s, actor, EDIT, "recording a nonconformity")
        values = clean(SPECS, data, partial=False, session=s)
        sid = _system_id(s, values.pop("system", None))
        values["raised_on"] = values.get("raised_on") or today or _today()
        nc = Nonconformity(ref=next_ref(s, Nonconformity, "NC", 3), system_id=sid, **values)
        if nc.status == "closed" and nc.closed_on is None:
            nc.closed_on = today or _today()
        s.add(nc)
        s.flush()
        audit.record(s, actor, "nonconformity", nc.ref, "create",
                     {"title": [None, nc.title], "severity": [None, nc.severity], "kind": [None, nc.kind]})
        return nc_dict(s, nc)

    return db.transact(tx)


def update_nonconformity(db: Database, actor: str, ref: str, changes: dict[str, Any],
                         expect_version: int | None = None, *, today: date | None = None) -> dict:
    def tx(s: Session) -> dict:
        require(s, actor, EDIT, "editing a nonconformity")
        values = clean(SPECS, changes, partial=True, session=s)
        nc = s.exec(select(Nonconformity).where(Nonconformity.ref == ref)).first()
        if nc is None:
            raise NotFound("nonconformity", ref)
        check_version(nc, expect_version, "nonconformity", ref)
        if "system" in values:
            values["system_id"] = _system_id(s, values.pop("system"))
        if values.get("status") == "closed" and nc.status != "closed":
            values.setdefault("closed_on", today or _today())
            if not (values.get("root_cause", nc.root_cause) or "").strip():
                raise ValidationError("root_cause", "record the root cause before closing (10.2)")
        elif values.get("status") and values["status"] != "closed":
            values["closed_on"] = None
        diff = apply(nc, values)
        if diff:
            s.add(nc)
            s.flush()
            audit.record(s, actor, "nonconformity", ref, "update", diff)
        return nc_dict(s, nc)

    return db.transact(tx)
