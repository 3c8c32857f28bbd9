"""Cadences: presets, days, RRULEs, month ends, and no drift from the anchor."""

from __future__ import annotations

import calendar
from datetime import date, datetime, timedelta

import pytest
from dateutil.rrule import DAILY, MONTHLY, WEEKLY, YEARLY, rrule, rrulestr
from hypothesis import given, settings, strategies as st

from aims_tui.core.schedule import (
    DUE_SOON,
    NONE,
    OK,
    OVERDUE,
    CadenceError,
    cadence_for,
    days_overdue,
    due_state,
    is_month_end,
    next_review,
    parse_cadence,
)

anchors = st.dates(min_value=date(1990, 1, 1), max_value=date(2200, 12, 31))
month_presets = st.sampled_from(["monthly", "quarterly", "half-yearly", "yearly"])
any_cadence = st.one_of(
    month_presets,
    st.integers(1, 2000).map(lambda n: f"{n}d"),
    st.builds(lambda f, n: f"FREQ={f};INTERVAL={n}", st.sampled_from(["DAILY", "WEEKLY", "MONTHLY", "YEARLY"]),
              st.integers(1, 24)),
    st.builds(lambda d: f"FREQ=MONTHLY;BYMONTHDAY={d}", st.integers(1, 28)),
    st.builds(lambda w: f"FREQ=WEEKLY;BYDAY={w}", st.sampled_from(["MO", "TU", "WE", "TH", "FR", "SA", "SU"])),
)
MONTHS = {"monthly": 1, "quarterly": 3, "half-yearly": 6, "yearly": 12}


def _last_day(y: int, m: int) -> int:
    return calendar.monthrange(y, m)[1]


def _add_months(d: date, n: int) -> tuple[int, int]:
    k = d.year * 12 + d.month - 1 + n
    return k // 12, k % 12 + 1


def test_a_monthly_review_set_on_31_january_falls_on_the_last_day_of_february_then_31_march():
    """The case in the issue: month ends as a person expects, counted from the anchor."""
    c = parse_cadence("monthly")
    a = date(2026, 1, 31)
    assert [c.occurrence(a, k) for k in (1, 2, 3, 4)] == [date(2026, 2, 28), date(2026, 3, 31),
                                                         date(2026, 4, 30), date(2026, 5, 31)]
    assert c.occurrence(date(2028, 1, 31), 1) == date(2028, 2, 29)  # leap year
    assert c.next_after(a, date(2026, 2, 28)) == date(2026, 3, 31)


def test_a_review_recorded_on_the_last_day_of_february_stays_on_month_ends():
    """Chained reviews on month ends do not slide to the 28th."""
    assert next_review(date(2026, 2, 28), "monthly", None) == date(2026, 3, 31)
    assert next_review(date(2026, 3, 31), "monthly", None) == date(2026, 4, 30)
    assert next_review(date(2026, 4, 30), "quarterly", None) == date(2026, 7, 31)


@given(anchors, any_cadence)
@settings(max_examples=300, deadline=None)
def test_the_next_date_is_always_strictly_after_the_last(anchor, text):
    """next_after(anchor) > anchor for every cadence, and stepping from an occurrence moves on."""
    c = parse_cadence(text)
    nxt = c.next_after(anchor)
    assert nxt > anchor
    assert c.next_after(anchor, nxt) > nxt


@given(anchors, month_presets, st.integers(1, 240))
@settings(max_examples=300, deadline=None)
def test_month_presets_keep_the_anchor_day_or_the_month_end(anchor, preset, k):
    """The k-th occurrence is k x interval months on, on the anchor's day, or
    the last day of a shorter month, or the month end when the anchor was one."""
    c = parse_cadence(preset)
    got = c.occurrence(anchor, k)
    y, m = _add_months(anchor, MONTHS[preset] * k)
    assert (got.year, got.month) == (y, m)
    if is_month_end(anchor):
        assert got.day == _last_day(y, m)
    else:
        assert got.day == min(anchor.day, _last_day(y, m))


@given(anchors, st.sampled_from(["monthly", "quarterly", "FREQ=MONTHLY;INTERVAL=2", "yearly", "30d", "7d"]),
       st.integers(1, 400))
@settings(max_examples=200, deadline=None)
def test_counting_from_the_anchor_does_not_drift_over_many_periods(anchor, text, k):
    """Walking with next_after from each due date lands on the same k-th date as
    computing anchor + k x interval directly."""
    c = parse_cadence(text)
    d = anchor
    for _ in range(min(k, 60)):
        d = c.next_after(anchor, d)
    assert d == c.occurrence(anchor, min(k, 60))
    if not is_month_end(anchor) and anchor.day <= 28:
        assert c.occurrence(anchor, k).day == anchor.day or text.endswith("d")


@given(st.sampled_from([DAILY, WEEKLY, MONTHLY, YEARLY]), st.integers(1, 30),
       st.one_of(st.none(), st.lists(st.integers(1, 28), min_size=1, max_size=3, unique=True)),
       st.one_of(st.none(), st.lists(st.integers(0, 6), min_size=1, max_size=3, unique=True)))
