"""The risk criteria (6.1.1): the matrix, the appetite and the default review cadences.

``preview_criteria`` says what a change would do before it is saved (no write);
``set_criteria`` (admins) saves it with the same report in its audit event. No
score changes: levels are derived from scores by the bands, so only the levels
move. A live risk without a cadence of its own whose default cadence changes has
its next review brought forward when the new cadence falls due sooner (never
pushed later silently); each such move is its own audit event.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlmodel import Session, select

from .. import audit
from ..db import Database
from ..errors import ValidationError
from ..identity import ADMIN, require
from ..models import Risk
from ..planning import CRITERIA_KEYS, CriteriaImpact, criteria_impact, criteria_of
from ..records import settings_row
from ..schedule import CadenceError, parse_cadence, today as _today
from ..scoring import Matrix, MatrixError
from ._base import check_version
from .settings import _check_scores_fit, ensure_settings


def get_criteria(db: Database) -> dict[str, Any]:
    """The criteria in force, with the settings' version (for --expect-version)."""
    with db.read() as s:
        return {**criteria_of(s), "version": settings_row(s).version}


def _checked(s: Session, changes: dict[str, Any]) -> dict[str, Any]:
    """The criteria after ``changes`` (keys left out keep their values), checked; a
    ValidationError naming the key otherwise."""
    if not isinstance(changes, dict):
        raise ValidationError("criteria", "give an object with some of " + ", ".join(CRITERIA_KEYS))
    unknown = [k for k in changes if k not in CRITERIA_KEYS and k != "version"]
    if unknown:
        raise ValidationError(unknown[0], f"not a criterion (criteria: {', '.join(CRITERIA_KEYS)})")
    current = criteria_of(s)
    merged = {**current, **{k: v for k, v in changes.items() if k in CRITERIA_KEYS}}
    if not isinstance(merged["appetite"], int) or isinstance(merged["appetite"], bool):
        raise ValidationError("appetite", f"must be a whole number, not {merged['appetite']!r}")
    for key in ("likelihood_labels", "impact_labels", "bands"):
        if not isinstance(merged[key], list) or not merged[key]:
            raise ValidationError(key, "must be a non-empty list")
    for key in ("likelihood_labels", "impact_labels"):
        labels = merged[key]
        if not all(isinstance(x, str) and x.strip() for x in labels):
            raise ValidationError(key, "every label must be non-empty text")
        if len({x.strip().casefold() for x in labels}) != len(labels):
            raise ValidationError(key, "labels must differ")
    for i, b in enumerate(merged["bands"], 1):
        if not isinstance(b, dict) or not {"name", "low", "high"} <= set(b):
            raise ValidationError("bands", f"band {i}: give name, low and high")
        if not all(isinstance(b[k], int) and not isinstance(b[k], bool) for k in ("low", "high")):
            raise ValidationError("bands", f"band {i}: low and high must be whole numbers")
        if not isinstance(b["name"], str) or not b["name"].strip():
            raise ValidationError("bands", f"band {i}: a name is needed")
    try:
        m = Matrix.from_dict({k: merged[k] for k in ("likelihood_labels", "impact_labels", "bands", "appetite")})
    except (MatrixError, KeyError, TypeError, ValueError) as exc:
        field = "appetite" if "appetite" in str(exc) else "bands"
        raise ValidationError(field, str(exc)) from None
    if len({b.name.casefold() for b in m.bands}) != len(m.bands):
        raise ValidationError("bands", "band names must differ")
    try:
        _check_scores_fit(s, m)
    except ValidationError as exc:
        raise ValidationError("likelihood_labels" if "likelihood" in exc.message.split(";")[0] else "impact_labels",
                              exc.message) from None
    cad = merged["cadences"]
    if not isinstance(cad, dict):
        raise ValidationError("cadences", "must map each level name to a cadence (e.g. {\"High\": \"90d\"})")
    names = set(m.level_names())
    for level, text in cad.items():
        try:
            parse_cadence(str(text))
        except CadenceError as exc:
            raise ValidationError(f"cadences.{level}", str(exc)) from None
    missing = sorted(names - set(cad))
    if missing:
        raise ValidationError("cadences", f"no cadence for level {', '.join(missing)}")
    return {**m.to_dict(), "cadences": {k: str(v) for k, v in cad.items() if k in names}}


def preview_criteria(db: Database, changes: dict[str, Any], *, today: date | None = None) -> CriteriaImpact:
    """What saving ``changes`` would do (checked as the save checks them); writes nothing."""
    with db.read() as s:
        after = _checked(s, changes)
        return criteria_impact(s, criteria_of(s), after, today or _today())


def set_criteria(db: Database, actor: str, changes: dict[str, Any], expect_version: int | None = None, *,
                 today: date | None = None) -> dict[str, Any]:
    """Save new criteria (admins): the settings and one audit event that holds the change
    and what it did; each next review brought forward, an event of its own.
    Returns ``{"criteria": ..., "impact": ...}``."""
    day = today or _today()

    def tx(s: Session) -> dict[str, Any]:
        require(s, actor, ADMIN, "changing the risk criteria")
        row = ensure_settings(s)
        check_version(row, expect_version, "settings", "criteria")
        before = criteria_of(s)
        after = _checked(s, changes)
        imp = criteria_impact(s, before, after, day)
        if imp.nothing:
            return {"criteria": {**before, "version": row.version}, "impact": imp.to_dict()}
        diff = {k: [before[k], after[k]] for k in imp.changed}
        row.matrix = {k: after[k] for k in ("likelihood_labels", "impact_labels", "bands", "appetite")}
        row.cadences = dict(after["cadences"])
        s.add(row)
        s.flush()
        summary = imp.to_dict()
        audit.record(s, actor, "settings", "criteria", "update",
                     {**diff, "impact": [None, {k: (len(v) if isinstance(v, list) else v)
                                                for k, v in summary.items() if k != "changed"}]})
        for move in imp.review_moves:
            risk = s.exec(select(Risk).where(Risk.ref == move.ref)).one()
            new = date.fromisoformat(move.after)
            old = risk.next_review
            risk.next_review = new
            risk.updated_at = audit.utcnow()
            s.add(risk)
            s.flush()
            audit.record(s, actor, "risk", risk.ref, "reschedule",
                         {"next_review": [audit.plain(old), audit.plain(new)], "reason": [None, "risk criteria changed"]})
        return {"criteria": {**after, "version": row.version}, "impact": summary}

    return db.transact(tx)
