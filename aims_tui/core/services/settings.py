"""Organization-wide settings: organization, scope, the risk matrix, cadences."""

from __future__ import annotations

from typing import Any

from sqlmodel import Session

from .. import audit
from ..db import Database
from ..errors import ValidationError
from ..identity import ADMIN, require
from ..models import Settings
from ..schedule import DEFAULT_CADENCES, DEFAULT_DUE_SOON_DAYS, CadenceError, parse_cadence
from ..scoring import DEFAULT_MATRIX, Matrix, MatrixError
from ..fields import F
from ..records import settings_row, to_dict
from ._base import apply, check_version, clean
from sqlalchemy import func
from sqlmodel import select
from ..models import Acceptance, Risk

SPECS = {
    "organization": F("text", max_len=200),
    "scope": F("longtext"),
    "classification": F("text", max_len=64),
    "policy_reference": F("text", max_len=200),
    "policy_review_on": F("date"),
    "matrix": F("json"),
    "cadences": F("json"),
    "due_soon_days": F("int", lo=0, hi=365, nullable=False),
    "overdue_grace_days": F("int", lo=0, hi=365, nullable=False),
    "shared_group": F("text", max_len=64),
}


def ensure_settings(session: Session, organization: str = "") -> Settings:
    row = session.get(Settings, 1)
    if row is None:
        row = Settings(id=1)
        row.organization = organization or "My organization"
        row.matrix = DEFAULT_MATRIX.to_dict()
        row.cadences = dict(DEFAULT_CADENCES)
        row.due_soon_days = DEFAULT_DUE_SOON_DAYS
        session.add(row)
        session.flush()
        return row
    return row


def _check_scores_fit(s: Session, m: Matrix) -> None:
    """A smaller matrix must still hold every recorded score (else levels cannot be computed)."""
    top_l = max(s.exec(select(func.max(Risk.inherent_likelihood))).one() or 0,
                s.exec(select(func.max(Risk.residual_likelihood))).one() or 0,
                s.exec(select(func.max(Acceptance.residual_likelihood))).one() or 0)
    top_i = max(s.exec(select(func.max(Risk.inherent_impact))).one() or 0,
                s.exec(select(func.max(Risk.residual_impact))).one() or 0,
                s.exec(select(func.max(Acceptance.residual_impact))).one() or 0)
    if top_l > m.n_likelihood or top_i > m.n_impact:
        raise ValidationError("matrix", f"risks are scored up to likelihood {top_l} and impact {top_i}; "
                                        f"a {m.n_likelihood}x{m.n_impact} matrix cannot hold them "
                                        f"(rescore them first)")


def get_settings(db: Database) -> dict[str, Any]:
    with db.read() as s:
        row = settings_row(s)
        d = to_dict(row)
        d["matrix"] = Matrix.from_dict(row.matrix).to_dict()
        d["cadences"] = {**DEFAULT_CADENCES, **(row.cadences or {})}
        return d


def get_matrix(db: Database) -> Matrix:
    with db.read() as s:
        return Matrix.from_dict(settings_row(s).matrix)


def update_settings(db: Database, actor: str, changes: dict[str, Any],
                    expect_version: int | None = None) -> dict[str, Any]:
    def tx(s: Session) -> dict:
        require(s, actor, ADMIN, "changing settings")
        data = clean(SPECS, changes, partial=True)
        if "matrix" in data:
            if not isinstance(data["matrix"], dict):
                raise ValidationError("matrix", "must be a mapping of labels, bands and appetite")
            # Keys not given keep their current values (not the defaults).
            current = Matrix.from_dict(settings_row(s).matrix).to_dict()
            try:
                m = Matrix.from_dict({**current, **data["matrix"]})
            except (MatrixError, KeyError, TypeError, ValueError) as exc:
                raise ValidationError("matrix", str(exc)) from None
            _check_scores_fit(s, m)
            data["matrix"] = m.to_dict()
        if "cadences" in data:
            if not isinstance(data["cadences"], dict):
                raise ValidationError("cadences", "must map level names to cadences")
            for level, cad in data["cadences"].items():
                try:
                    parse_cadence(str(cad))
                except CadenceError as exc:
                    raise ValidationError(f"cadences.{level}", str(exc)) from None
        row = ensure_settings(s)
        check_version(row, expect_version, "settings", "organization")
        diff = apply(row, data)
        if diff:
            s.add(row)
            s.flush()
            audit.record(s, actor, "settings", "settings", "update", diff)
        return to_dict(row)

    return db.transact(tx)
