"""Formal acceptance of residual risk (6.1.3): who, when, why, until when."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from sqlmodel import Session, select

from .. import audit
from ..db import Database
from ..errors import ValidationError
from ..identity import APPROVE, require
from ..models import RISK_STATUSES, Acceptance, Risk
from ..records import get_risk_row, to_dict
from ..rules import UNDONE, acceptance_state, current_acceptance
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
    """Accept the risk's residual risk. One acceptance is in force at a time: an earlier one
    not revoked and not expired is superseded (revoked in the same transaction, with an event
    saying by which); ``superseded`` in the result lists them (``undo_acceptance`` puts them back)."""
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
        earlier = [a for a in s.exec(select(Acceptance).where(Acceptance.risk_id == risk.id,
                                                              Acceptance.revoked == False)  # noqa: E712
                                     .order_by(Acceptance.id)).all()
                   if a.expires_on is None or a.expires_on >= d]
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
        superseded = [{"id": a.id, "accepted_by": a.accepted_by, "expires_on": a.expires_on} for a in earlier]
        audit.record(s, actor, "risk", risk.ref, "accept", {
            "status": [old_status, risk.status],
            "acceptance": [None, {"id": acc.id, "expires_on": exp, "justification": acc.justification,
                                  "residual": [acc.residual_likelihood, acc.residual_impact]}],
            **({"superseded": [None, [a["id"] for a in superseded]]} if superseded else {}),
        })
        for a in earlier:
            a.revoked = True
            s.add(a)
            s.flush()
            audit.record(s, actor, "risk", risk.ref, "revoke_acceptance", {
                "acceptance": [a.id, None], "reason": [None, f"superseded by acceptance {acc.id}"],
                "superseded_by": [None, acc.id]})
        out = to_dict(acc)
        out["risk_ref"] = risk.ref
        out["superseded"] = superseded
        out["status_before"] = old_status  # what undo_acceptance puts back
        return out

    return db.transact(tx)


def _settle_status(s: Session, risk: Risk, today: date, uncovered: str | None = None) -> dict[str, list]:
    """After acceptances were revoked or put back: the risk is ``accepted`` only while its
    current acceptance covers it (the rule of ``aims check``); else ``uncovered`` (the status it
    had before the acceptance, when that is known and is not ``accepted``) or ``open``. The
    change, for the event."""
    covered = acceptance_state(current_acceptance(s, risk.id),
                               score(risk.residual_likelihood, risk.residual_impact), today).valid
    if risk.status == "accepted" and not covered:
        risk.status = uncovered if uncovered in RISK_STATUSES and uncovered != "accepted" else "open"
        s.add(risk)
        s.flush()
        return {"status": ["accepted", risk.status]}
    return {}


def revoke_acceptance(db: Database, actor: str, acceptance_id: int, reason: str = "",
                      expect_version: int | None = None, today: date | None = None) -> dict[str, Any]:
    """Revoke an acceptance. The risk stays ``accepted`` only if what remains in force
    still covers it; else it is ``open`` again."""
    def tx(s: Session) -> dict:
        require(s, actor, APPROVE, "revoking an acceptance")
        acc = fetch_for_change(s, Acceptance, acceptance_id, expect_version, "acceptance")
        risk = s.get(Risk, acc.risk_id)
        acc.revoked = True
        s.add(acc)
        s.flush()
        reopened = _settle_status(s, risk, today or _today()) if risk is not None else {}
        audit.record(s, actor, "risk", risk.ref if risk else str(acc.risk_id), "revoke_acceptance",
                     {"acceptance": [acc.id, None], "reason": [None, reason], **reopened})
        return to_dict(acc)

    return db.transact(tx)


def undo_acceptance(db: Database, actor: str, acceptance_id: int, superseded: list[int] | tuple[int, ...] = (),
                    today: date | None = None, status_before: str | None = None) -> dict[str, Any]:
    """Take back an acceptance just made (ctrl+z): revoke it (reason ``undone``) and put back
    in force the acceptances it superseded (``superseded``: their ids, from ``accept_risk``),
    each audited; the risk's status follows what is in force then: ``accepted`` if a
    reinstated one covers it, else the status it had before (``status_before``, from
    ``accept_risk``: a risk being treated is ``treating`` again), else ``open``. Refused when the
    acceptance is no longer in force (revoked or superseded since)."""
    def tx(s: Session) -> dict:
        require(s, actor, APPROVE, "revoking an acceptance")
        acc = fetch_for_change(s, Acceptance, acceptance_id, None, "acceptance")
        risk = s.get(Risk, acc.risk_id)
        ref = risk.ref if risk else str(acc.risk_id)
        if acc.revoked:
            raise ValidationError("acceptance", f"acceptance {acc.id} of {ref} is no longer in force "
                                                "(revoked or superseded since): nothing to undo")
        acc.revoked = True
        s.add(acc)
        s.flush()
        back = []
        for old_id in superseded:
            old = s.get(Acceptance, old_id)
            if old is None or old.risk_id != acc.risk_id or not old.revoked:
                continue
            old.revoked = False
            s.add(old)
            back.append(old)
        s.flush()
        status = _settle_status(s, risk, today or _today(), status_before) if risk is not None else {}
        audit.record(s, actor, "risk", ref, "revoke_acceptance",
                     {"acceptance": [acc.id, None], "reason": [None, UNDONE], **status})
        for old in back:
            audit.record(s, actor, "risk", ref, "reinstate_acceptance",
                         {"acceptance": [None, old.id], "reason": [None, f"undo of acceptance {acc.id}"]})
        out = to_dict(acc)
        out["reinstated"] = [to_dict(o) for o in back]
        return out

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

