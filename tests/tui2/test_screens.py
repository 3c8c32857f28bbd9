"""The AI systems list, everyone's treatments and a system's Activity tab hold
one window of rows: End shows the last row of the whole result, Home the first,
PageDown pages through all of it, and the count is the SQL count."""

from __future__ import annotations

from datetime import timedelta

import pytest

from aims_tui.core import windows
from aims_tui.core.services import risks, systems, treatments
from aims_tui.tui.screens.systems import SystemDetailScreen

from ..conftest import ADMIN, EDITOR, TODAY
from ..tui.helpers import make_app, settle

SIZE = (110, 18)


@pytest.fixture
def big_db(db):
    """45 AI systems; 36 risks on AIS-001 (each with a treatment, some undated, dates tied)."""
    for i in range(45):
        systems.create_system(db, ADMIN, {"name": f"System {i:02d}", "technical_owner": EDITOR if i % 3 else ADMIN})
    for i in range(36):
        r = risks.create_risk(db, ADMIN, {"title": f"Risk {i}", "system": "AIS-001", "owner": EDITOR,
                                          "inherent_likelihood": 3, "inherent_impact": 3,
                                          "residual_likelihood": 2, "residual_impact": 2}, today=TODAY)
        due = None if i % 5 == 0 else TODAY + timedelta(days=i % 4)
        treatments.add_treatment(db, ADMIN, r["ref"], {"action": f"Fix {i}", "due_date": due,
                                                      "owner": EDITOR if i % 2 else ADMIN})
    return db


async def _page_through(pilot, pager, key: str) -> list:
    seen = [r[key] for r in pager.rows]
    while pager.start + len(pager.rows) < pager.total:
        before, size = pager.start, len(pager.rows)
        await pager.table.run_action("page_down")
        await settle(pilot, rounds=2)
        assert pager.start > before
        overlap = before + size - pager.start
        seen += [r[key] for r in pager.rows][max(0, overlap):]
    return seen


async def _end_and_home(pilot, pager, key: str, want: list) -> None:
    await pilot.press("end")
    await settle(pilot, rounds=2)
    assert pager.current[key] == want[-1]
    assert [r[key] for r in pager.rows] == want[-len(pager.rows):]
    assert pager.start + len(pager.rows) == pager.total == len(want)
    await pilot.press("home")
    await settle(pilot, rounds=2)
    assert pager.start == 0 and pager.current[key] == want[0]


async def test_the_systems_list_pages_over_every_system_and_end_shows_the_last(big_db):
    """45 systems in a window of about 15: End shows AIS-045, the status line counts 45."""
    want = [r["ref"] for r in windows.system_page(big_db, limit=1000).rows]
    assert len(want) == 45
    app = make_app(big_db, ADMIN)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        app.goto("systems")
        await settle(pilot)
        pager = app.screen.pager
        assert len(pager.rows) < 45 and pager.total == 45
        assert "of 45" in str(pager.query_one(".pager-status").render())
        await _end_and_home(pilot, pager, "ref", want)
        assert await _page_through(pilot, pager, "ref") == want
        # a filter keeps working: mine (technical owner ada) is every third system
        await pilot.press("o")
        await settle(pilot)
        mine = [r["ref"] for r in windows.system_page(big_db, windows.SystemFilter(owner=ADMIN), limit=100).rows]
        assert pager.total == len(mine) == 15
        await _end_and_home(pilot, pager, "ref", mine)
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, SystemDetailScreen) and app.screen.ref == mine[0]


async def test_everyones_treatments_page_in_due_order_with_undated_last(big_db):
    """Everyone's open treatments (o): End shows the last undated one; PageDown sees every one once."""
    f = windows.TreatmentFilter(None, False)
    want = [r["id"] for r in windows.treatment_page(big_db, f, limit=1000).rows]
    assert len(want) == 36
    app = make_app(big_db, EDITOR)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        app.goto("treatments")
        await settle(pilot)
        screen = app.screen
        assert screen.pager.total == 18  # eve's own
        await pilot.press("o")
        await settle(pilot)
        pager = screen.pager
        assert pager.total == 36 and len(pager.rows) < 36
        assert len(pager.rows) >= SIZE[1] - 6  # the list fills the screen (not the editor's 7-line table)
        await _end_and_home(pilot, pager, "id", want)
        assert pager.rows[0]["due_date"] is not None
        await pilot.press("end")
        await settle(pilot, rounds=2)
        assert pager.current["due_date"] is None
        await pilot.press("home")
        await settle(pilot, rounds=2)
        assert await _page_through(pilot, pager, "id") == want


async def test_a_systems_activity_tab_pages_over_its_whole_audit_trail(big_db):
    """AIS-001's activity: its creation, 36 risks and 36 treatments; End shows its oldest event (its creation)."""
    f = windows.audit_filter_for_system(big_db, "AIS-001")
    want = [r["id"] for r in windows.audit_page(big_db, f, limit=1000).rows]
    assert len(want) == 73
    app = make_app(big_db, ADMIN)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        app.push_screen(SystemDetailScreen(big_db, ADMIN, "AIS-001"))
        await settle(pilot)
        screen = app.screen
        screen.query_one("#tabs").active = "tab-activity"
        await settle(pilot)
        pager = screen.query_one("#activity")
        pager.table.focus()
        await settle(pilot)
        assert pager.total == 73
        await _end_and_home(pilot, pager, "id", want)
        assert await _page_through(pilot, pager, "id") == want
        await pilot.press("end")
        await settle(pilot, rounds=2)
        assert (pager.current["entity_ref"], pager.current["action"]) == ("AIS-001", "create")


async def test_the_audit_trail_screen_pages_over_every_event_and_filters_by_record(big_db):
    """l opens the audit trail: End shows the oldest event, the count is every event; a risk's
    ref shows that risk's events and its treatment's."""
    every = [r["id"] for r in windows.audit_page(big_db, limit=10_000).rows]
    assert every == sorted(every, reverse=True) and len(every) > 100
    app = make_app(big_db, ADMIN)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("l")
        await settle(pilot)
        screen = app.screen
        assert type(screen).__name__ == "AuditTrailScreen"
        pager = screen.pager
        assert pager.total == len(every) and len(pager.rows) < len(every)
        await _end_and_home(pilot, pager, "id", every)
        await pilot.press("slash")
        await pilot.press(*"R-0002")
        await pilot.press("enter")
        await settle(pilot)
        refs = sorted(r["entity_ref"] for r in pager.rows)
        assert pager.total == 2 and refs[0] == "R-0002" and refs[1].startswith("R-0002/T")
        await pilot.press("escape")
        await settle(pilot)
        assert type(app.screen).__name__ != "AuditTrailScreen"
