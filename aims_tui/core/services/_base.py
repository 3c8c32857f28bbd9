"""Shared pieces of the write path: field validation, versions, plain data."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Iterable

from dateutil.parser import isoparse
from sqlalchemy import func
from sqlmodel import Session, SQLModel, select

from .. import audit
from ..errors import Conflict, ValidationError
from ..models import Settings, User
from ..schedule import CadenceError, parse_cadence
from ..scoring import Matrix

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


def to_dict(obj: SQLModel) -> dict[str, Any]:
    """A record as plain data (a new dict; safe to hand to any face)."""
    return {c.key: getattr(obj, c.key) for c in obj.__table__.columns}  # type: ignore[attr-defined]


def check_version(obj: SQLModel, expect: int | None, what: str, ref: Any) -> None:
    if expect is None:
        return
    try:
        if isinstance(expect, bool):
            raise ValueError
        expected = int(str(expect).strip()) if not isinstance(expect, int) else expect
    except (TypeError, ValueError):
        raise ValidationError("expect_version", f"'{expect}' is not a version number") from None
    if expected != obj.version:  # type: ignore[attr-defined]
        raise Conflict(what, ref, expected, to_dict(obj))


def apply(obj: SQLModel, values: dict[str, Any]) -> dict[str, list]:
    """Set fields; return ``{field: [old, new]}`` for those that changed."""
    changes: dict[str, list] = {}
    for k, v in values.items():
        old = getattr(obj, k)
        if old != v:
            changes[k] = [audit.plain(old), audit.plain(v)]
            setattr(obj, k, v)
    return changes


def settings_row(session: Session) -> Settings:
    row = session.get(Settings, 1)
    if row is None:
        row = Settings(id=1)
    return row


def matrix_of(session: Session) -> Matrix:
    return Matrix.from_dict(settings_row(session).matrix)


def next_ref(session: Session, model: type[SQLModel], prefix: str, width: int) -> str:
    """The next reference such as AIS-007 (max + 1; writes are serialized)."""
    col = model.ref  # type: ignore[attr-defined]
    n = len(prefix) + 1
    top = session.exec(
        select(func.max(func.cast(func.substr(col, n + 1), _int_type())))
        .where(col.like(f"{prefix}-%"))
    ).first()
    return f"{prefix}-{(int(top or 0) + 1):0{width}d}"


def _int_type():
    from sqlalchemy import Integer
    return Integer


def ensure_ref_free(session: Session, model: type[SQLModel], ref: str, field: str = "ref") -> None:
    col = getattr(model, field)
    if session.exec(select(col).where(col == ref)).first() is not None:
        raise ValidationError(field, f"{ref} already exists")


def first(items: Iterable[Any]) -> Any:
    for i in items:
        return i
    return None
