"""Shared pieces of the write path: field validation, versions, plain data."""

from __future__ import annotations

from typing import Any, Iterable

from sqlalchemy import func
from sqlmodel import Session, SQLModel, select

from .. import audit, fields
from ..errors import Conflict, ValidationError
from ..fields import LONG_TEXT_MAX, F  # noqa: F401 - the services' names for the field rules
from ..models import Settings, User
from ..scoring import Matrix


def clean(specs: dict[str, F], data: dict[str, Any], *, partial: bool,
          session: Session | None = None) -> dict[str, Any]:
    """Validate ``data`` against ``specs`` (the rules of core.fields, which forms ask
    too); every error at once, naming the field. With a session, a login must be
    an active user."""
    return fields.clean(specs, data, partial=partial,
                        active_user=_active_user(session) if session is not None else None)


def _active_user(session: Session):
    def active(login: str) -> bool:
        user = session.exec(select(User).where(User.login == login)).first()
        return user is not None and bool(user.active)

    return active


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
