"""Field rules, written once: limits, ranges, allowed values, date parsing.

Every service validates its input with these (``services._base.clean`` calls
``clean`` here), and every form checks a field as the user types by asking the
same functions (``problems``, ``score_problem``, ``unknown_controls``), so a
form and the service can never disagree about a value or word it differently.

Headless and session-free: whether a login is an active user is asked through a
callable the caller passes (the service passes a database look-up).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Callable, Iterable

from dateutil.parser import isoparse

from .errors import ValidationError
from .models import (
    AI_ROLES,
    EU_AI_ACT_TIERS,
    RISK_CATEGORIES,
    RISK_SOURCES,
    RISK_STATUSES,
    TREATMENT_OPTIONS,
    TREATMENT_STATUSES,
)
from .schedule import CadenceError, parse_cadence

_CONTROL_CHARS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
LONG_TEXT_MAX = 20_000

ActiveUser = Callable[[str], bool]


@dataclass(frozen=True)
class F:
    """How one input field is checked."""

    kind: str  # text | longtext | choice | int | number | date | bool | login | cadence | json | path
    required: bool = False
    max_len: int = 200
    choices: tuple = ()
    lo: int | float | None = None
    hi: int | float | None = None
    label: str = ""
    nullable: bool = True  # False: a change may leave it out, not empty it (creation fills a default)


# -- the records' fields ---------------------------------------------------------------------
RISK: dict[str, F] = {
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
RISK_SCORES = ("inherent_likelihood", "inherent_impact", "residual_likelihood", "residual_impact")

SYSTEM: dict[str, F] = {
    "name": F("text", required=True, max_len=200),
    "purpose": F("longtext"),
    "intended_use": F("longtext"),
    "business_owner": F("text", max_len=64),
    "technical_owner": F("text", max_len=64),
    "ai_role": F("choice", choices=AI_ROLES),
    "eu_ai_act_tier": F("choice", choices=EU_AI_ACT_TIERS),
    "personal_data": F("bool", nullable=False),
    "third_party": F("text", max_len=200),
    "human_oversight": F("longtext"),
    "review_cadence": F("cadence"),
    "next_review": F("date"),
}

TREATMENT: dict[str, F] = {
    "action": F("longtext", required=True),
    "owner": F("login", max_len=64),
    "due_date": F("date"),
    "status": F("choice", choices=TREATMENT_STATUSES),
    "control": F("text", max_len=32),
}


# -- checking ------------------------------------------------------------------------------------
def clean(specs: dict[str, F], data: dict[str, Any], *, partial: bool,
          active_user: ActiveUser | None = None) -> dict[str, Any]:
    """Validate ``data`` against ``specs``; every error at once, naming the field."""
    out, errors = _check(specs, data, partial=partial, active_user=active_user)
    if errors:
        raise ValidationError(errors[0][0], errors[0][1], errors)
    return out


def problems(specs: dict[str, F], data: dict[str, Any], *, partial: bool = False,
             active_user: ActiveUser | None = None) -> dict[str, str]:
    """What a form shows as the user types: ``{field: message}``, the messages the
    service would give for the same values (empty: the service would take them)."""
    _, errors = _check(specs, data, partial=partial, active_user=active_user)
    out: dict[str, str] = {}
    for field, message in errors:
        out.setdefault(field, message)
    return out


def _check(specs: dict[str, F], data: dict[str, Any], *, partial: bool,
           active_user: ActiveUser | None) -> tuple[dict[str, Any], list[tuple[str, str]]]:
    errors: list[tuple[str, str]] = []
    out: dict[str, Any] = {}
    for k in data:
        if k not in specs:
            errors.append((k, "is not a field of this record"))
    for name, spec in specs.items():
        if name not in data:
            if spec.required and not partial:
                errors.append((name, "is required"))
            continue
        value = data[name]
        try:
            out[name] = check(spec, value, active_user=active_user)
            if out[name] is None and not spec.nullable and partial:
                raise ValueError("must not be empty")
            if partial and spec.kind == "choice" and value in (None, "") and "" not in spec.choices:
                # in a change, an empty choice would silently become the first one (a closed
                # risk back to "open"): refuse it instead
                raise ValueError(f"must be one of {', '.join(spec.choices)}")
        except ValueError as exc:
            errors.append((name, str(exc)))
    return out, errors


def check(spec: F, value: Any, *, active_user: ActiveUser | None = None) -> Any:
    """One value, cleaned; ValueError with the message the user reads."""
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
        if k == "login" and value and active_user is not None and not active_user(value):
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
        iv = whole_number(value)
        if spec.lo is not None and iv < spec.lo or spec.hi is not None and iv > spec.hi:
            raise ValueError(f"must be between {spec.lo} and {spec.hi}, got {iv}")
        return iv
    if k == "number":
        if value is None or (isinstance(value, str) and not value.strip()):
            if spec.required:
                raise ValueError("is required")
            return None
        fv = real_number(value)
        if spec.lo is not None and fv < spec.lo or spec.hi is not None and fv > spec.hi:
            raise ValueError(_bounds(spec, fv))
        return fv
    if k == "date":
        if value is None or value == "":
            if spec.required:
                raise ValueError("is required (YYYY-MM-DD)")
            return None
        return parse_date(value)
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
    if k == "path":  # a file name keeps every character it has (spaces, control characters): it is data
        v = "" if value is None else str(value)
        if "\x00" in v:
            raise ValueError("holds a NUL character, which no file name can")
        if not v.strip():
            if spec.required:
                raise ValueError("must not be empty")
            return ""
        if len(v) > spec.max_len:
            raise ValueError(f"is {len(v)} characters long; at most {spec.max_len}")
        return v
    raise AssertionError(k)


def whole_number(value: Any) -> int:
    try:
        if isinstance(value, bool):
            raise ValueError
        if isinstance(value, float):
            if not value.is_integer():
                raise ValueError
            value = int(value)
        return int(str(value).strip())
    except ValueError:
        raise ValueError(f"'{value}' is not a whole number") from None


def real_number(value: Any) -> float:
    """A number typed as 93.5, -2 or 1e3 (a comma is not a decimal point: '1,5' is refused,
    not read as 15); ValueError naming what was typed. Not a number, infinity and
    yes/no values are refused."""
    try:
        if isinstance(value, bool):
            raise ValueError
        fv = float(value) if isinstance(value, (int, float)) else float(str(value).strip().replace("_", "x"))
    except (ValueError, OverflowError):
        raise ValueError(f"'{value}' is not a number") from None
    if fv != fv or fv in (float("inf"), float("-inf")):
        raise ValueError(f"'{value}' is not a finite number")
    return fv + 0.0  # -0.0 reads as 0


def number_text(v: float) -> str:
    return str(int(v)) if float(v).is_integer() and abs(v) < 1e15 else repr(float(v))


def _bounds(spec: F, v: float) -> str:
    if spec.lo is not None and spec.hi is not None:
        return f"must be between {number_text(spec.lo)} and {number_text(spec.hi)}, got {number_text(v)}"
    if spec.lo is not None:
        return f"must be at least {number_text(spec.lo)}, got {number_text(v)}"
    return f"must be at most {number_text(spec.hi or 0)}, got {number_text(v)}"


def parse_date(value: Any) -> date:
    """A date typed as YYYY-MM-DD (ISO 8601); ValueError naming what was typed."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    try:
        d = isoparse(str(value).strip())
    except (ValueError, OverflowError):
        raise ValueError(f"'{value}' is not a date (use YYYY-MM-DD)") from None
    return d.date() if isinstance(d, datetime) else d


