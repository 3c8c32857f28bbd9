"""Snapshots of the form dialogs, the conflict, confirm and help dialogs and the SoA,
impact and nonconformity screens, at 80x24 and 100x30, some with NO_COLOR (issue 11:
every input shows its text and current value at both sizes, with and without colour)."""

from __future__ import annotations

import pytest
from textual.widgets import Input, TextArea

from aims_tui.tui.dialogs.conflict import ConflictDialog

from ..conftest import ADMIN
from ..tui.helpers import make_app, settle
from .formkeys import fill

SIZES = [(80, 24), (100, 30)]


async def _still(pilot) -> None:
    await settle(pilot)
    for w in pilot.app.screen.query(Input):
        w.cursor_blink = False
    for w in pilot.app.screen.query(TextArea):
        w.cursor_blink = False
    await pilot.pause(0.1)
    await settle(pilot)


def _open(*keys: str, typed: dict | None = None):
    async def run_before(pilot):
        await settle(pilot)
        for k in keys:
            await pilot.press(k)
            await settle(pilot)
        if typed:
            await fill(pilot, typed)
        await _still(pilot)

    return run_before


CASES = {
    "soa_screen": _open("5"),
    "impact_screen": _open("6"),
    "nonconformities_screen": _open("7"),
    "soa_entry_form": _open("5", "e"),
    "impact_edit_form": _open("6", "e"),
    "impact_new_form_typed": _open("6", "n", typed={"title": "Hiring screen", "affected_individuals":
                                                    "applicants screened out by the model, who cannot appeal"}),
    "nonconformity_edit_form": _open("7", "e"),
    "acceptance_form_bad_date": _open("2", "a", typed={"justification": "benefits outweigh the residual risk",
                                                        "expires_on": "2027/06/30"}),
    "soa_approve_confirm": _open("5", "A"),
    "help_on_the_soa": _open("5", "question_mark"),
    # the register's own keys first (at 80x24 it showed only the screens list)
    "help_on_the_register": _open("2", "question_mark"),
}


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
@pytest.mark.parametrize("case", sorted(CASES))
def test_each_form_screen_and_dialog_at_both_sizes(demo_db, snap_compare, case, size):
    """Each input shows its label and value (or what was typed) inside the dialog."""
    assert snap_compare(make_app(demo_db, ADMIN), terminal_size=size, run_before=CASES[case])


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
@pytest.mark.parametrize("case", ["soa_entry_form", "nonconformity_edit_form", "acceptance_form_bad_date"])
def test_forms_without_colour(demo_db, snap_compare, monkeypatch, case, size):
    """NO_COLOR: the value and the refused field ('! Until') still read as words and marks."""
    monkeypatch.setenv("NO_COLOR", "1")
    assert snap_compare(make_app(demo_db, ADMIN), terminal_size=size, run_before=CASES[case])


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_help_on_the_dashboard_scrolled_to_its_end(demo_db, snap_compare, size):
    """End reaches the last screen (Changes since the last review) under the keys that work
    everywhere; the hint stays under the list (at 80x24 help ended at `r Refresh`)."""
    async def run_before(pilot):
        await settle(pilot)
        await pilot.press("question_mark")
        await settle(pilot)
        await pilot.press("end")
        await pilot.pause(0.3)
        await pilot.wait_for_scheduled_animations()
        await _still(pilot)

    assert snap_compare(make_app(demo_db, ADMIN), terminal_size=size, run_before=run_before)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_the_conflict_dialog_with_long_values_and_who_saved(demo_db, snap_compare, size):
    """Both values whole and wrapped; who saved last and when, from the audit trail."""
    from aims_tui.core.services import risks

    r = risks.get_risk(demo_db, "R-0001")
    mine = {"title": "Mine: " + r["title"], "description": "My description " + "that goes on and on " * 8}
    theirs = dict(r, title="Theirs: " + r["title"], description="Their description " + "which differs " * 10)

    async def run_before(pilot):
        await settle(pilot)
        pilot.app.push_screen(ConflictDialog("Risk R-0001", mine, theirs, r["version"] + 1,
                                             entity_ref="R-0001", entity="risk"))
        await _still(pilot)

    assert snap_compare(make_app(demo_db, ADMIN), terminal_size=size, run_before=run_before)
