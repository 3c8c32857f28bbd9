"""Management reviews (9.3): inputs, decisions, actions, sign-off."""

from __future__ import annotations

from typing import Any

from sqlmodel import Session, select

from .. import audit
from ..db import Database
from ..errors import ValidationError
from ..identity import APPROVE, EDIT, require
from ..models import ACTION_STATUSES, MR_STATUSES, ManagementReview, ManagementReviewAction
from ..records import get_by_ref, to_dict
from ..fields import F
from ._base import apply, clean, created, fetch_for_change, fetch_ref_for_change, record_change, stamp_completion

SPECS = {
    "held_on": F("date", required=True),
    "period_start": F("date"),
    "period_end": F("date"),
    "attendees": F("longtext"),
    "decisions": F("longtext"),
    "opportunities": F("longtext"),
    "status": F("choice", choices=MR_STATUSES),
    "pack_path": F("text", max_len=500),
    "pack_digest": F("text", max_len=64),
}
ACTION_SPECS = {
    "action": F("longtext", required=True),
    "owner": F("login", max_len=64),
    "due_date": F("date"),
    "status": F("choice", choices=ACTION_STATUSES),
}


def _get(s: Session, ref: str) -> ManagementReview:
    return get_by_ref(s, ManagementReview, ref, "management review")


def review_dict(s: Session, mr: ManagementReview) -> dict[str, Any]:
    d = to_dict(mr)
    d["actions"] = [to_dict(a) for a in s.exec(
        select(ManagementReviewAction).where(ManagementReviewAction.review_id == mr.id)
        .order_by(ManagementReviewAction.id))]
    return d


def list_reviews(db: Database) -> list[dict[str, Any]]:
    with db.read() as s:
        return [review_dict(s, r) for r in s.exec(select(ManagementReview).order_by(ManagementReview.held_on,
                                                                                      ManagementReview.id))]


def get_review(db: Database, ref: str) -> dict[str, Any]:
    with db.read() as s:
        return review_dict(s, _get(s, ref))


def _check_period(values: dict[str, Any], mr: ManagementReview | None = None) -> None:
    start = values.get("period_start", mr.period_start if mr else None)
    end = values.get("period_end", mr.period_end if mr else None)
    if start and end and start > end:
        raise ValidationError("period_end", "the period ends before it starts")


def create_review(db: Database, actor: str, data: dict[str, Any]) -> dict:
    def tx(s: Session) -> dict:
        require(s, actor, EDIT, "creating a management review")
        values = clean(SPECS, data, partial=False)
        _check_period(values)
        year = values["held_on"].year
        n = len(s.exec(select(ManagementReview.id).where(ManagementReview.ref.like(f"MR-{year}-%"))).all())
        mr = ManagementReview(ref=f"MR-{year}-{n + 1:02d}", **values)
        record_change(s, actor, mr, "management_review", mr.ref, "create", created(mr))
        return review_dict(s, mr)

    return db.transact(tx)


def update_review(db: Database, actor: str, ref: str, changes: dict[str, Any],
                  expect_version: int | None = None) -> dict:
    def tx(s: Session) -> dict:
        require(s, actor, EDIT, "editing a management review")
        values = clean(SPECS, changes, partial=True)
        mr = fetch_ref_for_change(s, ManagementReview, ref, expect_version, "management review")
        if mr.status == "signed_off" and set(values) - {"pack_path", "pack_digest"}:
            raise ValidationError("status", f"{ref} is signed off and can no longer be edited")
        _check_period(values, mr)
        record_change(s, actor, mr, "management_review", ref, "update", apply(mr, values))
        return review_dict(s, mr)

    return db.transact(tx)


def sign_off(db: Database, actor: str, ref: str, expect_version: int | None = None) -> dict:
    def tx(s: Session) -> dict:
        require(s, actor, APPROVE, "signing off a management review")
        mr = fetch_ref_for_change(s, ManagementReview, ref, expect_version, "management review")
        if not mr.decisions.strip():
            raise ValidationError("decisions", "record the review's decisions (9.3.3) before signing off")
        old = mr.status
        mr.status = "signed_off"
        mr.signed_off_by = actor
        mr.signed_off_at = audit.utcnow()
        record_change(s, actor, mr, "management_review", ref, "sign_off", {"status": [old, "signed_off"]})
        return review_dict(s, mr)

    return db.transact(tx)


def add_action(db: Database, actor: str, review_ref: str, data: dict[str, Any]) -> dict:
    def tx(s: Session) -> dict:
        require(s, actor, EDIT, "adding a management review action")
        values = clean(ACTION_SPECS, data, partial=False, session=s)
        mr = _get(s, review_ref)
        a = ManagementReviewAction(review_id=mr.id, **values)
        if not a.owner:
            a.owner = actor
        if a.status == "done":
            a.completed_at = audit.utcnow()
        s.add(a)
        s.flush()
        audit.record(s, actor, "management_review_action", f"{review_ref}/A{a.id}", "create", created(a))
        return to_dict(a)

    return db.transact(tx)


def update_action(db: Database, actor: str, action_id: int, changes: dict[str, Any],
                  expect_version: int | None = None) -> dict:
    def tx(s: Session) -> dict:
        require(s, actor, EDIT, "editing a management review action")
        values = clean(ACTION_SPECS, changes, partial=True, session=s)
        a = fetch_for_change(s, ManagementReviewAction, action_id, expect_version, "management review action")
        stamp_completion(values, a.status)
        mr = s.get(ManagementReview, a.review_id)
        record_change(s, actor, a, "management_review_action", f"{mr.ref}/A{a.id}", "update", apply(a, values))
        return to_dict(a)

    return db.transact(tx)
