"""What the pack says of internal audits and corrective actions (9.3.2 d): audits
held in the period with their conclusions and findings, and the corrective actions
(open, overdue, done, effectiveness reviewed). Headless: plain data."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlmodel import select

from ..core.db import Database
from ..core.models import (
    CORRECTIVE_ACTION_STATUSES,
    WITHDRAWN,
    CorrectiveAction,
    InternalAudit,
    Nonconformity,
)
from ..core.schedule import is_overdue

LIMIT = 100  # rows listed in a table of the pack


def internal_audit_figures(db: Database, as_of: date, since: date) -> dict[str, Any]:
    with db.read() as s:
        audits = list(s.exec(select(InternalAudit.id, InternalAudit.ref, InternalAudit.title, InternalAudit.area,
                                    InternalAudit.auditor, InternalAudit.planned_on, InternalAudit.held_on,
                                    InternalAudit.status, InternalAudit.conclusion)
                             .where(InternalAudit.status != WITHDRAWN).order_by(InternalAudit.ref)))
        ncs = list(s.exec(select(Nonconformity.id, Nonconformity.ref, Nonconformity.internal_audit_id,
                                 Nonconformity.title, Nonconformity.severity, Nonconformity.status,
                                 Nonconformity.raised_on)
                          .where(Nonconformity.status != WITHDRAWN).order_by(Nonconformity.ref)))
        actions = list(s.exec(select(CorrectiveAction.ref, CorrectiveAction.nonconformity_id, CorrectiveAction.action,
                                     CorrectiveAction.owner, CorrectiveAction.due_date, CorrectiveAction.status,
                                     CorrectiveAction.done_on, CorrectiveAction.effectiveness_review_due,
                                     CorrectiveAction.effectiveness_reviewed_on, CorrectiveAction.effective)
                              .where(CorrectiveAction.status != WITHDRAWN).order_by(CorrectiveAction.ref)))
    audit_ref = {a[0]: a[1] for a in audits}
    nc_ref = {n[0]: n[1] for n in ncs}
    raised = {}
    for n in ncs:
        if n[2] is not None:
            raised.setdefault(n[2], []).append(n[1])
    held = [a for a in audits if a[7] in ("held", "reported") and a[6] and since <= a[6] <= as_of]
    late = [a for a in audits if a[7] == "planned" and is_overdue(a[5], as_of)]
    findings = [n for n in ncs if n[2] is not None and since <= n[6] <= as_of]
    open_ = [c for c in actions if c[5] in ("planned", "in_progress")]
    overdue = [c for c in open_ if is_overdue(c[4], as_of)]
    done = [c for c in actions if c[5] == "done"]
    reviewed = [c for c in done if c[8] is not None]
    review_late = [c for c in done if c[8] is None and (c[7] is None or is_overdue(c[7], as_of))]
    return {
        "audits_held": [{"ref": a[1], "title": a[2], "area": a[3], "auditor": a[4], "held_on": a[6],
                         "status": a[7], "conclusion": a[8], "findings": raised.get(a[0], [])} for a in held][:LIMIT],
        "audits_held_total": len(held),
        "audits_late": [a[1] for a in late],
        "findings": [{"ref": n[1], "audit": audit_ref.get(n[2], ""), "title": n[3], "severity": n[4],
                      "status": n[5]} for n in findings][:LIMIT],
        "findings_total": len(findings),
        "actions_by_status": {k: sum(1 for c in actions if c[5] == k) for k in CORRECTIVE_ACTION_STATUSES},
        "actions_open": len(open_),
        "actions_overdue": len(overdue),
        "actions_done_in_period": sum(1 for c in done if c[6] and since <= c[6] <= as_of),
        "actions_reviewed": len(reviewed),
        "actions_effective": sum(1 for c in reviewed if c[9] is True),
        "actions_not_effective": sum(1 for c in reviewed if c[9] is False),
        "actions_review_overdue": [c[0] for c in review_late],
        "actions_attention": [{"ref": c[0], "nonconformity": nc_ref.get(c[1], ""), "action": c[2], "owner": c[3],
                               "due_date": c[4], "status": c[5], "overdue": is_overdue(c[4], as_of)}
                              for c in open_][:LIMIT],
    }
