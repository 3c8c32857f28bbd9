"""Objectives (6.2) and measurements (9.1), issue 16: whether a value meets its target
and the direction of travel (properties), the measurement's rules, the measure
service, the trend as of a date, the gate ``objective_not_measured`` and the
readiness findings."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import assume, given, strategies as st

from aims_tui.core import checks, objectives, reminders
from aims_tui.core.errors import Conflict, NotFound, PermissionDenied, ValidationError
from aims_tui.core.objectives import AT_LEAST, AT_MOST, IMPROVING, NO_TREND, STEADY, WORSENING, meets, travel
from aims_tui.core.services import objectives as objective_services
from aims_tui.core.services import registers, withdrawal

from ..conftest import EDITOR, TODAY, VIEWER
from .helpers import audit_count, snapshot

NUM = st.floats(allow_nan=False, allow_infinity=False, min_value=-1e9, max_value=1e9)
DIRECTION = st.sampled_from((AT_LEAST, AT_MOST))
FLIP = {AT_LEAST: AT_MOST, AT_MOST: AT_LEAST}
BACK = {IMPROVING: WORSENING, WORSENING: IMPROVING, STEADY: STEADY, NO_TREND: NO_TREND}


# -- meets and travel: properties ------------------------------------------------------------------
@given(NUM, DIRECTION)
def test_the_target_itself_meets_the_target_in_both_directions(target, direction):
    assert meets(target, target, direction) is True


@given(NUM, NUM, NUM, DIRECTION)
def test_a_value_better_than_one_that_meets_the_target_meets_it_too(a, b, target, direction):
    better, worse = (max(a, b), min(a, b)) if direction == AT_LEAST else (min(a, b), max(a, b))
    if meets(worse, target, direction):
        assert meets(better, target, direction)


@given(NUM, NUM, DIRECTION)
def test_negating_values_and_target_and_flipping_the_direction_keeps_the_verdict(value, target, direction):
    assert meets(value, target, direction) == meets(-value, -target, FLIP[direction])


def test_no_value_is_neither_on_nor_off_target():
    assert meets(None, 10, AT_LEAST) is None


@given(st.lists(NUM, max_size=8), DIRECTION)
def test_negating_a_series_and_flipping_the_direction_keeps_its_travel(values, direction):
    assert travel(values, direction) == travel([-v for v in values], FLIP[direction])


@given(st.lists(NUM, min_size=2, max_size=8), DIRECTION)
def test_swapping_the_last_two_values_reverses_the_travel(values, direction):
    swapped = values[:-2] + [values[-1], values[-2]]
    assert travel(swapped, direction) == BACK[travel(values, direction)]


@given(st.lists(NUM, min_size=2, max_size=8), DIRECTION, st.floats(-1e6, 1e6))
def test_travel_reads_only_the_last_two_values_in_order(values, direction, earlier):
    assert travel([earlier] + values, direction) == travel(values, direction)


@given(NUM, NUM, DIRECTION)
def test_a_move_towards_meeting_the_target_is_improving(before, after, direction):
    assume(before != after)
    target = max(before, after) if direction == AT_LEAST else min(before, after)
    t = travel([before, after], direction)
    assert (t == IMPROVING) == bool(meets(after, target, direction))


def test_fewer_than_two_values_have_no_trend_and_equal_ones_are_steady():
    assert travel([], AT_LEAST) == NO_TREND and travel([4.0], AT_MOST) == NO_TREND
    assert travel([3.0, 3.0], AT_LEAST) == STEADY


# -- the records ----------------------------------------------------------------------------------
def _objective(db, **kw):
    data = {"title": "Triage model accuracy", "metric": "holdout accuracy", "target": 93, "unit": "%",
            "review_cadence": "monthly", **kw}
    return registers.create(db, EDITOR, "objective", data, today=TODAY)


def _measure(db, ref, value, on, **kw):
    return objective_services.measure(db, EDITOR, ref, value, on, today=TODAY, **kw)


@pytest.mark.parametrize("status", ["achieved", "dropped"])
def test_a_measurement_of_an_objective_that_is_not_active_is_refused_naming_the_objective(db, status):
    """The case: a dropped objective kept collecting values that the pack then plotted."""
    o = _objective(db, status=status)
    before = snapshot(db)
    with pytest.raises(ValidationError) as exc:
        registers.create(db, EDITOR, "measurement", {"objective": o["ref"], "measured_on": "2026-06-01",
                                                     "value": 90}, today=TODAY)
    assert exc.value.field == "objective" and f"{o['ref']} is {status}" in exc.value.message
    with pytest.raises(ValidationError):
        _measure(db, o["ref"], 90, "2026-06-01")
    assert snapshot(db) == before


def test_a_measurement_dated_after_today_or_of_an_unknown_objective_is_refused(db):
    o = _objective(db)
    with pytest.raises(ValidationError) as exc:
        _measure(db, o["ref"], 90, (TODAY + timedelta(days=1)).isoformat())
    assert exc.value.field == "measured_on" and "in the future" in exc.value.message
    with pytest.raises(NotFound):
        _measure(db, "OBJ-999", 90, "2026-06-01")
    with pytest.raises(ValidationError) as exc:
        registers.create(db, EDITOR, "measurement", {"objective": "OBJ-999", "measured_on": "2026-06-01",
                                                     "value": 1}, today=TODAY)
    assert exc.value.field == "objective" and "OBJ-999 does not exist" in exc.value.message


def test_measure_writes_the_measurement_and_moves_the_objectives_next_measurement_with_their_events(db):
    o = _objective(db, next_review="2026-06-01")
    n = audit_count(db)
    m = _measure(db, o["ref"], "93.5", "2026-06-10", note="June run")
    assert (m["objective"], m["value"], m["measured_on"], m["note"]) == (o["ref"], 93.5, date(2026, 6, 10), "June run")
    assert registers.show(db, "objective", o["ref"])["next_review"] == date(2026, 7, 10)
    assert audit_count(db) == n + 2
    # a value recorded late for an earlier month does not move the date back
    _measure(db, o["ref"], 91, "2026-05-10")
    assert registers.show(db, "objective", o["ref"])["next_review"] == date(2026, 7, 10)
    assert audit_count(db) == n + 3


def test_measure_defaults_to_today_and_without_a_cadence_leaves_the_objective_alone(db):
    o = _objective(db, review_cadence="")
    n = audit_count(db)
    m = _measure(db, o["ref"], 7, None)
    assert m["measured_on"] == TODAY
    assert audit_count(db) == n + 1 and registers.show(db, "objective", o["ref"])["version"] == 1


def test_measure_by_a_viewer_or_with_a_bad_value_or_at_a_stale_version_writes_nothing(db):
    o = _objective(db)
    registers.update(db, EDITOR, "objective", o["ref"], {"owner": EDITOR}, today=TODAY)
    before = snapshot(db)
    with pytest.raises(PermissionDenied) as exc:
        objective_services.measure(db, VIEWER, o["ref"], 90, "2026-06-01", today=TODAY)
    assert "viewer" in str(exc.value)
    with pytest.raises(ValidationError) as exc:
        _measure(db, o["ref"], "ninety", "2026-06-01")
    assert exc.value.field == "value"
    with pytest.raises(Conflict):
        _measure(db, o["ref"], 90, "2026-06-01", expect_version=1)
    assert snapshot(db) == before


def test_the_trend_orders_by_date_leaves_out_withdrawn_and_later_values_and_reads_latest_state_and_travel(db):
    o = _objective(db)
    _measure(db, o["ref"], 94, "2026-05-31")
    _measure(db, o["ref"], 90, "2026-03-31")  # recorded late, earlier date
    wrong = _measure(db, o["ref"], 10, "2026-04-30")
    _measure(db, o["ref"], 92, "2026-04-30")
    withdrawal.withdraw(db, EDITOR, "measurement", wrong["ref"], reason="typo")
    t = objectives.trend(db, o["ref"])
    assert [(p["measured_on"], p["value"]) for p in t["measurements"]] == [
        (date(2026, 3, 31), 90.0), (date(2026, 4, 30), 92.0), (date(2026, 5, 31), 94.0)]
    assert (t["latest_value"], t["on_target"], t["travel"]) == (94.0, True, IMPROVING)
    assert [p["on_target"] for p in t["measurements"]] == [False, False, True]
    earlier = objectives.trend(db, o["ref"], as_of=date(2026, 4, 30))
    assert (earlier["latest_value"], earlier["on_target"], earlier["travel"]) == (92.0, False, IMPROVING)
    with pytest.raises(NotFound):
        objectives.trend(db, "OBJ-404")


def test_an_at_most_objective_reads_a_fall_as_improving():
    assert travel([5, 3], AT_MOST) == IMPROVING and meets(3, 3, AT_MOST) and not meets(3.5, 3, AT_MOST)


# -- the gate and the reminder ----------------------------------------------------------------------
def _gate(db, today=TODAY):
    return next(g for g in checks.run_checks(db, today=today).gates if g.id == "objective_not_measured")


def test_the_gate_names_an_active_objective_whose_latest_measurement_is_older_than_its_cadence(db):
    late = _objective(db, title="Late")
    _measure(db, late["ref"], 95, "2026-04-01")  # monthly: due 2026-05-01
    fresh = _objective(db, title="Fresh")
    _measure(db, fresh["ref"], 95, "2026-06-01")
    never = _objective(db, title="Never measured", next_review="2026-06-10")
    dropped = _objective(db, title="Dropped", next_review="2026-01-01")
    registers.update(db, EDITOR, "objective", dropped["ref"], {"status": "dropped"}, today=TODAY)
    g = _gate(db)
    assert not g.passed and [i["ref"] for i in g.items] == [late["ref"], never["ref"]]
    assert g.items[0]["due"] == "2026-05-01" and g.items[1]["latest_on"] is None
    _measure(db, late["ref"], 96, "2026-06-14")
    _measure(db, never["ref"], 96, "2026-06-14")
    assert _gate(db).passed


def test_an_objectives_next_measurement_date_is_a_reminder_until_it_is_achieved(db):
    o = _objective(db, next_review=(TODAY - timedelta(days=2)).isoformat())
    mine = [i for i in reminders.due_items(db, today=TODAY).items if i.ref == o["ref"]]
    assert [i.kind for i in mine] == ["objective_next_review"] and mine[0].state == "overdue"
    _measure(db, o["ref"], 95, TODAY.isoformat())
    assert not [i for i in reminders.due_items(db, today=TODAY).items if i.ref == o["ref"]]


# -- readiness ------------------------------------------------------------------------------------
def _states(db, today=TODAY):
    with db.read() as s:
        return {(f.clause, f.state) for f in objectives.findings(s, today)}


def test_a_fresh_database_shows_6_2_and_9_1_missing_with_a_fix(db):
    with db.read() as s:
        found = objectives.findings(s, TODAY)
    assert [(f.clause, f.state) for f in found] == [("6.2", "missing"), ("9.1", "missing")]
    assert all(f.fix.startswith("aims objectives") for f in found)


def test_readiness_follows_the_objectives_from_missing_to_stale_to_ok(db):
    o = _objective(db, owner=EDITOR, next_review="2026-06-01")
    assert _states(db) == {("6.2", "ok"), ("9.1", "stale")}  # due 2026-06-01, never measured
    _measure(db, o["ref"], 95, "2026-06-14")
    assert _states(db) == {("6.2", "ok"), ("9.1", "ok")}
    registers.update(db, EDITOR, "objective", o["ref"], {"due_date": "2026-06-01"}, today=TODAY)
    with db.read() as s:
        f62 = objectives.findings(s, TODAY)[0]
    assert (f62.state, f62.refs) == ("stale", (o["ref"],)) and "due date" in f62.detail
    unowned = _objective(db, title="No owner")
    _measure(db, unowned["ref"], 95, "2026-06-14")
    registers.update(db, EDITOR, "objective", o["ref"], {"status": "achieved"}, today=TODAY)
    with db.read() as s:
        f62 = objectives.findings(s, TODAY)[0]
    assert (f62.state, f62.refs) == ("missing", (unowned["ref"],))


# -- the next measurement date: every write of a measurement moves it ------------------------------
@pytest.mark.engines  # the write path on PostgreSQL too
@pytest.mark.parametrize("how", ["measurements add", "measurements add many", "measurements update"])
def test_a_measurement_recorded_any_way_moves_the_objectives_next_measurement_and_its_reminder(db, how):
    """The case: the demo (and `aims measurements add`) recorded six monthly values, yet
    `aims reminders` and the gate `overdue_beyond_grace` said `OBJ-001 objective measurement
    2026-06-26 159 days overdue`: only `aims objectives measure` moved the objective's date."""
    o = _objective(db, next_review="2026-03-01")
    data = {"objective": o["ref"], "measured_on": "2026-06-10", "value": 95}
    if how == "measurements add":
        registers.create(db, EDITOR, "measurement", data, today=TODAY)
    elif how == "measurements add many":
        registers.create_many(db, EDITOR, "measurement", [{**data, "measured_on": "2026-04-10"}, data], today=TODAY)
    else:
        m = registers.create(db, EDITOR, "measurement", {**data, "measured_on": "2026-01-10"}, today=TODAY)
        registers.update(db, EDITOR, "measurement", m["ref"], {"measured_on": "2026-06-10"}, today=TODAY)
    assert registers.show(db, "objective", o["ref"])["next_review"] == date(2026, 7, 10)
    assert not [i for i in reminders.due_items(db, today=TODAY).items if i.ref == o["ref"]]
    overdue = next(g for g in checks.run_checks(db, today=TODAY).gates if g.id == "overdue_beyond_grace")
    assert o["ref"] not in [i["ref"] for i in overdue.items]


CADENCES = st.sampled_from(("monthly", "quarterly", "half-yearly", "yearly", "90d", "7d", "FREQ=MONTHLY;INTERVAL=2"))
DAYS = st.dates(min_value=date(2024, 1, 1), max_value=date(2028, 12, 31))


@given(st.one_of(st.none(), DAYS), CADENCES, st.lists(DAYS, min_size=1, max_size=6))
def test_the_next_measurement_is_the_cadence_after_the_latest_measurement_in_any_order(start, cadence, days):
    """Folding the measurements in, in any order, gives the cadence's date after the latest one
    (or the date the objective had, when later): never moved back by a value recorded late."""
    from aims_tui.core.schedule import parse_cadence
    at = start
    for d in days:
        before, at = at, objectives.next_measurement_after(at, cadence, d)
        assert before is None or at >= before
        assert at > d
    after_latest = parse_cadence(cadence).next_after(max(days))
    assert at == (after_latest if start is None else max(start, after_latest))
    assert objectives.next_measurement_after(at, "", max(days)) == at  # no cadence: left as it is
