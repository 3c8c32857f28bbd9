"""Due, Management reviews and Import (issue 11, engineer B): every write these screens
offer, pressed key by key, then looked for in the database, the audit trail and on screen;
and each refusal: the dialog stays open, the text stays, the field is named as the user sees it.

Write actions covered here (screen or dialog, action, test):
- DueScreen / ReviewDialog, review:          test_r_then_enter_on_the_due_screen_records_a_review...
                                             test_a_review_dated_ahead_of_today_is_refused_in_the_dialog...
- ManagementScreen / SavingForm, new_review: test_n_typed_fields_and_ctrl_s_create_a_management_review
                                             test_enter_in_a_line_saves_the_new_review_form_too
                                             test_a_period_that_ends_before_it_starts_is_refused_in_the_form
- ManagementScreen / SavingForm, decisions:  test_d_typed_decisions_and_ctrl_s_record_them
                                             test_decisions_saved_over_a_teammates_change_are_refused_and_kept
- ManagementScreen / SavingForm, add_action: test_a_typed_action_and_enter_add_an_action_to_the_review
                                             test_an_action_with_a_due_date_that_is_not_a_date_is_refused
- ManagementScreen, complete_action (+ ctrl+z): test_tab_to_the_actions_and_c_marks_the_action_done
                                             test_completing_an_action_a_teammate_changed_is_refused_visibly
- ManagementScreen, sign_off:                test_s_and_y_sign_the_review_off_as_an_approver
                                             test_signing_off_without_decisions_is_refused_and_says_why
                                             test_an_editor_is_told_sign_off_needs_the_approver_role
- ManagementScreen, export_pack:             test_e_exports_the_pack_and_records_it_on_the_review...
- ImportScreen, import_file:                 test_a_typed_path_enter_and_ctrl_s_import_the_risks
                                             test_a_file_with_bad_rows_is_refused_and_nothing_is_written
"""

from __future__ import annotations

import asyncio
import sqlite3
from datetime import date, timedelta

from sqlmodel import select
from textual.widgets import DataTable, Header, Input, Log, Static

from aims_tui.core.models import Risk
from aims_tui.tui import base as tui_base
from aims_tui.core.services import management, reviews, risks, systems
from aims_tui.tui.dialogs.confirm import ConfirmDialog
from aims_tui.tui.dialogs.management_forms import SavingForm
from aims_tui.tui.dialogs.review_form import ReviewDialog
from aims_tui.tui.screens.due import DueScreen
from aims_tui.tui.screens.import_screen import ImportScreen
from aims_tui.tui.screens.management import ManagementScreen

from ..conftest import ADMIN, APPROVER, EDITOR, TODAY, VIEWER
from ..core.helpers import audit_events
from ..tui.helpers import goto, make_app, settle

SIZE = (100, 30)


def _app(db, login: str):
    """The app, remembering every notification it shows: a toast expires after a few seconds,
    which a loaded machine can pass between the save and the assertion."""
    app = make_app(db, login)
    app.writes_seen = tui_base._write_seq
    app.shown = []
    notify = app.notify

    def recording(message, *args, **kwargs):
        app.shown.append(message)
        return notify(message, *args, **kwargs)

    app.notify = recording
    return app


def said(app) -> list[str]:
    return list(app.shown)


def _text(app, selector: str) -> str:
    return str(app.screen.query_one(selector, Static).render())


async def _type(pilot, text: str) -> None:
    await pilot.press(*[("space" if c == " " else c) for c in text])


async def _clear(pilot) -> None:
    """Empty the focused one-line field as a user would."""
    box = pilot.app.focused
    assert isinstance(box, Input)
    await pilot.press("end", *["backspace"] * len(box.value))


async def _until(pilot, condition, what: str) -> None:
    """Wait (on behaviour, not on a clock) until the app is where the next key expects it."""
    for _ in range(300):
        await settle(pilot)
        if condition():
            return
        await asyncio.sleep(0.02)
    raise AssertionError(f"never reached: {what}")


