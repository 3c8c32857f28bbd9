"""Context of the organization (clause 4): the kinds of record that hold it.

``context_issue`` (4.1): an internal or external issue that bears on what the
AIMS is meant to achieve, with how it does, an owner and a review cadence.
``interested_party`` (4.2): a party that bears on the AIMS, its needs and
expectations, and which of them the AIMS addresses.
The scope (4.3) is one text of the settings (``settings.scope``).

:func:`findings` says, for clauses 4.1 to 4.3, what is recorded and what is
missing or late (``aims readiness``).
"""

from __future__ import annotations

from datetime import date

from sqlmodel import Session, col, select

from .fields import F
from .kind import Due, Kind
from .models import (
    CONTEXT_ISSUE_KINDS,
    CONTEXT_ISSUE_STATUSES,
    INTERESTED_PARTY_KINDS,
    INTERESTED_PARTY_STATUSES,
    WITHDRAWN,
    ContextIssue,
    InterestedParty,
)
from .readiness_types import MISSING, OK, STALE, Finding, listed, past_review
from .records import settings_row

CONTEXT_ISSUE = Kind(
    entity="context_issue", model=ContextIssue, what="context issue", prefix="CTX",
    specs={
        "title": F("text", required=True, max_len=300, label="Title"),
        "kind": F("choice", choices=CONTEXT_ISSUE_KINDS, label="Kind"),
        "description": F("longtext", label="Description"),
        "effect": F("longtext", label="Effect on AIMS"),
        "owner": F("login", max_len=64, label="Owner"),
        "status": F("choice", choices=CONTEXT_ISSUE_STATUSES, label="Status"),
        "raised_on": F("date", label="Raised on"),
        "review_cadence": F("cadence", label="Review cadence"),
        "next_review": F("date", label="Next review"),
    },
    closed=("closed",), due=(Due("next_review", "context issue review"),), summary=("kind",),
)

INTERESTED_PARTY = Kind(
    entity="interested_party", model=InterestedParty, what="interested party", prefix="IP",
    specs={
        "name": F("text", required=True, max_len=300, label="Party"),
        "kind": F("choice", choices=INTERESTED_PARTY_KINDS, label="Kind"),
        "needs": F("longtext", label="Needs, expectations"),
        "addressed": F("longtext", label="How AIMS meets them"),
        "owner": F("login", max_len=64, label="Owner"),
        "status": F("choice", choices=INTERESTED_PARTY_STATUSES, label="Status"),
        "review_cadence": F("cadence", label="Review cadence"),
        "next_review": F("date", label="Next review"),
    },
    title_field="name", closed=("closed",), due=(Due("next_review", "interested party review"),),
    summary=("kind",), plural="interested parties",
)


def findings(session: Session, today: date) -> list[Finding]:
    """Clauses 4.1, 4.2 and 4.3: issues of both kinds recorded and reviewed on time,
    interested parties with their needs recorded and reviewed, the scope written."""
    out: list[Finding] = []
    issues = list(session.exec(select(ContextIssue).where(col(ContextIssue.status).not_in(("closed", WITHDRAWN)))
                               .order_by(ContextIssue.ref)))
    need = "internal and external issues that bear on the AIMS are recorded"
    kinds_missing = [k for k in CONTEXT_ISSUE_KINDS if not any(i.kind == k for i in issues)]
    if kinds_missing:
        out.append(Finding("4.1", need, MISSING, f"no open {' or '.join(kinds_missing)} issue is recorded",
                           "aims context issues add --set title=... --set kind=" + kinds_missing[0]
                           + " (or M, Context issues, n)"))
    else:
        out.append(Finding("4.1", need, OK, f"{len(issues)} open issues", refs=tuple(i.ref for i in issues)))
    late = past_review(issues, today)
    if late:
        out.append(Finding("4.1", "context issues are reviewed on time", STALE,
                           f"{len(late)} of {len(issues)} issues past their review date: {listed(late)}",
                           "aims context issues reviewed REF", tuple(late)))
    parties = list(session.exec(select(InterestedParty)
                                .where(col(InterestedParty.status).not_in(("closed", WITHDRAWN)))
                                .order_by(InterestedParty.ref)))
    need = "interested parties and their needs and expectations are recorded"
    if not parties:
        out.append(Finding("4.2", need, MISSING, "no interested party is recorded",
                           "aims context parties add --set name=... --set needs=... (or M, Interested parties, n)"))
    else:
        bare = [p.ref for p in parties if not (p.needs or "").strip()]
        if bare:
            out.append(Finding("4.2", need, MISSING, f"needs and expectations not recorded for {listed(bare)}",
                               "aims context parties update REF --set needs=...", tuple(bare)))
        else:
            out.append(Finding("4.2", need, OK, f"{len(parties)} interested parties",
                               refs=tuple(p.ref for p in parties)))
    late = past_review(parties, today)
    if late:
        out.append(Finding("4.2", "interested parties are reviewed on time", STALE,
                           f"{len(late)} of {len(parties)} parties past their review date: {listed(late)}",
                           "aims context parties reviewed REF", tuple(late)))
    scope = (settings_row(session).scope or "").strip()
    need = "the scope of the AIMS is written down"
    if scope:
        out.append(Finding("4.3", need, OK, f"{len(scope)} characters"))
    else:
        out.append(Finding("4.3", need, MISSING, "the scope is not set",
                           "aims context scope set --text ... (an admin; or M, AIMS scope)"))
    return out
