"""Incidents: the write services of their own (the rest is the generic write path of
:mod:`.registers`, the kind being :data:`aims_tui.core.incidents.INCIDENT`).

``raise_nonconformity``: a resolved incident becomes a nonconformity (10.2) in one
step: the nonconformity is recorded from the incident (title, description, AI
system, severity, owner), the incident is linked to it, and both get their audit
event, in one transaction.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlmodel import Session, select

from ..db import Database
from ..errors import ValidationError
from ..identity import EDIT, require
from ..incidents import INCIDENT, RESOLVED
from ..models import WITHDRAWN, Nonconformity, User
from ..schedule import today as _today
from . import nonconformities, registers
from ._base import fetch_ref_for_change, record_change

# an incident's severity as a nonconformity's
NC_SEVERITY = {"low": "minor", "medium": "minor", "high": "major", "critical": "critical"}


def raise_nonconformity(db: Database, actor: str, ref: str, expect_version: int | None = None, *,
                        today: date | None = None) -> dict[str, Any]:
    """Record a nonconformity from a resolved (or closed) incident and link the two;
    ``{"incident": ..., "nonconformity": ...}``, each as plain data."""

    def tx(s: Session) -> dict[str, Any]:
        require(s, actor, EDIT, "raising a nonconformity from an incident")
        inc = fetch_ref_for_change(s, INCIDENT.model, ref, expect_version, INCIDENT.what)
        if inc.status == WITHDRAWN:
            raise ValidationError("status", f"{ref} is withdrawn; restore it first")
        if inc.status not in RESOLVED:
            raise ValidationError("status", f"{ref} is {inc.status}; a nonconformity is raised once the "
                                            "incident is resolved")
        if inc.nonconformity_id is not None:
            nc_ref = s.exec(select(Nonconformity.ref).where(Nonconformity.id == inc.nonconformity_id)).one()
            raise ValidationError("nonconformity", f"{ref} already has nonconformity {nc_ref}")
        system = registers.record_dict(s, INCIDENT, inc)["system"]
        owner = inc.owner if inc.owner and _active(s, inc.owner) else ""
        text = (inc.description or "").strip()
        data = {"kind": "incident", "title": inc.title, "severity": NC_SEVERITY.get(inc.severity, "minor"),
                "description": (text + "\n\n" if text else "") + f"Raised from incident {ref}.",
                "system": system or "", "owner": owner}
        nc = nonconformities._record(s, actor, data, today or _today(), also={"incident": [None, ref]})
        inc.nonconformity_id = nc.id
        record_change(s, actor, inc, INCIDENT.entity, ref, "raise_nc", {"nonconformity": [None, nc.ref]},
                      stamp=True)
        return {"incident": registers.record_dict(s, INCIDENT, inc), "nonconformity": nonconformities.nc_dict(s, nc)}

    return db.transact(tx)


def _active(s: Session, login: str) -> bool:
    user = s.exec(select(User).where(User.login == login)).first()
    return user is not None and bool(user.active)