async def _open(pilot, key: str, dialog: type) -> None:
    """Press the key that opens a dialog and wait until it has the cursor."""
    await pilot.press(key)
    await _until(pilot, lambda: isinstance(pilot.app.screen, dialog) and pilot.app.focused is not None
                 and pilot.app.focused.screen is pilot.app.screen, f"{dialog.__name__} open")


async def _planned(pilot, screen) -> None:
    await _until(pilot, lambda: screen.plan is not None and not screen._busy, "the file read and planned")


async def _landed(pilot) -> None:
    """Wait until the write the last keys started has begun and landed (or been refused)."""
    app = pilot.app
    seen = getattr(app, "writes_seen", 0)
    for _ in range(400):
        await settle(pilot)
        if tui_base._write_seq > seen and app.pending_writes == 0:
            app.writes_seen = tui_base._write_seq
            return
        await asyncio.sleep(0.02)
    raise AssertionError("the write never started or never landed")


def _risk_titles(db) -> list[str]:
    with db.read() as s:
        return [r.title for r in s.exec(select(Risk).order_by(Risk.id))]


def _overdue_risk(db, title: str = "Drift unnoticed") -> str:
    return risks.create_risk(db, ADMIN, {"title": title, "owner": ADMIN, "inherent_likelihood": 2,
                                         "inherent_impact": 2,
                                         "next_review": (TODAY - timedelta(days=3)).isoformat()})["ref"]


def _with_review(db, **values) -> str:
    systems.create_system(db, ADMIN, {"name": "Chatbot"})
    return management.create_review(db, EDITOR, {"held_on": date(2026, 6, 1), **values})["ref"]


# -- Due -------------------------------------------------------------------------------

async def test_r_then_enter_on_the_due_screen_records_a_review_visibly_with_its_audit_event(db):
    """Issue 11: the Due screen had no header and recorded reviews in a worker group of its
    own that nothing waited for; now r, Enter saves through db_write and says so."""
    ref = _overdue_risk(db)
    app = _app(db, ADMIN)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await goto(pilot, "8")
        assert isinstance(app.screen, DueScreen)
        assert app.screen.query(Header)
        await _open(pilot, "r", ReviewDialog)
        await _type(pilot, "checked with the owner")
        await pilot.press("enter")
        await _landed(pilot)
        assert isinstance(app.screen, DueScreen)
        done = reviews.list_reviews(db, "risk", ref)
        assert [(r["outcome"], r["notes"], r["reviewer"]) for r in done] == [
            ("still_valid", "checked with the owner", ADMIN)]
        assert "review" in [e["action"] for e in audit_events(db, ref)]
        assert f"{ref}: review recorded (still_valid); next review {done[0]['next_review'].isoformat()}" in said(app)
        assert f"risk_review:{ref}" not in app.screen.items


async def test_a_review_dated_ahead_of_today_is_refused_in_the_dialog_with_the_text_kept(db):
    """Refusal: a review date in the future. The dialog stays open, the notes and the date
    stay as typed, and the field is named "Reviewed on" (not reviewed_on)."""
    ref = _overdue_risk(db)
    app = _app(db, ADMIN)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await goto(pilot, "8")
        await _open(pilot, "r", ReviewDialog)
        await _type(pilot, "too early")
        await pilot.press("shift+tab")
        await _clear(pilot)
        await _type(pilot, "2030-01-01")
        await pilot.press("ctrl+s")
        await _landed(pilot)
        dialog = app.screen
        assert isinstance(dialog, ReviewDialog)
        assert dialog.query_one("#f-notes", Input).value == "too early"
        assert dialog.query_one("#f-reviewed_on", Input).value == "2030-01-01"
        assert _text(app, "#form-error").startswith("Reviewed on: a review cannot be recorded ahead of time")
        assert reviews.list_reviews(db, "risk", ref) == []


