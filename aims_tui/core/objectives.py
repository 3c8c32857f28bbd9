"""AI objectives (6.2) and their measurement (9.1): the kinds of record, and what
is read from them.

``objective``: what the organization means to achieve, the metric that shows it,
a target value with its unit and direction (``at_least``: the value should be at
or above the target; ``at_most``: at or below), an owner, a due date and a
review cadence; optionally the AI system it is about.

``measurement``: one dated value of an objective's metric. A measurement needs
its objective to be active, and is not dated in the future.

Read side: :func:`meets` (a value against the target), :func:`travel` (the
direction of travel of a series), :func:`summaries` (each objective with its
latest value, whether it meets the target, its travel and its series, as of a
date), :func:`not_measured` (active objectives with no measurement within their
cadence: the check gate ``objective_not_measured``) and :func:`findings`
(readiness for 6.2 and 9.1).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any, Iterable, Sequence

from sqlmodel import Session, select

from .db import Database
from .errors import NotFound, ValidationError
from .fields import F, number_text
from .kind import Due, Kind, Link
from .models import (
    OBJECTIVE_DIRECTIONS,
    OBJECTIVE_STATUSES,
    WITHDRAWN,
    AISystem,
    Measurement,
    Objective,
)
from .readiness_types import MISSING, OK, STALE, Finding
from .schedule import CadenceError, parse_cadence

AT_LEAST, AT_MOST = OBJECTIVE_DIRECTIONS
IMPROVING, WORSENING, STEADY, NO_TREND = "improving", "worsening", "steady", ""
MEASURE_KEY = "m"  # the objectives screen's key that records a measurement (named in fixes)


def _measurement_rules(s: Session, values: dict[str, Any], row: Any, today: date) -> None:
    """A measurement is of an active objective, and not dated after today."""
    if "objective_id" in values:
        oid = values["objective_id"]
        if oid is None:
            raise ValidationError("objective", "is required (an objective's ref, e.g. OBJ-001)")
        obj = s.get(Objective, oid)
        if obj is not None and obj.status != "active":
            raise ValidationError("objective", f"{obj.ref} is {obj.status}: only an active objective is measured")
    on = values.get("measured_on")
    if on is not None and on > today:
        raise ValidationError("measured_on", f"{on.isoformat()} is in the future (today is {today.isoformat()})")


def _objective_rules(s: Session, values: dict[str, Any], row: Any, today: date) -> None:
    if "target" in values and values["target"] is None:
        raise ValidationError("target", "must not be empty")


OBJECTIVE = Kind(
    entity="objective", model=Objective, what="objective", prefix="OBJ",
    specs={
        "title": F("text", required=True, max_len=300, label="Title"),
        "metric": F("text", max_len=300, label="Metric"),
        "target": F("number", required=True, label="Target value"),
        "unit": F("text", max_len=32, label="Unit"),
        "direction": F("choice", choices=OBJECTIVE_DIRECTIONS, label="Direction"),
        "system": F("text", max_len=32, label="AI system"),
        "description": F("longtext", label="Description"),
        "owner": F("login", max_len=64, label="Owner"),
        "status": F("choice", choices=OBJECTIVE_STATUSES, label="Status"),
        "due_date": F("date", label="Due date"),
        "review_cadence": F("cadence", label="Measurement cadence"),
        "next_review": F("date", label="Next measurement"),
    },
    links={"system": Link(AISystem, "system_id", "AI system")},
    closed=("achieved", "dropped"),
    due=(Due("next_review", "objective measurement"), Due("due_date", "objective due")),
    prepare=_objective_rules, summary=("target", "direction"),
)

MEASUREMENT = Kind(
    entity="measurement", model=Measurement, what="measurement", prefix="MEA", width=4,
    specs={
        "objective": F("text", required=True, max_len=32, label="Objective"),
        "measured_on": F("date", required=True, label="Measured on"),
        "value": F("number", required=True, label="Value"),
        "note": F("text", max_len=500, label="Note"),
    },
    title_field="note", owner_field=None,
    links={"objective": Link(Objective, "objective_id", "objective")},
    prepare=_measurement_rules, summary=("measured_on", "value"),
)


# -- reading a series --------------------------------------------------------------------------
def meets(value: float | None, target: float, direction: str) -> bool | None:
    """Whether a value meets the target (None: no value)."""
    if value is None:
        return None
    return value <= target if direction == AT_MOST else value >= target


def travel(values: Sequence[float], direction: str) -> str:
    """The direction of travel of a series in date order: the latest value against the
    one before it, read by the objective's direction (higher is better for
    ``at_least``, lower for ``at_most``). Fewer than two values: no trend."""
    if len(values) < 2:
        return NO_TREND
    before, latest = values[-2], values[-1]
    if latest == before:
        return STEADY
    better = latest > before if direction != AT_MOST else latest < before
    return IMPROVING if better else WORSENING


@dataclass(frozen=True)
class Point:
    on: date
    value: float
    ref: str = ""
    note: str = ""


def series(s: Session, objective_id: int, as_of: date | None = None) -> list[Point]:
    """The objective's measurements in date order (withdrawn ones left out; none after ``as_of``)."""
    q = select(Measurement).where(Measurement.objective_id == objective_id, Measurement.status != WITHDRAWN)
    if as_of is not None:
        q = q.where(Measurement.measured_on <= as_of)
    rows = s.exec(q.order_by(Measurement.measured_on, Measurement.id)).all()
    return [Point(m.measured_on, m.value, m.ref, m.note) for m in rows]


