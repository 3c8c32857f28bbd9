"""Approving a document (7.5): an approver's own write, separate from editing.

The register's other writes (add, update, review, withdraw) are the generic ones
of :mod:`.registers`; :data:`aims_tui.core.documents.DOCUMENT` keeps ``approved``
out of them and returns an approved document to draft when its content changes.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlmodel import Session

from ..documents import APPROVED, DOCUMENT, DRAFT
from ..db import Database
from ..errors import ValidationError
from ..identity import APPROVE, require
from ..models import Document
from ..schedule import today as _today
from ._base import apply, fetch_ref_for_change, record_change
from .registers import record_dict


def approve(db: Database, actor: str, ref: str, expect_version: int | None = None, *,
            today: date | None = None) -> dict[str, Any]:
    """Approve a draft document: status approved, approved by the actor, today. An
    approved, retired or withdrawn document is refused, naming its status."""

    def tx(s: Session) -> dict[str, Any]:
        require(s, actor, APPROVE, "approving a document")
        row = fetch_ref_for_change(s, Document, ref, expect_version, "document")
        if row.status != DRAFT:
            raise ValidationError("status", f"{ref} is {row.status}; only a draft is approved"
                                  + (" (restore it first)" if row.status == "withdrawn" else ""))
        if not (row.version_label or "").strip():
            raise ValidationError("version_label", f"{ref} has no version: say which version is approved "
                                                   f"(aims documents update {ref} --set version_label=1.0)")
        changes = apply(row, {"status": APPROVED, "approved_by": actor, "approved_on": today or _today()})
        record_change(s, actor, row, DOCUMENT.entity, ref, "approve", changes, stamp=True)
        return record_dict(s, DOCUMENT, row)

    return db.transact(tx)