async def test_a_viewer_sees_what_is_due_but_is_not_offered_recording_a_review(db):
    """Viewers are offered no write action: r and Enter open nothing."""
    _overdue_risk(db)
    app = _app(db, VIEWER)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await goto(pilot, "8")
        screen = app.screen
        assert isinstance(screen, DueScreen)
        screen.show_all = True
        screen.refresh_data()
        await settle(pilot)
        assert screen.items
        await pilot.press("r", "enter")
        await settle(pilot)
        assert app.screen is screen
        assert "review" not in {a.binding.action for a in screen.active_bindings.values() if a.enabled}


# -- Management reviews: create --------------------------------------------------------

async def test_n_typed_fields_and_ctrl_s_create_a_management_review(db):
    """Issue 11: the forms submitted only through a Save button below the screen."""
    systems.create_system(db, ADMIN, {"name": "Chatbot"})
    app = _app(db, EDITOR)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await goto(pilot, "9")
        assert isinstance(app.screen, ManagementScreen) and app.screen.query(Header)
        await _open(pilot, "n", SavingForm)
        await _clear(pilot)
        await _type(pilot, "2026-06-10")
        await pilot.press("tab")
        await _type(pilot, "2026-01-01")
        await pilot.press("tab")
        await _type(pilot, "2026-05-31")
        await pilot.press("tab")
        await _type(pilot, "Ada, [b]Bob[/b]")
        await pilot.press("ctrl+s")
        await _landed(pilot)
        assert isinstance(app.screen, ManagementScreen)
        (r,) = management.list_reviews(db)
        assert (r["held_on"], r["period_start"], r["period_end"], r["attendees"]) == (
            date(2026, 6, 10), date(2026, 1, 1), date(2026, 5, 31), "Ada, [b]Bob[/b]")
        assert [e["action"] for e in audit_events(db, r["ref"])] == ["create"]
        assert f"{r['ref']} created" in said(app)
        period = _text(app, "#mr-period")
        assert "Period: 2026-01-01 to 2026-05-31" in period  # the end as entered
        assert "Ada, [b]Bob[/b]" in period


async def test_enter_in_a_line_saves_the_new_review_form_too(db):
    """Enter in a one-line field submits the form (the review held today by default)."""
    systems.create_system(db, ADMIN, {"name": "Chatbot"})
    app = _app(db, EDITOR)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await goto(pilot, "9")
        await _open(pilot, "n", SavingForm)
        await pilot.press("tab", "tab", "tab")
        await _type(pilot, "Eve")
        await pilot.press("enter")
        await _landed(pilot)
        (r,) = management.list_reviews(db)
        assert (r["held_on"], r["attendees"]) == (TODAY, "Eve")
        assert [e["action"] for e in audit_events(db, r["ref"])] == ["create"]
        assert f"{r['ref']} created" in said(app)


async def test_a_period_that_ends_before_it_starts_is_refused_in_the_form(db):
    """Refusal: the form stays open with everything typed and names "Period to"."""
    systems.create_system(db, ADMIN, {"name": "Chatbot"})
    app = _app(db, EDITOR)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await goto(pilot, "9")
        await _open(pilot, "n", SavingForm)
        await pilot.press("tab")
        await _type(pilot, "2026-05-01")
        await pilot.press("tab")
        await _type(pilot, "2026-04-01")
        await pilot.press("tab")
        await _type(pilot, "Ada")
        await pilot.press("ctrl+s")
        await _landed(pilot)
        form = app.screen
        assert isinstance(form, SavingForm)
        assert [form.query_one(f"#f-{k}", Input).value for k in ("period_start", "period_end", "attendees")] == [
            "2026-05-01", "2026-04-01", "Ada"]
        assert _text(app, "#form-error") == "Period to: the period ends before it starts"
        assert app.focused is form.query_one("#f-period_end", Input)
        assert management.list_reviews(db) == []


# -- Management reviews: decisions -------------------------------------------------------

