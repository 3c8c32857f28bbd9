"""Documented information (7.5): the register of documents, the AI policy (5.2) among them.

``document``: a title, a type (the AI policy is the document of type
``ai_policy``), a version label, an owner, where it lives (a path or URL, kept
and shown as typed), a status, who approved it and when, a review cadence and a
retention rule.

Approval is its own write (:func:`aims_tui.core.services.documents.approve`,
approvers only): a user cannot type ``approved``. Changing what an approved
document says (its content fields) returns it to draft, approval cleared: the
new text has not been approved. :data:`DOCUMENT` says so in ``prepare``.

:func:`current_ai_policy` is the AI policy in force (approved, not past its
review date); :func:`findings` reports clause 7.5 (and :mod:`.leadership` 5.2).
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlmodel import Session, col, select

from .errors import ValidationError
from .fields import F
from .kind import Due, Kind
from .models import DOCUMENT_STATUSES, DOCUMENT_TYPES, WITHDRAWN, Document
from .readiness_types import MISSING, OK, STALE, UNAPPROVED, Finding, listed, past_review

AI_POLICY = "ai_policy"
APPROVED, DRAFT, RETIRED = "approved", "draft", "retired"
# what the approval covers: changing one of these returns an approved document to draft
CONTENT_FIELDS = ("title", "doc_type", "version_label", "location")


def _prepare(s: Session, values: dict[str, Any], row: Any, today: date) -> None:
    """Approval only through approve; a content change of an approved document returns it to draft."""
    was = getattr(row, "status", None)
    status = values.get("status")
    if status == APPROVED and was != APPROVED:
        raise ValidationError("status", "a document is approved by an approver with "
                                        "'aims documents approve REF' (key a on the documents screen)")
    if row is None or was != APPROVED:
        return
    changed = [f for f in CONTENT_FIELDS if f in values and values[f] != getattr(row, f)]
    if changed or status == DRAFT:
        values["status"] = DRAFT if status in (None, APPROVED, DRAFT) else status
        values["approved_by"] = ""
        values["approved_on"] = None


DOCUMENT = Kind(
    entity="document", model=Document, what="document", prefix="DOC",
    specs={
        "title": F("text", required=True, max_len=300, label="Title"),
        "doc_type": F("choice", choices=DOCUMENT_TYPES, label="Type"),
        "version_label": F("text", max_len=32, label="Version"),
        "owner": F("login", max_len=64, label="Owner"),
        "location": F("text", max_len=1000, label="Location"),
        "status": F("choice", choices=DOCUMENT_STATUSES, label="Status"),
        "review_cadence": F("cadence", label="Review cadence"),
        "next_review": F("date", label="Next review"),
        "retention": F("text", max_len=200, label="Retention"),
    },
    closed=(RETIRED,), due=(Due("next_review", "document review"),), summary=("doc_type", "version_label"),
    prepare=_prepare,
)


def returned_to_draft(before: dict[str, Any] | None, after: dict[str, Any]) -> bool:
    """Whether a change took an approved document back to draft (what a caller says)."""
    return before is not None and before.get("status") == APPROVED and after.get("status") == DRAFT


def is_current(doc: Any, today: date) -> bool:
    """Approved and not past its review date."""
    return doc.status == APPROVED and (doc.next_review is None or doc.next_review >= today)


def ai_policies(session: Session) -> list[Document]:
    """Every AI policy document that is not withdrawn, the latest approved first."""
    rows = list(session.exec(select(Document).where(Document.doc_type == AI_POLICY, Document.status != WITHDRAWN)
                             .order_by(Document.ref)))
    return sorted(rows, key=lambda d: (d.status != APPROVED, -(d.approved_on or date.min).toordinal(), d.ref))


def current_ai_policy(session: Session, today: date) -> Document | None:
    """The AI policy in force: of the approved ai_policy documents not past review, the latest approved."""
    return next((d for d in ai_policies(session) if is_current(d, today)), None)


def approved_ai_policy(session: Session) -> Document | None:
    """The latest approved AI policy, current or not (the pack prints it, and says when it is late)."""
    return next((d for d in ai_policies(session) if d.status == APPROVED), None)


def findings(session: Session, today: date) -> list[Finding]:
    """Clause 7.5: documents recorded, approved, reviewed on time, with a retention rule."""
    docs = list(session.exec(select(Document).where(col(Document.status).not_in((RETIRED, WITHDRAWN)))
                             .order_by(Document.ref)))
    need = "documented information is kept in a register"
    if not docs:
        return [Finding("7.5", need, MISSING, "no document is recorded",
                        "aims documents add --set title=... --set doc_type=... (or M, Documents, n)")]
    out = [Finding("7.5", need, OK, f"{len(docs)} documents in use", refs=tuple(d.ref for d in docs))]
    drafts = [d.ref for d in docs if d.status != APPROVED]
    out.append(Finding("7.5", "documents in use are approved", UNAPPROVED if drafts else OK,
                       f"{len(drafts)} of {len(docs)} not approved: {listed(drafts)}" if drafts
                       else f"{len(docs)} approved", "aims documents approve REF (an approver; or a on the screen)"
                       if drafts else "", tuple(drafts)))
    late = past_review(docs, today)
    unplanned = [d.ref for d in docs if d.next_review is None]
    if late:
        out.append(Finding("7.5", "documents are reviewed on time", STALE,
                           f"{len(late)} of {len(docs)} past their review date: {listed(late)}",
                           "aims documents reviewed REF", tuple(late)))
    elif unplanned:
        out.append(Finding("7.5", "documents are reviewed on time", MISSING,
                           f"no review date for {listed(unplanned)}",
                           "aims documents update REF --set review_cadence=yearly", tuple(unplanned)))
    else:
        out.append(Finding("7.5", "documents are reviewed on time", OK, f"{len(docs)} with a review date ahead"))
    kept = [d.ref for d in docs if not (d.retention or "").strip()]
    out.append(Finding("7.5", "how long each document is retained is said", MISSING if kept else OK,
                       f"no retention for {listed(kept)}" if kept else "every document has a retention rule",
                       "aims documents update REF --set retention=..." if kept else "", tuple(kept)))
    return out
