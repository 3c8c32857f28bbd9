"""Snapshots of the Readiness screen over the seeded demo (frozen date), at 80x24 and
100x30: the gaps line, clauses then controls, the highlighted finding in full with its
fix. Looked at by a person before they were accepted (issue 17)."""

from __future__ import annotations

import pytest

from ..conftest import ADMIN
from ..tui.helpers import make_app, settle

SMALL, LARGE = (80, 24), (100, 30)


def _keys(*keys: str):
    async def run_before(pilot) -> None:
        await settle(pilot)
        for k in keys:
            await pilot.press(k)
            await settle(pilot)
        await pilot.pause(0.1)
        await settle(pilot)
    return run_before


@pytest.mark.parametrize("size", [SMALL, LARGE], ids=["80x24", "100x30"])
def test_the_readiness_screen(demo_db, snap_compare, size):
    """Opened from M (the third register); the cursor on 6.1.3, an unapproved SoA."""
    assert snap_compare(make_app(demo_db, ADMIN), terminal_size=size,
                        run_before=_keys("M", "enter", "down", "down"))