async def test_d_typed_decisions_and_ctrl_s_record_them(db):
    ref = _with_review(db)
    app = _app(db, EDITOR)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await goto(pilot, "9")
        await _open(pilot, "d", SavingForm)
        await _type(pilot, "Fund the [red]bias[/red] audit")
        await pilot.press("enter")  # a new line in the decisions, not a save
        await _type(pilot, "Hire a reviewer")
        await pilot.press("tab")
        await _type(pilot, "Automate reminders")
        await pilot.press("ctrl+s")
        await _landed(pilot)
        assert isinstance(app.screen, ManagementScreen)
        r = management.get_review(db, ref)
        assert (r["decisions"], r["opportunities"]) == ("Fund the [red]bias[/red] audit\nHire a reviewer",
                                                        "Automate reminders")
        assert [e["action"] for e in audit_events(db, ref)] == ["update", "create"]
        assert f"recorded the decisions of {ref}" in said(app)
        assert "Fund the [red]bias[/red] audit" in _text(app, "#mr-decisions")


async def test_decisions_saved_over_a_teammates_change_are_refused_and_kept(db):
    """Refusal: a teammate saved the review after the form opened. The form stays open
    with the text typed and says someone else changed it; nothing of ours is written."""
    ref = _with_review(db)
    app = _app(db, EDITOR)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await goto(pilot, "9")
        await _open(pilot, "d", SavingForm)
        await _type(pilot, "Ours")
        management.update_review(db, APPROVER, ref, {"attendees": "Bob"})
        await pilot.press("ctrl+s")
        await _landed(pilot)
        form = app.screen
        assert isinstance(form, SavingForm)
        assert form.values()["decisions"] == "Ours"
        assert "was changed by someone else" in _text(app, "#form-error")
        assert management.get_review(db, ref)["decisions"] == ""


# -- Management reviews: actions ------------------------------------------------------------

async def test_a_typed_action_and_enter_add_an_action_to_the_review(db):
    ref = _with_review(db)
    app = _app(db, EDITOR)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await goto(pilot, "9")
        await _open(pilot, "a", SavingForm)
        await _type(pilot, "Run the audit")
        await pilot.press("tab", "tab")
        await _type(pilot, "2026-06-01")
        await pilot.press("enter")
        await _landed(pilot)
        assert isinstance(app.screen, ManagementScreen)
        (a,) = management.get_review(db, ref)["actions"]
        assert (a["action"], a["owner"], a["due_date"], a["status"]) == (
            "Run the audit", EDITOR, date(2026, 6, 1), "planned")
        assert [e["action"] for e in audit_events(db, f"{ref}/A{a['id']}")] == ["create"]
        assert f"added an action to {ref}" in said(app)
        table = app.screen.query_one("#actions", DataTable)
        assert [str(c) for c in table.get_row_at(0)] == ["Run the audit", EDITOR, "2026-06-01", "planned (overdue)"]


async def test_an_action_with_a_due_date_that_is_not_a_date_is_refused(db):
    ref = _with_review(db)
    app = _app(db, EDITOR)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await goto(pilot, "9")
        await _open(pilot, "a", SavingForm)
        await _type(pilot, "Run the audit")
        await pilot.press("tab", "tab")
        await _type(pilot, "next week")
        await pilot.press("enter")
        await _landed(pilot)
        form = app.screen
        assert isinstance(form, SavingForm)
        assert form.values() == {"action": "Run the audit", "owner": EDITOR, "due_date": "next week"}
        assert _text(app, "#form-error").startswith("Due date: 'next week' is not a date")
        assert management.get_review(db, ref)["actions"] == []


