"""The write path of every kind declared in :mod:`aims_tui.core.catalog`.

One function per operation for all of them: the role of the kind is checked,
the input cleaned with its field rules (every error at once, naming the field),
links resolved by ref, the kind's own rules run (``Kind.prepare``), the row and
its audit event written in one transaction, the version checked on change.
Records come back as plain dicts in which each link reads as the linked ref
(``"system": "AIS-001"``), so what ``list`` gives out ``add`` takes back in.
"""

from __future__ import annotations

from datetime import date
from typing import Any, Iterable

from sqlmodel import Session, select

from ..catalog import KINDS
from ..db import Database
from ..errors import NotFound, ValidationError
from ..identity import require
from ..kind import Kind
from ..models import WITHDRAWN, Objective
from ..objectives import MEASUREMENT, OBJECTIVE, next_measurement_after
from ..records import get_by_ref, to_dict
from ..schedule import parse_cadence, today as _today
from ._base import apply, clean, created, fetch_ref_for_change, next_ref, record_change


def kind_of(entity: str | Kind) -> Kind:
    if isinstance(entity, Kind):
        return entity
    try:
        return KINDS[entity]
    except KeyError:
        raise ValidationError("kind", f"'{entity}' is not one of {', '.join(sorted(KINDS))}") from None


def record_dict(s: Session, k: Kind, row: Any) -> dict[str, Any]:
    """The record as plain data, each link as the linked record's ref."""
    d = to_dict(row)
    for name, link in k.links.items():
        rid = d.get(link.column)
        d[name] = None if rid is None else s.exec(select(link.model.ref).where(link.model.id == rid)).first()
    return d


def _resolve_links(s: Session, k: Kind, values: dict[str, Any]) -> None:
    for name, link in k.links.items():
        if name not in values:
            continue
        ref = values.pop(name)
        if ref in (None, ""):
            values[link.column] = None
            continue
        rid = s.exec(select(link.model.id).where(link.model.ref == str(ref).strip())).first()
        if rid is None:
            raise ValidationError(name, f"{link.what} {ref} does not exist")
        values[link.column] = rid


def _input(k: Kind, data: dict[str, Any]) -> dict[str, Any]:
    """What a caller passed, less what the record says of itself (ref, id, version, the
    ids behind links, any column that is not a field a user sets): so a record listed
    as JSON can be given back as input, while a misspelt field is still named."""
    columns = set(k.model.__table__.columns.keys())
    return {key: v for key, v in data.items() if key in k.specs or key not in columns}


def _schedule(values: dict[str, Any], row: Any, today: date) -> None:
    """A record with a review cadence and no next review date gets one: the cadence's
    next date after today (a changed cadence moves it, unless a date is given too)."""
    cadence = values.get("review_cadence")
    if not cadence or values.get("next_review") is not None:
        return
    if row is not None and getattr(row, "next_review", None) is not None and "review_cadence" not in values:
        return
    if row is None or cadence != getattr(row, "review_cadence", None) or getattr(row, "next_review", None) is None:
        values["next_review"] = parse_cadence(cadence).next_after(today)


def _create_in(s: Session, k: Kind, actor: str, data: dict[str, Any], today: date) -> dict[str, Any]:
    values = clean(k.specs, _input(k, data), partial=False, session=s)
    _resolve_links(s, k, values)
    if k.prepare is not None:
        k.prepare(s, values, None, today)
    _schedule(values, None, today)
    row = k.model(ref=next_ref(s, k.model, k.prefix, k.width), **values)
    if hasattr(row, "created_by") and not getattr(row, "created_by", None):
        row.created_by = actor
    shown = record_dict(s, k, row)  # each link as the linked record's ref
    links = {name: shown[name] for name in k.links}
    record_change(s, actor, row, k.entity, row.ref, "create", created(row, links) or {"ref": [None, row.ref]})
    _after_write(s, k, actor, row)
    return record_dict(s, k, row)


def _after_write(s: Session, k: Kind, actor: str, row: Any) -> None:
    """What a write of one kind moves in another: a measurement (however it is recorded:
    ``aims objectives measure``, ``aims measurements add`` or update, the app, the demo)
    moves its objective's next measurement date (the reminder) by
    :func:`aims_tui.core.objectives.next_measurement_after`, with an update event on the
    objective (so the register as of a date undoes it too)."""
    if k is not MEASUREMENT or row.objective_id is None or row.measured_on is None or row.status == WITHDRAWN:
        return
    s.flush()
    obj = s.get(Objective, row.objective_id)
    if obj is None:
        return
    nxt = next_measurement_after(obj.next_review, obj.review_cadence, row.measured_on)
    if nxt != obj.next_review:
        changes = apply(obj, {"next_review": nxt})
        changes["note"] = [None, f"measured on {row.measured_on.isoformat()}"]
        record_change(s, actor, obj, OBJECTIVE.entity, obj.ref, "update", changes, stamp=True)


