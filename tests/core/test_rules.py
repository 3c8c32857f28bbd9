"""The rules of core.rules: each one's SQL form agrees with its Python form, and the
acceptance rule says why an acceptance does not cover a risk."""

from __future__ import annotations

from datetime import date, timedelta
from types import SimpleNamespace

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st
from sqlalchemy import Date, create_engine, literal, select

from aims_tui.core import rules
from aims_tui.core.fields import check_risk_fields
from aims_tui.core.schedule import DUE_SOON, OVERDUE, due_state
from aims_tui.core.scoring import DEFAULT_MATRIX

TODAY = date(2026, 6, 15)
ENGINE = create_engine("sqlite://")


def _sql_says(condition) -> bool:
    with ENGINE.connect() as c:
        return bool(c.execute(select(literal(1)).where(condition)).first())


@settings(max_examples=60, suppress_health_check=[HealthCheck.too_slow])
@given(offset=st.one_of(st.none(), st.integers(-400, 400)), soon=st.integers(0, 60))
def test_the_sql_overdue_and_due_soon_agree_with_due_state(offset, soon):
    """The dashboard counts in SQL what the register shows from due_state; one rule, two forms."""
    due = None if offset is None else TODAY + timedelta(days=offset)
    col = literal(due, Date)
    state = due_state(due, TODAY, soon)
    assert _sql_says(rules.overdue(col, TODAY)) == (state == OVERDUE)
    assert _sql_says(rules.due_soon(col, TODAY, soon)) == (state == DUE_SOON)


def _acc(likelihood=3, impact=3, expires_on=None, revoked=False):
    return SimpleNamespace(residual_likelihood=likelihood, residual_impact=impact, expires_on=expires_on,
                           revoked=revoked)


@pytest.mark.parametrize("acc, residual, valid, reason", [
    (None, 9, False, rules.NOT_ACCEPTED),
    (_acc(revoked=True), 9, False, rules.REVOKED),
    (_acc(expires_on=TODAY - timedelta(days=1)), 9, False, rules.EXPIRED),
    (_acc(expires_on=TODAY), 9, True, rules.ACCEPTED),
    (_acc(), 10, False, rules.SCORE_ABOVE),
    (_acc(), 9, True, rules.ACCEPTED),
    (_acc(expires_on=TODAY - timedelta(days=1)), 25, False, rules.EXPIRED),
])
def test_an_acceptance_covers_a_risk_until_it_expires_or_the_score_gets_worse(acc, residual, valid, reason):
    """The pack prints the reason; an expired acceptance reads as expired even when the score also grew."""
    state = rules.acceptance_state(acc, residual, TODAY)
    assert (state.valid, state.reason) == (valid, reason)


@pytest.mark.parametrize("status, due, overdue", [
    ("planned", TODAY - timedelta(days=1), True),
    ("in_progress", TODAY - timedelta(days=30), True),
    ("planned", TODAY, False),
    ("done", TODAY - timedelta(days=30), False),
    ("cancelled", TODAY - timedelta(days=30), False),
    ("planned", None, False),
])
def test_only_an_open_action_past_its_date_is_overdue(status, due, overdue):
    assert rules.action_overdue(status, due, TODAY) is overdue


def test_the_risk_field_check_names_each_field_the_service_would_refuse():
    """A form can ask before saving; the messages are the service's own."""
    problems = dict(check_risk_fields({"title": "x" * 301, "inherent_likelihood": 9, "status": "bogus"},
                                      DEFAULT_MATRIX))
    assert set(problems) == {"title", "status"}
    assert problems["title"] == "is 301 characters long; at most 300"
    assert dict(check_risk_fields({"title": "ok", "inherent_likelihood": 9}, DEFAULT_MATRIX)) == {
        "inherent_likelihood": "must be between 1 and 5, got 9"}
    assert check_risk_fields({"title": "ok", "inherent_likelihood": 2, "inherent_impact": 5}, DEFAULT_MATRIX) == []


def test_the_sql_probe_can_say_no():
    """Guards the property test above: the probe is not always true."""
    assert _sql_says(literal(1) == literal(2)) is False