async def test_tab_to_the_actions_and_c_marks_the_action_done(db):
    ref = _with_review(db)
    a = management.add_action(db, EDITOR, ref, {"action": "Write the policy", "due_date": date(2026, 5, 1)})
    app = _app(db, EDITOR)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await goto(pilot, "9")
        app.screen.query_one("#actions", DataTable).focus()
        await pilot.press("c")
        await _landed(pilot)
        assert [x["status"] for x in management.get_review(db, ref)["actions"]] == ["done"]
        assert [e["action"] for e in audit_events(db, f"{ref}/A{a['id']}")] == ["update", "create"]
        assert f"{ref}: action 'Write the policy' done (ctrl+z undoes)" in said(app)
        assert str(app.screen.query_one("#actions", DataTable).get_row_at(0)[3]) == "done"
        await pilot.press("ctrl+z")
        await _until(pilot, lambda: f"undone: completing an action of {ref}" in said(app), "the undo")
        assert [x["status"] for x in management.get_review(db, ref)["actions"]] == ["planned"]
        assert [e["action"] for e in audit_events(db, f"{ref}/A{a['id']}")] == ["update", "update", "create"]
        await _until(pilot, lambda: str(app.screen.query_one("#actions", DataTable).get_row_at(0)[3])
                     == "planned (overdue)", "the table shows the undo")


async def test_completing_an_action_a_teammate_changed_is_refused_visibly(db):
    """Refusal: the action changed since the screen read it; the error is said, nothing written."""
    ref = _with_review(db)
    a = management.add_action(db, EDITOR, ref, {"action": "Write the policy"})
    app = _app(db, EDITOR)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await goto(pilot, "9")
        management.update_action(db, APPROVER, a["id"], {"status": "in_progress"})
        await pilot.press("c")
        await _landed(pilot)
        assert [x["status"] for x in management.get_review(db, ref)["actions"]] == ["in_progress"]
        assert any("was changed by someone else" in n for n in said(app))


# -- Management reviews: sign-off -------------------------------------------------------------

async def test_s_and_y_sign_the_review_off_as_an_approver(db):
    ref = _with_review(db, decisions="Fund the audit")
    app = _app(db, APPROVER)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await goto(pilot, "9")
        await pilot.press("s")
        await _until(pilot, lambda: isinstance(app.screen, ConfirmDialog), "the sign-off question")
        await pilot.press("y")
        await _landed(pilot)
        r = management.get_review(db, ref)
        assert (r["status"], r["signed_off_by"]) == ("signed_off", APPROVER)
        assert [e["action"] for e in audit_events(db, ref)][0] == "sign_off"
        assert f"{ref} signed off" in said(app)
        assert f"signed off by {APPROVER}" in _text(app, "#mr-title")


async def test_signing_off_without_decisions_is_refused_and_says_why(db):
    ref = _with_review(db)
    app = _app(db, APPROVER)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await goto(pilot, "9")
        await pilot.press("s")
        await _until(pilot, lambda: isinstance(app.screen, ConfirmDialog), "the sign-off question")
        await pilot.press("y")
        await _landed(pilot)
        assert management.get_review(db, ref)["status"] == "planned"
        assert "decisions: record the review's decisions (9.3.3) before signing off" in said(app)


async def test_an_editor_is_told_sign_off_needs_the_approver_role(db):
    """Approver-only actions are shown to editors and, used, say which role they need."""
    ref = _with_review(db, decisions="Fund the audit")
    app = _app(db, EDITOR)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await goto(pilot, "9")
        await pilot.press("s")
        await settle(pilot)
        assert isinstance(app.screen, ManagementScreen)
        assert "signing off a management review needs the approver role (you are editor)" in said(app)
        assert management.get_review(db, ref)["status"] == "planned"


async def test_a_viewer_is_offered_no_management_review_write(db):
    _with_review(db)
    app = _app(db, VIEWER)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await goto(pilot, "9")
        screen = app.screen
        offered = {a.binding.action for a in screen.active_bindings.values() if a.enabled}
        assert offered.isdisjoint({"new_review", "decisions", "add_action", "complete_action", "sign_off"})
        await pilot.press("n", "d", "a", "s")
        await settle(pilot)
        assert app.screen is screen


# -- Management reviews: the pack ---------------------------------------------------------------

