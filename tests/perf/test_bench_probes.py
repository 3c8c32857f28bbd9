"""The benchmark's probes of issue 15 run and measure what they say: the app opened as `aims`
opens stops once the dashboard's counts are on screen, and the reference of two screens drawn
by Textual's own widgets paints its register. (Their figures are the benchmark's, not a test's.)"""

from __future__ import annotations

import pytest

from aims_tui import bench

from ..conftest import ADMIN, on_postgresql


def _figures(got) -> tuple[float, float, float]:
    assert not isinstance(got, str), got  # a probe that failed says its last line of error
    wall, cpu, mb = got
    assert wall > 0 and cpu > 0 and mb > 0
    return got


def test_the_reference_of_two_screens_drawn_by_textual_runs():
    _figures(bench._probe_once(bench.FLOOR_TEXTUAL_TWO_SCREENS, ["-"]))


def test_the_dashboards_first_paint_probe_waits_for_the_counts(demo_db):
    if on_postgresql():
        pytest.skip("the probe opens a SQLite file, as the benchmark's databases are")
    probe = bench._tui_probe()
    assert probe is not None
    assert "_counts_shown(app)" in probe
    _figures(bench._probe_once(probe, [str(demo_db.path), ADMIN, "dashboard_first"]))
    # a login with no role opens no dashboard: the probe never sees the counts and says so by failing
    got = bench._probe_once(probe.replace("range(2000)", "range(20)").replace(
        "print((t1", "assert _counts_shown(app), 'no counts'\n    print((t1"), [str(demo_db.path), "nobody", "dashboard_first"])
    assert isinstance(got, str) and "no counts" in got
