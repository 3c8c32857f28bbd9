"""What a new user's walk through the app found, each pressed as the user did and checked on
screen: help cut off at 80x24 and not scrolling; the risk editor's treatments hidden below the
fold with nothing saying so; one message per key typed past the search cap; Enter not saving
in the forms the README says it saves; a stage gate refused as "missing at least one risk is
registered"."""

from __future__ import annotations

import html
import re

import pytest
from textual.widgets import Input, Static, TextArea

from aims_tui.core.search import MAX_SEARCH_CHARS
from aims_tui.core.services import acceptances, nonconformities, risks, systems
from aims_tui.tui.dialogs.form import FormDialog
from aims_tui.tui.dialogs.help import HelpDialog
from aims_tui.tui.dialogs.risk_editor import RiskEditor
from aims_tui.tui.dialogs.transition import TransitionDialog
from aims_tui.tui.widgets.treatments_panel import TreatmentsPanel

from ..conftest import ADMIN, APPROVER, EDITOR
from ..core.helpers import audit_events
from ..tui.helpers import goto, settle
from .formkeys import fill, landed, make_app, notes

SIZES = [(80, 24), (100, 30)]
_TEXT = re.compile(r'<text class="[^"]*" x="([\d.]+)" y="([\d.]+)" textLength="([\d.]+)"[^>]*>(.*?)</text>')


def shown(app) -> str:
    """The text on the terminal, line by line (read from the screenshot the app would save:
    each run of text at its column, blanks where nothing is written)."""
    rows: dict[float, dict[int, str]] = {}
    for x, y, length, raw in _TEXT.findall(app.export_screenshot()):
        text = html.unescape(raw).replace("\xa0", " ")
        if not text:
            continue
        column = round(float(x) / (float(length) / len(text)))
        row = rows.setdefault(float(y), {})
        for i, ch in enumerate(text):
            row[column + i] = ch
    return "\n".join("".join(row.get(i, " ") for i in range(max(row) + 1))
                     for _, row in sorted(rows.items()) if row)


async def _scrolled(pilot) -> None:
    await pilot.pause(0.3)
    await pilot.wait_for_scheduled_animations()
    await pilot.pause()


# -- 1. help ------------------------------------------------------------------------------------------

async def test_help_at_80x24_shows_the_screens_keys_first_and_scrolls_to_its_last_line(demo_db):
    """? on the dashboard at 80x24 ended at `r Refresh` and no key scrolled: now the screen's keys,
    then Everywhere, then the screens; the list has the focus and End, Home, j and PageDown move it."""
    app = make_app(demo_db, ADMIN)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("question_mark")
        await settle(pilot)
        dialog = app.screen
        assert isinstance(dialog, HelpDialog)
        assert [name for name, rows in dialog.sections if rows] == ["This screen", "Everywhere", "Screens"]
        body = dialog.query_one("#help-body")
        assert dialog.focused is body and body.max_scroll_y > 0
        assert "Refresh" in shown(app) and "Go to Changes since the last review" not in shown(app)
        await pilot.press("end")
        await _scrolled(pilot)
        text = shown(app)
        assert body.scroll_y == body.max_scroll_y
        assert "Go to Changes since the last review" in text and "View as of a date" in text
        assert "Escape: close." in text  # the hint under the list stays in view
        await pilot.press("home")
        await _scrolled(pilot)
        assert body.scroll_y == 0
        await pilot.press("j", "j")
        await _scrolled(pilot)
        assert body.scroll_y == 2
        await pilot.press("pagedown")
        await _scrolled(pilot)
        assert body.scroll_y > 2
        await pilot.press("escape")
        await settle(pilot)
        assert not isinstance(app.screen, HelpDialog)


@pytest.mark.parametrize("size", SIZES, ids=["80x24", "100x30"])
async def test_the_registers_help_shows_its_own_keys_and_reaches_everywhere_and_the_screens(demo_db, size):
    """At 80x24 the register's help showed only the Screens list; at 100x30 it stopped at the
    `Everywhere` heading. Now its own keys show at once, and End reaches the last screen."""
    app = make_app(demo_db, EDITOR)
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        await goto(pilot, "2")
        await pilot.press("question_mark")
        await settle(pilot)
        text = shown(app)
        assert "This screen" in text and "New risk" in text and "Filter" in text
        await pilot.press("end")
        await _scrolled(pilot)
        text = shown(app)
        assert "Undo" in text and "View as of a date" in text
        assert "Go to Changes since the last review" in text


# -- 2. the risk editor's treatments -------------------------------------------------------------------

async def _open_first_risk(pilot):
    """R-0002, the first demo risk with a treatment (R-0001 has none)."""
    await settle(pilot)
    await goto(pilot, "2")
    await pilot.press("down", "enter")
    await settle(pilot)
    await pilot.pause(0.2)
    editor = pilot.app.screen
    assert isinstance(editor, RiskEditor)
    panel = editor.query_one(TreatmentsPanel)
    assert editor.ref == "R-0002" and panel.rows
    return editor, panel.rows[0]["action"][:25]  # the table's column cuts it


