"""Internal audits (clause 9.2) and corrective action (clause 10.2): the kinds of
record, their rules, and what readiness reads of them.

``audit_programme`` (APG-001): the programme of a period (scope, criteria, owner),
approved by an approver (``services.internal_audits.approve_programme``); changing
the scope, criteria or period of an approved programme asks for approval again.

``internal_audit`` (IAU-001): one audit of the programme: scope, criteria, the area
audited and its owner, the auditor, dates, status (planned, held, reported), the
result summary and the conclusion. The auditor must be independent of the area:
not its owner, nor the holder of an AIMS role over it when a role register says
so (:func:`roles_over`). Findings become nonconformities of kind ``audit_finding``
(``services.internal_audits.raise_finding``).

``corrective_action`` (CA-001): an action on one nonconformity, with owner, due
date, status, the day it was done, and the review of its effectiveness (due
:data:`EFFECTIVENESS_REVIEW_AFTER` after it was done unless a date is given). A
nonconformity cannot be closed while one of its actions is open or done but not
reviewed (``services.nonconformities``).

:func:`findings` says, for readiness, what of 9.2, 10.1 and 10.2 exists, is stale
or unapproved, or is missing.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any, Mapping

from sqlalchemy import String, Table, Text, or_
from sqlmodel import Session, SQLModel, select

from .errors import ValidationError
from .fields import F
from .kind import Due, Kind, Link
from .models import (
    AUDIT_PROGRAMME_STATUSES,
    CORRECTIVE_ACTION_STATUSES,
    INTERNAL_AUDIT_STATUSES,
    WITHDRAWN,
    AuditProgramme,
    CorrectiveAction,
    InternalAudit,
    Nonconformity,
)
from .readiness_types import MISSING, OK, STALE, UNAPPROVED, Finding, listed
from .schedule import is_overdue

EFFECTIVENESS_REVIEW_AFTER = timedelta(days=90)
OPEN_ACTION = ("planned", "in_progress")
REFS_SHOWN = 10


def _get(values: dict[str, Any], row: Any, name: str) -> Any:
    """The value a record will have: the new one if given, else the stored one."""
    if name in values:
        return values[name]
    return getattr(row, name) if row is not None else None


# -- the audit programme ------------------------------------------------------------------------
def _prepare_programme(s: Session, values: dict[str, Any], row: Any, today: date) -> None:
    before = row.status if row is not None else None
    if values.get("status") == "approved" and before != "approved":
        raise ValidationError("status", "an approver approves the programme: aims audits programmes approve REF")
    if before == "approved" and values.get("status", "approved") == "approved" and any(
            name in values and values[name] != getattr(row, name) for name in ("period", "scope", "criteria")):
        # what was approved is no longer what the programme says
        values.update(status="planned", approved_by="", approved_on=None)


AUDIT_PROGRAMME = Kind(
    entity="audit_programme", model=AuditProgramme, what="audit programme", prefix="APG",
    specs={
        "title": F("text", required=True, max_len=300, label="Title"),
        "period": F("text", max_len=32, label="Period"),
        "scope": F("longtext", label="Scope"),
        "criteria": F("longtext", label="Criteria"),
        "owner": F("login", max_len=64, label="Owner"),
        "status": F("choice", choices=AUDIT_PROGRAMME_STATUSES, label="Status"),
        "review_cadence": F("cadence", label="Review cadence"),
        "next_review": F("date", label="Next review"),
    },
    closed=("closed",), due=(Due("next_review", "audit programme review"),), summary=("period",),
    prepare=_prepare_programme,
)


# -- internal audits ------------------------------------------------------------------------------
# Tables of an AIMS role register (5.3), if the schema has one: a role names its holder in one
# of HOLDER_COLUMNS, and says what it covers in its text.
ROLE_TABLES = ("aims_role", "role_assignment", "responsibility")
HOLDER_COLUMNS = ("holder", "owner", "login", "person", "assignee")
_NOT_HELD = ("withdrawn", "closed", "retired", "ended", "inactive")


def roles_over(s: Session, login: str, area: str,
               tables: Mapping[str, Table] | None = None) -> list[str]:
    """The refs of AIMS roles that ``login`` holds whose text names ``area`` (any case):
    an auditor who holds one is not independent of the area. Empty when the schema
    has no role register (``tables``: the schema's tables, SQLModel's by default)."""
    area = " ".join(area.split()).casefold()
    if not login or not area or s is None:  # no session: no role register to read
        return []
    found: list[str] = []
    tables = SQLModel.metadata.tables if tables is None else tables
    for name in ROLE_TABLES:
        t = tables.get(name)
        if t is None or "ref" not in t.c:
            continue
        holders = [t.c[c] for c in HOLDER_COLUMNS if c in t.c]
        texts = [c for c in t.c if isinstance(c.type, (String, Text)) and c.name not in HOLDER_COLUMNS]
        if not holders or not texts:
            continue
        q = select(t.c.ref, *texts).where(or_(*[h == login for h in holders]))
        if "status" in t.c:
            q = q.where(t.c.status.not_in(_NOT_HELD))
        for ref, *text in s.exec(q):
            if any(area in " ".join(str(x or "").split()).casefold() for x in text):
                found.append(ref)
    return found


def _prepare_audit(s: Session, values: dict[str, Any], row: Any, today: date) -> None:
    auditor = _get(values, row, "auditor") or ""
    area = _get(values, row, "area") or ""
    owner = _get(values, row, "area_owner") or ""
    where = f"'{area}'" if area else "the audited area"
    if auditor and auditor == owner:
        raise ValidationError("auditor", f"{auditor} owns {where}; an auditor may not audit their own area "
                                         "(9.2): choose another auditor")
    held = roles_over(s, auditor, area) if auditor else []
    if held:
        raise ValidationError("auditor", f"{auditor} holds the AIMS role {', '.join(held)} over {where}; an "
                                         "auditor may not audit their own area (9.2): choose another auditor")
    if row is None and values.get("programme_id") is not None:
        prog = s.get(AuditProgramme, values["programme_id"])
        if prog is not None and prog.status in ("closed", WITHDRAWN):
            raise ValidationError("programme", f"{prog.ref} is {prog.status}; plan the audit in an open programme")
    status = _get(values, row, "status") or "planned"
    if status in ("held", "reported"):
        if not auditor:
            raise ValidationError("auditor", "name the auditor of an audit that was held")
        if _get(values, row, "held_on") is None:
            values["held_on"] = today
        if values.get("held_on") is not None and values["held_on"] > today:
            raise ValidationError("held_on", f"{values['held_on'].isoformat()} is in the future; an audit is "
                                             "recorded as held once it has been")
    if status == "reported":
        for name, what in (("result", "summarise the results"), ("conclusion", "write the conclusion")):
            if not str(_get(values, row, name) or "").strip():
                raise ValidationError(name, f"{what} before the audit is reported")


INTERNAL_AUDIT = Kind(
    entity="internal_audit", model=InternalAudit, what="internal audit", prefix="IAU",
    specs={
        "title": F("text", required=True, max_len=300, label="Title"),
        "programme": F("text", max_len=32, label="Programme"),
        "scope": F("longtext", label="Scope"),
        "criteria": F("longtext", label="Criteria"),
        "area": F("text", max_len=200, label="Audited area"),
        "area_owner": F("login", max_len=64, label="Area owner"),
        "auditor": F("login", max_len=64, label="Auditor"),
        "planned_on": F("date", label="Planned on"),
        "held_on": F("date", label="Held on"),
        "status": F("choice", choices=INTERNAL_AUDIT_STATUSES, label="Status"),
        "result": F("longtext", label="Result summary"),
        "conclusion": F("text", max_len=300, label="Conclusion"),
    },
    # held or reported: the planned date reminds no more
    owner_field="auditor", closed=("held", "reported"), links={"programme": Link(AuditProgramme, "programme_id",
                                                                         "audit programme")},
    due=(Due("planned_on", "internal audit planned", when=("planned",)),), summary=("auditor", "area"),
    prepare=_prepare_audit,
)


# -- corrective actions ------------------------------------------------------------------------------
def _prepare_action(s: Session, values: dict[str, Any], row: Any, today: date) -> None:
    nc_id = _get(values, row, "nonconformity_id")
    if nc_id is None:
        raise ValidationError("nonconformity", "name the nonconformity this action corrects (e.g. NC-001)")
    status = _get(values, row, "status") or "planned"
    nc = s.get(Nonconformity, nc_id)
    if nc is not None and nc.status in ("closed", WITHDRAWN) and status in OPEN_ACTION and (
            row is None or "nonconformity_id" in values or "status" in values):
        raise ValidationError("nonconformity", f"{nc.ref} is {nc.status}; reopen it before planning more actions")
    was = row.status if row is not None else None
    if status == "done":
        done_on = _get(values, row, "done_on") or today
        if done_on > today:
            raise ValidationError("done_on", f"{done_on.isoformat()} is in the future")
        values["done_on"] = done_on
        if _get(values, row, "effectiveness_review_due") is None:
            values["effectiveness_review_due"] = done_on + EFFECTIVENESS_REVIEW_AFTER
    elif was == "done" and "status" in values:
        values.setdefault("done_on", None)
    if "effective" in values and values["effective"] is not None and _get(values, row, "effectiveness_reviewed_on") is None:
        values["effectiveness_reviewed_on"] = today  # saying whether it worked is the review
    reviewed = _get(values, row, "effectiveness_reviewed_on")
    if reviewed is not None:
        if status != "done":
            field = "effective" if values.get("effective") is not None else "effectiveness_reviewed_on"
            raise ValidationError(field, "the action is not done yet: its effectiveness is reviewed once it is")
        if reviewed > today:
            raise ValidationError("effectiveness_reviewed_on", f"{reviewed.isoformat()} is in the future")
        if reviewed < values.get("done_on", _get(values, row, "done_on")):
            raise ValidationError("effectiveness_reviewed_on", "is before the action was done (done on)")
        effective = _get(values, row, "effective")
        if effective is None:
            raise ValidationError("effective", "say whether the action was effective (yes or no)")
        if effective is False and not str(_get(values, row, "effectiveness_note") or "").strip():
            raise ValidationError("effectiveness_note", "say why the action did not work and what follows")


CORRECTIVE_ACTION = Kind(
    entity="corrective_action", model=CorrectiveAction, what="corrective action", prefix="CA",
    specs={
        "nonconformity": F("text", required=True, max_len=32, label="Nonconformity"),
        "action": F("longtext", required=True, label="Action"),
        "owner": F("login", max_len=64, label="Owner"),
        "due_date": F("date", label="Due"),
        "status": F("choice", choices=CORRECTIVE_ACTION_STATUSES, label="Status"),
        "done_on": F("date", label="Done on"),
        "effectiveness_review_due": F("date", label="Review due"),
        "effectiveness_reviewed_on": F("date", label="Reviewed on"),
        "effective": F("bool", label="Effective"),
        "effectiveness_note": F("longtext", label="Effectiveness note"),
    },
    title_field="action", closed=("cancelled",),
    links={"nonconformity": Link(Nonconformity, "nonconformity_id", "nonconformity")},
    due=(Due("due_date", "corrective action due", when=OPEN_ACTION),
         Due("effectiveness_review_due", "corrective action effectiveness review", when=("done",),
             until="effectiveness_reviewed_on")),
    summary=("status",),
    prepare=_prepare_action,
)


# -- readiness ---------------------------------------------------------------------------------------
def _refs(refs: list[str]) -> str:
    return listed(refs, REFS_SHOWN)


def _finding(clause: str, requirement: str, state: str, detail: str, fix: str = "",
             refs: list[str] | tuple[str, ...] = ()) -> Finding:
    return Finding(clause, requirement, state, detail, fix if state != OK else "", tuple(refs))


def findings(session: Session, today: date) -> list[Finding]:
    """What readiness says of 9.2 (the programme, audits held, independence), 10.1
    (improvement that shows) and 10.2 (nonconformities followed through, corrective
    actions done and their effectiveness reviewed). A fresh database shows the gaps."""
    s = session
    progs = list(s.exec(select(AuditProgramme).where(AuditProgramme.status != WITHDRAWN)
                        .order_by(AuditProgramme.ref)))
    audits = list(s.exec(select(InternalAudit).where(InternalAudit.status != WITHDRAWN).order_by(InternalAudit.ref)))
    ncs = list(s.exec(select(Nonconformity).where(Nonconformity.status != WITHDRAWN).order_by(Nonconformity.ref)))
    actions = list(s.exec(select(CorrectiveAction).where(CorrectiveAction.status != WITHDRAWN)
                          .order_by(CorrectiveAction.ref)))
    out: list[Finding] = []

    # 9.2 the programme
    req = "An internal audit programme for the period, approved"
    live = [p for p in progs if p.status != "closed"]
    approved = [p for p in live if p.status == "approved"]
    if not live:
        out.append(_finding("9.2", req, MISSING, "no open audit programme",
                            "aims audits programmes add --set title=... --set period=2027 (M > Audit programmes, n)"))
    elif not approved:
        refs = [p.ref for p in live]
        out.append(_finding("9.2", req, UNAPPROVED, f"not approved: {_refs(refs)}",
                            f"aims audits programmes approve {refs[0]} (an approver)", refs))
    else:
        stale = [p.ref for p in approved if is_overdue(p.next_review, today)]
        if stale:
            out.append(_finding("9.2", req, STALE, f"past its review date: {_refs(stale)}",
                                f"aims audits programmes reviewed {stale[0]}", stale))
        else:
            out.append(_finding("9.2", req, OK, f"approved: {_refs([p.ref for p in approved])}",
                                refs=[p.ref for p in approved]))

    # 9.2 audits held and reported
    req = "Internal audits held and reported in the last 12 months"
    recent = [a for a in audits if a.status == "reported" and a.held_on and a.held_on >= today - timedelta(days=365)]
    late = [a.ref for a in audits if a.status == "planned" and is_overdue(a.planned_on, today)]
    if not recent:
        out.append(_finding("9.2", req, MISSING, "no internal audit reported in the last 12 months"
                            + (f"; planned and past their date: {_refs(late)}" if late else ""),
                            "aims audits add --set title=... --set auditor=LOGIN --set planned_on=YYYY-MM-DD, "
                            "then --set status=reported with the result and conclusion", late))
    elif late:
        out.append(_finding("9.2", req, STALE, f"planned and past their date: {_refs(late)}",
                            f"aims audits update {late[0]} --set status=held (or a new planned_on)", late))
    else:
        out.append(_finding("9.2", req, OK, f"reported: {_refs([a.ref for a in recent])}",
                            refs=[a.ref for a in recent]))

    # 9.2 independence: every audit held names an auditor (the service refuses one who owns the area)
    req = "Each audit held names an auditor independent of the audited area"
    held = [a for a in audits if a.status in ("held", "reported")]
    unnamed = [a.ref for a in held if not a.auditor or a.auditor == a.area_owner]
    if not held:
        out.append(_finding("9.2", req, MISSING, "no internal audit held yet",
                            "aims audits update IAU-001 --set auditor=LOGIN --set status=held"))
    elif unnamed:
        out.append(_finding("9.2", req, MISSING, f"no independent auditor named: {_refs(unnamed)}",
                            f"aims audits update {unnamed[0]} --set auditor=LOGIN", unnamed))
    else:
        out.append(_finding("9.2", req, OK, f"{len(held)} audits held, each by an auditor other than the area owner",
                            refs=[a.ref for a in held]))

    # 10.1 improvement that shows in the records
    req = "Improvement shows in the records: corrective actions done and found effective"
    effective = [c.ref for c in actions if c.status == "done" and c.effective is True]
    if effective:
        out.append(_finding("10.1", req, OK, f"effective corrective actions: {_refs(effective)}", refs=effective))
    else:
        out.append(_finding("10.1", req, MISSING, "no corrective action has been done and found effective",
                            "aims corrective-actions update CA-001 --set status=done, later --set effective=yes"))

    # 10.2 nonconformities with corrective actions, on time
    by_nc: dict[int, list[CorrectiveAction]] = {}
    for c in actions:
        if c.nonconformity_id is not None and c.status != "cancelled":
            by_nc.setdefault(c.nonconformity_id, []).append(c)
    open_ncs = [n for n in ncs if n.status != "closed"]
    req = "Corrective actions recorded for nonconformities"
    bare = [n.ref for n in open_ncs if n.id not in by_nc]
    if not actions:
        out.append(_finding("10.2", req, MISSING, "no corrective action recorded"
                            + (f"; open nonconformities without one: {_refs(bare)}" if bare else ""),
                            "aims corrective-actions add --set nonconformity=NC-001 --set action=...", bare))
    elif bare:
        out.append(_finding("10.2", req, MISSING, f"open nonconformities without a corrective action: {_refs(bare)}",
                            f"aims corrective-actions add --set nonconformity={bare[0]} --set action=...", bare))
    else:
        out.append(_finding("10.2", req, OK, f"{len(actions)} corrective actions recorded"))

    req = "Nonconformities and corrective actions handled by their due date"
    late_nc = [n.ref for n in open_ncs if is_overdue(n.due_date, today)]
    late_ca = [c.ref for c in actions if c.status in OPEN_ACTION and is_overdue(c.due_date, today)]
    if late_nc or late_ca:
        refs = late_nc + late_ca
        out.append(_finding("10.2", req, STALE, f"past their due date: {_refs(refs)}",
                            "aims reminders (then close them, or update their due date)", refs))
    else:
        out.append(_finding("10.2", req, OK, "nothing past its due date"))

    req = "Effectiveness of completed corrective actions reviewed"
    done = [c for c in actions if c.status == "done"]
    unreviewed = [c.ref for c in done if c.effectiveness_reviewed_on is None
                  and (c.effectiveness_review_due is None or is_overdue(c.effectiveness_review_due, today))]
    if not done:
        out.append(_finding("10.2", req, MISSING, "no corrective action done yet",
                            "aims corrective-actions update CA-001 --set status=done"))
    elif unreviewed:
        out.append(_finding("10.2", req, STALE, f"effectiveness review overdue: {_refs(unreviewed)}",
                            f"aims corrective-actions update {unreviewed[0]} --set effective=yes "
                            "(or no, with --set effectiveness_note=...)", unreviewed))
    else:
        out.append(_finding("10.2", req, OK, f"{len(done)} done, each reviewed or not yet due"))
    return out