def create(db: Database, actor: str, entity: str | Kind, data: dict[str, Any], *,
           today: date | None = None) -> dict[str, Any]:
    """Record a new one; the saved record as a dict."""
    k = kind_of(entity)

    def tx(s: Session) -> dict[str, Any]:
        require(s, actor, k.role, f"recording a {k.what}")
        return _create_in(s, k, actor, data, today or _today())

    return db.transact(tx)


def create_many(db: Database, actor: str, entity: str | Kind, items: Iterable[dict[str, Any]], *,
                today: date | None = None) -> list[dict[str, Any]]:
    """Several at once, all or nothing; a refusal names the item (1-based) and the field."""
    k = kind_of(entity)
    batch = list(items)

    def tx(s: Session) -> list[dict[str, Any]]:
        require(s, actor, k.role, f"recording a {k.what}")
        out = []
        for i, data in enumerate(batch, 1):
            if not isinstance(data, dict):
                raise ValidationError("json", f"item {i} is not an object")
            try:
                out.append(_create_in(s, k, actor, data, today or _today()))
            except ValidationError as exc:
                raise ValidationError(exc.field, f"item {i}: {exc.message}") from None
        return out

    return db.transact(tx)


def update(db: Database, actor: str, entity: str | Kind, ref: str, changes: dict[str, Any],
           expect_version: int | None = None, *, today: date | None = None) -> dict[str, Any]:
    """Change fields of one record, at the version the caller saw."""
    k = kind_of(entity)

    def tx(s: Session) -> dict[str, Any]:
        require(s, actor, k.role, f"editing a {k.what}")
        values = clean(k.specs, _input(k, changes), partial=True, session=s)
        row = fetch_ref_for_change(s, k.model, ref, expect_version, k.what)
        if getattr(row, k.status_field) == WITHDRAWN:
            raise ValidationError(k.status_field, f"{ref} is withdrawn; restore it first")
        _resolve_links(s, k, values)
        if k.prepare is not None:
            k.prepare(s, values, row, today or _today())
        _schedule(values, row, today or _today())
        record_change(s, actor, row, k.entity, ref, "update", apply(row, values),
                      stamp=hasattr(row, "updated_at"))
        _after_write(s, k, actor, row)
        return record_dict(s, k, row)

    return db.transact(tx)


def listing(db: Database, entity: str | Kind, *, include_withdrawn: bool = False,
            where: dict[str, Any] | None = None) -> list[dict[str, Any]]:
    """Every record of the kind in ref order (withdrawn ones left out unless asked)."""
    k = kind_of(entity)
    with db.read() as s:
        q = select(k.model)
        if not include_withdrawn:
            q = q.where(getattr(k.model, k.status_field) != WITHDRAWN)
        for name, value in (where or {}).items():
            q = q.where(getattr(k.model, name) == value)
        return [record_dict(s, k, r) for r in s.exec(q.order_by(k.model.ref))]


def show(db: Database, entity: str | Kind, ref: str) -> dict[str, Any]:
    k = kind_of(entity)
    with db.read() as s:
        return record_dict(s, k, get_by_ref(s, k.model, ref, k.what))


def find(s: Session, entity: str | Kind, ref: str) -> Any:
    """The row (inside a caller's transaction); NotFound naming the kind."""
    k = kind_of(entity)
    row = s.exec(select(k.model).where(k.model.ref == ref)).first()
    if row is None:
        raise NotFound(k.what, ref)
    return row


def mark_reviewed(db: Database, actor: str, entity: str | Kind, ref: str, expect_version: int | None = None, *,
                  note: str = "", today: date | None = None) -> dict[str, Any]:
    """Record that the record was reviewed today: ``last_reviewed`` becomes today and the
    next review the cadence's next date (kept as it was when there is no cadence)."""
    k = kind_of(entity)

    def tx(s: Session) -> dict[str, Any]:
        require(s, actor, k.role, f"reviewing a {k.what}")
        row = fetch_ref_for_change(s, k.model, ref, expect_version, k.what)
        if not hasattr(row, "last_reviewed"):
            raise ValidationError("kind", f"a {k.what} has no review")
        if getattr(row, k.status_field) == WITHDRAWN:
            raise ValidationError(k.status_field, f"{ref} is withdrawn; restore it first")
        day = today or _today()
        values: dict[str, Any] = {"last_reviewed": day}
        if getattr(row, "review_cadence", ""):
            values["next_review"] = parse_cadence(row.review_cadence).next_after(day)
        changes = apply(row, values)
        if note.strip():
            changes["note"] = [None, note.strip()]
        record_change(s, actor, row, k.entity, ref, "review", changes or {"last_reviewed": [day, day]},
                      stamp=hasattr(row, "updated_at"))
        return record_dict(s, k, row)

    return db.transact(tx)