async def test_the_risk_editor_at_100x30_shows_the_first_treatment_and_says_there_is_more(demo_db):
    app = make_app(demo_db, ADMIN)
    async with app.run_test(size=(100, 30)) as pilot:
        editor, action = await _open_first_risk(pilot)
        text = shown(app)
        assert "No valid acceptance of the residual risk." in text
        assert "Treatments (c: complete highlighted)" in text and action in text
        assert "more below: PageDown" in text
        await pilot.press("pagedown")
        await _scrolled(pilot)
        text = shown(app)
        assert "New treatment" in text and "more below" not in text


async def test_the_risk_editor_at_80x24_says_more_below_and_pagedown_reaches_the_treatments(demo_db):
    app = make_app(demo_db, ADMIN)
    async with app.run_test(size=(80, 24)) as pilot:
        editor, action = await _open_first_risk(pilot)
        text = shown(app)
        assert action not in text and "more below: PageDown" in text
        assert isinstance(editor.focused, Input)  # typing in the title, PageDown still scrolls the form
        await pilot.press("pagedown", "pagedown")
        await _scrolled(pilot)
        text = shown(app)
        assert action in text and "New treatment" in text and "more below" not in text


# -- 3. the search cap's message ------------------------------------------------------------------------

async def test_typing_past_the_search_cap_says_so_once_not_once_per_key(db):
    """Typing on past 200 characters showed a message per key ((it had 245), (it had 250)...)."""
    risks.create_risk(db, EDITOR, {"title": "Model drift", "inherent_likelihood": 2, "inherent_impact": 2})
    app = make_app(db, EDITOR)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await goto(pilot, "2")
        await pilot.press("slash")
        await pilot.press(*["x"] * (MAX_SEARCH_CHARS + 6))
        await settle(pilot)
        box = app.screen.query_one("#search", Input)
        assert len(box.value) == MAX_SEARCH_CHARS
        cut = [n for n in notes(app) if "search text cut to its first" in n]
        assert cut == [f"search text cut to its first {MAX_SEARCH_CHARS} characters (it had {MAX_SEARCH_CHARS + 1})"]
        await pilot.press("escape", "slash", *["y"] * (MAX_SEARCH_CHARS + 2))  # a new search: told again, once
        await settle(pilot)
        assert len([n for n in notes(app) if "search text cut to its first" in n]) == 2


# -- 4. Enter saves a form from a one-line field --------------------------------------------------------

async def test_enter_in_the_nonconformitys_due_field_saves_it(db):
    app = make_app(db, EDITOR)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await goto(pilot, "7")
        await pilot.press("n")
        await settle(pilot)
        await fill(pilot, {"title": "Bias found in audit", "severity": "major", "due_date": "2026-09-30"})
        assert isinstance(app.screen.focused, Input) and app.screen.focused.id == "f-due_date"
        await pilot.press("enter")
        await landed(pilot)
        assert not isinstance(app.screen, FormDialog)
        rows = nonconformities.list_nonconformities(db)
        assert [(r["title"], r["severity"], str(r["due_date"])) for r in rows] == [
            ("Bias found in audit", "major", "2026-09-30")]
        assert [e["action"] for e in audit_events(db, rows[0]["ref"])] == ["create"]
        assert f"nonconformity {rows[0]['ref']} recorded" in notes(app)


async def test_enter_in_a_bad_due_date_keeps_the_form_and_names_the_field(db):
    app = make_app(db, EDITOR)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await goto(pilot, "7")
        await pilot.press("n")
        await settle(pilot)
        await fill(pilot, {"title": "Bias found in audit", "due_date": "2026/09/30"})
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, FormDialog)
        assert "Due" in str(app.screen.query_one("#form-status", Static).render())
        assert nonconformities.list_nonconformities(db) == []


async def test_in_the_acceptance_enter_in_why_starts_a_line_and_enter_in_until_saves(db):
    """Why is a multi-line box: Enter there is a new line, nothing saved; Enter in Until saves:
    the acceptance row, its accept event and the message."""
    ref = risks.create_risk(db, EDITOR, {"title": "High residual", "inherent_likelihood": 5,
                                         "inherent_impact": 5})["ref"]
    app = make_app(db, APPROVER)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await goto(pilot, "2")
        await pilot.press("a")
        await settle(pilot)
        assert isinstance(app.screen, FormDialog)
        await fill(pilot, {"justification": "benefits outweigh"})
        await pilot.press("enter", *"the risk")
        await settle(pilot)
        assert isinstance(app.screen, FormDialog) and acceptances.list_acceptances(db, ref) == []
        assert app.screen.query_one("#f-justification", TextArea).text == "benefits outweigh\nthe risk"
        await fill(pilot, {"expires_on": "2027-06-30"})
        await pilot.press("enter")
        await landed(pilot)
        assert not isinstance(app.screen, FormDialog)
        accs = acceptances.list_acceptances(db, ref)
        assert [(a["justification"], str(a["expires_on"])) for a in accs] == [
            ("benefits outweigh\nthe risk", "2027-06-30")]
        assert audit_events(db, ref)[0]["action"] == "accept"
        assert f"{ref}: residual risk accepted until 2027-06-30" in notes(app)


