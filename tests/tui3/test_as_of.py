"""The app as of a past day (key D) and the changes since the last management review (key C),
issue 19: a manager preparing a review looks at the register as it stood at the last review and
at what moved since, and must not change anything while looking at the past.

The history is made through the services with a moving clock (audit.utcnow), so its events
fall on the days the test names; the app runs on the tests' date (TODAY = 2026-06-15)."""

from __future__ import annotations

from contextlib import asynccontextmanager

import pytest
from textual.widgets import DataTable, Input, OptionList, Static

from aims_tui.core import audit
from aims_tui.core.scoring import Matrix
from aims_tui.core.services import risks

from ..conftest import ADMIN, EDITOR
from ..tui.helpers import goto, settle
from .formkeys import make_app, notes
from .history_story import MR_DAY, set_as_of


def level(li: int, im: int) -> str:
    """A score as the register shows it, by the default matrix (e.g. "High 12")."""
    return f"{Matrix().level(li, im).name} {li * im}"


READ_ONLY = ("read only: you are viewing the register as of 2026-03-31; press D then Escape to return to today, "
             "then make the change")


def _rows(app) -> dict[str, dict[str, str]]:
    """The register's rows on screen: ref -> {column label: cell text}."""
    t = app.screen.query_one(DataTable)
    labels = [str(c.label) for c in t.ordered_columns]
    out = {}
    for i in range(t.row_count):
        cells = dict(zip(labels, (str(c) for c in t.get_row_at(i))))
        out[cells["Ref"]] = cells
    return out


def _count(heat_map, likelihood: int, impact: int) -> int:
    """The count a heat map cell shows ("." for none)."""
    n = str(heat_map.get_cell(str(likelihood), str(impact))).split()[0]
    return 0 if n == "." else int(n)


def _banner(app) -> str:
    b = app.screen.query_one("#as-of-banner", Static)
    return str(b.render()) if b.display and b.parent.has_class("-as-of") else ""


@asynccontextmanager
async def _running(story, screen: str = "", as_of: str = ""):
    """The app over the story as the editor, at 100x30, settled; then on the screen of the key
    `screen` (e.g. "2", the register) and as of the day `as_of` (typed in D's dialog), if given."""
    app = make_app(story, EDITOR)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        if screen:
            await goto(pilot, screen)
        if as_of:
            await set_as_of(pilot, as_of)
        yield app, pilot


async def test_a_past_date_shows_the_register_as_it_was_with_a_banner_and_today_restores_it(story):
    """The manager asks what the register said at the review of 31 March: R-0001's old scores and
    R-0002 still open, R-0003 not there yet; back to today everything is as it is now."""
    async with _running(story, screen="2") as (app, pilot):
        now = _rows(app)
        assert set(now) == {"R-0001", "R-0002", "R-0003"}
        assert level(2, 2) in now["R-0001"]["Residual"] and now["R-0002"]["Status"] == "closed"
        assert _banner(app) == ""
        everywhere = dict(app.key_sections(app.screen))["Everywhere"]
        assert ("D", "View as of a date", "as_of") in everywhere  # help (?) and the palette offer it
        assert ("C", "Go to Changes since the last review", "goto('changes')") in dict(
            app.key_sections(app.screen))["Screens"]

        await set_as_of(pilot, "2026-03-31")
        assert app.as_of == MR_DAY
        then = _rows(app)
        assert set(then) == {"R-0001", "R-0002"}  # R-0003 was added in May
        assert level(4, 4) in then["R-0001"]["Residual"]  # residual 4x4 before April's rescoring
        assert then["R-0002"]["Status"] != "closed"
        assert _banner(app) == ("Viewing the register as of 2026-03-31 · read only · D, Escape: back to "
                                "today")

        await pilot.press("D")
        await settle(pilot)
        assert app.screen.query_one("#as-of", Input).value == "2026-03-31"  # the day set, to change
        await pilot.press("escape")
        await settle(pilot)
        assert app.as_of is None and _banner(app) == ""
        assert _rows(app) == now
        assert "back to today: the register as it is now" in notes(app)