def measurement_due(obj: Any, latest_on: date | None) -> date | None:
    """When the next measurement is due: a cadence after the latest one; with none yet,
    the objective's next measurement date (None: no cadence and no date)."""
    if latest_on is not None and obj.review_cadence:
        try:
            return parse_cadence(obj.review_cadence).next_after(latest_on)
        except CadenceError:
            return obj.next_review
    return obj.next_review if latest_on is None else None


def next_measurement_after(current: date | None, cadence: str | None, measured_on: date) -> date | None:
    """The objective's next measurement date once a measurement dated ``measured_on`` is
    recorded: its cadence's next date after the measurement, when that is later than
    ``current`` (a value recorded late for an earlier period never moves it back);
    ``current`` without a usable cadence. Every write of a measurement moves the
    objective's ``next_review`` (the reminder) by this rule."""
    if not cadence:
        return current
    try:
        nxt = parse_cadence(cadence).next_after(measured_on)
    except CadenceError:
        return current
    return nxt if current is None or nxt > current else current


def summary(s: Session, obj: Objective, as_of: date | None = None) -> dict[str, Any]:
    """One objective with its latest value, whether that meets the target, its travel and series."""
    pts = series(s, obj.id, as_of)
    latest = pts[-1] if pts else None
    system = s.get(AISystem, obj.system_id).ref if obj.system_id is not None else None
    return {
        "ref": obj.ref, "title": obj.title, "metric": obj.metric, "target": obj.target, "unit": obj.unit,
        "direction": obj.direction, "status": obj.status, "owner": obj.owner, "system": system,
        "due_date": obj.due_date, "review_cadence": obj.review_cadence,
        "latest_value": latest.value if latest else None, "latest_on": latest.on if latest else None,
        "on_target": meets(latest.value if latest else None, obj.target, obj.direction),
        "travel": travel([p.value for p in pts], obj.direction),
        "measurement_due": measurement_due(obj, latest.on if latest else None),
        "measurements": [{"ref": p.ref, "measured_on": p.on, "value": p.value, "note": p.note,
                          "on_target": meets(p.value, obj.target, obj.direction)} for p in pts],
    }


def trend(db: Database, ref: str, as_of: date | None = None) -> dict[str, Any]:
    """One objective's summary, read by its ref (NotFound naming it)."""
    with db.read() as s:
        obj = s.exec(select(Objective).where(Objective.ref == str(ref).strip())).first()
        if obj is None:
            raise NotFound("objective", ref)
        return summary(s, obj, as_of)


def target_text(direction: str, target: float, unit: str = "") -> str:
    """How a target reads: 'at least 93.5 %', 'at most 2 incidents'."""
    words = "at most" if direction == AT_MOST else "at least"
    return f"{words} {number_text(target)}" + (f" {unit}" if unit else "")


