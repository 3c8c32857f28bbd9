"""Support (clause 7): resources, competence, training and awareness, communication.

``resource`` (7.1): a resource the AIMS needs (people, infrastructure, data,
tooling, budget), its owner, whether it is there, a review cadence.
``competence`` (7.2): a competence an AIMS role requires, at a level.
``training`` (7.2, 7.3): a person's training or awareness, optionally for a
competence, when it was completed, when it expires (a reminder) and where the
evidence is. ``communication`` (7.4): what is communicated, to whom (internal
or external), when or how often, by which channel, by whom; its next due date
follows its cadence (``reviewed`` records that it went out).

Read side: :func:`expired_training` (the check gate ``training_expired``) and
:func:`findings` (readiness for 7.1 to 7.4).
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlmodel import Session, or_, select

from .errors import ValidationError
from .fields import F
from .kind import Due, Kind, Link
from .models import (
    COMMUNICATION_AUDIENCES,
    COMMUNICATION_STATUSES,
    COMPETENCE_LEVELS,
    COMPETENCE_STATUSES,
    RESOURCE_STATUSES,
    RESOURCE_TYPES,
    TRAINING_KINDS,
    TRAINING_STATUSES,
    WITHDRAWN,
    Communication,
    Competence,
    Resource,
    Training,
    User,
)
from .readiness_types import MISSING, OK, STALE, Finding, past_review

RESOURCE = Kind(
    entity="resource", model=Resource, what="resource", prefix="RES",
    specs={
        "title": F("text", required=True, max_len=300, label="Resource"),
        "type": F("choice", choices=RESOURCE_TYPES, label="Type"),
        "description": F("longtext", label="Description"),
        "owner": F("login", max_len=64, label="Owner"),
        "status": F("choice", choices=RESOURCE_STATUSES, label="Status"),
        "review_cadence": F("cadence", label="Review cadence"),
        "next_review": F("date", label="Next review"),
    },
    closed=("retired",), due=(Due("next_review", "resource review"),), summary=("type",),
)

COMPETENCE = Kind(
    entity="competence", model=Competence, what="competence", prefix="CMP",
    specs={
        "title": F("text", required=True, max_len=300, label="Competence"),
        "role": F("text", required=True, max_len=100, label="AIMS role"),
        "level": F("choice", choices=COMPETENCE_LEVELS, label="Level"),
        "description": F("longtext", label="Description"),
        "owner": F("login", max_len=64, label="Owner"),
        "status": F("choice", choices=COMPETENCE_STATUSES, label="Status"),
        "review_cadence": F("cadence", label="Review cadence"),
        "next_review": F("date", label="Next review"),
    },
    closed=("retired",), due=(Due("next_review", "competence review"),), summary=("role", "level"),
)


def _training_rules(s: Session, values: dict[str, Any], row: Any, today: date) -> None:
    """A training expires after it was completed, and a completed one is not completed in the future."""
    done = values.get("completed_on", getattr(row, "completed_on", None))
    expires = values.get("expires_on", getattr(row, "expires_on", None))
    if done is not None and expires is not None and expires <= done:
        field = "expires_on" if "expires_on" in values else "completed_on"
        raise ValidationError(field, f"expires on {expires.isoformat()}, not after it was completed "
                                     f"({done.isoformat()})")
    if "completed_on" in values and done is not None and done > today:
        raise ValidationError("completed_on", f"{done.isoformat()} is in the future (today is {today.isoformat()})")


TRAINING = Kind(
    entity="training", model=Training, what="training record", prefix="TRN", width=4,
    specs={
        "title": F("text", required=True, max_len=300, label="Course or briefing"),
        "person": F("text", required=True, max_len=100, label="Person"),
        "kind": F("choice", choices=TRAINING_KINDS, label="Kind"),
        "competence": F("text", max_len=32, label="Competence"),
        "completed_on": F("date", label="Completed on"),
        "expires_on": F("date", label="Expires on"),
        "evidence": F("text", max_len=500, label="Evidence kept at"),
        "status": F("choice", choices=TRAINING_STATUSES, label="Status"),
    },
    owner_field="person", closed=("superseded",),
    links={"competence": Link(Competence, "competence_id", "competence")},
    due=(Due("expires_on", "training expires"),), prepare=_training_rules, summary=("person", "kind"),
    plural="training records",
)

COMMUNICATION = Kind(
    entity="communication", model=Communication, what="communication", prefix="COM",
    specs={
        "title": F("text", required=True, max_len=300, label="What"),
        "audience": F("text", max_len=200, label="Audience"),
        "reach": F("choice", choices=COMMUNICATION_AUDIENCES, label="Reach"),
        "timing": F("text", max_len=200, label="When"),
        "channel": F("text", max_len=200, label="Channel"),
        "owner": F("login", max_len=64, label="Owner"),
        "status": F("choice", choices=COMMUNICATION_STATUSES, label="Status"),
        "review_cadence": F("cadence", label="Cadence"),
        "next_review": F("date", label="Next due"),
    },
    closed=("done", "dropped"), due=(Due("next_review", "communication due"),), summary=("reach", "audience"),
)


# -- reading --------------------------------------------------------------------------------------
def expired_training(s: Session, today: date) -> list[dict[str, Any]]:
    """Completed training or awareness past its expiry, of a person still active: not
    a deactivated user, and not renewed (no later completed record of the same
    person for the same title or competence that has not expired)."""
    rows = s.exec(select(Training).where(Training.status == "completed", Training.expires_on.is_not(None),
                                         Training.expires_on < today)
                  .order_by(Training.expires_on, Training.ref)).all()
    if not rows:
        return []
    inactive = set(s.exec(select(User.login).where(User.active == False)).all())  # noqa: E712
    out = []
    for t in rows:
        if t.person in inactive:
            continue
        same = or_(Training.title == t.title, Training.competence_id == t.competence_id) \
            if t.competence_id is not None else Training.title == t.title
        renewed = s.exec(select(Training.ref).where(
            Training.person == t.person, Training.id != t.id, Training.status == "completed", same,
            or_(Training.expires_on.is_(None), Training.expires_on >= today))).first()
        if renewed is None:
            out.append({"ref": t.ref, "title": t.title, "person": t.person, "owner": t.person, "kind": t.kind,
                        "expires_on": t.expires_on.isoformat(), "days_expired": (today - t.expires_on).days})
    return out


def _live(s: Session, model: Any, closed: tuple[str, ...]) -> list[Any]:
    return list(s.exec(select(model).where(model.status.not_in(closed + (WITHDRAWN,))).order_by(model.ref)).all())


def _register(clause: str, req: str, rows: list[Any], today: date, what: str, add: str, review: str) -> Finding:
    if not rows:
        return Finding(clause, req, MISSING, f"no {what} recorded", add)
    late = past_review(rows, today)
    if late:
        return Finding(clause, req, STALE, f"{len(late)} of {len(rows)} {what} past their next review: "
                       f"{', '.join(late)}", review, tuple(late))
    return Finding(clause, req, OK, f"{len(rows)} {what}", refs=tuple(r.ref for r in rows))


def findings(s: Session, today: date) -> list[Finding]:
    """Readiness for 7.1 (resources), 7.2 (competences per role, training against them),
    7.3 (awareness) and 7.4 (communication)."""
    out = [_register("7.1", "Resources the AIMS needs, with an owner, reviewed", _live(s, Resource, ("retired",)),
                     today, "resources", "aims resources add --set title=... --set type=people",
                     "aims resources reviewed REF")]
    short = [r.ref for r in _live(s, Resource, ("retired",)) if r.status in ("needed", "insufficient")]
    if short and out[0].ok:
        out[0] = Finding("7.1", out[0].requirement, STALE, f"{len(short)} resources needed or insufficient: "
                         f"{', '.join(short)}", "aims resources update REF --set status=available", tuple(short))
    comps = _live(s, Competence, ("retired",))
    out.append(_register("7.2", "Competences each AIMS role requires", comps, today, "competences",
                         "aims competence add --set title=... --set role=...", "aims competence reviewed REF"))
    trainings = _live(s, Training, ("superseded",))
    expired = expired_training(s, today)
    req = "People shown competent: training recorded against the competences"
    linked = [t for t in trainings if t.competence_id is not None and t.status == "completed"]
    uncovered = [c.ref for c in comps if not any(t.competence_id == c.id for t in linked)]
    late = [e["ref"] for e in expired if e["kind"] == "training"]
    if not linked:
        out.append(Finding("7.2", req, MISSING, "no completed training recorded against a competence",
                           "aims training add --set title=... --set person=... --set competence=CMP-001"))
    elif late:
        out.append(Finding("7.2", req, STALE, f"{len(late)} training records expired: {', '.join(late)}",
                           "aims training add (the renewal), then aims training update REF --set status=superseded",
                           tuple(late)))
    elif uncovered:
        out.append(Finding("7.2", req, MISSING, f"{len(uncovered)} competences with nobody trained: "
                           f"{', '.join(uncovered)}", "aims training add --set competence=REF ...", tuple(uncovered)))
    else:
        out.append(Finding("7.2", req, OK, f"{len(linked)} completed training records against {len(comps)} "
                           "competences", refs=tuple(t.ref for t in linked)))
    req73 = "Awareness of the AI policy and of each person's part, recorded"
    aware = [t for t in trainings if t.kind == "awareness" and t.status == "completed"]
    late = [e["ref"] for e in expired if e["kind"] == "awareness"]
    if not aware:
        out.append(Finding("7.3", req73, MISSING, "no completed awareness record",
                           "aims training add --set kind=awareness --set title=... --set person=..."))
    elif late:
        out.append(Finding("7.3", req73, STALE, f"{len(late)} awareness records expired: {', '.join(late)}",
                           "aims training add --set kind=awareness ... (the renewal)", tuple(late)))
    else:
        out.append(Finding("7.3", req73, OK, f"{len(aware)} completed awareness records",
                           refs=tuple(t.ref for t in aware)))
    out.append(_register("7.4", "Communication about the AIMS planned: what, to whom, when, how, by whom",
                         _live(s, Communication, ("done", "dropped")), today, "communications",
                         "aims communications add --set title=... --set audience=... --set review_cadence=quarterly",
                         "aims communications reviewed REF (it went out)"))
    return out