async def test_e_exports_the_pack_and_records_it_on_the_review_and_the_tables_keep_their_size(db, tmp_path):
    """Issue 11: after an export both tables shrank to nothing."""
    ref = _with_review(db)
    management.add_action(db, EDITOR, ref, {"action": "Write the policy"})
    app = _app(db, EDITOR)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await goto(pilot, "9")
        screen = app.screen
        screen.exports_dir = tmp_path
        before = (screen.query_one("#reviews").size.height, screen.query_one("#actions").size.height,
                  screen.query_one("#inputs").size.height)
        await pilot.press("e")
        await _landed(pilot)
        res = screen.last_pack
        assert res is not None and res.path.exists() and res.path.parent == tmp_path
        r = management.get_review(db, ref)
        assert (r["pack_path"], r["pack_digest"]) == (str(res.path), res.digest)
        assert [e["action"] for e in audit_events(db, ref)][0] == "update"
        assert f"Pack written: {res.path}" in said(app)
        after = (screen.query_one("#reviews").size.height, screen.query_one("#actions").size.height,
                 screen.query_one("#inputs").size.height)
        assert after == before and min(after) >= 2


async def test_the_figures_show_more_than_two_rows_and_whole_values_at_100x30(db):
    """Issue 11: at 100x30 the tables showed 1-2 rows and the Value column read "8 /"."""
    _with_review(db)
    app = _app(db, EDITOR)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await goto(pilot, "9")
        screen = app.screen
        shown = "\n".join(line.text for line in screen.query_one("#inputs").render_lines(
            screen.query_one("#inputs").region.reset_offset))
        for label, value in screen.inputs.figures[:5]:
            assert value in shown
        assert screen.query_one("#inputs").size.height > 5


async def test_overdue_actions_are_marked_by_core_rules_action_overdue(db, monkeypatch):
    """The screen asks core.rules.action_overdue (no rule written again): swap the rule, the mark follows."""
    from aims_tui.tui.screens import management as screen_module

    ref = _with_review(db)
    management.add_action(db, EDITOR, ref, {"action": "Later", "due_date": TODAY + timedelta(days=30)})
    monkeypatch.setattr(screen_module, "action_overdue", lambda status, due, today: True)
    app = _app(db, EDITOR)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await goto(pilot, "9")
        assert str(app.screen.query_one("#actions", DataTable).get_row_at(0)[3]) == "planned (overdue)"


async def test_a_form_save_waiting_for_the_write_lock_says_so_takes_no_keys_and_lands(db):
    """A save that waits for a teammate's write lock while the screen below refreshes: the form
    says it is saving, its fields take no key meanwhile (a key typed then would vanish when the
    form closes), Escape does not drop the save, and the save lands after the release."""
    ref = _with_review(db)
    app = _app(db, EDITOR)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await goto(pilot, "9")
        await _open(pilot, "a", SavingForm)
        await _type(pilot, "Run the audit")
        other = sqlite3.connect(db.path, timeout=1)
        other.execute("BEGIN IMMEDIATE")
        try:
            await pilot.press("ctrl+s")
            for _ in range(5):
                await pilot.pause(0.05)
                app.refresh_screens()
            assert app.pending_writes == 1
            assert _text(app, "#form-hint").startswith("Saving")
            await pilot.press("!", "escape")  # the fields wait; Escape is refused while saving
            assert isinstance(app.screen, SavingForm)
            assert app.screen.query_one("#f-action", Input).value == "Run the audit"
            assert app.screen.query_one("#f-action", Input).disabled
        finally:
            other.rollback()
            other.close()
        await _landed(pilot)
        assert isinstance(app.screen, ManagementScreen)
        assert [a["action"] for a in management.get_review(db, ref)["actions"]] == ["Run the audit"]
        assert f"added an action to {ref}" in said(app)


# -- Import ----------------------------------------------------------------------------------------

