"""The app's first screen (issue 15): `aims --screen` opens on a chosen screen, and the first
screen reads its first data at once (the plain register's first window and the dashboard's
counts through sqlite3, a few milliseconds at any size), so that its first frame has its data
and no empty table or zero counts are painted first. Anything else is read in a worker."""

from __future__ import annotations

import sqlite3

import pytest
from sqlalchemy.engine import make_url
from typer.testing import CliRunner

from aims_tui.core import fastread, queries
from aims_tui.core.riskfilter import RiskFilter
from aims_tui.core.services import risks
from aims_tui.tui import base
from aims_tui.tui.app import AimsApp
from aims_tui.tui.sources import RiskSource

from ..conftest import EDITOR, TODAY, VIEWER
from .helpers import settle

SIZE = (100, 30)


def _app(db, login: str = EDITOR, screen: str = "dashboard") -> AimsApp:
    return AimsApp(db, login, today=TODAY, poll_seconds=0, start_notice=False, screen=screen)


@pytest.fixture
def workers(monkeypatch):
    """The groups of the database workers the screens start, in order."""
    groups: list[str] = []
    real = base.DbMixin.db_work

    def spy(self, fn, done=None, *, group="db", failed=None, exclusive=True):
        groups.append(group)
        return real(self, fn, done, group=group, failed=failed, exclusive=exclusive)

    monkeypatch.setattr(base.DbMixin, "db_work", spy)
    return groups


def _register_rows(app) -> list[str]:
    return [r["ref"] for r in app.screen.pager.rows]


async def test_the_app_opened_on_the_register_has_its_rows_in_its_first_frame(demo_db, workers):
    async with _app(demo_db, screen="register").run_test(size=SIZE) as pilot:
        app = pilot.app
        assert type(app.screen).__name__ == "RegisterScreen"
        rows = _register_rows(app)
        assert rows and rows[0] == "R-0001"
        assert app.screen.pager.total == queries.risk_count(demo_db, RiskFilter()) > len(rows)
        # the first window came without a worker: only the prefetch of the next one ran
        assert not [g for g in workers if g.startswith("pager-")], workers
        status = str(app.screen.pager.query_one(".pager-status").render())
        assert status.startswith(f"1-{len(rows)} of ")


async def test_a_filtered_register_is_read_in_a_worker_and_shows_only_its_rows(demo_db, workers):
    """The quick read serves the plain register only: a filter goes the worker's way."""
    owner = risks.get_risk(demo_db, "R-0002")["owner"]
    async with _app(demo_db).run_test(size=SIZE) as pilot:
        app = pilot.app
        await settle(pilot)
        app.goto("register", initial_filter=RiskFilter(owner=owner))
        await settle(pilot)
        assert [g for g in workers if g.startswith("pager-")]
        assert app.screen.pager.rows and {r["owner"] for r in app.screen.pager.rows} == {owner}


async def test_a_failing_quick_read_falls_back_to_the_worker(demo_db, workers, monkeypatch):
    def broken(*a, **k):
        raise sqlite3.OperationalError("disk I/O error")

    monkeypatch.setattr(RiskSource, "first_window", lambda self, limit: broken())
    async with _app(demo_db, screen="register").run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert _register_rows(pilot.app)[0] == "R-0001"
        assert [g for g in workers if g.startswith("pager-")]


def test_only_the_plain_live_register_in_ref_order_is_read_quickly(demo_db):
    assert RiskSource(demo_db, RiskFilter()).first_window(5) is not None
    w, n = RiskSource(demo_db, RiskFilter()).first_window(5)
    assert [r["ref"] for r in w.rows] == ["R-0001", "R-0002", "R-0003", "R-0004", "R-0005"]
    assert n == fastread.risk_count(demo_db, RiskFilter())
    assert RiskSource(demo_db, RiskFilter(owner=EDITOR)).first_window(5) is None
    assert RiskSource(demo_db, RiskFilter(search="bias")).first_window(5) is None
    assert RiskSource(demo_db, RiskFilter(), sort="title").first_window(5) is None
    assert RiskSource(demo_db, RiskFilter(), descending=True).first_window(5) is None


async def test_the_dashboard_shows_its_counts_and_heat_maps_in_its_first_frame(demo_db, workers):
    async with _app(demo_db).run_test(size=SIZE) as pilot:
        app = pilot.app
        await pilot.pause()
        assert type(app.screen).__name__ == "DashboardScreen"
        stages = str(app.screen.query_one("#stages").render())
        assert stages.startswith("AI systems by stage: ")
        assert app.screen.query_one("#summary").option_count == 6
        assert not [g for g in workers if g.startswith("dash-")], workers
        # a refresh (someone's commit) reads in workers again: never the UI thread after the start
        app.screen.refresh_data()
        await settle(pilot)
        assert {"dash-counts", "dash-map-True", "dash-map-False"} <= set(workers)


