"""Context of the organization (clause 4): the kinds of record that hold it.

``context_issue`` (4.1): an internal or external issue that bears on what the
AIMS is meant to achieve, with how it does, an owner and a review cadence.
"""

from __future__ import annotations

from .fields import F
from .kind import Due, Kind
from .models import CONTEXT_ISSUE_KINDS, CONTEXT_ISSUE_STATUSES, ContextIssue

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
