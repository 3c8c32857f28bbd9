"""Snapshots of the risk editor, system editor, stage-move dialog, review dialog
and the register, AI systems and treatments screens, at 80x24 and 100x30, some
with NO_COLOR (frozen date, demo data). Each was looked at by a person."""

from __future__ import annotations

import pytest
from textual.widgets import Input

from aims_tui.tui import render

from ..conftest import ADMIN, TODAY
from ..tui.helpers import make_app, settle

SIZES = [(80, 24), (100, 30)]


async def _still(pilot) -> None:
    """Wait for the picture to stop changing (reads, timers, refreshes), on a loaded machine too."""
    await settle(pilot)
    for i in pilot.app.screen.query(Input):
        i.cursor_blink = False
    for _ in range(3):
        await pilot.pause(0.2)
        await settle(pilot)
    await pilot.wait_for_scheduled_animations()


def _app(db, monkeypatch, no_color: bool, login: str = ADMIN):
    # tui.render reads NO_COLOR once, when it is first imported: which test of a worker came
    # first decided the colours of every later one (snapshots differed under xdist). Set it here.
    monkeypatch.setattr(render, "NO_COLOR", no_color)
    monkeypatch.setitem(render.STATE_STYLE, "overdue", "bold" if no_color else "bold red")
    monkeypatch.setitem(render.STATE_STYLE, "due_soon", "" if no_color else "yellow")
    if no_color:
        monkeypatch.setenv("NO_COLOR", "1")  # read (and removed) when the app is made
    else:
        monkeypatch.delenv("NO_COLOR", raising=False)
    return make_app(db, login)


def _keys(*keys: str):
    async def run_before(pilot):
        await settle(pilot)
        for k in keys:
            await pilot.press(k)
            await settle(pilot)
        await _still(pilot)

    return run_before


@pytest.mark.parametrize("size,no_color", [((80, 24), False), ((100, 30), True)])
def test_the_register(demo_db, snap_compare, monkeypatch, size, no_color):
    assert snap_compare(_app(demo_db, monkeypatch, no_color), terminal_size=size, run_before=_keys("2"))


@pytest.mark.parametrize("size,no_color", [((80, 24), True), ((100, 30), False)])
def test_the_risk_editor_on_a_risk_with_treatments(demo_db, snap_compare, monkeypatch, size, no_color):
    """Every field visible: title, selects, scores with level preview, treatments, owner select."""
    assert snap_compare(_app(demo_db, monkeypatch, no_color), terminal_size=size,
                        run_before=_keys("2", "enter"))


@pytest.mark.parametrize("size", SIZES)
def test_the_risk_editor_on_a_risk_with_a_treatment_says_more_below(demo_db, snap_compare, monkeypatch, size):
    """R-0002 (R-0001 has no treatment): at 100x30 its first treatment shows; at both sizes
    `more below: PageDown` says the form goes on."""
    assert snap_compare(_app(demo_db, monkeypatch, False), terminal_size=size,
                        run_before=_keys("2", "down", "enter"))


@pytest.mark.parametrize("size", SIZES)
def test_the_risk_editor_on_a_new_risk(demo_db, snap_compare, monkeypatch, size):
    """A new risk: no treatments table yet, a line saying ctrl+t saves first."""
    assert snap_compare(_app(demo_db, monkeypatch, False), terminal_size=size, run_before=_keys("2", "n"))


@pytest.mark.parametrize("size,no_color", [((80, 24), False), ((100, 30), True)])
def test_the_systems_list(demo_db, snap_compare, monkeypatch, size, no_color):
    assert snap_compare(_app(demo_db, monkeypatch, no_color), terminal_size=size, run_before=_keys("3"))


@pytest.mark.parametrize("size", SIZES)
def test_the_system_editor(demo_db, snap_compare, monkeypatch, size):
    assert snap_compare(_app(demo_db, monkeypatch, False), terminal_size=size, run_before=_keys("3", "e"))


@pytest.mark.parametrize("size,no_color", [((80, 24), True), ((100, 30), False)])
def test_the_stage_move_dialog_lists_failing_gates_and_how_to_satisfy_them(db, snap_compare, monkeypatch,
                                                                            size, no_color):
    from aims_tui.core.services import systems

    # the tests' date, not the clock: the next review it shows moved when the suite ran past midnight
    systems.create_system(db, ADMIN, {"name": "Credit scoring"}, today=TODAY)
    systems.update_system(db, ADMIN, "AIS-001", {"technical_owner": "eve"})
    assert snap_compare(_app(db, monkeypatch, no_color), terminal_size=size, run_before=_keys("3", "m"))


@pytest.mark.parametrize("size", SIZES)
def test_the_review_dialog(demo_db, snap_compare, monkeypatch, size):
    assert snap_compare(_app(demo_db, monkeypatch, False), terminal_size=size, run_before=_keys("3", "v"))


@pytest.mark.parametrize("size,no_color", [((80, 24), False), ((100, 30), True)])
def test_the_treatments_screen(demo_db, snap_compare, monkeypatch, size, no_color):
    assert snap_compare(_app(demo_db, monkeypatch, no_color), terminal_size=size,
                        run_before=_keys("4", "o"))


@pytest.mark.parametrize("size,no_color", [((80, 24), True), ((100, 30), False)])
def test_the_controls_picker_marks_only_the_linked_controls(demo_db, snap_compare, monkeypatch, size, no_color):
    """ctrl+l in a risk's editor: the linked controls alone show X (with NO_COLOR too), the title
    counts them."""
    assert snap_compare(_app(demo_db, monkeypatch, no_color), terminal_size=size,
                        run_before=_keys("2", "enter", "ctrl+l"))