async def test_a_typed_path_enter_and_ctrl_s_import_the_risks(db, tmp_path):
    """Type the path (l and 2 in it must stay text), Enter reads, ctrl+d dry-runs from the
    path box (an Input used to eat ctrl+d), ctrl+s imports: rows, audit event, message."""
    folder = tmp_path / "l2"
    folder.mkdir()
    path = folder / "risks.csv"
    path.write_text("Title,Likelihood,Impact\nLeak,2,3\nDrift,1,1\n", encoding="utf-8")
    app = _app(db, EDITOR)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await goto(pilot, "0")
        screen = app.screen
        assert isinstance(screen, ImportScreen) and screen.query(Header)
        await _until(pilot, lambda: app.focused is screen.query_one("#path", Input), "the cursor in the path")
        await _type(pilot, str(path))
        assert app.screen is screen and screen.query_one("#path", Input).value == str(path)
        await pilot.press("enter")
        await _planned(pilot, screen)
        screen.query_one("#path", Input).focus()
        await pilot.press("ctrl+d")
        await _until(pilot, lambda: screen.result is not None and not screen._busy, "the dry run done")
        assert screen.query_one("#path", Input).value == str(path)
        assert "Dry run: nothing was written." in "\n".join(screen.query_one("#messages", Log).lines)
        assert _risk_titles(db) == []
        await pilot.press("ctrl+s")
        await _landed(pilot)
        assert _risk_titles(db) == ["Leak", "Drift"]
        assert [e["action"] for e in audit_events(db, "risks.csv")] == ["import_risks"]
        assert "Imported 2 risk(s) (R-0001..R-0002)" in said(app)


async def test_a_file_with_bad_rows_is_refused_and_nothing_is_written(db, tmp_path):
    """Refusal: every bad cell listed by row and column, the path kept, nothing imported."""
    path = tmp_path / "bad.csv"
    path.write_text("Title,Likelihood,Impact\nOk,1,1\nBad,zz,1\n", encoding="utf-8")
    app = _app(db, EDITOR)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await goto(pilot, "0")
        screen = app.screen
        await _type(pilot, str(path))
        await pilot.press("enter")
        await _planned(pilot, screen)
        await pilot.press("ctrl+s")
        await _landed(pilot)
        log = "\n".join(screen.query_one("#messages", Log).lines)
        assert "nothing was imported" in log and "row 3, column B 'Likelihood'" in log
        assert screen.query_one("#path", Input).value == str(path)
        assert audit_events(db, "bad.csv") == [] and _risk_titles(db) == []


async def test_a_viewer_is_not_offered_the_import_screen(db):
    """Viewers were offered import actions that failed only on submit: 0 does nothing for them."""
    systems.create_system(db, ADMIN, {"name": "Chatbot"})
    app = _app(db, VIEWER)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        before = type(app.screen)
        await goto(pilot, "0")
        assert type(app.screen) is before and not isinstance(app.screen, ImportScreen)
        assert "import" not in {e.id for e in app.screen_entries}


async def test_a_key_typed_into_a_form_field_with_a_value_never_wipes_it(db):
    """Issue 11: a value selected on focus is replaced by one key. The cursor lands after it."""
    systems.create_system(db, ADMIN, {"name": "Chatbot"})
    app = _app(db, EDITOR)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await goto(pilot, "9")
        await _open(pilot, "n", SavingForm)
        await pilot.press("backspace", "6")
        assert app.screen.query_one("#f-held_on", Input).value == TODAY.isoformat()[:-1] + "6"


async def test_fields_typed_with_tabs_in_one_burst_all_land_in_the_new_review_form(db):
    """Seen in tmux at 80x24: Tab, a date, Tab, a date, Tab, names sent in one burst put every
    key into 'Held on' (Tab moved the focus too late); with Tab read first, then into nowhere."""
    from textual import events

    app = _app(db, EDITOR)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await goto(pilot, "9")
        await _open(pilot, "n", SavingForm)
        burst = ["tab", *"2026-06-01", "tab", *"2026-11-30", "tab", *"ada, bob"]
        for key in burst:  # all queued at once, as a terminal delivers a fast typist's keys
            app.post_message(events.Key(key, key if len(key) == 1 else None))
        await settle(pilot)
        await pilot.press("ctrl+s")
        await _landed(pilot)
        (r,) = management.list_reviews(db)
        assert (r["period_start"], r["period_end"], r["attendees"]) == (
            date(2026, 6, 1), date(2026, 11, 30), "ada, bob")