async def test_every_screen_carries_the_banner_and_the_dashboard_counts_that_day(story):
    """The banner is on the screen the user goes to next, saying when a screen shows today's records."""
    async with _running(story, as_of="2026-03-31") as (app, pilot):
        await goto(pilot, "1")
        assert _banner(app).startswith("Viewing the register as of 2026-03-31")
        residual = app.screen.query_one("#residual")
        assert (_count(residual, 4, 4), _count(residual, 2, 2)) == (1, 0)  # R-0001's residual then, not now
        await set_as_of(pilot, "")
        assert (_count(residual, 4, 4), _count(residual, 2, 2)) == (0, 1)
        await set_as_of(pilot, "2026-03-31")
        await goto(pilot, "4")
        assert _banner(app) == "As of 2026-03-31 (this screen shows today) · read only · D, Escape: today"
        app.goto("readiness")  # it had Textual's plain header: no banner (a new user's walk)
        await settle(pilot)
        assert type(app.screen).__name__ == "ReadinessScreen"
        assert _banner(app) == "As of 2026-03-31 (this screen shows today) · read only · D, Escape: today"


async def test_an_edit_key_is_refused_saying_why_and_nothing_is_written(story):
    """n (new risk) and w (withdraw) on the register, and ctrl+z, while a past date is set: a message
    naming the date and how to return; no row, no audit event."""
    async with _running(story, screen="2", as_of="2026-03-31") as (app, pilot):
        with story.read() as s:
            events_before = len(audit.events(s, limit=None))
        version = risks.get_risk(story, "R-0001")["version"]
        for key in ("n", "w", "ctrl+z"):
            await pilot.press(key)
            await settle(pilot)
            assert not app.screen.is_modal, key  # no editor, no confirmation opened
        assert notes(app).count(READ_ONLY) == 3
        assert risks.get_risk(story, "R-0001")["version"] == version
        assert risks.get_risk(story, "R-0001")["status"] != "withdrawn"
        with story.read() as s:
            assert len(audit.events(s, limit=None)) == events_before


async def test_a_risk_opened_on_a_past_date_shows_that_days_scores_read_only(story):
    """Enter on R-0001 as of 31 March: its old scores, no Save, and a save forced anyway is refused."""
    async with _running(story, screen="2", as_of="2026-03-31") as (app, pilot):
        await pilot.press("enter")
        await settle(pilot)
        editor = app.screen
        assert type(editor).__name__ == "RiskEditor"
        assert editor.query_one("#residual_likelihood", Input).value == "4"
        assert "as it was on 2026-03-31 (read only)" in str(editor.query_one("#editor-title", Static).render())
        assert not editor.query_one("#save").display
        assert str(editor.query_one("#errors", Static).render()) == (
            "Read only: this is the risk as it was on 2026-03-31; press Escape, then D and Escape to return "
            "to today.")
        version = risks.get_risk(story, "R-0001")["version"]
        editor.query_one("#title", Input).value = "Changed in the past"
        await pilot.press("ctrl+s")  # the key: refused, saying why (it did nothing, silently)
        await settle(pilot)
        assert notes(app).count(READ_ONLY) == 1 and app.screen is editor
        editor.action_save()  # as if ctrl+s reached it: the editor's own check refuses too
        await settle(pilot)
        editor.db_write(lambda: risks.update_risk(story, EDITOR, "R-0001", {"title": "x"}, expect_version=version))
        await settle(pilot)  # and the write entry point under it
        assert notes(app).count(READ_ONLY) == 3
        assert risks.get_risk(story, "R-0001")["version"] == version


async def test_a_teammates_commit_does_not_overwrite_the_past_view(story):
    """The poll reads the screen again after a commit: a past view stays that day's register."""
    async with _running(story, screen="2", as_of="2026-03-31") as (app, pilot):
        then = _rows(app)
        v = risks.get_risk(story, "R-0001")["version"]
        risks.update_risk(story, ADMIN, "R-0001", {"title": "Renamed by a teammate"}, expect_version=v)
        app.refresh_screens()
        await settle(pilot)
        assert _rows(app) == then
        await set_as_of(pilot, "")
        assert "Renamed by a teammate" in _rows(app)["R-0001"]["Title"]


@pytest.mark.parametrize("typed,said", [
    ("2026-13-01", "As of date: '2026-13-01' is not a date (use YYYY-MM-DD, e.g. 2026-06-15)"),
    ("31/03/2026", "As of date: '31/03/2026' is not a date (use YYYY-MM-DD, e.g. 2026-06-15)"),
    ("2026-06-16", "As of date: 2026-06-16 is in the future; the register can be viewed as of today "
                   "(2026-06-15) or an earlier day"),
])
async def test_a_bad_or_future_date_is_refused_in_the_dialog_naming_the_field(story, typed, said):
    async with _running(story, as_of=typed) as (app, pilot):
        assert type(app.screen).__name__ == "AsOfDialog"
        assert str(app.screen.query_one("#as-of-error", Static).render()) == said
        assert app.as_of is None


