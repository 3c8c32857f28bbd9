"""Reviews at planned intervals and on significant change (8.2-8.4)."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlmodel import Session, select

from .. import audit
from ..db import Database
from ..errors import NotFound, ValidationError
from ..identity import EDIT, require
from ..models import (
    REVIEW_KINDS,
    REVIEW_OUTCOMES,
    REVIEW_SUBJECTS,
    AISystem,
    Applicability,
    Control,
    ImpactAssessment,
    Review,
    Risk,
)
from ..fields import F, SCORE_FIELDS, check_scores
from ..schedule import next_review as _next_review, today as _today
from ..records import matrix_of, settings_row, to_dict
from ._base import clean
from ._base import check_version

SPECS = {
    "outcome": F("choice", required=True, choices=REVIEW_OUTCOMES),
    "kind": F("choice", choices=REVIEW_KINDS),
    "notes": F("longtext"),
    "reviewed_on": F("date"),
    "residual_likelihood": F("int"),
    "residual_impact": F("int"),
    "inherent_likelihood": F("int"),
    "inherent_impact": F("int"),
    "next_review": F("date"),
}


# The level whose default cadence applies to a subject that has no level of its own.
DEFAULT_LEVEL = {"system": "Medium", "impact_assessment": "High", "applicability": "Low"}
PREFIXES = (("AIS-", "system"), ("IA-", "impact_assessment"), ("R-", "risk"))


def review_subject_of(ref: str) -> str:
    """What a reference names: R-0001 a risk, AIS-001 an AI system, IA-001 an
    impact assessment, anything else a control code (its SoA entry)."""
    up = (ref or "").strip().upper()
    for prefix, kind in PREFIXES:
        if up.startswith(prefix) and up[len(prefix):].isdigit():
            return kind
    return "applicability"


def load_subject(s: Session, subject_type: str, ref: str):
    row: Risk | AISystem | ImpactAssessment | Applicability | None
    if subject_type == "risk":
        row = s.exec(select(Risk).where(Risk.ref == ref)).first()
    elif subject_type == "system":
        row = s.exec(select(AISystem).where(AISystem.ref == ref)).first()
    elif subject_type == "impact_assessment":
        row = s.exec(select(ImpactAssessment).where(ImpactAssessment.ref == ref)).first()
    elif subject_type == "applicability":
        row = s.exec(select(Applicability).join(Control, Control.id == Applicability.control_id)
                     .where(Control.code == ref)).first()
    else:
        raise ValidationError("subject_type", f"'{subject_type}' is not one of {', '.join(REVIEW_SUBJECTS)}")
    if row is None:
        raise NotFound(subject_type.replace("_", " "), ref)
    return row


def record_review(db: Database, actor: str, subject_type: str, ref: str, data: dict[str, Any],
                  expect_version: int | None = None, *, today: date | None = None) -> dict[str, Any]:
    """Record a review; it snapshots the scores and sets the next review date."""

    def tx(s: Session) -> dict:
        require(s, actor, EDIT, "recording a review")
        values = clean(SPECS, data, partial=False)
        row = load_subject(s, subject_type, ref)
        check_version(row, expect_version, subject_type.replace("_", " "), ref)
        version_before = getattr(row, "version", None)
        now = today or _today()
        d = values.get("reviewed_on") or now
        if d > now:
            raise ValidationError("reviewed_on", f"a review cannot be recorded ahead of time (today is {now.isoformat()})")
        outcome = values["outcome"]
        if outcome == "closed" and subject_type != "risk":
            raise ValidationError("outcome", "only a risk can be closed by a review")
        m = matrix_of(s)
        diff: dict[str, list] = {}
        scores: dict[str, Any] = {}
        level = "Medium"
        if subject_type == "risk":
            new = {k: values[k] for k in SCORE_FIELDS if values.get(k) is not None}
            check_scores(m, new)
            if new and outcome == "still_valid" and any(getattr(row, k) != v for k, v in new.items()):
                raise ValidationError("outcome", "the scores changed: record the outcome as rescored")
            if outcome == "rescored" and not new:
                raise ValidationError("outcome", "a rescored review needs the new likelihood or impact")
            for k, v in new.items():
                if getattr(row, k) != v:
                    diff[k] = [getattr(row, k), v]
                    setattr(row, k, v)
            scores = {k: getattr(row, k) for k in SCORE_FIELDS}
            scores["inherent_score"] = m.score(row.inherent_likelihood, row.inherent_impact)
            scores["inherent_level"] = m.band_for_score(scores["inherent_score"]).name
            scores["residual_score"] = m.score(row.residual_likelihood, row.residual_impact)
            level = scores["residual_level"] = m.band_for_score(scores["residual_score"]).name
            if values["outcome"] == "closed" and row.status != "closed":
                diff["status"] = [row.status, "closed"]
                row.status = "closed"
                closed_before, row.closed_at = row.closed_at, audit.utcnow()
                diff["closed_at"] = [audit.plain(closed_before), audit.plain(row.closed_at)]
        else:
            if outcome == "rescored":
                raise ValidationError("outcome", "only a risk can be rescored")
            if any(values.get(k) is not None for k in SCORE_FIELDS):
                raise ValidationError("outcome", "only a risk has likelihood and impact")
            level = DEFAULT_LEVEL[subject_type]
            scores = {k: getattr(row, k) for k in ("stage", "status", "applicable", "implementation_status")
                      if hasattr(row, k)}
        due_on = row.next_review
        cadence = getattr(row, "review_cadence", "")
        nxt = values.get("next_review") or _next_review(d, cadence, level, settings_row(s).cadences)
        if nxt <= d:
            raise ValidationError("next_review", "must be after the review date")
        if row.next_review != nxt:
            diff["next_review"] = [audit.plain(row.next_review), nxt.isoformat()]
            row.next_review = nxt
        if hasattr(row, "updated_at"):
            row.updated_at = audit.utcnow()
        s.add(row)
        rv = Review(subject_type=subject_type, subject_id=row.id, kind=values.get("kind") or "periodic",
                    reviewed_on=d, reviewed_at=audit.utcnow(), reviewer=actor, outcome=values["outcome"],
                    notes=values.get("notes", ""), scores=scores, due_on=due_on, next_review=nxt)
        s.add(rv)
        s.flush()
        audit.record(s, actor, subject_type, ref, "review", {
            "outcome": [None, rv.outcome], "kind": [None, rv.kind], **diff,
            **({"notes": [None, rv.notes]} if rv.notes else {}),
            # the record may be written twice in this transaction (autoflush): its versions, for the history
            **({"version": [version_before, row.version]} if version_before is not None else {}),
        })
        out = to_dict(rv)
        out["subject_ref"] = ref
        return out

    return db.transact(tx)


def list_reviews(db: Database, subject_type: str, ref: str) -> list[dict[str, Any]]:
    with db.read() as s:
        row = load_subject(s, subject_type, ref)
        rows = s.exec(select(Review).where(Review.subject_type == subject_type, Review.subject_id == row.id)
                      .order_by(Review.reviewed_on, Review.id)).all()
        return [to_dict(r) for r in rows]
