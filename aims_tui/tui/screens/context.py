"""Context of the organization (clause 4): its registers, on RecordScreen."""

from __future__ import annotations

from .records import RecordScreen


class ContextIssuesScreen(RecordScreen):
    KIND = "context_issue"
    COLUMNS = [("Ref", 8), ("Kind", 9), ("Title", None), ("Owner", 10, 90), ("Status", 10), ("Next review", 11)]
    SHOW = ["ref", "kind", "title", "owner", "status", "next_review"]


class InterestedPartiesScreen(RecordScreen):
    KIND = "interested_party"
    COLUMNS = [("Ref", 7), ("Kind", 9), ("Party", None), ("Owner", 10, 90), ("Status", 10), ("Next review", 11)]
    SHOW = ["ref", "kind", "name", "owner", "status", "next_review"]