async def test_the_changes_view_lists_what_moved_since_the_last_review_with_before_and_after(story):
    """C: R-0001 rescored (before and after), R-0002 closed, R-0003 added and accepted, since MR-2026-01;
    Enter on the rescored risk opens it."""
    async with _running(story, screen="C") as (app, pilot):
        assert type(app.screen).__name__ == "ChangesScreen"
        title = str(app.screen.query_one("#changes-title", Static).render())
        assert title == "Changes since MR-2026-01 (held 2026-03-31), to today (2026-06-15)"
        ol = app.screen.query_one("#changes", OptionList)
        lines = [str(ol.get_option_at_index(i).prompt) for i in range(ol.option_count)]
        assert lines[0] == "Added (1)" and lines[1].startswith("R-0003") and "new (accepted)" in lines[1]
        assert lines[2] == "Closed (1)" and lines[3].startswith("R-0002") and "open → closed" in lines[3]
        assert lines[4] == "Rescored (1)" and lines[5].startswith("R-0001")
        assert lines[6] == "Accepted (1)" and lines[7].startswith("R-0003")
        assert "accepted by bob until 2026-12-31" in lines[7] and lines[7].endswith("2026-06-01")
        assert f"inherent 4x5 {level(4, 5).split()[0]} → 2x3 {level(2, 3).split()[0]}" in lines[5]
        assert f"residual 4x4 {level(4, 4).split()[0]} → 2x2 {level(2, 2).split()[0]}" in lines[5]
        assert "2026-04-10" in lines[5]  # the day of the change
        assert len(lines) == 8
        ol.highlighted = 5
        await pilot.press("enter")
        await settle(pilot)
        assert type(app.screen).__name__ == "RiskEditor" and app.screen.ref == "R-0001"


async def test_the_changes_view_on_a_past_date_runs_to_that_day_and_says_when_nothing_changed(story):
    """As of 31 March (the review's day) nothing has happened since; with no review yet, it says so."""
    async with _running(story, as_of="2026-03-31") as (app, pilot):
        await goto(pilot, "C")
        assert str(app.screen.query_one("#changes-counts", Static).render()) == (
            "Nothing was added, closed, rescored, moved stage, accepted or lapsed since that review.")
        assert not app.screen.query_one("#changes", OptionList).display
        await set_as_of(pilot, "2026-03-30")
        assert str(app.screen.query_one("#changes-title", Static).render()) == "No management review held yet"


async def test_escape_on_the_dashboard_or_the_register_returns_to_today_as_the_banner_says(story):
    """Tried in tmux: the banner says "Escape: back to today", but Escape on the dashboard did nothing
    (only D then Escape in the dialog did). Escape on a screen with no Escape of its own now does it;
    a screen whose Escape means Back still goes back first."""
    async with _running(story, as_of="2026-03-31") as (app, pilot):
        await pilot.press("escape")
        await settle(pilot)
        assert app.as_of is None and _banner(app) == ""
        assert "back to today: the register as it is now" in notes(app)
        await pilot.press("escape")  # nothing set: Escape is not taken by the app, nothing is said
        await settle(pilot)
        assert notes(app).count("back to today: the register as it is now") == 1

        await goto(pilot, "2")
        await set_as_of(pilot, "2026-03-31")
        assert set(_rows(app)) == {"R-0001", "R-0002"}
        await pilot.press("escape")
        await settle(pilot)
        assert app.as_of is None and set(_rows(app)) == {"R-0001", "R-0002", "R-0003"}


async def test_on_a_past_date_the_write_keys_are_shown_dimmed_and_still_say_why_when_pressed(story):
    """The issue asks for no edit actions on a past date: the footer, help and the palette show the
    register's New, Edit and Withdraw as not available now; pressing one still explains."""
    async with _running(story, screen="2") as (app, pilot):
        screen = app.screen
        writes = [a for a in ("new", "edit", "withdraw") if a in screen.EDIT_ACTIONS]
        assert writes, screen.EDIT_ACTIONS
        assert all(screen.check_action(a, ()) is True for a in writes)
        await set_as_of(pilot, "2026-03-31")
        assert all(screen.check_action(a, ()) is None for a in writes)
        mine = dict(app.key_sections(screen))["This screen"]
        dimmed = [d for _k, d, a in mine if a in writes]
        assert dimmed and all(d.endswith("(not now)") for d in dimmed), mine
        await pilot.press("n")
        await settle(pilot)
        assert not screen.is_modal and app.screen is screen
        assert notes(app).count(READ_ONLY) == 1
        await set_as_of(pilot, "")
        assert all(screen.check_action(a, ()) is True for a in writes)