# -- 5. the stage gate's wording ---------------------------------------------------------------------------

async def test_a_refused_stage_move_says_the_gate_is_not_met(db):
    systems.create_system(db, ADMIN, {"name": "Vision"})
    app = make_app(db, EDITOR)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await goto(pilot, "3")
        await pilot.press("m")
        await settle(pilot)
        dialog = app.screen
        assert isinstance(dialog, TransitionDialog)
        await pilot.press("ctrl+s")
        await settle(pilot)
        errors = str(dialog.query_one("#errors", Static).render())
        assert "cannot move to validation: this gate is not met: at least one risk is registered" in errors
        assert "missing" not in errors
        assert systems.get_system(db, "AIS-001")["stage"] == "design"


async def test_the_history_of_a_demo_risk_says_where_its_event_is_not_no_events(demo_db):
    """h on a demo risk: the demo data is one bulk-load event, so the risk has none of its own;
    the trail says so and where to look, not a bare "No events."; clearing the box shows it."""
    app = make_app(demo_db, EDITOR)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await goto(pilot, "2")
        ref = app.screen.pager.current["ref"]
        await pilot.press("h")
        await settle(pilot)
        screen = shown(app)
        assert f"No events of {ref}. If it is demo data: one bulk_load event (clear /, then End)" in screen
        await pilot.press("slash", "ctrl+u", "enter")
        await settle(pilot)
        await pilot.press("end")
        await settle(pilot)
        assert "bulk_load" in shown(app)


@pytest.mark.parametrize("size", SIZES)
async def test_the_registers_footer_shows_help_and_no_key_cut_at_the_edge(db, size):
    """At 80x24 and 100x30 the register's footer ended in a key cut at the edge ("a Accept re",
    "w") and never showed ? Help: it shows the keys that fit, then ? Help; a wider terminal
    shows more of them."""
    app = make_app(db, EDITOR)
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        await goto(pilot, "2")
        footer = shown(app).splitlines()[-1]
        assert "? Help" in footer
        assert "Accept re " not in footer + " " and not footer.split("▏")[0].rstrip().endswith(" w")
        await pilot.resize_terminal(160, 30)
        await settle(pilot)
        wider = shown(app).splitlines()[-1]
        assert "h History" in wider and "? Help" in wider and len(wider.split("▏")[0]) > len(footer.split("▏")[0])


async def test_a_click_on_a_footer_key_presses_it(db):
    """The footer is one widget drawing every key (issue 15): a click on "n New risk" opens a new
    risk's editor, as a click on Textual's footer keys did; a click past the last key does nothing."""
    from aims_tui.tui.widgets.footer import AimsFooter

    app = make_app(db, EDITOR)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await goto(pilot, "2")
        register = app.screen
        await pilot.click(AimsFooter, offset=(85, 0))  # between ? Help (ends at 83) and the palette: no key
        await settle(pilot)
        assert app.screen is register
        await pilot.click(AimsFooter, offset=(2, 0))
        await settle(pilot)
        assert isinstance(app.screen, RiskEditor) and app.screen.ref is None


@pytest.mark.parametrize("size", SIZES)
async def test_f1_in_a_dialog_lists_its_keys_and_f1_again_returns_to_it(db, size):
    """Help could not be reached from a dialog (Textual gives a modal screen none of the app's
    ordinary keys; ? is typed into a box): F1 opens the dialog's own keys, the hidden ones too
    (ctrl+r withdraws), and no screen key, which does not reach a dialog; F1 again goes back with
    what was typed kept. The dialog's footer says F1 Help; ? in a box is still a character."""
    risks.create_risk(db, EDITOR, {"title": "Drift", "inherent_likelihood": 3, "inherent_impact": 3})
    app = make_app(db, EDITOR)
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        await goto(pilot, "2")
        await pilot.press("enter")
        await settle(pilot)
        editor = app.screen
        assert isinstance(editor, RiskEditor)
        await pilot.press("end", "question_mark")
        assert editor.query_one("#title", Input).value == "Drift?"
        assert "F1 Help" in shown(app).splitlines()[-1]
        await pilot.press("f1")
        await settle(pilot)
        dialog = app.screen
        assert isinstance(dialog, HelpDialog)
        assert [name for name, rows in dialog.sections if rows] == ["This dialog"]
        described = {d for _, d in dialog.keys}
        assert {"Save", "Withdraw (retire) / restore"} <= described
        assert not any(d.startswith("Go to ") for d in described)
        await pilot.press("f1")
        await settle(pilot)
        assert app.screen is editor and editor.query_one("#title", Input).value == "Drift?"
        await pilot.press("escape")  # unsaved: asks; keep editing is the default
        await settle(pilot)
        await pilot.press("f1")
        await settle(pilot)
        assert isinstance(app.screen, HelpDialog)
