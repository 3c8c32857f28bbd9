"""The facts behind the pack: history reconstruction, review compliance, trends, digest."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

from aims_tui.core import audit
from aims_tui.core.services import nonconformities, reviews, risks, systems
from aims_tui.reports import data as pack_data
from aims_tui.reports.data import _state_before, day_start
from tests.conftest import EDITOR, TODAY


def _risk(db, title, li, im, **kw):
    return risks.create_risk(db, EDITOR, {"title": title, "inherent_likelihood": li, "inherent_impact": im, **kw},
                             today=TODAY)


def test_a_residual_level_change_is_reconstructed_from_the_audit_trail(db):
    """Rescoring Low -> High today shows as a level change when as-of is today, not when as-of is yesterday."""
    r = _risk(db, "Drift", 2, 2)
    risks.update_risk(db, EDITOR, r["ref"], {"residual_likelihood": 4, "residual_impact": 3, "inherent_likelihood": 4,
                                             "inherent_impact": 3})
    today = date.today()
    d = pack_data.gather(db, today, today - timedelta(days=1))
    # created today too: a risk added in the period is listed as added, not as changed
    assert [x["ref"] for x in d["changes"]["risks_added"]] == [r["ref"]]
    assert d["changes"]["risk_level_changes"] == []


def test_the_level_at_each_end_of_the_period_undoes_later_changes():
    """Scores are walked back from the current state: changes after a cut are undone, newest first."""
    t = [day_start(date(2026, m, 1)) for m in (1, 3, 5)]
    events = [(t[0], {"residual_likelihood": [1, 2]}), (t[1], {"residual_impact": [1, 5]}),
              (t[2], {"residual_likelihood": [2, 4], "residual_impact": [5, 2]})]
    now = {"residual_likelihood": 4, "residual_impact": 2}
    assert _state_before(now, events, t[2]) == {"residual_likelihood": 2, "residual_impact": 5}
    assert _state_before(now, events, t[1]) == {"residual_likelihood": 2, "residual_impact": 1}
    assert _state_before(now, events, t[0]) == {"residual_likelihood": 1, "residual_impact": 1}
    assert _state_before(now, events, t[2] + timedelta(days=1)) == now


def test_an_older_risk_rescored_in_the_period_is_listed_with_both_levels(db, monkeypatch):
    """A risk created before the period and rescored within it: from Low to High. It is made
    with the audit clock long before the period (its create event and created_at agree: the
    pack's "added" is the diff's, read from the audit trail)."""
    with monkeypatch.context() as m:  # the risk existed long before the period
        m.setattr(audit, "utcnow", lambda: datetime(2025, 1, 1, 9, tzinfo=timezone.utc))
        r = _risk(db, "Bias", 2, 2)
    risks.update_risk(db, EDITOR, r["ref"], {"residual_likelihood": 4, "residual_impact": 3,
                                             "inherent_likelihood": 4, "inherent_impact": 3})
    today = date.today()
    d = pack_data.gather(db, today, today - timedelta(days=1))
    assert [(x["ref"], x["from"], x["to"]) for x in d["changes"]["risk_level_changes"]] == [(r["ref"], "Low", "High")]
    before = pack_data.gather(db, today - timedelta(days=1), today - timedelta(days=2))
    assert before["changes"]["risk_level_changes"] == []


def test_review_compliance_is_the_share_of_reviews_done_by_their_due_date(db):
    """One review before its due date, one after: 50% on time."""
    a = _risk(db, "On time", 2, 2, next_review=date(2026, 5, 1))
    b = _risk(db, "Late", 2, 2, next_review=date(2026, 3, 1))
    reviews.record_review(db, EDITOR, "risk", a["ref"], {"outcome": "still_valid", "reviewed_on": date(2026, 4, 20)})
    reviews.record_review(db, EDITOR, "risk", b["ref"], {"outcome": "still_valid", "reviewed_on": date(2026, 3, 15)})
    d = pack_data.gather(db, TODAY, date(2026, 1, 1))
    rc = d["performance"]["review_compliance"]
    assert (rc["on_time"], rc["reviews_with_due_date"], rc["share_on_time"]) == (1, 2, 50.0)
    assert rc["by_subject"] == {"risk": [1, 2]}


def test_nonconformity_trend_counts_raised_and_closed_per_month(db):
    """Each month of the period gets a row; raised and closed land in their own months."""
    sysref = systems.create_system(db, EDITOR, {"name": "Chatbot"}, today=TODAY)["ref"]
    for raised, closed in ((date(2026, 2, 3), date(2026, 4, 9)), (date(2026, 2, 20), None), (date(2026, 4, 1), None)):
        data = {"title": f"NC {raised}", "system": sysref, "raised_on": raised}
        if closed:
            data.update(status="closed", closed_on=closed)
        nonconformities.create_nonconformity(db, EDITOR, data, today=TODAY)
    d = pack_data.gather(db, date(2026, 6, 15), date(2026, 1, 10))
    trend = {m: (r, c) for m, r, c in d["performance"]["nc_trend"]}
    assert list(trend) == ["2026-01", "2026-02", "2026-03", "2026-04", "2026-05", "2026-06"]
    assert trend["2026-02"] == (2, 0) and trend["2026-04"] == (1, 1)
    assert d["performance"]["nc_open_total"] == 2


def test_the_digest_changes_with_the_data_and_with_the_as_of_date(demo_db):
    """Same data and date: same digest; one rescored risk or another date: a different digest."""
    a = pack_data.digest(pack_data.gather(demo_db, TODAY))
    assert pack_data.digest(pack_data.gather(demo_db, TODAY)) == a
    assert pack_data.digest(pack_data.gather(demo_db, TODAY + timedelta(days=1))) != a
    risks.update_risk(demo_db, EDITOR, "R-0001", {"title": "A title that was not there before"})
    assert pack_data.digest(pack_data.gather(demo_db, TODAY)) != a


def test_the_default_period_starts_at_the_previous_management_review(db):
    """--since defaults to the last review held before as-of, else a year back."""
    from aims_tui.core.services import management

    assert pack_data.default_since(db, TODAY) == TODAY - timedelta(days=365)
    management.create_review(db, EDITOR, {"held_on": date(2026, 1, 10)})
    management.create_review(db, EDITOR, {"held_on": date(2026, 7, 1)})  # after as-of: ignored
    assert pack_data.default_since(db, TODAY) == date(2026, 1, 10)