def score_problem(field: str, value: Any, n_likelihood: int, n_impact: int) -> str | None:
    """A likelihood or impact against the matrix's scale (None: fine or empty)."""
    if value is None or value == "":
        return None
    try:
        v = whole_number(value)
    except ValueError as exc:
        return str(exc)
    n = n_likelihood if "likelihood" in field else n_impact
    if not 1 <= v <= n:
        return f"must be between 1 and {n}, got {v}"
    return None


def control_codes(text: Any) -> list[str]:
    """Control codes typed as 'A.6.2.4, A.9.2' (commas or semicolons)."""
    if text is None:
        return []
    if isinstance(text, (list, tuple, set)):
        return [str(c).strip() for c in text if str(c).strip()]
    return [c.strip() for c in str(text).replace(";", ",").split(",") if c.strip()]


def unknown_controls(missing: Iterable[str]) -> str:
    return f"unknown control(s): {', '.join(missing)}"


# -- the risk's scores against the matrix (the services and a form ask the same) ---------------
RISK_SPECS = RISK
SCORE_FIELDS = RISK_SCORES


def score_errors(m: Any, values: dict[str, Any]) -> list[tuple[str, str]]:
    """(field, message) for each likelihood or impact outside the matrix ``m``."""
    errors = []
    for f in SCORE_FIELDS:
        problem = score_problem(f, values.get(f), m.n_likelihood, m.n_impact)
        if problem:
            errors.append((f, problem))
    return errors


def check_scores(m: Any, values: dict[str, Any]) -> None:
    """Raise a ValidationError naming the first score outside the matrix (listing all)."""
    errors = score_errors(m, values)
    if errors:
        raise ValidationError(errors[0][0], errors[0][1], errors)


def check_risk_fields(values: dict[str, Any], m: Any, *, partial: bool = True) -> list[tuple[str, str]]:
    """Every (field, message) the risk service would refuse these values for,
    without a database (owners and control codes are checked on save)."""
    cleaned, errors = _check(RISK, values, partial=partial, active_user=None)
    return errors or score_errors(m, cleaned)
