"""Field limits: how every input field of a record is checked, in one place.

The services validate what they write with :func:`clean`; a face that wants to
warn before saving asks the same functions (:func:`check_risk_fields`), so the
limits and the messages cannot drift apart.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from dateutil.parser import isoparse
from sqlmodel import Session, select

from .errors import ValidationError
from .models import RISK_CATEGORIES, RISK_SOURCES, RISK_STATUSES, TREATMENT_OPTIONS, User
from .schedule import CadenceError, parse_cadence
from .scoring import Matrix

_CONTROL_CHARS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


@dataclass(frozen=True)
class F:
    """How one input field is checked."""

    kind: str  # text | longtext | choice | int | date | bool | login | cadence | json
    required: bool = False
    max_len: int = 200
    choices: tuple = ()
    lo: int | None = None
    hi: int | None = None
    label: str = ""
    nullable: bool = True  # False: a change may leave it out, not empty it (creation fills a default)


LONG_TEXT_MAX = 20_000


def clean(specs: dict[str, F], data: dict[str, Any], *, partial: bool,
          session: Session | None = None) -> dict[str, Any]:
    """Validate ``data`` against ``specs``; every error at once, naming the field."""
    errors: list[tuple[str, str]] = []
    out: dict[str, Any] = {}
    unknown = [k for k in data if k not in specs]
    for k in unknown:
        errors.append((k, "is not a field of this record"))
    for name, spec in specs.items():
        if name not in data:
            if spec.required and not partial:
                errors.append((name, "is required"))
            continue
        value = data[name]
        try:
            out[name] = _clean_one(name, spec, value, session)
            if out[name] is None and not spec.nullable and partial:
                raise ValueError("must not be empty")
            if partial and spec.kind == "choice" and value in (None, "") and "" not in spec.choices:
                # in a change, an empty choice would silently become the first one (a closed
                # risk back to "open"): refuse it instead
                raise ValueError(f"must be one of {', '.join(spec.choices)}")
        except ValueError as exc:
            errors.append((name, str(exc)))
    if errors:
        raise ValidationError(errors[0][0], errors[0][1], errors)
    return out


def _clean_one(name: str, spec: F, value: Any, session: Session | None) -> Any:
    k = spec.kind
    if k in ("text", "longtext", "login"):
        if value is None:
            value = ""
        if not isinstance(value, str):
            value = str(value)
        value = _CONTROL_CHARS.sub("", value)
        if k != "longtext":
            value = value.replace("\r", " ").replace("\n", " ")
        value = value.strip() if k != "longtext" else value.rstrip()
        limit = LONG_TEXT_MAX if k == "longtext" else spec.max_len
        if spec.required and not value:
            raise ValueError("must not be empty")
        if len(value) > limit:
            raise ValueError(f"is {len(value)} characters long; at most {limit}")
        if k == "login" and value and session is not None:
            user = session.exec(select(User).where(User.login == value)).first()
            if user is None or not user.active:
                raise ValueError(f"'{value}' is not an active user")
        return value
    if k == "choice":
        if value is None or value == "":
            if spec.required:
                raise ValueError(f"must be one of {', '.join(spec.choices)}")
            return spec.choices[0] if spec.choices else ""
        v = str(value).strip().lower().replace(" ", "_").replace("-", "_")
        choices = {c.lower(): c for c in spec.choices}
        if v not in choices:
            raise ValueError(f"'{value}' is not one of {', '.join(spec.choices)}")
        return choices[v]
    if k == "int":
        if value is None or value == "":
            if spec.required:
                raise ValueError("is required")
            return None
        try:
            if isinstance(value, bool):
                raise ValueError
            if isinstance(value, float):
                if not value.is_integer():
                    raise ValueError
                value = int(value)
            iv = int(str(value).strip())
        except ValueError:
            raise ValueError(f"'{value}' is not a whole number") from None
        if spec.lo is not None and iv < spec.lo or spec.hi is not None and iv > spec.hi:
            raise ValueError(f"must be between {spec.lo} and {spec.hi}, got {iv}")
        return iv
    if k == "date":
        if value is None or value == "":
            if spec.required:
                raise ValueError("is required (YYYY-MM-DD)")
            return None
        if isinstance(value, datetime):
            return value.date()
        if isinstance(value, date):
            return value
        try:
            d = isoparse(str(value).strip())
        except (ValueError, OverflowError):
            raise ValueError(f"'{value}' is not a date (use YYYY-MM-DD)") from None
        return d.date() if isinstance(d, datetime) else d
    if k == "bool":
        if isinstance(value, bool):
            return value
        if value is None or value == "":
            return None if not spec.required else False
        v = str(value).strip().lower()
        if v in ("1", "true", "yes", "y", "on"):
            return True
        if v in ("0", "false", "no", "n", "off"):
            return False
        raise ValueError(f"'{value}' is not yes or no")
    if k == "cadence":
        v = "" if value is None else str(value).strip()
        if not v:
            return ""
        try:
            return parse_cadence(v).text
        except CadenceError as exc:
            raise ValueError(str(exc)) from None
    if k == "json":
        return value
    raise AssertionError(k)


# ---------------------------------------------------------------------------
# Risks
# ---------------------------------------------------------------------------

RISK_SPECS = {
    "system": F("text", max_len=32),  # an AI system ref, or empty for organization-wide
    "title": F("text", required=True, max_len=300),
    "description": F("longtext"),
    "category": F("choice", choices=("",) + RISK_CATEGORIES),
    "source": F("choice", choices=("",) + RISK_SOURCES),
    "owner": F("login", max_len=64),
    "inherent_likelihood": F("int", required=True),
    "inherent_impact": F("int", required=True),
    "residual_likelihood": F("int"),
    "residual_impact": F("int"),
    "treatment_option": F("choice", choices=TREATMENT_OPTIONS),
    "status": F("choice", choices=RISK_STATUSES),
    "review_cadence": F("cadence"),
    "next_review": F("date"),
    "controls": F("json"),
    "source_key": F("text", max_len=200),
}
SCORE_FIELDS = ("inherent_likelihood", "inherent_impact", "residual_likelihood", "residual_impact")


def score_errors(m: Matrix, values: dict[str, Any]) -> list[tuple[str, str]]:
    """(field, message) for each likelihood or impact outside the matrix."""
    errors = []
    for f in SCORE_FIELDS:
        v = values.get(f)
        if v is not None:
            n = m.n_likelihood if "likelihood" in f else m.n_impact
            if not 1 <= v <= n:
                errors.append((f, f"must be between 1 and {n}, got {v}"))
    return errors


def check_scores(m: Matrix, values: dict[str, Any]) -> None:
    """Raise a ValidationError naming the first score outside the matrix (listing all)."""
    errors = score_errors(m, values)
    if errors:
        raise ValidationError(errors[0][0], errors[0][1], errors)


def check_risk_fields(values: dict[str, Any], m: Matrix, *, partial: bool = True) -> list[tuple[str, str]]:
    """Every (field, message) the risk service would refuse these values for,
    without a database (owners and control codes are checked on save)."""
    try:
        cleaned = clean(RISK_SPECS, values, partial=partial)
    except ValidationError as exc:
        return list(exc.errors)
    return score_errors(m, cleaned)