@settings(max_examples=300, deadline=None)
def test_rrule_strings_round_trip_through_parse_cadence(freq, interval, monthdays, weekdays):
    """dateutil's own RRULE text parses, normalises to a fixed point, and gives
    the same dates as dateutil (for anchors on or before the 28th)."""
    kw = {}
    if freq in (MONTHLY, YEARLY) and monthdays:
        kw["bymonthday"] = monthdays
    if freq in (WEEKLY,) and weekdays:
        kw["byweekday"] = weekdays
    anchor = datetime(2026, 1, 5)
    r = rrule(freq, interval=interval, dtstart=anchor, **kw)
    text = str(r).split("\n")[-1]  # drop DTSTART
    c = parse_cadence(text)
    assert c.text.startswith("RRULE:FREQ=")
    assert parse_cadence(c.text).text == c.text
    assert parse_cadence(c.text.lower()).text == c.text
    expected = rrulestr(text, dtstart=anchor)
    d = anchor.date()
    for _ in range(5):
        want = expected.after(datetime.combine(d, datetime.max.time())).date()
        got = c.next_after(anchor.date(), d)
        assert got == want
        d = got


@pytest.mark.parametrize("text, normal", [
    ("Monthly", "monthly"), ("quarter", "quarterly"), ("P1Y", "yearly"), ("90d", "90d"), ("P90D", "90d"),
    ("rrule:interval=1;freq=monthly", "RRULE:FREQ=MONTHLY"),
    ("FREQ=WEEKLY;BYDAY=MO;INTERVAL=02", "RRULE:FREQ=WEEKLY;INTERVAL=2;BYDAY=MO"),
])
def test_cadence_text_is_normalised(text, normal):
    """Spellings people type become one canonical form."""
    assert parse_cadence(text).text == normal


@pytest.mark.parametrize("text", [
    "", "fortnightly-ish", "0d", "FREQ=MONTHLY;COUNT=3", "FREQ=MONTHLY;UNTIL=20270101", "FREQ=HOURLY",
    "FREQ=MONTHLY;INTERVAL=0", "FREQ=MONTHLY;INTERVAL=-1", "FREQ=MONTHLY;INTERVAL=x", "INTERVAL=2",
    "FREQ=MONTHLY;FREQ=WEEKLY", "FREQ=MONTHLY\nDTSTART:20200101", "FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30",
    "FREQ=MONTHLY;" + "BYMONTHDAY=1;" * 40,
])
def test_a_cadence_that_never_repeats_or_is_malformed_is_refused(text):
    """A review cadence must repeat forever, in days or more, and be one line."""
    with pytest.raises(CadenceError):
        parse_cadence(text)


def test_an_empty_cadence_uses_the_default_for_the_level_from_settings():
    """Defaults by level come from settings, then the built-in table, then Medium."""
    assert cadence_for("", "High", {"High": "30d"}).text == "30d"
    assert cadence_for("", "High", {}).text == "90d"
    assert cadence_for("", "Low", None).text == "360d"
    assert cadence_for("", "Custom band", {}).text == "180d"
    assert cadence_for("monthly", "High", {"High": "30d"}).text == "monthly"


# -- due and overdue -----------------------------------------------------------


@given(st.dates(min_value=date(2000, 1, 2), max_value=date(2100, 1, 1)), st.integers(0, 365))
def test_due_today_is_not_overdue_and_due_yesterday_is(today, soon):
    """The boundary is midnight: a review due today is due soon, not overdue."""
    assert due_state(today, today, soon) == DUE_SOON
    assert due_state(today - timedelta(days=1), today, soon) == OVERDUE
    assert days_overdue(today, today) == 0
    assert days_overdue(today - timedelta(days=1), today) == 1


@given(st.dates(min_value=date(2000, 1, 1), max_value=date(2100, 1, 1)), st.integers(0, 365))
def test_exactly_n_days_ahead_is_due_soon_and_n_plus_one_is_not(today, soon):
    """The due-soon window includes its last day."""
    assert due_state(today + timedelta(days=soon), today, soon) == DUE_SOON
    assert due_state(today + timedelta(days=soon + 1), today, soon) == OK


def test_no_date_is_neither_due_nor_overdue():
    """An item without a date is not counted anywhere."""
    assert due_state(None, date(2026, 6, 15)) == NONE


@given(anchors, any_cadence, st.integers(0, 3000))
@settings(max_examples=200, deadline=None)
def test_next_after_a_far_date_is_the_first_occurrence_past_it(anchor, text, gap):
    """Jumping ahead (a review long overdue) finds exactly the first date after, none skipped."""
    c = parse_cadence(text)
    after = anchor + timedelta(days=gap)
    got = c.next_after(anchor, after)
    assert got > after
    if c.step is not None:
        k = 1
        while c.occurrence(anchor, k) <= after:
            k += 1
        assert got == c.occurrence(anchor, k)
