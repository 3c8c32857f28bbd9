"""Third parties (Annex A.10): the kinds of record that hold them, their rules, the
gate of ``aims check`` and what readiness says of them.

``supplier`` (A.10.2, A.10.3): a supplier or other third party, what it provides,
who owns the relationship, its status, and its last assessment (when, outcome,
risk level, conditions) with the next one due (a reminder). ``ai_component``: a
third-party AI component (a model, a data set, an API) that an AI system uses,
from a supplier.

The free-text "third party" field of an AI system stays as it was (data); these
registers are where third parties are now recorded and assessed.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import func, or_
from sqlmodel import Session, select

from .errors import ValidationError
from .fields import F
from .kind import Due, Kind, Link
from .models import (
    AI_COMPONENT_STATUSES,
    AI_COMPONENT_TYPES,
    SUPPLIER_OUTCOMES,
    SUPPLIER_RISK_LEVELS,
    SUPPLIER_STATUSES,
    SUPPLIER_TYPES,
    WITHDRAWN,
    AIComponent,
    AISystem,
    Supplier,
)
from .readiness_types import MISSING, OK, STALE, UNAPPROVED, Finding, listed
from .schedule import parse_cadence

# Suppliers that are in use and must have a current assessment.
IN_USE = ("active",)


def _refuse_withdrawn(s: Session, values: dict[str, Any], column: str, model: Any, status: str, what: str,
                      field: str) -> None:
    rid = values.get(column)
    if rid is None:
        return
    ref, state = s.exec(select(model.ref, getattr(model, status)).where(model.id == rid)).one()
    if state == WITHDRAWN:
        raise ValidationError(field, f"{what} {ref} is withdrawn")


def _prepare_supplier(s: Session, values: dict[str, Any], row: Any, today: date) -> None:
    """An assessment has a date (today when an outcome is given without one), is not in
    the future, and an outcome "acceptable with conditions" says the conditions. A new
    assessment date with a review cadence and no next assessment sets the next one."""
    def now(name: str) -> Any:
        return values[name] if name in values else getattr(row, name, None)

    if values.get("outcome") and now("assessed_on") is None:
        values["assessed_on"] = today
    assessed = now("assessed_on")
    if assessed is not None and assessed > today:
        raise ValidationError("assessed_on", f"{assessed.isoformat()} is in the future")
    if assessed is not None and not now("outcome"):
        raise ValidationError("outcome", "say what the assessment found: " + ", ".join(SUPPLIER_OUTCOMES[1:]))
    if now("outcome") == "acceptable_with_conditions" and not (now("conditions") or "").strip():
        raise ValidationError("conditions", "an outcome 'acceptable with conditions' needs the conditions")
    cadence = now("review_cadence")
    if ("assessed_on" in values and values["assessed_on"] is not None and "next_assessment" not in values
            and cadence and (row is None or values["assessed_on"] != row.assessed_on)):
        values["next_assessment"] = parse_cadence(cadence).next_after(values["assessed_on"])
    nxt = now("next_assessment")
    if nxt is not None and assessed is not None and nxt <= assessed:
        raise ValidationError("next_assessment", f"{nxt.isoformat()} is not after the assessment "
                                                 f"({assessed.isoformat()})")


SUPPLIER = Kind(
    entity="supplier", model=Supplier, what="supplier", prefix="SUP", title_field="name",
    specs={
        "name": F("text", required=True, max_len=200, label="Name"),
        "type": F("choice", choices=SUPPLIER_TYPES, label="Type"),
        "provides": F("longtext", label="What they provide"),
        "contact": F("text", max_len=200, label="Contact"),
        "owner": F("login", max_len=64, label="Owner"),
        "status": F("choice", choices=SUPPLIER_STATUSES, label="Status"),
        "assessed_on": F("date", label="Assessed on"),
        "outcome": F("choice", choices=SUPPLIER_OUTCOMES, label="Assessment outcome"),
        "risk_level": F("choice", choices=SUPPLIER_RISK_LEVELS, label="Risk level"),
        "conditions": F("longtext", label="Conditions"),
        "next_assessment": F("date", label="Next assessment"),
        "review_cadence": F("cadence", label="Review cadence"),
        "next_review": F("date", label="Next review"),
    },
    closed=("ended",),
    due=(Due("next_assessment", "supplier assessment"), Due("next_review", "supplier review")),
    prepare=_prepare_supplier, summary=("type", "status"),
)


def _prepare_component(s: Session, values: dict[str, Any], row: Any, today: date) -> None:
    """A component is not linked to a withdrawn supplier or AI system."""
    _refuse_withdrawn(s, values, "supplier_id", Supplier, "status", "supplier", "supplier")
    _refuse_withdrawn(s, values, "system_id", AISystem, "stage", "AI system", "system")


AI_COMPONENT = Kind(
    entity="ai_component", model=AIComponent, what="AI component", prefix="AIC", title_field="name",
    specs={
        "name": F("text", required=True, max_len=200, label="Name"),
        "type": F("choice", choices=AI_COMPONENT_TYPES, label="Type"),
        "supplier": F("text", max_len=32, label="Supplier"),
        "system": F("text", max_len=32, label="AI system"),
        "component_version": F("text", max_len=100, label="Version"),
        "licence": F("text", max_len=200, label="Licence"),
        "used_for": F("longtext", label="Used for"),
        "owner": F("login", max_len=64, label="Owner"),
        "status": F("choice", choices=AI_COMPONENT_STATUSES, label="Status"),
        "review_cadence": F("cadence", label="Review cadence"),
        "next_review": F("date", label="Next review"),
    },
    links={"supplier": Link(Supplier, "supplier_id", "supplier"), "system": Link(AISystem, "system_id", "AI system")},
    closed=("retired",), due=(Due("next_review", "AI component review"),),
    prepare=_prepare_component, summary=("type", "status"),
)


# -- aims check ----------------------------------------------------------------------------------
def not_assessed(today: date) -> list:
    """SQL conditions: an active supplier with no assessment, or whose next assessment
    is past (the gate ``supplier_not_assessed``)."""
    return [Supplier.status.in_(IN_USE),
            or_(Supplier.assessed_on.is_(None), Supplier.next_assessment < today)]


# -- readiness -----------------------------------------------------------------------------------
def _refs(s: Session, *conds: Any) -> list[str]:
    return list(s.exec(select(Supplier.ref).where(*conds).order_by(Supplier.ref)))


def _listed(refs: list[str]) -> str:
    return listed(refs, 10)


def findings(session: Session, today: date) -> list[Finding]:
    """A.10 clause by clause: suppliers recorded, assessed and owned; third-party AI
    components recorded against the systems that use them."""
    s = session
    live = Supplier.status != WITHDRAWN
    n = int(s.exec(select(func.count()).select_from(Supplier).where(live)).one())
    out: list[Finding] = []
    add = "aims suppliers add --set name=... --set status=active --set owner=LOGIN"
    if n == 0:
        out.append(Finding("A.10.3", "Suppliers and other third parties are recorded", MISSING,
                           "no supplier recorded", add))
    else:
        out.append(Finding("A.10.3", "Suppliers and other third parties are recorded", OK,
                           f"{n} supplier{'s' if n != 1 else ''} recorded"))

    # assessments of the suppliers in use
    need = "Every active supplier has an assessment, not overdue, with an acceptable outcome"
    unassessed = _refs(s, Supplier.status.in_(IN_USE), Supplier.assessed_on.is_(None))
    overdue = _refs(s, Supplier.status.in_(IN_USE), Supplier.assessed_on.is_not(None),
                    Supplier.next_assessment < today)
    refused = _refs(s, Supplier.status.in_(IN_USE), Supplier.outcome == "not_acceptable")
    fix = "aims suppliers update SUP-NNN --set assessed_on=YYYY-MM-DD --set outcome=acceptable (or e on the Suppliers screen)"
    n_active = int(s.exec(select(func.count()).select_from(Supplier).where(Supplier.status.in_(IN_USE))).one())
    if n_active == 0:
        out.append(Finding("A.10.3", need, MISSING, "no active supplier recorded, so none assessed", add))
    elif unassessed:
        out.append(Finding("A.10.3", need, MISSING, f"{len(unassessed)} of {n_active} active suppliers never "
                           f"assessed: {_listed(unassessed)}", fix, tuple(unassessed)))
    elif overdue:
        out.append(Finding("A.10.3", need, STALE, f"{len(overdue)} of {n_active} active suppliers past their "
                           f"next assessment: {_listed(overdue)}", fix, tuple(overdue)))
    elif refused:
        out.append(Finding("A.10.3", need, UNAPPROVED, f"{len(refused)} active supplier(s) assessed as not "
                           f"acceptable: {_listed(refused)}", "end the relationship (--set status=ended) or "
                           "reassess after the supplier has acted", tuple(refused)))
    else:
        out.append(Finding("A.10.3", need, OK, f"{n_active} active supplier(s), each assessed and not overdue"))

    # responsibilities: every supplier not ended has an owner
    need = "Each supplier relationship has an owner in the organization"
    unowned = _refs(s, live, Supplier.status != "ended", Supplier.owner == "")
    if n == 0:
        out.append(Finding("A.10.2", need, MISSING, "no supplier recorded", add))
    elif unowned:
        out.append(Finding("A.10.2", need, MISSING, f"{len(unowned)} supplier(s) with no owner: {_listed(unowned)}",
                           "aims suppliers update SUP-NNN --set owner=LOGIN", tuple(unowned)))
    else:
        out.append(Finding("A.10.2", need, OK, "every supplier has an owner"))

    # third-party AI components against the systems that use them
    need = "Third-party AI components in use name their supplier and the AI system that uses them"
    comp_live = AIComponent.status != WITHDRAWN
    n_comp = int(s.exec(select(func.count()).select_from(AIComponent).where(comp_live)).one())
    loose = list(s.exec(select(AIComponent.ref).where(
        AIComponent.status == "in_use", or_(AIComponent.supplier_id.is_(None), AIComponent.system_id.is_(None)))
        .order_by(AIComponent.ref)))
    named = list(s.exec(select(AISystem.ref).where(
        AISystem.third_party != "", AISystem.stage.not_in(("retired", WITHDRAWN)),
        ~AISystem.id.in_(select(AIComponent.system_id).where(comp_live, AIComponent.system_id.is_not(None))))
        .order_by(AISystem.ref)))
    comp_fix = "aims ai-components add --set name=... --set supplier=SUP-NNN --set system=AIS-NNN --set status=in_use"
    if n_comp == 0:
        detail = "no third-party AI component recorded"
        if named:
            detail += f"; AI systems naming a third party: {_listed(named)}"
        out.append(Finding("A.10.3", need, MISSING, detail, comp_fix, tuple(named)))
    elif loose:
        out.append(Finding("A.10.3", need, MISSING, f"{len(loose)} component(s) in use without a supplier or an "
                           f"AI system: {_listed(loose)}", "aims ai-components update AIC-NNN --set supplier=SUP-NNN "
                           "--set system=AIS-NNN", tuple(loose)))
    elif named:
        out.append(Finding("A.10.3", need, MISSING, f"AI systems that name a third party but have no component "
                           f"recorded: {_listed(named)}", comp_fix, tuple(named)))
    else:
        out.append(Finding("A.10.3", need, OK, f"{n_comp} component(s) recorded against their suppliers and systems"))
    return out
