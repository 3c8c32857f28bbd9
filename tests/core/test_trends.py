"""core/trends: the register's figures at each month end, on a history written day by day."""

from __future__ import annotations

import calendar
from datetime import date

import pytest

from aims_tui.core import trends
from tests.conftest import TODAY
from tests.pack.history_seed import seed_history


@pytest.fixture(scope="module")
def known(tmp_path_factory):
    mp = pytest.MonkeyPatch()
    try:
        db, refs = seed_history(tmp_path_factory.mktemp("trends") / "h.db", mp)
    finally:
        mp.undo()
    t, extra = trends.trends(db, TODAY, extra=[date(2026, 2, 15)])
    yield db, t, extra
    db.dispose()


def test_the_twelve_month_ends_are_the_last_days_of_their_months_and_end_at_the_pack_date():
    """A pack as of the 15th: the current month ends on the 15th, the others on their last day (28 Feb)."""
    ends = trends.month_ends(date(2026, 6, 15))
    assert len(ends) == 12 and ends[-1] == date(2026, 6, 15) and ends[0] == date(2025, 7, 31)
    for e in ends[:-1]:
        assert e.day == calendar.monthrange(e.year, e.month)[1]
    assert date(2026, 2, 28) in ends
    assert [trends.month_label(e) for e in ends][:2] == ["2025-07", "2025-08"]


def test_risks_by_level_and_above_appetite_follow_the_rescoring_and_new_risks(known):
    """A rescored below appetite on 10 Feb, C added above it on 3 Mar: above appetite 1, 0, 1;
    D added on 3 Mar and deleted on 15 Apr counts at the end of March only."""
    _db, t, _extra = known
    at = {p.at: p for p in t.points}
    assert t.series("active_risks")[:6] == [0] * 6
    assert (at[date(2026, 1, 31)].active_risks, at[date(2026, 1, 31)].above_appetite) == (2, 1)
    assert (at[date(2026, 2, 28)].active_risks, at[date(2026, 2, 28)].above_appetite) == (2, 0)
    assert (at[date(2026, 3, 31)].active_risks, at[date(2026, 3, 31)].above_appetite) == (4, 1)
    assert at[date(2026, 2, 28)].cells == {(2, 2): 2}
    assert at[date(2026, 3, 31)].cells == {(1, 1): 1, (2, 2): 2, (5, 5): 1}
    assert at[date(2026, 4, 30)].cells == {(2, 2): 2, (5, 5): 1}  # D deleted on 15 April
    assert sum(at[date(2026, 1, 31)].levels.values()) == 2


def test_overdue_reviews_and_treatments_rise_and_fall_with_their_due_and_done_dates(known):
    """A and B due for review on 1 Mar, reviewed 1 Jun; C's treatment due 1 Apr, done 10 May."""
    _db, t, _extra = known
    assert t.series("overdue_reviews")[-4:] == [2, 2, 2, 0]
    assert t.series("overdue_treatments")[-4:] == [0, 1, 0, 0]


def test_nonconformities_are_counted_in_the_months_they_were_raised_and_closed(known):
    _db, t, _extra = known
    assert t.nc_raised == [0] * 8 + [1, 0, 0, 0]
    assert t.nc_closed == [0] * 9 + [1, 0, 0]
    assert t.series("open_nonconformities")[-4:] == [1, 0, 0, 0]


def test_an_objective_reads_its_latest_value_at_each_month_end(known):
    """Set and measured 80 on 20 Mar (off a target of at least 90), 95 on 10 May (on target);
    before it was set it is not counted (not "not measured")."""
    _db, t, _extra = known
    (o,) = t.objectives
    assert t.series("objectives_active") == [0] * 8 + [1, 1, 1, 1]
    assert o.values == [None] * 8 + [80.0, 80.0, 95.0, 95.0]
    assert t.series("objectives_off_target")[-4:] == [1, 1, 0, 0]
    assert t.series("objectives_on_target")[-4:] == [0, 0, 1, 1]


def test_figures_at_the_last_review_are_read_in_the_same_pass(known):
    _db, _t, extra = known
    then = extra[date(2026, 2, 15)]
    assert (then.active_risks, then.above_appetite, then.objectives_active, then.objectives_on_target) == (2, 0, 0, 0)


def test_the_replay_gives_what_the_history_api_gives_at_every_month_end(known):
    """trends replays the trail in one pass; the history API (one register as of each moment)
    must give the same figures at every month end of the known history, the deletion included."""
    db, t, extra = known
    t2, extra2 = trends.trends(db, TODAY, extra=[date(2026, 2, 15)], via_history=True)
    assert t2.points == t.points
    assert extra2 == extra


def test_the_series_as_json_name_their_schema_and_months(known):
    _db, t, _extra = known
    j = t.to_json()
    assert j["schema"] == "aims.trends/1" and j["months"][-1] == "2026-06" and len(j["points"]) == 12


@pytest.mark.engines  # the audit trail's times and the measurements' dates on both engines
def test_an_objective_recorded_later_counts_from_its_first_dated_measurement(demo_db):
    """The demo records its objectives on its day with measurements dated months before: the
    month-end count of objectives follows those measurements, as each objective's own series
    does (it was empty until the month of the pack's date)."""
    t, _ = trends.trends(demo_db, TODAY)
    for i, p in enumerate(t.points):
        measured = sum(1 for o in t.objectives if o.values[i] is not None)
        assert p.objectives_on_target + p.objectives_off_target == measured
        assert p.objectives_active >= measured
    assert t.series("objectives_active")[-6] > 0
