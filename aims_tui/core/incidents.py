"""Incidents, and the operation of the AI systems (clause 8.1): the ``incident``
kind, its rules, and what readiness says of incidents and of the inventory.

An incident is its own record: when it happened and was found, how severe, what
was done, who it was reported to (an authority, customers), and the AI system,
risk and nonconformity it is linked to. Once resolved, a nonconformity can be
raised from it in one step (:func:`aims_tui.core.services.incidents.raise_nonconformity`).
Nonconformities of kind "incident" recorded before this register existed stay as
they are; new incidents are recorded here.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import func, or_
from sqlmodel import Session, select

from .errors import ValidationError
from .fields import F
from .kind import Kind, Link
from .models import (
    INCIDENT_SEVERITIES,
    INCIDENT_STATUSES,
    WITHDRAWN,
    AISystem,
    Incident,
    Nonconformity,
    Risk,
)
from .readiness_types import MISSING, OK, STALE, Finding, listed

RESOLVED = ("resolved", "closed")  # the incident is over: resolved_on is set
SERIOUS = ("high", "critical")  # severities that must say who was told


def _linked_live(s: Session, values: dict[str, Any]) -> None:
    for column, model, status, what, field in (("system_id", AISystem, "stage", "AI system", "system"),
                                               ("risk_id", Risk, "status", "risk", "risk"),
                                               ("nonconformity_id", Nonconformity, "status", "nonconformity",
                                                "nonconformity")):
        rid = values.get(column)
        if rid is None:
            continue
        ref, state = s.exec(select(model.ref, getattr(model, status)).where(model.id == rid)).one()
        if state == WITHDRAWN:
            raise ValidationError(field, f"{what} {ref} is withdrawn")


def _prepare(s: Session, values: dict[str, Any], row: Any, today: date) -> None:
    """Dates are not in the future and an incident is found no earlier than it happened;
    resolving it stamps the day (and reopening it clears that day)."""
    def now(name: str) -> Any:
        return values[name] if name in values else getattr(row, name, None)

    for name in ("occurred_on", "detected_on"):
        d = values.get(name)
        if d is not None and d > today:
            raise ValidationError(name, f"{d.isoformat()} is in the future")
    occurred, detected = now("occurred_on"), now("detected_on")
    if occurred is not None and detected is not None and detected < occurred:
        raise ValidationError("detected_on", f"{detected.isoformat()} is before the incident occurred "
                                             f"({occurred.isoformat()})")
    _linked_live(s, values)
    status = values.get("status")
    if status in RESOLVED and (row is None or row.status not in RESOLVED) and now("resolved_on") is None:
        values["resolved_on"] = today
    elif status is not None and status not in RESOLVED:
        values["resolved_on"] = None


INCIDENT = Kind(
    entity="incident", model=Incident, what="incident", prefix="INC",
    specs={
        "title": F("text", required=True, max_len=300, label="Title"),
        "occurred_on": F("date", label="Occurred on"),
        "detected_on": F("date", label="Detected on"),
        "severity": F("choice", choices=INCIDENT_SEVERITIES, label="Severity"),
        "description": F("longtext", label="Description"),
        "response": F("longtext", label="Response"),
        "status": F("choice", choices=INCIDENT_STATUSES, label="Status"),
        "owner": F("login", max_len=64, label="Owner"),
        "reported_to": F("text", max_len=300, label="Reported to"),
        "system": F("text", max_len=32, label="AI system"),
        "risk": F("text", max_len=32, label="Risk"),
        "nonconformity": F("text", max_len=32, label="Nonconformity"),
    },
    links={"system": Link(AISystem, "system_id", "AI system"), "risk": Link(Risk, "risk_id", "risk"),
           "nonconformity": Link(Nonconformity, "nonconformity_id", "nonconformity")},
    closed=("closed",), prepare=_prepare, summary=("severity", "status"),
)


# -- readiness -----------------------------------------------------------------------------------
def _listed(refs: list[str]) -> str:
    return listed(refs, 10)


def findings(session: Session, today: date) -> list[Finding]:
    """8.1 as two questions: is every live AI system in the inventory owned and given a
    next review; are incidents handled (owned, the serious ones reported, the resolved
    ones followed up by a nonconformity or closed)."""
    s = session
    out: list[Finding] = []

    # the inventory of AI systems
    live = AISystem.stage.not_in(("retired", WITHDRAWN))
    n = int(s.exec(select(func.count()).select_from(AISystem).where(live)).one())
    need = "Every live AI system is in the inventory with an owner and a next review date"
    if n == 0:
        out.append(Finding("8.1", need, MISSING, "no AI system in the inventory",
                           "aims systems add --set name=... --set business_owner=LOGIN (or n on screen 3)"))
    else:
        unowned = list(s.exec(select(AISystem.ref).where(live, AISystem.business_owner == "",
                                                         AISystem.technical_owner == "").order_by(AISystem.ref)))
        undated = list(s.exec(select(AISystem.ref).where(live, AISystem.next_review.is_(None))
                              .order_by(AISystem.ref)))
        late = list(s.exec(select(AISystem.ref).where(live, AISystem.next_review < today).order_by(AISystem.ref)))
        if unowned or undated:
            refs = sorted(set(unowned) | set(undated))
            parts = ([f"no owner: {_listed(unowned)}"] if unowned else []) + \
                ([f"no next review: {_listed(undated)}"] if undated else [])
            out.append(Finding("8.1", need, MISSING, f"{len(refs)} of {n} live AI systems: " + "; ".join(parts),
                               "aims systems update AIS-NNN --set business_owner=LOGIN --set next_review=YYYY-MM-DD",
                               tuple(refs)))
        elif late:
            out.append(Finding("8.1", need, STALE, f"{len(late)} of {n} live AI systems past their next review: "
                               f"{_listed(late)}", "record the review (v on screen 3, or the Due screen)",
                               tuple(late)))
        else:
            out.append(Finding("8.1", need, OK, f"{n} live AI system(s), each owned, none past its review"))

    # incidents
    need = "Incidents are recorded and handled: each has an owner, and resolved ones are followed up"
    live_inc = Incident.status != WITHDRAWN
    total = int(s.exec(select(func.count()).select_from(Incident).where(live_inc)).one())
    unowned = list(s.exec(select(Incident.ref).where(live_inc, Incident.status != "closed", Incident.owner == "")
                          .order_by(Incident.ref)))
    loose = list(s.exec(select(Incident.ref).where(Incident.status == "resolved", Incident.nonconformity_id.is_(None))
                        .order_by(Incident.ref)))
    if total == 0:
        out.append(Finding("8.1", need, OK, "no incident recorded (record one with aims incidents add when it happens)"))
    elif unowned:
        out.append(Finding("8.1", need, MISSING, f"{len(unowned)} open incident(s) with no owner: {_listed(unowned)}",
                           "aims incidents update INC-NNN --set owner=LOGIN", tuple(unowned)))
    elif loose:
        out.append(Finding("8.1", need, STALE, f"{len(loose)} resolved incident(s) neither closed nor followed by a "
                           f"nonconformity: {_listed(loose)}",
                           "aims incidents raise-nc INC-NNN (or c on the Incidents screen), or --set status=closed",
                           tuple(loose)))
    else:
        out.append(Finding("8.1", need, OK, f"{total} incident(s), each owned and followed up"))

    need = "High and critical incidents say who they were reported to"
    silent = list(s.exec(select(Incident.ref).where(live_inc, Incident.severity.in_(SERIOUS),
                                                    or_(Incident.reported_to == "", Incident.reported_to.is_(None)))
                         .order_by(Incident.ref)))
    if silent:
        out.append(Finding("A.8.4", need, MISSING, f"{len(silent)} serious incident(s) reported to no one: "
                           f"{_listed(silent)}", "aims incidents update INC-NNN --set reported_to=...",
                           tuple(silent)))
    else:
        out.append(Finding("A.8.4", need, OK, "every high or critical incident names who was told"
                           if total else "no incident recorded"))
    return out
