"""Enter on an event of the audit trail (l, or h on a risk) shows it whole: the Changes column
is cut to the screen's width, and a new user could not read what an event changed."""

from __future__ import annotations

import pytest

from aims_tui.core.services import risks

from ..conftest import EDITOR
from ..tui.helpers import goto, settle
from .formkeys import make_app

LONG = "A title long enough that the trail's Changes column cuts it off " + "[bold]x[/] " * 6 + "END"


@pytest.fixture
def renamed(story):
    """The story (a clock that moves a second per write) and R-0001 renamed to a long title."""
    v = risks.get_risk(story, "R-0001")["version"]
    risks.update_risk(story, EDITOR, "R-0001", {"title": LONG}, expect_version=v)
    return story


async def test_enter_on_an_event_shows_every_field_it_changed_whole_and_literally(renamed):
    app = make_app(renamed, EDITOR)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await goto(pilot, "2")
        await pilot.press("h")  # R-0001's history, newest first: the rename
        await settle(pilot)
        assert type(app.screen).__name__ == "AuditTrailScreen"
        await pilot.press("enter")
        await settle(pilot)
        assert type(app.screen).__name__ == "EventDialog"
        text = str(app.screen.query_one("#event-text").render())
        assert "R-0001" in text and "update" in text and EDITOR in text
        assert f"title: Model drift -> {LONG}" in text  # whole, the markup shown as typed
        await pilot.press("escape")
        await settle(pilot)
        assert type(app.screen).__name__ == "AuditTrailScreen"


@pytest.mark.parametrize("size", [(80, 24), (100, 30)], ids=["80x24", "100x30"])
def test_the_event_dialog(renamed, snap_compare, size):
    async def run_before(pilot) -> None:
        await settle(pilot)
        for key in ("2", "h", "enter"):
            await pilot.press(key)
            await settle(pilot)

    assert snap_compare(make_app(renamed, EDITOR), terminal_size=size, run_before=run_before)
