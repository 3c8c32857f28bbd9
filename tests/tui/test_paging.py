"""The register's paged table: scrolling reads windows from SQL, yet shows every
row of the full query exactly once, in order (ties in the sort key included)."""

from __future__ import annotations

from aims_tui.core import queries

from ..conftest import ADMIN, TODAY
from .helpers import make_app, settle


def _full(db, f, sort, descending=False):
    rows = [r["ref"] for r in queries.all_risks(db, f, sort=sort)]
    return list(reversed(rows)) if descending else rows


async def _walk(pilot, screen, n: int) -> list[str]:
    seen = []
    for _ in range(n):
        row = screen.pager.current
        seen.append(row["ref"])
        await pilot.press("down")
        await settle(pilot, rounds=2)
    return seen


async def test_arrowing_down_a_sorted_filtered_register_visits_every_row_once_in_order(demo_db):
    """Sort by owner (many ties) under a status filter: the arrow walk equals the full query."""
    f = queries.RiskFilter(status="active", today=TODAY)
    want = _full(demo_db, f, "owner")
    app = make_app(demo_db, ADMIN)
    async with app.run_test(size=(100, 16)) as pilot:
        await settle(pilot)
        app.goto("register", initial_filter=f, initial_sort=("owner", False))
        await settle(pilot)
        screen = app.screen
        assert len(screen.pager.rows) < len(want)  # the table holds a window, not the register
        assert screen.pager.total == len(want)
        seen = await _walk(pilot, screen, len(want))
        assert seen == want
        assert screen.pager.table.row_count == len(screen.pager.rows) <= 16


async def test_page_down_end_and_home_cover_the_whole_result(demo_db):
    """PageDown pages through everything; End shows the last rows; Home the first."""
    f = queries.RiskFilter(today=TODAY)
    want = _full(demo_db, f, "residual", descending=True)
    app = make_app(demo_db, ADMIN)
    async with app.run_test(size=(100, 16)) as pilot:
        await settle(pilot)
        app.goto("register", initial_filter=f, initial_sort=("residual", True))
        await settle(pilot)
        pager = app.screen.pager
        size = len(pager.rows)
        seen = [r["ref"] for r in pager.rows]
        while pager.start + len(pager.rows) < pager.total:
            before = pager.start
            await pager.table.run_action("page_down")
            await settle(pilot, rounds=2)
            new = [r["ref"] for r in pager.rows]
            overlap = before + size - pager.start  # the last page is full, so it may overlap
            seen += new[max(0, overlap):]
        assert seen == want
        await pilot.press("home")
        await settle(pilot, rounds=2)
        assert [r["ref"] for r in pager.rows] == want[:size] and pager.start == 0
        await pilot.press("end")
        await settle(pilot, rounds=2)
        assert [r["ref"] for r in pager.rows] == want[-size:]
        assert pager.current["ref"] == want[-1]