async def test_a_pushed_screen_opens_above_the_dashboard_and_escape_returns_to_it(demo_db):
    async with _app(demo_db, screen="due").run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert type(pilot.app.screen).__name__ == "DueScreen"
        await pilot.press("escape")
        await settle(pilot)
        assert type(pilot.app.screen).__name__ == "DashboardScreen"


async def test_a_screen_the_role_is_not_offered_opens_the_dashboard_and_says_so(demo_db):
    app = _app(demo_db, VIEWER, screen="import")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert type(app.screen).__name__ == "DashboardScreen"
        said = [n.message for n in app._notifications]
        assert any("import screen is not offered to your role" in m for m in said), said


def test_aims_screen_with_an_unknown_name_stops_and_names_the_choices(tmp_path):
    from aims_tui.cli import app as cli

    res = CliRunner().invoke(cli, ["--db", str(tmp_path / "x.db"), "--screen", "regster"])
    assert res.exit_code == 1
    assert "--screen: no screen 'regster'; one of: dashboard, register," in res.output
    assert not (tmp_path / "x.db").exists()  # stopped before opening (or making) the database


@pytest.mark.parametrize("size", [(80, 24), (100, 30), (160, 50)])
async def test_the_register_s_first_window_is_read_once_for_the_size_it_gets_and_drawn_once(
        demo_db, monkeypatch, size):
    """Before the first layout the list reckons its size from the screen's and the fixed lines
    around it, reads that window and measures it, so the first frame is the only full paint:
    no second read once the real size is known, and each cell drawn once (issue 15)."""
    from aims_tui.tui.widgets import cells, paged_table

    reads: list[int] = []
    real_first = RiskSource.first_window
    monkeypatch.setattr(RiskSource, "first_window",
                        lambda self, limit: reads.append(limit) or real_first(self, limit))
    drawn: list[int] = []
    real_cells = cells.cell_lines
    monkeypatch.setattr(cells, "cell_lines", lambda *a: drawn.append(1) or real_cells(*a))
    lines: list[int] = []
    real_line = paged_table.WindowTable._render_line_in_row
    monkeypatch.setattr(paged_table.WindowTable, "_render_line_in_row",
                        lambda self, *a, **k: lines.append(a[0]) or real_line(self, *a, **k))
    async with _app(demo_db, screen="register").run_test(size=size) as pilot:
        await settle(pilot)
        pager = pilot.app.screen.pager
        assert reads == [pager.page_size] == [len(pager.rows)]
        assert pager.table.size.height == pager.page_size + 1  # + its header row
        assert len(drawn) == len(pager.rows) * len(pager.table.columns)
        assert len(lines) == len(pager.rows) + 1, lines  # each row's line once, and the header's


async def test_a_wrong_reckoning_of_the_register_s_size_is_mended_by_its_first_resize(demo_db, monkeypatch):
    """The reckoning is only a head start: if it is wrong (a line around the list that is not
    where the reckoning says), the list reads the window again for the size it got."""
    from aims_tui.tui.widgets.paged_table import PagedTable

    monkeypatch.setattr(PagedTable, "_laid_out_size", lambda self: (60, 7))
    async with _app(demo_db, screen="register").run_test(size=SIZE) as pilot:
        await settle(pilot)
        pager = pilot.app.screen.pager
        assert len(pager.rows) == pager.page_size == SIZE[1] - 6
        assert sum(c.width + 2 for c in pager._shown_cols) > 60  # the columns of 100 columns, not of 60
        assert _register_rows(pilot.app)[0] == "R-0001"


async def test_the_register_s_reckoned_size_counts_the_as_of_banner(demo_db, monkeypatch):
    """Viewing a past day adds a second header line: the reckoning sees it, or mends it."""
    async with _app(demo_db, screen="dashboard").run_test(size=SIZE) as pilot:
        await settle(pilot)
        pilot.app.set_as_of(TODAY.replace(day=1))
        await settle(pilot)
        pilot.app.goto("register")
        await settle(pilot)
        pager = pilot.app.screen.pager
        assert len(pager.rows) == pager.page_size == SIZE[1] - 7


def test_the_cycle_collector_is_off_while_the_app_starts_and_on_once_its_first_screen_has_shown(demo_db):
    """In a fresh process, as the app starts: the collector is off from the app's import until
    just after the first screen has its data, then on, with what start-up made frozen."""
    import subprocess
    import sys

    code = r"""
import asyncio, gc, sys
before = gc.isenabled()
from aims_tui.core.db import open_database
from aims_tui.tui.app import AimsApp
imported = gc.isenabled()

async def main():
    app = AimsApp(open_database(sys.argv[1]), sys.argv[2], screen="register", poll_seconds=0, start_notice=False)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause(0.05)
        shown = gc.isenabled()
        for _ in range(400):
            if gc.isenabled():
                break
            await pilot.pause(0.01)
        print(before, imported, shown, gc.isenabled(), gc.get_freeze_count() > 0)

asyncio.run(main())
"""
    path = make_url(demo_db.url).database
    out = subprocess.run([sys.executable, "-c", code, path, EDITOR], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.split() == ["True", "False", "False", "True", "True"]
