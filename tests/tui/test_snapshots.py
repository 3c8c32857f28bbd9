"""Snapshots (fixed 100x30, frozen date, demo data): dashboard, register, risk editor."""

from __future__ import annotations

from textual.widgets import Input

from ..conftest import ADMIN
from .helpers import make_app, settle

SIZE = (100, 30)


def _app(demo_db):
    return make_app(demo_db, ADMIN)


async def _still(pilot) -> None:
    await settle(pilot)
    for i in pilot.app.screen.query(Input):
        i.cursor_blink = False
    await pilot.pause(0.1)
    await settle(pilot)


def test_the_dashboard_on_demo_data(demo_db, snap_compare):
    """Dashboard: stages, two heat maps, what is due and mine."""
    assert snap_compare(_app(demo_db), terminal_size=SIZE, run_before=_still)


def test_the_register_on_demo_data(demo_db, snap_compare):
    """Register: a window of rows, level as word and colour, count from SQL."""

    async def run_before(pilot):
        await settle(pilot)
        await pilot.press("2")
        await _still(pilot)

    assert snap_compare(_app(demo_db), terminal_size=SIZE, run_before=run_before)


def test_the_risk_editor_on_demo_data(demo_db, snap_compare):
    """Risk editor: fields, level preview, controls, treatments."""

    async def run_before(pilot):
        await settle(pilot)
        await pilot.press("2")
        await settle(pilot)
        await pilot.press("enter")
        await _still(pilot)

    assert snap_compare(_app(demo_db), terminal_size=SIZE, run_before=run_before)
