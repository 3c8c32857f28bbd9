"""The risk register (6.1.2): create, update, close, delete, link controls."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlmodel import Session, delete, select

from .. import audit, fields
from ..db import Database
from ..errors import NotFound, ValidationError
from ..identity import APPROVE, EDIT, require
from ..models import (
    Acceptance,
    AISystem,
    Control,
    Review,
    Risk,
    RiskControl,
    Treatment,
)
from ..schedule import next_review, today as _today
from ._base import apply, check_version, clean, matrix_of, settings_row, to_dict

SPECS = fields.RISK  # the rules forms ask too (core.fields)
SCORE_FIELDS = fields.RISK_SCORES


def get_risk_row(s: Session, ref: str) -> Risk:
    row = s.exec(select(Risk).where(Risk.ref == ref)).first()
    if row is None:
        raise NotFound("risk", ref)
    return row


def risk_dict(s: Session, row: Risk) -> dict[str, Any]:
    d = to_dict(row)
    m = matrix_of(s)
    d["inherent_score"] = row.inherent_likelihood * row.inherent_impact
    d["residual_score"] = row.residual_likelihood * row.residual_impact
    d["inherent_level"] = m.level(row.inherent_likelihood, row.inherent_impact).name
    d["residual_level"] = m.level(row.residual_likelihood, row.residual_impact).name
    d["system_ref"] = None
    if row.system_id is not None:
        d["system_ref"] = s.exec(select(AISystem.ref).where(AISystem.id == row.system_id)).first()
    d["controls"] = list(s.exec(
        select(Control.code).join(RiskControl, RiskControl.control_id == Control.id)
        .where(RiskControl.risk_id == row.id).order_by(Control.sort_key)
    ).all())
    return d


def get_risk(db: Database, ref: str) -> dict[str, Any]:
    with db.read() as s:
        return risk_dict(s, get_risk_row(s, ref))


def _check_scores(s: Session, values: dict[str, Any], current: dict[str, Any] | None = None) -> None:
    m = matrix_of(s)
    errors = []
    for f in SCORE_FIELDS:
        problem = fields.score_problem(f, values.get(f), m.n_likelihood, m.n_impact)
        if problem:
            errors.append((f, problem))
    if errors:
        raise ValidationError(errors[0][0], errors[0][1], errors)


def _resolve_system(s: Session, ref: str | None) -> int | None:
    if not ref:
        return None
    sid = s.exec(select(AISystem.id).where(AISystem.ref == ref)).first()
    if sid is None:
        raise ValidationError("system", f"AI system {ref} does not exist")
    return sid


def _resolve_controls(s: Session, codes: Any) -> list[int]:
    if codes is None:
        return []
    if isinstance(codes, str):
        codes = fields.control_codes(codes)
    if not isinstance(codes, (list, tuple, set)):
        raise ValidationError("controls", "must be a list of control codes such as A.6.2.4")
    ids = []
    missing = []
    for code in codes:
        cid = s.exec(select(Control.id).where(Control.code == str(code).strip())).first()
        if cid is None:
            missing.append(str(code))
        else:
            ids.append(cid)
    if missing:
        raise ValidationError("controls", fields.unknown_controls(missing))
    return sorted(set(ids))


def _set_controls(s: Session, risk: Risk, ids: list[int]) -> tuple[list[str], list[str]]:
    old = set(s.exec(select(RiskControl.control_id).where(RiskControl.risk_id == risk.id)).all())
    new = set(ids)
    if old == new:
        return [], []
    s.exec(delete(RiskControl).where(RiskControl.risk_id == risk.id))  # type: ignore[call-overload]
    for cid in sorted(new):
        s.add(RiskControl(risk_id=risk.id, control_id=cid))

    def codes(ids_: set[int]) -> list[str]:
        if not ids_:
            return []
        return sorted(s.exec(select(Control.code).where(Control.id.in_(ids_))).all())

    return codes(old), codes(new)


def next_risk_ref(s: Session) -> tuple[str, int]:
    """max + 1, skipping refs of deleted risks (the audit trail still speaks of them;
    a new risk must not inherit their history). Indexed look-ups, no scan."""
    from sqlalchemy import func

    from ..models import AuditEvent

    n = int(s.exec(select(func.max(Risk.ref_num))).one() or 0) + 1
    while s.exec(select(AuditEvent.id).where(AuditEvent.entity_ref == f"R-{n:04d}").limit(1)).first():
        n += 1
    return f"R-{n:04d}", n


def create_risk(db: Database, actor: str, data: dict[str, Any], *, today: date | None = None) -> dict:
    def tx(s: Session) -> dict:
        require(s, actor, EDIT, "adding a risk")
        return _create(s, actor, data, today=today, check_role=False)

    return db.transact(tx)


def _create(s: Session, actor: str, data: dict[str, Any], *, today: date | None = None,
            check_role: bool = True) -> dict:
    """Create one risk and its audit event inside the caller's write transaction.

    The one place a risk is born: ``create_risk`` and the spreadsheet import
    (services.importing, many rows in one transaction) both use it.
    """
    if check_role:
        require(s, actor, EDIT, "adding a risk")
    values = clean(SPECS, data, partial=False, session=s)
    _check_scores(s, values)
    values.setdefault("residual_likelihood", None)
    values.setdefault("residual_impact", None)
    if values["residual_likelihood"] is None:
        values["residual_likelihood"] = values["inherent_likelihood"]
    if values["residual_impact"] is None:
        values["residual_impact"] = values["inherent_impact"]
    system_id = _resolve_system(s, values.pop("system", None))
    control_ids = _resolve_controls(s, values.pop("controls", None))
    if not values.get("owner"):
        values["owner"] = actor
    if values.get("source_key"):
        dup = s.exec(select(Risk.ref).where(Risk.source_key == values["source_key"])).first()
        if dup:
            raise ValidationError("source_key", f"already imported as {dup}")
    else:
        values["source_key"] = None
    ref, num = next_risk_ref(s)
    row = Risk(ref=ref, ref_num=num, system_id=system_id, title_fold=values["title"].casefold(), **values)
    if row.next_review is None:
        m = matrix_of(s)
        level = m.level(row.residual_likelihood, row.residual_impact).name
        row.next_review = next_review(today or _today(), row.review_cadence, level, settings_row(s).cadences)
    now = audit.utcnow()
    row.created_at = row.updated_at = now
    s.add(row)
    s.flush()
    for cid in control_ids:
        s.add(RiskControl(risk_id=row.id, control_id=cid))
    s.flush()
    out = risk_dict(s, row)
    audit.record(s, actor, "risk", ref, "create", {
        k: [None, audit.plain(out[k])] for k in (
            "title", "description", "system_ref", "category", "source", "owner", *SCORE_FIELDS,
            "treatment_option", "status", "review_cadence", "next_review", "controls", "source_key")
        if out.get(k) not in (None, "", [])
    })
    return out


def update_risk(db: Database, actor: str, ref: str, changes: dict[str, Any],
                expect_version: int | None = None) -> dict:
    def tx(s: Session) -> dict:
        require(s, actor, EDIT, "editing a risk")
        values = clean(SPECS, changes, partial=True, session=s)
        _check_scores(s, values)
        row = get_risk_row(s, ref)
        check_version(row, expect_version, "risk", ref)
        for f in SCORE_FIELDS:
            if f in values and values[f] is None:
                raise ValidationError(f, "must not be empty")
        if "source_key" in values:
            values["source_key"] = values["source_key"] or None
        diff: dict[str, list] = {}
        if "system" in values:
            sys_ref = values.pop("system")
            sid = _resolve_system(s, sys_ref)
            if sid != row.system_id:
                old_ref = s.exec(select(AISystem.ref).where(AISystem.id == row.system_id)).first() \
                    if row.system_id else None
                diff["system_ref"] = [old_ref, sys_ref or None]
                row.system_id = sid
        if "controls" in values:
            old, new = _set_controls(s, row, _resolve_controls(s, values.pop("controls")))
            if old != new:
                diff["controls"] = [old, new]
        if "owner" in values and not values["owner"]:
            raise ValidationError("owner", "a risk needs an owner")
        if values.get("status") == "accepted" and row.status != "accepted":
            from .acceptances import current_acceptance, is_valid
            acc = current_acceptance(s, row)
            if acc is None or not is_valid(acc, row, _today()):
                raise ValidationError("status", "a risk is accepted by an approver, who records why "
                                                "(acceptance); it cannot just be marked accepted")
        if values.get("status") == "closed" and row.status != "closed":
            values["closed_at"] = audit.utcnow()
        elif values.get("status") and values["status"] != "closed" and row.status == "closed":
            values["closed_at"] = None
        if "title" in values:
            values["title_fold"] = values["title"].casefold()
        diff.update(apply(row, values))
        diff.pop("title_fold", None)
        if diff:
            row.updated_at = audit.utcnow()
            s.add(row)
            s.flush()
            audit.record(s, actor, "risk", ref, "update", diff)
        return risk_dict(s, row)

    return db.transact(tx)


def delete_risk(db: Database, actor: str, ref: str, expect_version: int | None = None) -> dict:
    """Delete a risk with its treatments and acceptances. The audit event keeps
    the whole record, so the deletion can be reviewed (and undone by hand)."""

    def tx(s: Session) -> dict:
        require(s, actor, APPROVE, "deleting a risk")
        row = get_risk_row(s, ref)
        check_version(row, expect_version, "risk", ref)
        snapshot = risk_dict(s, row)
        snapshot["treatments"] = [to_dict(t) for t in s.exec(select(Treatment).where(Treatment.risk_id == row.id))]
        snapshot["acceptances"] = [to_dict(a) for a in s.exec(select(Acceptance).where(Acceptance.risk_id == row.id))]
        # Reviews point at the risk by id: they go with it (kept in the audit event), so that a
        # later risk that gets the same id does not inherit them.
        snapshot["reviews"] = [to_dict(r) for r in s.exec(
            select(Review).where(Review.subject_type == "risk", Review.subject_id == row.id))]
        s.exec(delete(Review).where(Review.subject_type == "risk", Review.subject_id == row.id))  # type: ignore[call-overload]
        s.exec(delete(RiskControl).where(RiskControl.risk_id == row.id))  # type: ignore[call-overload]
        s.exec(delete(Treatment).where(Treatment.risk_id == row.id))  # type: ignore[call-overload]
        s.exec(delete(Acceptance).where(Acceptance.risk_id == row.id))  # type: ignore[call-overload]
        s.delete(row)
        s.flush()
        audit.record(s, actor, "risk", ref, "delete", {"record": [audit.plain(snapshot), None]})
        return snapshot

    return db.transact(tx)
