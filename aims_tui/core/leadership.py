"""Leadership (clause 5): the AI policy (5.2, a document of :mod:`.documents`) and
the AIMS roles and responsibilities (5.3).

``responsibility``: an AIMS role or responsibility ("AIMS owner", "AI risk owner
for AIS-003"), who holds it (a login), a deputy, what they are accountable for,
since when, and a review cadence. The holder and the deputy are two people; a
new holder is assigned from today unless a date is given.

:func:`findings` reports clauses 5.2 and 5.3 (``aims readiness``).
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlmodel import Session, col, select

from .documents import ai_policies, current_ai_policy
from .errors import ValidationError
from .fields import F
from .kind import Due, Kind
from .models import RESPONSIBILITY_STATUSES, WITHDRAWN, Responsibility
from .readiness_types import MISSING, OK, STALE, UNAPPROVED, Finding, listed, past_review


def _prepare(s: Session, values: dict[str, Any], row: Any, today: date) -> None:
    """A deputy is not the holder; a holder named (or changed) without a date is assigned today."""
    holder = values.get("holder", getattr(row, "holder", ""))
    deputy = values.get("deputy", getattr(row, "deputy", ""))
    if holder and deputy and holder == deputy:
        raise ValidationError("deputy", f"{deputy} already holds it; the deputy is someone else")
    if "holder" in values and values["holder"] and values.get("assigned_on") is None \
            and (row is None or values["holder"] != row.holder):
        values["assigned_on"] = today


RESPONSIBILITY = Kind(
    entity="responsibility", model=Responsibility, what="responsibility", prefix="ROLE",
    specs={
        "title": F("text", required=True, max_len=300, label="Role"),
        "holder": F("login", max_len=64, label="Held by"),
        "deputy": F("login", max_len=64, label="Deputy"),
        "accountable_for": F("longtext", label="Accountable for"),
        "assigned_on": F("date", label="Assigned on"),
        "status": F("choice", choices=RESPONSIBILITY_STATUSES, label="Status"),
        "review_cadence": F("cadence", label="Review cadence"),
        "next_review": F("date", label="Next review"),
    },
    owner_field="holder", closed=("ended",), due=(Due("next_review", "responsibility review"),),
    summary=("holder",), prepare=_prepare, plural="responsibilities",
)


def findings(session: Session, today: date) -> list[Finding]:
    """Clause 5.2 (an AI policy approved and current) and 5.3 (roles held, reviewed on time)."""
    out: list[Finding] = []
    need = "an AI policy is approved and within its review date"
    current = current_ai_policy(session, today)
    policies = [d for d in ai_policies(session) if d.status != "retired"]
    if current is not None:
        out.append(Finding("5.2", need, OK, f"{current.ref} {current.title} {current.version_label}".strip()
                           + f", approved by {current.approved_by} on {current.approved_on}", refs=(current.ref,)))
    elif not policies:
        out.append(Finding("5.2", need, MISSING, "no document of type ai_policy is recorded",
                           "aims documents add --set title='AI policy' --set doc_type=ai_policy"))
    elif any(d.status == "approved" for d in policies):
        late = [d.ref for d in policies if d.status == "approved"]
        out.append(Finding("5.2", need, STALE, f"the approved AI policy is past its review date: {listed(late)}",
                           "aims documents reviewed REF", tuple(late)))
    else:
        refs = [d.ref for d in policies]
        out.append(Finding("5.2", need, UNAPPROVED, f"not approved: {listed(refs)}",
                           "aims documents approve REF (an approver; or a on the documents screen)", tuple(refs)))
    roles = list(session.exec(select(Responsibility).where(col(Responsibility.status).not_in(("ended", WITHDRAWN)))
                              .order_by(Responsibility.ref)))
    need = "AIMS roles and responsibilities are assigned"
    if not roles:
        out.append(Finding("5.3", need, MISSING, "no AIMS role or responsibility is recorded",
                           "aims responsibilities add --set title='AIMS owner' --set holder=LOGIN"))
        return out
    empty = [r.ref for r in roles if not r.holder]
    out.append(Finding("5.3", need, MISSING if empty else OK,
                       f"nobody holds {listed(empty)}" if empty else f"{len(roles)} held",
                       "aims responsibilities update REF --set holder=LOGIN" if empty else "",
                       tuple(empty) if empty else tuple(r.ref for r in roles)))
    late = past_review(roles, today)
    if late:
        out.append(Finding("5.3", "roles and responsibilities are reviewed on time", STALE,
                           f"{len(late)} of {len(roles)} past their review date: {listed(late)}",
                           "aims responsibilities reviewed REF", tuple(late)))
    return out
