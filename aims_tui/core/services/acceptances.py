"""Formal acceptance of residual risk (6.1.3): who, when, why, until when."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from sqlmodel import Session, select

from .. import audit
from ..db import Database
from ..errors import ValidationError
from ..identity import APPROVE, require
from ..models import Acceptance, Risk
from ..records import get_risk_row, to_dict
from ..rules import acceptance_state, current_acceptance
from ..schedule import today as _today
from ..scoring import score
from ..fields import F
from ._base import check_version, clean, fetch_for_change

SPECS = {
    "justification": F("longtext", required=True),
    "expires_on": F("date"),
}
DEFAULT_VALIDITY_DAYS = 365


def is_valid(acc: Acceptance, risk: Risk, today: date) -> bool:
    """Does this acceptance cover the risk today (the rule of core.rules.acceptance_state)?"""
    return acceptance_state(acc, score(risk.residual_likelihood, risk.residual_impact), today).valid


def accept_risk(db: Database, actor: str, risk_ref: str, justification: str,
                expires_on: date | str | None = None, expect_version: int | None = None,
                today: date | None = None) -> dict[str, Any]:
    def tx(s: Session) -> dict:
        require(s, actor, APPROVE, "accepting a residual risk")
        data = clean(SPECS, {"justification": justification, "expires_on": expires_on}, partial=False)
        if len(data["justification"].strip()) < 10:
            raise ValidationError("justification", "say why the risk is accepted (at least 10 characters)")
        d = today or _today()
        exp = data.get("expires_on") or d + timedelta(days=DEFAULT_VALIDITY_DAYS)
        if exp <= d:
            raise ValidationError("expires_on", f"must be after today ({d.isoformat()})")
        risk = get_risk_row(s, risk_ref)
        check_version(risk, expect_version, "risk", risk_ref)
        acc = Acceptance(risk_id=risk.id, accepted_by=actor, accepted_at=audit.utcnow(),
                         justification=data["justification"], expires_on=exp,
                         residual_likelihood=risk.residual_likelihood, residual_impact=risk.residual_impact)
        s.add(acc)
        old_status = risk.status
        if risk.status != "closed":
            risk.status = "accepted"
            risk.updated_at = audit.utcnow()
        s.add(risk)
        s.flush()
        audit.record(s, actor, "risk", risk.ref, "accept", {
            "status": [old_status, risk.status],
            "acceptance": [None, {"id": acc.id, "expires_on": exp, "justification": acc.justification,
                                  "residual": [acc.residual_likelihood, acc.residual_impact]}],
        })
        out = to_dict(acc)
        out["risk_ref"] = risk.ref
        return out

    return db.transact(tx)


def revoke_acceptance(db: Database, actor: str, acceptance_id: int, reason: str = "",
                      expect_version: int | None = None) -> dict[str, Any]:
    def tx(s: Session) -> dict:
        require(s, actor, APPROVE, "revoking an acceptance")
        acc = fetch_for_change(s, Acceptance, acceptance_id, expect_version, "acceptance")
        risk = s.get(Risk, acc.risk_id)
        acc.revoked = True
        s.add(acc)
        reopened = {}
        if risk is not None and risk.status == "accepted":
            risk.status = "open"
            s.add(risk)
            reopened = {"status": ["accepted", "open"]}
        s.flush()
        audit.record(s, actor, "risk", risk.ref if risk else str(acc.risk_id), "revoke_acceptance",
                     {"acceptance": [acc.id, None], "reason": [None, reason], **reopened})
        return to_dict(acc)

    return db.transact(tx)


def list_acceptances(db: Database, risk_ref: str, today: date | None = None) -> list[dict[str, Any]]:
    """Every acceptance of a risk. ``current`` marks the one that counts (the newest not
    revoked); ``covers`` is true only for a current acceptance that is valid, the same rule
    as the deployment gate and ``aims check``."""
    with db.read() as s:
        risk = get_risk_row(s, risk_ref)
        rows = s.exec(select(Acceptance).where(Acceptance.risk_id == risk.id).order_by(Acceptance.id)).all()
        current = current_acceptance(s, risk.id)
        d_today = today or _today()
        out = []
        for a in rows:
            d = to_dict(a)
            d["valid"] = is_valid(a, risk, d_today)
            d["current"] = current is not None and a.id == current.id
            d["covers"] = d["current"] and d["valid"]
            out.append(d)
        return out