def value_text(value: float | None, unit: str = "") -> str:
    if value is None:
        return "-"
    return number_text(value) + (f" {unit}" if unit else "")


def state_text(on_target: bool | None) -> str:
    return "no measurement" if on_target is None else "on target" if on_target else "off target"


def summaries(s: Session, as_of: date | None = None, *, include_closed: bool = True) -> list[dict[str, Any]]:
    """Every objective (not withdrawn) in ref order, as :func:`summary` reads it."""
    q = select(Objective).where(Objective.status != WITHDRAWN)
    if not include_closed:
        q = q.where(Objective.status == "active")
    return [summary(s, o, as_of) for o in s.exec(q.order_by(Objective.ref)).all()]


def not_measured(s: Session, today: date) -> list[dict[str, Any]]:
    """Active objectives whose next measurement was due before ``today`` (the latest
    measurement older than the cadence, or none by the next measurement date)."""
    out = []
    for o in s.exec(select(Objective).where(Objective.status == "active").order_by(Objective.ref)).all():
        pts = series(s, o.id, today)
        due = measurement_due(o, pts[-1].on if pts else None)
        if due is not None and due < today:
            out.append({"ref": o.ref, "title": o.title, "owner": o.owner, "due": due.isoformat(),
                        "latest_on": pts[-1].on.isoformat() if pts else None})
    return out


def _refs(rows: Iterable[dict[str, Any]]) -> tuple[str, ...]:
    return tuple(r["ref"] for r in rows)


def findings(s: Session, today: date) -> list[Finding]:
    """Readiness for 6.2 (objectives set, owned, not left past their due date) and 9.1 (measured within their cadence)."""
    objs = s.exec(select(Objective).where(Objective.status != WITHDRAWN).order_by(Objective.ref)).all()
    active = [o for o in objs if o.status == "active"]
    out: list[Finding] = []
    req = "AI objectives with a metric, a target, an owner and a cadence"
    if not active:
        out.append(Finding("6.2", req, MISSING, "no active objective recorded",
                           "aims objectives add --set title=... --set target=... --set review_cadence=quarterly"))
    else:
        unowned = [o.ref for o in active if not o.owner or not o.review_cadence or not o.metric]
        past = [o.ref for o in active if o.due_date is not None and o.due_date < today]
        if past:
            out.append(Finding("6.2", req, STALE, f"{len(past)} of {len(active)} active objectives past their due "
                               f"date (achieved, dropped or given a new date?): {', '.join(past)}",
                               "aims objectives update REF --set status=achieved (or dropped, or --set due_date=...)",
                               tuple(past)))
        elif unowned:
            out.append(Finding("6.2", req, MISSING, f"{len(unowned)} active objectives without an owner, a metric "
                               f"or a cadence: {', '.join(unowned)}",
                               "aims objectives update REF --set owner=... --set metric=... --set review_cadence=...",
                               tuple(unowned)))
        else:
            out.append(Finding("6.2", req, OK, f"{len(active)} active objectives", refs=tuple(o.ref for o in active)))
    req91 = "Objectives measured and the results kept, within their cadence"
    if not active:
        out.append(Finding("9.1", req91, MISSING, "no active objective to measure",
                           "aims objectives add ..., then aims objectives measure REF --value V"))
        return out
    never = [o.ref for o in active if not series(s, o.id, today)]
    late = not_measured(s, today)
    if late:
        out.append(Finding("9.1", req91, STALE, f"{len(late)} active objectives not measured within their "
                           f"cadence: {', '.join(_refs(late))}",
                           f"aims objectives measure REF --value V (or M > Objectives, then {MEASURE_KEY})",
                           _refs(late)))
    elif never:
        out.append(Finding("9.1", req91, MISSING, f"{len(never)} active objectives never measured: {', '.join(never)}",
                           f"aims objectives measure REF --value V (or M > Objectives, then {MEASURE_KEY})",
                           tuple(never)))
    else:
        out.append(Finding("9.1", req91, OK, f"{len(active)} active objectives measured within their cadence",
                           refs=tuple(o.ref for o in active)))
    return out
