"""The objectives screen's own keys (issue 16, 6.2 and 9.1): ``m`` records a measurement
of the highlighted objective through the measure service, ``t`` opens its measurements.
Keys pressed as a user would; the rows, their audit events and the message checked."""

from __future__ import annotations

from datetime import date

from textual.widgets import DataTable

from aims_tui.core.services import registers
from aims_tui.tui.screens.objectives import MeasurementsScreen, ObjectivesScreen

from ..conftest import EDITOR, TODAY, VIEWER
from ..tui.helpers import settle
from ..core.helpers import audit_actions
from ..tui3.formkeys import fill, landed, make_app, notes, open_register

SIZE = (110, 30)


async def _open_objectives(pilot) -> None:
    await open_register(pilot, "objectives")
    assert isinstance(pilot.app.screen, ObjectivesScreen)


async def _measure(pilot, values: dict[str, str]) -> None:
    """On the objectives screen: m on the highlighted objective, the values typed, ctrl+s."""
    await _open_objectives(pilot)
    await pilot.press("m")
    await settle(pilot)
    await fill(pilot, values)
    await pilot.press("ctrl+s")
    await landed(pilot)


def _objective(db, **kw):
    return registers.create(db, EDITOR, "objective", {"title": "Triage model accuracy", "target": 93, "unit": "%",
                                                      "review_cadence": "monthly", "next_review": "2026-06-01", **kw},
                            today=TODAY)


async def test_m_records_a_measurement_moves_the_next_measurement_and_t_lists_it_on_target(db):
    """The case: a measurement had to be typed with the objective's ref in the generic form;
    from the objective it is three keys and a value."""
    obj = _objective(db)
    app = make_app(db, EDITOR)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await _measure(pilot, {"value": "93.5", "note": "June run"})
        rows = registers.listing(db, "measurement")
        assert len(rows) == 1, notes(app)
        m = rows[0]
        assert (m["objective"], m["value"], m["measured_on"], m["note"]) == (obj["ref"], 93.5, TODAY, "June run")
        assert audit_actions(db, m["ref"]) == ["create"]
        assert audit_actions(db, obj["ref"]) == ["create", "update"]
        assert registers.show(db, "objective", obj["ref"])["next_review"] == date(2026, 7, 15)
        assert (f"measurement {m['ref']} recorded: {obj['ref']} = 93.5 % on 2026-06-15 (target at least 93 %)"
                in notes(app))
        assert isinstance(app.screen, ObjectivesScreen)
        assert app.screen.rows[0]["state"] == "on target" and app.screen.rows[0]["latest_text"] == "93.5 %"

        await pilot.press("t")
        await settle(pilot)
        assert isinstance(app.screen, MeasurementsScreen) and app.screen.objective == obj["ref"]
        assert app.screen.query_one(DataTable).row_count == 1
        assert [(r["ref"], r["state"]) for r in app.screen.rows] == [(m["ref"], "on target")]
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, ObjectivesScreen)


async def test_m_with_a_value_that_is_not_a_number_keeps_the_form_open_naming_the_field(db):
    obj = _objective(db)
    app = make_app(db, EDITOR)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await _measure(pilot, {"value": "1,5"})
        assert not isinstance(app.screen, ObjectivesScreen)  # still the form
        status = str(app.screen.query_one("#form-status").render())
        assert "Value" in status and "not a number" in status
    assert registers.listing(db, "measurement") == []
    assert audit_actions(db, obj["ref"]) == ["create"]


async def test_m_on_a_dropped_objective_is_refused_naming_the_objective(db):
    obj = _objective(db, status="dropped")
    app = make_app(db, EDITOR)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await _measure(pilot, {"value": "90"})
        status = str(app.screen.query_one("#form-status").render())
        assert f"{obj['ref']} is dropped" in status
    assert registers.listing(db, "measurement") == []


async def test_a_viewer_is_not_offered_m_and_records_nothing(db):
    _objective(db)
    app = make_app(db, VIEWER)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await _open_objectives(pilot)
        assert app.screen.check_action("measure", ()) is False
        await pilot.press("m")
        await settle(pilot)
        assert isinstance(app.screen, ObjectivesScreen)
    assert registers.listing(db, "measurement") == []
