"""Shared pieces of the write path: versions, changes, references.

Field validation (``F``) lives in :mod:`aims_tui.core.fields` and the read helpers
(``to_dict``, ``settings_row``, ``matrix_of``) in :mod:`aims_tui.core.records`;
import them from there. Only the write-side helpers live here.
"""

from __future__ import annotations

from typing import Any, Iterable

from sqlalchemy import Integer, func
from sqlmodel import Session, SQLModel, select

from .. import audit, fields
from ..errors import Conflict, NotFound, ValidationError
from ..fields import F
from ..models import User
from ..records import M, get_by_ref, system_id_of, to_dict


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


def check_version(obj: SQLModel, expect: int | None, what: str, ref: Any) -> None:
    if expect is None:
        return
    try:
        if isinstance(expect, bool):
            raise ValueError
        expected = int(str(expect).strip()) if not isinstance(expect, int) else expect
    except (TypeError, ValueError):
        raise ValidationError("expect_version", f"'{expect}' is not a version number") from None
    if expected != obj.version:
        raise Conflict(what, ref, expected, to_dict(obj))


def fetch_for_change(s: Session, model: type[SQLModel], row_id: int, expect_version: int | None, what: str) -> Any:
    """The record with this id, at the version the caller saw: NotFound or Conflict otherwise."""
    row = s.get(model, row_id)
    if row is None:
        raise NotFound(what, row_id)
    check_version(row, expect_version, what, row_id)
    return row


def fetch_ref_for_change(s: Session, model: type[M], ref: str, expect_version: int | None, what: str) -> M:
    """The record with this ref, at the version the caller saw: NotFound or Conflict otherwise."""
    row = get_by_ref(s, model, ref, what)
    check_version(row, expect_version, what, ref)
    return row


def apply(obj: SQLModel, values: dict[str, Any]) -> dict[str, list]:
    """Set fields; return ``{field: [old, new]}`` for those that changed."""
    changes: dict[str, list] = {}
    for k, v in values.items():
        old = getattr(obj, k)
        if old != v:
            changes[k] = [audit.plain(old), audit.plain(v)]
            setattr(obj, k, v)
    return changes


_OWN = frozenset({"id", "ref", "version", "created_at", "updated_at"})


def created(row: SQLModel, links: dict[str, Any] | None = None, skip: Iterable[str] = ()) -> dict[str, list]:
    """The changes of a ``create`` event: ``[None, value]`` for every field the new record has
    set (not None, not empty), so the trail says all it was made with (a due date too). Left
    out: the record's own id, ref, version and time stamps, ``skip``, and the ids of other
    records, which ``links`` names by ref instead (``{"system_ref": "AIS-001"}``)."""
    drop = _OWN | set(skip)
    columns = row.__table__.columns
    out: dict[str, list] = {}
    for k, v in to_dict(row).items():
        if k in drop or k.endswith("_fold") or (k in columns and columns[k].foreign_keys):
            continue
        if v is None or (isinstance(v, (str, list, dict)) and not v):
            continue
        out[k] = [None, audit.plain(v)]
    for k, v in (links or {}).items():
        if v not in (None, ""):
            out[k] = [None, audit.plain(v)]
    return out


def record_change(s: Session, actor: str, row: SQLModel, entity: str, ref: str, action: str,
                  changes: dict[str, Any], *, stamp: bool = False) -> None:
    """Write ``row`` and its audit event in the caller's transaction; nothing at all when
    ``changes`` is empty. ``stamp`` sets the record's ``updated_at`` first."""
    if not changes:
        return
    if stamp:
        row.updated_at = audit.utcnow()
    s.add(row)
    s.flush()
    audit.record(s, actor, entity, ref, action, changes)


def stamp_completion(values: dict[str, Any], current_status: str) -> None:
    """A treatment or review action marked done gets its completion time; moved to
    any other status it loses it."""
    if values.get("status") == "done" and current_status != "done":
        values["completed_at"] = audit.utcnow()
    elif "status" in values and values["status"] != "done":
        values["completed_at"] = None


def next_ref(session: Session, model: type[SQLModel], prefix: str, width: int) -> str:
    """The next reference such as AIS-007 (max + 1; writes are serialized)."""
    col = model.ref
    n = len(prefix) + 1
    top = session.exec(
        select(func.max(func.cast(func.substr(col, n + 1), Integer)))
        .where(col.like(f"{prefix}-%"))
    ).first()
    return f"{prefix}-{(int(top or 0) + 1):0{width}d}"


def ensure_ref_free(session: Session, model: type[SQLModel], ref: str, field: str = "ref") -> None:
    col = getattr(model, field)
    if session.exec(select(col).where(col == ref)).first() is not None:
        raise ValidationError(field, f"{ref} already exists")


def resolve_system(session: Session, ref: str | None, field: str = "system") -> int | None:
    """The id of the AI system a "system" field names (None when empty); a
    ValidationError naming the field when there is no such system."""
    if not ref:
        return None
    sid = system_id_of(session, ref)
    if sid is None:
        raise ValidationError(field, f"AI system {ref} does not exist")
    return sid


def first(items: Iterable[Any]) -> Any:
    for i in items:
        return i
    return None
