"""What a register needs to pass the gates of clauses 4.3 and 5.2 (issue 16): a scope
and an approved AI policy. Tests of a "clean register" set them up with this."""

from __future__ import annotations

from datetime import date

from aims_tui.core.db import Database
from aims_tui.core.services import documents, registers, scope

from ..conftest import ADMIN, APPROVER


def scope_and_policy(db: Database, today: date) -> str:
    """Set the scope, record the AI policy and approve it; the policy's ref."""
    scope.set_scope(db, ADMIN, "Every AI system of the product division, from design to retirement")
    doc = registers.create(db, ADMIN, "document", {"title": "AI policy", "doc_type": "ai_policy",
                                                   "version_label": "1.0", "review_cadence": "yearly"}, today=today)
    documents.approve(db, APPROVER, doc["ref"], today=today)
    return doc["ref"]
