"""Snapshots of the Due, Management reviews and Import screens and their dialogs, at 80x24
and 100x30, some with NO_COLOR (frozen date, seeded demo data). Each was looked at once
by a person before it was accepted (issue 11)."""

from __future__ import annotations

from datetime import date

import pytest
from aims_tui.core.services import management

from ..conftest import ADMIN, EDITOR, VIEWER
from ..tui.helpers import make_app, settle

SMALL, LARGE = (80, 24), (100, 30)


async def _still(pilot) -> None:
    await settle(pilot)
    for screen in pilot.app.screen_stack:
        for i in screen.query("Input, TextArea"):
            i.cursor_blink = False  # a blinking cursor would make the picture depend on timing
    await pilot.pause(0.1)
    await settle(pilot)


def _keys(*keys: str):
    async def run_before(pilot) -> None:
        await settle(pilot)
        for k in keys:
            await pilot.press(k)
            await settle(pilot)
        await _still(pilot)
    return run_before


@pytest.fixture
def mr_db(demo_db):
    ref = management.create_review(demo_db, EDITOR, {
        "held_on": date(2026, 6, 1), "period_start": date(2025, 12, 1), "period_end": date(2026, 5, 31),
        "attendees": "Ada (CEO), Bob (risk), Eve (ML lead)",
        "decisions": "Fund the bias audit of the hiring model.\nAdd a second reviewer to high risks."})["ref"]
    management.add_action(demo_db, EDITOR, ref, {"action": "Run the bias audit", "owner": EDITOR,
                                                 "due_date": date(2026, 6, 1)})
    management.add_action(demo_db, EDITOR, ref, {"action": "Name a second reviewer", "owner": ADMIN,
                                                 "due_date": date(2026, 9, 30)})
    return demo_db


@pytest.fixture
def no_color(monkeypatch):
    monkeypatch.setenv("NO_COLOR", "1")  # Textual reads (and pops) it when the app is created


# -- Due -------------------------------------------------------------------------------------

@pytest.mark.parametrize("size", [SMALL, LARGE], ids=["80x24", "100x30"])
def test_the_due_screen(demo_db, snap_compare, size):
    """Header, the counts line, overdue first."""
    assert snap_compare(make_app(demo_db, ADMIN), terminal_size=size, run_before=_keys("8"))


def test_the_due_screen_without_colour(demo_db, snap_compare, no_color):
    """NO_COLOR: overdue rows still say "overdue" in words."""
    assert snap_compare(make_app(demo_db, ADMIN), terminal_size=LARGE, run_before=_keys("8"))


@pytest.mark.parametrize("size", [SMALL, LARGE], ids=["80x24", "100x30"])
def test_the_review_dialog(demo_db, snap_compare, size):
    """Outcome list, the review date, notes, what saves."""
    assert snap_compare(make_app(demo_db, ADMIN), terminal_size=size, run_before=_keys("8", "r"))


# -- Management reviews -----------------------------------------------------------------------

@pytest.mark.parametrize("size", [SMALL, LARGE], ids=["80x24", "100x30"])
def test_the_management_screen(mr_db, snap_compare, size):
    """One column: the reviews, then the figures (whole values), decisions, actions."""
    assert snap_compare(make_app(mr_db, EDITOR), terminal_size=size, run_before=_keys("9"))


def test_the_management_screen_scrolled_to_the_actions_at_80x24(mr_db, snap_compare):
    """At 80x24 everything is reachable: Tab into the detail pane, End shows the actions."""
    assert snap_compare(make_app(mr_db, EDITOR), terminal_size=SMALL,
                        run_before=_keys("9", "tab", "end"))


def test_the_management_screen_for_a_viewer_without_colour(mr_db, snap_compare, no_color):
    """A viewer: no write action in the footer; NO_COLOR."""
    assert snap_compare(make_app(mr_db, VIEWER), terminal_size=SMALL, run_before=_keys("9"))


@pytest.mark.parametrize("size", [SMALL, LARGE], ids=["80x24", "100x30"])
def test_the_new_review_form(mr_db, snap_compare, size):
    assert snap_compare(make_app(mr_db, EDITOR), terminal_size=size, run_before=_keys("9", "n"))


def test_the_new_review_form_refusing_a_date_without_colour(mr_db, snap_compare, no_color):
    """A refusal under NO_COLOR: the text kept, the field named in words."""
    assert snap_compare(make_app(mr_db, EDITOR), terminal_size=SMALL,
                        run_before=_keys("9", "n", "backspace", "backspace", "x", "ctrl+s"))


@pytest.mark.parametrize("size", [SMALL, LARGE], ids=["80x24", "100x30"])
def test_the_decisions_form(mr_db, snap_compare, size):
    assert snap_compare(make_app(mr_db, EDITOR), terminal_size=size, run_before=_keys("9", "d"))


@pytest.mark.parametrize("size", [SMALL, LARGE], ids=["80x24", "100x30"])
def test_the_action_form(mr_db, snap_compare, size):
    assert snap_compare(make_app(mr_db, EDITOR), terminal_size=size, run_before=_keys("9", "a"))


# -- Import -------------------------------------------------------------------------------------

@pytest.fixture
def sheet(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # a relative path: the same on every run
    (tmp_path / "risks.csv").write_text(
        "Risk register\n\nRisk title;Probability;Severity;Remarks\nLeak of [b]CV[/b] data;High;Major;x\n"
        "Drift;2;3;\n", encoding="utf-8")
    return "risks.csv"


@pytest.mark.parametrize("size", [SMALL, LARGE], ids=["80x24", "100x30"])
def test_the_import_screen_after_reading_a_file(demo_db, snap_compare, sheet, size):
    """The mapping, the first rows, the message line."""
    assert snap_compare(make_app(demo_db, EDITOR), terminal_size=size,
                        run_before=_keys("0", *sheet, "enter"))


def test_the_empty_import_screen_without_colour(demo_db, snap_compare, no_color):
    assert snap_compare(make_app(demo_db, EDITOR), terminal_size=LARGE, run_before=_keys("0"))
