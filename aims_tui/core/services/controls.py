"""Controls (Annex A and custom) and the Statement of Applicability (6.1.3)."""

from __future__ import annotations

import json
import re
from typing import Any

from sqlmodel import Session, select

from .. import audit
from ..db import Database, data_dir
from ..errors import NotFound, ValidationError
from ..identity import ADMIN, APPROVE, EDIT, require
from ..models import IMPLEMENTATION_STATUSES, Applicability, Control
from ..fields import F
from ..records import to_dict
from ._base import apply, check_version, clean, record_change

APPLICABILITY_SPECS = {
    "applicable": F("bool"),
    "justification": F("longtext"),
    "implementation_status": F("choice", choices=IMPLEMENTATION_STATUSES),
    "owner": F("login", max_len=64),
    "review_cadence": F("cadence"),
    "next_review": F("date"),
}
CONTROL_SPECS = {
    "code": F("text", required=True, max_len=32),
    "title": F("text", required=True, max_len=300),
    "group": F("text", max_len=32),
    "group_title": F("text", max_len=200),
    "description": F("longtext"),
    "justification": F("longtext"),  # why it is included (its SoA entry; the gate asks for it when empty)
}
# An SoA decision (applicable yes or no) needs its reason, both ways (6.1.3).
JUSTIFICATION_NEEDED = "a justification is needed to include or exclude a control (say why)"
CODE_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,31}$")


def sort_key(code: str) -> str:
    """A.6.2.10 after A.6.2.9: pad every number in the code."""
    return ".".join(p.zfill(4) if p.isdigit() else p for p in re.split(r"[.]", code))


def annex_a() -> list[dict[str, str]]:
    return json.loads((data_dir() / "annex_a.json").read_text(encoding="utf-8"))["controls"]


def load_annex_a(s: Session, actor: str) -> int:
    """Insert the Annex A controls that are missing (idempotent). Returns how many."""
    have = set(s.exec(select(Control.code)).all())
    added = 0
    for c in annex_a():
        if c["code"] in have:
            continue
        ctl = Control(code=c["code"], title=c["title"], group=c["group"], group_title=c["group_title"],
                      custom=False, sort_key=sort_key(c["code"]))
        s.add(ctl)
        s.flush()
        s.add(Applicability(control_id=ctl.id))
        added += 1
    if added:
        s.flush()
        audit.record(s, actor, "control", "annex_a", "load", {"controls_added": [0, added]})
    return added


def soa_entry(s: Session, ctl: Control, app: Applicability | None) -> dict[str, Any]:
    d = {"code": ctl.code, "title": ctl.title, "group": ctl.group, "group_title": ctl.group_title,
         "custom": ctl.custom, "description": ctl.description or "", "control_id": ctl.id}
    a = to_dict(app) if app else {}
    d.update({k: a.get(k) for k in ("applicable", "justification", "implementation_status", "owner",
                                     "review_cadence", "next_review", "approved_by", "approved_at", "version")})
    return d


def list_soa(db: Database) -> list[dict[str, Any]]:
    with db.read() as s:
        rows = s.exec(select(Control, Applicability).join(Applicability, Applicability.control_id == Control.id,
                                                          isouter=True).order_by(Control.sort_key)).all()
        return [soa_entry(s, c, a) for c, a in rows]


def add_control(db: Database, actor: str, data: dict[str, Any]) -> dict[str, Any]:
    def tx(s: Session) -> dict:
        require(s, actor, ADMIN, "adding a custom control")
        values = clean(CONTROL_SPECS, data, partial=False)
        if not CODE_RE.match(values["code"]):
            raise ValidationError("code", "use letters, digits, dots and dashes (e.g. ORG.1)")
        if s.exec(select(Control.id).where(Control.code == values["code"])).first():
            raise ValidationError("code", f"{values['code']} already exists")
        justification = (values.pop("justification", None) or "").strip()
        values["description"] = (values.get("description") or "").strip() or None
        ctl = Control(custom=True, sort_key=sort_key(values["code"]), **values)
        s.add(ctl)
        s.flush()
        # an organization's own control is included; without its reason the gate
        # decided_control_without_justification lists it until someone gives one
        s.add(Applicability(control_id=ctl.id, applicable=True, justification=justification))
        s.flush()
        audit.record(s, actor, "control", ctl.code, "create",
                     {"title": [None, ctl.title], **({"description": [None, ctl.description]} if ctl.description else {}),
                      "applicable": [None, True], **({"justification": [None, justification]} if justification else {})})
        return {**to_dict(ctl), "description": ctl.description or "", "applicable": True,
                "justification": justification}

    return db.transact(tx)


def _entry(s: Session, code: str) -> tuple[Control, Applicability]:
    ctl = s.exec(select(Control).where(Control.code == code)).first()
    if ctl is None:
        raise NotFound("control", code)
    app = s.exec(select(Applicability).where(Applicability.control_id == ctl.id)).first()
    if app is None:
        app = Applicability(control_id=ctl.id)
        s.add(app)
        s.flush()
    return ctl, app


def update_applicability(db: Database, actor: str, code: str, changes: dict[str, Any],
                         expect_version: int | None = None) -> dict[str, Any]:
    def tx(s: Session) -> dict:
        require(s, actor, EDIT, "editing the Statement of Applicability")
        values = clean(APPLICABILITY_SPECS, changes, partial=True, session=s)
        ctl, app = _entry(s, code)
        check_version(app, expect_version, "SoA entry", code)
        after_applicable = values.get("applicable", app.applicable)
        after_just = values.get("justification", app.justification)
        deciding = "applicable" in values or "justification" in values
        if after_applicable is not None and deciding and not (after_just or "").strip():
            # both ways (6.1.3); an entry decided before this rule keeps its state until its
            # decision is touched (the gate decided_control_without_justification lists it)
            raise ValidationError("justification", JUSTIFICATION_NEEDED)
        flipped = app.applicable is not None and after_applicable is not None and after_applicable != app.applicable
        if flipped and (values.get("justification") or app.justification) == app.justification:
            # the reason given for the old decision argues the other way
            raise ValidationError("justification", "say why it is now " + ("included" if after_applicable
                                                                             else "excluded"))
        diff = apply(app, values)
        if diff:
            # a changed entry needs approving again
            if app.approved_by:
                diff["approved_by"] = [app.approved_by, ""]
                app.approved_by = ""
                app.approved_at = None
            record_change(s, actor, app, "applicability", code, "update", diff)
        return soa_entry(s, ctl, app)

    return db.transact(tx)


def approve_soa(db: Database, actor: str, codes: list[str] | None = None) -> int:
    """Approve the decided SoA entries (all, or the given codes). Returns how many."""

    def tx(s: Session) -> int:
        require(s, actor, APPROVE, "approving the Statement of Applicability")
        q = select(Control, Applicability).join(Applicability, Applicability.control_id == Control.id)
        if codes:
            q = q.where(Control.code.in_(codes))
        n = 0
        now = audit.utcnow()
        approved = []
        for ctl, app in s.exec(q):
            if app.applicable is None:
                continue
            app.approved_by = actor
            app.approved_at = now
            s.add(app)
            approved.append(ctl.code)
            n += 1
        if n:
            s.flush()
            # the event's time is the entries' approved_at (the history takes an approval back by it)
            audit.record(s, actor, "applicability", "soa", "approve", {"controls": [None, approved]}, at=now)
        return n

    return db.transact(tx)
