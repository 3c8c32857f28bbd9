"""The rules every face applies, each written once, in Python and in SQL.

- Overdue and due soon: a date is overdue once it has passed (due today is not
  overdue yet) and due soon up to ``soon_days`` days ahead, today included.
  The Python form is :func:`aims_tui.core.schedule.due_state`; :func:`overdue`
  and :func:`due_soon` are the same rule as SQL conditions on a date column.
- Acceptance of a residual risk: the risk's current acceptance is its newest one
  not revoked (by ``accepted_at``, then id). It covers the risk while it has not
  expired and the residual score is no worse than the score that was accepted.
  :func:`acceptance_state` says whether it covers and why not;
  :func:`valid_current_acceptance` is the same rule in SQL.
- A live risk is one that is not closed; an open treatment or review action is
  one whose status is in :data:`OPEN_TREATMENT_STATUSES`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any, Protocol

from sqlalchemy import and_, exists, or_
from sqlalchemy.orm import aliased
from sqlmodel import Session, select

from .models import OPEN_TREATMENT_STATUSES, WITHDRAWN, Acceptance, Risk
from .schedule import is_overdue
from .scoring import score

__all__ = [
    "ACCEPTED", "EXPIRED", "NOT_ACCEPTED", "OPEN_TREATMENT_STATUSES", "REVOKED", "SCORE_ABOVE",
    "AcceptanceState", "acceptance_state", "action_overdue", "current_acceptance", "due_soon", "is_current_acceptance",
    "live_risk", "open_treatment", "overdue", "valid_current_acceptance",
]

# ---------------------------------------------------------------------------
# Overdue and due soon (SQL)
# ---------------------------------------------------------------------------


def overdue(date_col: Any, today: date) -> Any:
    """SQL: the date is set and has passed."""
    return and_(date_col.is_not(None), date_col < today)


def due_soon(date_col: Any, today: date, soon_days: int) -> Any:
    """SQL: the date falls from today to ``soon_days`` days ahead, both included."""
    return and_(date_col.is_not(None), date_col >= today, date_col <= today + timedelta(days=soon_days))


def live_risk(status_col: Any = Risk.status) -> Any:
    """SQL: the risk is neither closed nor withdrawn (a record made by mistake)."""
    return status_col.not_in(("closed", WITHDRAWN))


def open_treatment(status_col: Any) -> Any:
    """SQL: a treatment (or review action) still to do."""
    return status_col.in_(OPEN_TREATMENT_STATUSES)


def action_overdue(status: str, due: date | None, today: date) -> bool:
    """A treatment or review action still to do whose due date has passed."""
    return status in OPEN_TREATMENT_STATUSES and is_overdue(due, today)


# ---------------------------------------------------------------------------
# Acceptance of a residual risk
# ---------------------------------------------------------------------------

ACCEPTED = "accepted"
NOT_ACCEPTED = "not accepted"
REVOKED = "acceptance revoked"
EXPIRED = "acceptance expired"
SCORE_ABOVE = "score above acceptance"
UNDONE = "undone"  # the reason of the revocation that takes back an acceptance just made (ctrl+z)


class AcceptanceLike(Protocol):
    expires_on: date | None
    residual_likelihood: int
    residual_impact: int
    revoked: bool


@dataclass(frozen=True)
class AcceptanceState:
    valid: bool
    reason: str  # ACCEPTED, or why not: NOT_ACCEPTED, REVOKED, EXPIRED, SCORE_ABOVE


def acceptance_state(acc: AcceptanceLike | None, residual_score: int, today: date) -> AcceptanceState:
    """Whether an acceptance covers a risk whose residual score is ``residual_score``, and why not."""
    if acc is None:
        return AcceptanceState(False, NOT_ACCEPTED)
    if acc.revoked:
        return AcceptanceState(False, REVOKED)
    if acc.expires_on is not None and acc.expires_on < today:
        return AcceptanceState(False, EXPIRED)
    if residual_score > score(acc.residual_likelihood, acc.residual_impact):
        return AcceptanceState(False, SCORE_ABOVE)
    return AcceptanceState(True, ACCEPTED)


def current_acceptance(s: Session, risk_id: int | None) -> Acceptance | None:
    """The risk's current acceptance: its newest one not revoked."""
    return s.exec(select(Acceptance).where(Acceptance.risk_id == risk_id, Acceptance.revoked == False)  # noqa: E712
                  .order_by(Acceptance.accepted_at.desc(), Acceptance.id.desc())).first()


_Newer = aliased(Acceptance)


def is_current_acceptance() -> Any:
    """SQL on Acceptance: no newer acceptance of the same risk that is not revoked."""
    return ~exists().where(
        _Newer.risk_id == Acceptance.risk_id, _Newer.revoked == False,  # noqa: E712
        or_(_Newer.accepted_at > Acceptance.accepted_at,
            and_(_Newer.accepted_at == Acceptance.accepted_at, _Newer.id > Acceptance.id)))


def valid_current_acceptance(today: date) -> Any:
    """SQL on Risk: its current acceptance covers it (the rule of :func:`acceptance_state`)."""
    return exists().where(
        Acceptance.risk_id == Risk.id, Acceptance.revoked == False,  # noqa: E712
        or_(Acceptance.expires_on.is_(None), Acceptance.expires_on >= today),
        Acceptance.residual_likelihood * Acceptance.residual_impact >= Risk.residual_score,
        is_current_acceptance())
