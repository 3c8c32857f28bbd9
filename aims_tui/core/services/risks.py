"""The risk register (6.1.2): create, update, close, delete, link controls."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import func
from sqlmodel import Session, delete, select

from .. import audit, fields
from ..db import Database
from ..errors import ValidationError
from ..identity import APPROVE, EDIT, require
from ..models import (
    Acceptance,
    AuditEvent,
    Control,
    Review,
    Risk,
    RiskControl,
    Treatment,
)
from ..fields import RISK_SPECS, SCORE_FIELDS, check_scores
from ..records import get_risk_row, matrix_of, settings_row, system_ref_of, to_dict
from ..rules import acceptance_state, current_acceptance
from ..schedule import next_review, today as _today
from ..scoring import AWAITING_LEVEL, score
from ._base import apply, clean, fetch_ref_for_change, record_change, resolve_system

SPECS = RISK_SPECS


def risk_dict(s: Session, row: Risk) -> dict[str, Any]:
    d = to_dict(row)
    m = matrix_of(s)
    if row.awaiting_assessment:  # placeholder scores: no score, no level
        d["inherent_score"] = d["residual_score"] = None
        d["inherent_level"] = d["residual_level"] = AWAITING_LEVEL
    else:
        d["inherent_score"] = m.score(row.inherent_likelihood, row.inherent_impact)
        d["residual_score"] = m.score(row.residual_likelihood, row.residual_impact)
        d["inherent_level"] = m.band_for_score(d["inherent_score"]).name
        d["residual_level"] = m.band_for_score(d["residual_score"]).name
    d["system_ref"] = system_ref_of(s, row.system_id)
    d["controls"] = list(s.exec(
        select(Control.code).join(RiskControl, RiskControl.control_id == Control.id)
        .where(RiskControl.risk_id == row.id).order_by(Control.sort_key)
    ).all())
    return d


def get_risk(db: Database, ref: str) -> dict[str, Any]:
    with db.read() as s:
        return risk_dict(s, get_risk_row(s, ref))


def _check_scores(s: Session, values: dict[str, Any], current: dict[str, Any] | None = None) -> None:
    """The scores within the matrix in force (the spreadsheet import checks through this)."""
    check_scores(matrix_of(s), values)


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
    s.exec(delete(RiskControl).where(RiskControl.risk_id == risk.id))
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
            check_role: bool = True, awaiting: bool = False) -> dict:
    """Create one risk and its audit event inside the caller's write transaction.

    ``awaiting``: brought in without scores (an imported catalogue): the missing
    scores are placeholders (1) and the risk awaits assessment, due for review now.
    """
    if check_role:
        require(s, actor, EDIT, "adding a risk")
    if awaiting:
        data = {**data, **{f: data.get(f) or 1 for f in ("inherent_likelihood", "inherent_impact")}}
    values = clean(SPECS, data, partial=False, session=s)
    _check_scores(s, values)
    values.setdefault("residual_likelihood", None)
    values.setdefault("residual_impact", None)
    if values["residual_likelihood"] is None:
        values["residual_likelihood"] = values["inherent_likelihood"]
    if values["residual_impact"] is None:
        values["residual_impact"] = values["inherent_impact"]
    system_id = resolve_system(s, values.pop("system", None))
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
    row = Risk(ref=ref, ref_num=num, system_id=system_id, title_fold=values["title"].casefold(),
               awaiting_assessment=awaiting, **values)
    if row.next_review is None and awaiting:
        row.next_review = today or _today()  # in everyone's reminders until scored
    elif row.next_review is None:
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
            "treatment_option", "status", "review_cadence", "next_review", "controls", "source_key",
            "awaiting_assessment")
        if out.get(k) not in (None, "", [], False)
    })
    return out


def update_risk(db: Database, actor: str, ref: str, changes: dict[str, Any],
                expect_version: int | None = None) -> dict:
    def tx(s: Session) -> dict:
        require(s, actor, EDIT, "editing a risk")
        values = clean(SPECS, changes, partial=True, session=s)
        _check_scores(s, values)
        row = fetch_ref_for_change(s, Risk, ref, expect_version, "risk")
        for f in SCORE_FIELDS:
            if f in values and values[f] is None:
                raise ValidationError(f, "must not be empty")
        if "source_key" in values:
            values["source_key"] = values["source_key"] or None
        if row.awaiting_assessment and any(values.get(f) is not None for f in SCORE_FIELDS):
            # Scored at last: the placeholders go; residual follows inherent unless given.
            for res, inh in (("residual_likelihood", "inherent_likelihood"), ("residual_impact", "inherent_impact")):
                if values.get(res) is None and values.get(inh) is not None:
                    values[res] = values[inh]
            values["awaiting_assessment"] = False
        diff: dict[str, list] = {}
        if "system" in values:
            sys_ref = values.pop("system")
            sid = resolve_system(s, sys_ref)
            if sid != row.system_id:
                diff["system_ref"] = [system_ref_of(s, row.system_id), sys_ref or None]
                row.system_id = sid
        if "controls" in values:
            old, new = _set_controls(s, row, _resolve_controls(s, values.pop("controls")))
            if old != new:
                diff["controls"] = [old, new]
        if "owner" in values and not values["owner"]:
            raise ValidationError("owner", "a risk needs an owner")
        if values.get("status") == "accepted" and row.status != "accepted":
            state = acceptance_state(current_acceptance(s, row.id),
                                     score(row.residual_likelihood, row.residual_impact), _today())
            if not state.valid:
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
        record_change(s, actor, row, "risk", ref, "update", diff, stamp=True)
        return risk_dict(s, row)

    return db.transact(tx)


def delete_risk(db: Database, actor: str, ref: str, expect_version: int | None = None) -> dict:
    """Delete a risk with its treatments and acceptances. The audit event keeps
    the whole record, so the deletion can be reviewed (and undone by hand)."""

    def tx(s: Session) -> dict:
        require(s, actor, APPROVE, "deleting a risk")
        row = fetch_ref_for_change(s, Risk, ref, expect_version, "risk")
        snapshot = risk_dict(s, row)
        snapshot["treatments"] = [to_dict(t) for t in s.exec(select(Treatment).where(Treatment.risk_id == row.id))]
        snapshot["acceptances"] = [to_dict(a) for a in s.exec(select(Acceptance).where(Acceptance.risk_id == row.id))]
        # Reviews point at the risk by id: they go with it (kept in the audit event), so that a
        # later risk that gets the same id does not inherit them.
        snapshot["reviews"] = [to_dict(r) for r in s.exec(
            select(Review).where(Review.subject_type == "risk", Review.subject_id == row.id))]
        s.exec(delete(Review).where(Review.subject_type == "risk", Review.subject_id == row.id))
        s.exec(delete(RiskControl).where(RiskControl.risk_id == row.id))
        s.exec(delete(Treatment).where(Treatment.risk_id == row.id))
        s.exec(delete(Acceptance).where(Acceptance.risk_id == row.id))
        s.delete(row)
        s.flush()
        audit.record(s, actor, "risk", ref, "delete", {"record": [audit.plain(snapshot), None]})
        return snapshot

    return db.transact(tx)
