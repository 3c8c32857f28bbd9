"""The context of the organization and the AI policy as the pack reads them (9.3.2 b), as plain data.

Headless (no ReportLab): what changed in the external and internal issues (4.1) and
the interested parties (4.2) during the review period, read from their audit
events (added, changed, closed, reopened, reviewed, withdrawn, restored); the scope
(4.3) and whether it changed; the AI policy in force (5.2, the approved document of
type ai_policy).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlmodel import Session, select

from ..core.documents import approved_ai_policy, is_current
from ..core.models import AuditEvent, ContextIssue, InterestedParty
from ..core.records import settings_row

ENTITIES = {"context_issue": ("issue", ContextIssue, "title"), "interested_party": ("interested party",
                                                                                    InterestedParty, "name")}
SCOPE_REFS = ("scope", "settings")


def _what(action: str, changes: dict[str, Any]) -> str:
    """How one event reads in the pack: added, closed, reopened, changed (fields), reviewed..."""
    if action == "create":
        return "added"
    if action == "update":
        status = changes.get("status")
        if isinstance(status, list) and len(status) == 2 and status[1] == "closed":
            return "closed"
        if isinstance(status, list) and len(status) == 2 and status[0] == "closed":
            return "reopened"
        fields = [k.replace("_", " ") for k in changes if k != "note"]
        return "changed (" + ", ".join(fields) + ")" if fields else "changed"
    return {"review": "reviewed", "withdraw": "withdrawn", "restore": "restored"}.get(action, action)


def policy_line(doc: Any) -> str:
    """The AI policy as one line (the cover's): ref, title, version, approval."""
    if doc is None:
        return ""
    version = f" version {doc.version_label}" if doc.version_label else ""
    return f"{doc.ref} {doc.title}{version}, approved by {doc.approved_by} on {doc.approved_on.isoformat()}" \
        if doc.approved_on else f"{doc.ref} {doc.title}{version}"


def ai_policy(s: Session, as_of: date) -> dict[str, Any] | None:
    doc = approved_ai_policy(s)
    if doc is None:
        return None
    return {"ref": doc.ref, "title": doc.title, "version_label": doc.version_label, "approved_by": doc.approved_by,
            "approved_on": doc.approved_on, "next_review": doc.next_review, "location": doc.location,
            "current": is_current(doc, as_of), "line": policy_line(doc)}


def context_changes(s: Session, lo: datetime, hi: datetime, as_of: date) -> dict[str, Any]:
    """(9.3.2 b) what changed in issues and interested parties between ``lo`` and ``hi``,
    the scope and its changes, the AI policy; one query per table."""
    evs = list(s.exec(select(AuditEvent.entity, AuditEvent.entity_ref, AuditEvent.at, AuditEvent.actor,
                             AuditEvent.action, AuditEvent.changes)
                      .where(AuditEvent.entity.in_(tuple(ENTITIES)), AuditEvent.at >= lo,
                             AuditEvent.at <= hi)
                      .order_by(AuditEvent.id)))
    current: dict[tuple[str, str], tuple[str, str, str]] = {}
    for entity, (_, model, title) in ENTITIES.items():
        for ref, name, kind, status in s.exec(select(model.ref, getattr(model, title), model.kind, model.status)):
            current[(entity, ref)] = (name, kind, status)
    rows: dict[tuple[str, str], dict[str, Any]] = {}
    counts = {e: {"added": 0, "changed": 0, "closed": 0} for e in ENTITIES}
    for entity, ref, at, actor, action, changes in evs:
        name, kind, status = current.get((entity, ref), ("", "", ""))
        r = rows.setdefault((entity, ref), {"entity": entity, "what": ENTITIES[entity][0], "ref": ref,
                                            "title": name, "kind": kind, "status": status, "events": []})
        said = _what(action, changes or {})
        r["events"].append({"on": at.date(), "actor": actor, "what": said})
        bucket = "added" if said == "added" else "closed" if said == "closed" else \
            "changed" if said.startswith(("changed", "reopened")) else None
        if bucket:
            counts[entity][bucket] += 1
    st = settings_row(s)
    scope_events = [{"on": at.date(), "actor": actor} for at, actor, changes in s.exec(
        select(AuditEvent.at, AuditEvent.actor, AuditEvent.changes)
        .where(AuditEvent.entity == "settings", AuditEvent.entity_ref.in_(SCOPE_REFS),
               AuditEvent.at >= lo, AuditEvent.at <= hi)
        .order_by(AuditEvent.id)) if "scope" in (changes or {})]
    return {"rows": sorted(rows.values(), key=lambda r: (r["entity"], r["ref"])), "counts": counts,
            "scope": st.scope or "", "scope_changes": scope_events, "ai_policy": ai_policy(s, as_of)}
