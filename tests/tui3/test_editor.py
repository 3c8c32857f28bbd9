"""The risk editor, system editor and stage-move dialog keep every key the user
types and every save lands visibly: keys pressed as a user presses them, then the
row in the database, its audit event and the message on screen (issue 11)."""

from __future__ import annotations

import sqlite3
import threading

from textual.widgets import DataTable, Input, Select, Static

from aims_tui.core.services import risks, treatments
from aims_tui.tui.dialogs import risk_editor
from aims_tui.tui.dialogs.risk_editor import RiskEditor

from ..conftest import APPROVER, EDITOR
from ..tui.helpers import settle
from ..core.helpers import audit_actions, audit_events
from .formkeys import fill, landed, make_app, notes

SIZE = (100, 30)


def _events(db, entity_ref: str) -> list[dict]:
    return audit_events(db, entity_ref)[::-1]  # oldest first


def _text(widget: Static) -> str:
    return str(widget.render())


async def _open(pilot, app, db, ref: str | None, **kw) -> RiskEditor:
    app.push_screen(RiskEditor(db, EDITOR if app.login == EDITOR else app.login, ref, **kw))
    await settle(pilot)
    assert isinstance(app.screen, RiskEditor)
    return app.screen


async def _type(pilot, selector: str, text: str) -> None:
    box = pilot.app.screen.query_one(selector, Input)
    box.focus()
    box.value = ""
    await pilot.press(*list(text))


class Held:
    """Hold the editor's load back until the test lets it go."""

    def __init__(self, monkeypatch) -> None:
        self.go = threading.Event()
        real = risk_editor.load_editor_data

        def slow(*args, **kwargs):
            self.go.wait(10)
            return real(*args, **kwargs)

        monkeypatch.setattr(risk_editor, "load_editor_data", slow)


# -- keys typed while the record loads ------------------------------------------------------
async def test_keys_typed_while_the_risk_loads_are_applied_after_the_title_not_instead_of_it(db, monkeypatch):
    """Seen in a real terminal: keys typed 0.5-4 s after Enter replaced the whole title (it was
    selected on load) and ctrl+s saved that. Now they wait for the record and land after it."""
    risks.create_risk(db, EDITOR, {"title": "Drift", "inherent_likelihood": 2, "inherent_impact": 2})
    held = Held(monkeypatch)
    app = make_app(db, EDITOR)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        app.push_screen(RiskEditor(db, EDITOR, "R-0001"))
        for _ in range(5):
            await pilot.pause()
        editor = app.screen
        assert "loading" in _text(editor.query_one("#editor-title", Static))
        await pilot.press(*" in scores", "ctrl+s")
        assert editor.query_one("#title", Input).value == ""  # nothing applied yet ...
        assert editor.held_keys == 11  # ... and nothing lost
        held.go.set()
        await settle(pilot)
        await landed(pilot)
        assert not isinstance(app.screen, RiskEditor)  # the held ctrl+s saved and closed
    r = risks.get_risk(db, "R-0001")
    assert r["title"] == "Drift in scores"
    assert audit_actions(db, "R-0001") == ["create", "update"]
    assert _events(db, "R-0001")[-1]["changes"]["title"] == ["Drift", "Drift in scores"]
    assert "R-0001 saved (ctrl+z undoes)" in notes(app)


async def test_nothing_is_selected_on_load_so_one_key_never_wipes_the_title(db):
    """The title was selected when the record arrived: one key replaced it."""
    risks.create_risk(db, EDITOR, {"title": "Drift", "inherent_likelihood": 2, "inherent_impact": 2})
    app = make_app(db, EDITOR)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        editor = await _open(pilot, app, db, "R-0001")
        title = editor.query_one("#title", Input)
        assert title.has_focus and title.selection.is_empty
        await pilot.press("!")
        assert title.value == "Drift!"


async def test_a_digit_typed_right_after_tab_into_a_score_field_becomes_the_score(db):
    """A digit typed ~150 ms after Tab into a score field was lost 3 times in 5."""
    risks.create_risk(db, EDITOR, {"title": "Drift", "inherent_likelihood": 2, "inherent_impact": 2})
    app = make_app(db, EDITOR)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        editor = await _open(pilot, app, db, "R-0001")
        editor.query_one("#source", Select).focus()
        await pilot.press("tab", "4", "tab", "5")
        assert editor.query_one("#inherent_likelihood", Input).value == "4"
        assert editor.query_one("#inherent_impact", Input).value == "5"
        await pilot.press("ctrl+s")
        await landed(pilot)
    r = risks.get_risk(db, "R-0001")
    assert (r["inherent_likelihood"], r["inherent_impact"]) == (4, 5)
    assert _events(db, "R-0001")[-1]["changes"]["inherent_likelihood"] == [2, 4]
    assert "R-0001 saved (ctrl+z undoes)" in notes(app)


async def test_a_tab_and_digit_arriving_in_one_burst_put_the_digit_in_the_next_field(db):
    """A terminal hands keys over in bursts: the Tab's focus move ran only after the digit behind
    it had gone to the field being left. Keys posted at once, as a terminal burst delivers them."""
    from textual import events

    risks.create_risk(db, EDITOR, {"title": "Drift", "inherent_likelihood": 2, "inherent_impact": 2})
    app = make_app(db, EDITOR)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        editor = await _open(pilot, app, db, "R-0001")
        editor.query_one("#inherent_likelihood", Input).focus()
        await pilot.pause()
        for key, ch in (("4", "4"), ("tab", "\t"), ("5", "5"), ("tab", "\t"), ("1", "1")):
            app.post_message(events.Key(key, ch))
        await settle(pilot)
        values = [editor.query_one(f"#{k}", Input).value
                  for k in ("inherent_likelihood", "inherent_impact", "residual_likelihood")]
        assert values == ["4", "5", "1"]


async def test_a_bad_score_is_refused_with_the_field_named_and_the_text_kept(db):
    """Refusal path: the dialog stays open, the text stays, the field is named as on screen."""
    risks.create_risk(db, EDITOR, {"title": "Drift", "inherent_likelihood": 2, "inherent_impact": 2})
    app = make_app(db, EDITOR)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        editor = await _open(pilot, app, db, "R-0001")
        await pilot.press(*" and decay")
        await _type(pilot, "#residual_impact", "x")
        await pilot.press("ctrl+s")
        await landed(pilot)
        assert app.screen is editor
        assert editor.query_one("#title", Input).value == "Drift and decay"
        assert "Residual impact: 'x' is not a whole number" in _text(editor.query_one("#errors", Static))
        assert "Residual impact: 'x' is not a whole number" in notes(app)
    assert risks.get_risk(db, "R-0001")["version"] == 1
    assert audit_actions(db, "R-0001") == ["create"]


# -- keys typed while a save is pending ---------------------------------------------------------
async def test_text_typed_while_a_save_waits_for_the_lock_stays_in_the_open_editor(db):
    """Text typed while a save waited for the write lock was dropped when the editor closed,
    and nothing showed that a save was pending."""
    risks.create_risk(db, EDITOR, {"title": "Drift", "inherent_likelihood": 2, "inherent_impact": 2})
    app = make_app(db, EDITOR)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        editor = await _open(pilot, app, db, "R-0001")
        await pilot.press(*" in scores")
        other = sqlite3.connect(db.path, timeout=1)
        other.execute("BEGIN IMMEDIATE")
        try:
            await pilot.press("ctrl+s")
            await pilot.pause(0.05)
            assert "saving..." in _text(editor.query_one("#status-line", Static))
            await pilot.press(*" and labels")
            await pilot.press("ctrl+s")  # a second save while one is on its way is refused, visibly
            assert app.pending_writes == 1
        finally:
            other.rollback()
            other.close()
        await landed(pilot)
        assert app.screen is editor  # it did not close on the newer text
        assert editor.query_one("#title", Input).value == "Drift in scores and labels"
        assert "not saved yet" in _text(editor.query_one("#status-line", Static))
        assert risks.get_risk(db, "R-0001")["title"] == "Drift in scores"
        assert "R-0001 saved (ctrl+z undoes)" in notes(app)
        assert any("on its way" in n for n in notes(app))
        await pilot.press("ctrl+s")  # the newer text saves in turn, without a conflict
        await landed(pilot)
        assert not isinstance(app.screen, RiskEditor)
    assert risks.get_risk(db, "R-0001")["title"] == "Drift in scores and labels"
    assert audit_actions(db, "R-0001") == ["create", "update", "update"]


async def test_closing_the_editor_while_its_save_waits_still_saves_and_says_so(db):
    """Escape while the save waits: the save lands, is announced and can be undone."""
    risks.create_risk(db, EDITOR, {"title": "Drift", "inherent_likelihood": 2, "inherent_impact": 2})
    app = make_app(db, EDITOR)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await _open(pilot, app, db, "R-0001")
        await pilot.press(*"!")
        other = sqlite3.connect(db.path, timeout=1)
        other.execute("BEGIN IMMEDIATE")
        try:
            await pilot.press("ctrl+s")
            await pilot.pause(0.05)
            await pilot.press("escape")
            await pilot.pause(0.05)
            assert not isinstance(app.screen, RiskEditor)
        finally:
            other.rollback()
            other.close()
        await landed(pilot)
        assert risks.get_risk(db, "R-0001")["title"] == "Drift!"
        assert "R-0001 saved (ctrl+z undoes)" in notes(app)
        await pilot.press("ctrl+z")
        await landed(pilot)
    assert risks.get_risk(db, "R-0001")["title"] == "Drift"
    assert audit_actions(db, "R-0001") == ["create", "update", "update"]


# -- treatments -----------------------------------------------------------------------------------
async def test_ctrl_t_on_a_new_risk_saves_it_and_the_editor_stays_open_for_the_treatment(db):
    """ctrl+t did nothing, silently, on a risk not yet saved; saving closed the editor, so
    adding a treatment meant reopening the risk."""
    app = make_app(db, EDITOR)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        editor = await _open(pilot, app, db, None)
        await pilot.press(*"Chatbot leaks data")
        await _type(pilot, "#inherent_likelihood", "4")
        await _type(pilot, "#inherent_impact", "3")
        await pilot.press("ctrl+t")
        await landed(pilot)
        assert app.screen is editor and editor.ref == "R-0001"
        assert audit_actions(db, "R-0001") == ["create"]
        assert "R-0001 added" in notes(app)
        assert editor.query_one("#t-action", Input).has_focus
        await pilot.press(*"Filter personal data")
        editor.query_one("#t-owner", Select).focus()
        await pilot.press("enter", "down", "enter")  # the first active user after the prompt: ada
        await pilot.press("tab", *"2026-07-01", "ctrl+t")
        await landed(pilot)
        assert app.screen is editor
    [t] = treatments.list_treatments(db, "R-0001")
    assert (t["action"], t["owner"], str(t["due_date"])) == ("Filter personal data", "ada", "2026-07-01")
    assert audit_actions(db, f"R-0001/T{t['id']}") == ["create"]
    assert f"treatment T{t['id']} added to R-0001 (owner ada)" in notes(app)


async def test_a_treatment_with_a_bad_due_date_is_refused_with_its_text_kept(db):
    """Refusal path of adding a treatment: the date is named as the user sees it."""
    risks.create_risk(db, EDITOR, {"title": "Bias", "inherent_likelihood": 4, "inherent_impact": 4})
    app = make_app(db, EDITOR)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        editor = await _open(pilot, app, db, "R-0001")
        await _type(pilot, "#t-action", "Run a bias audit")
        await _type(pilot, "#t-due", "2027/13/40")
        await pilot.press("ctrl+t")
        await landed(pilot)
        assert app.screen is editor
        assert editor.query_one("#t-action", Input).value == "Run a bias audit"
        assert "Treatment due date: '2027/13/40' is not a date" in _text(editor.query_one("#errors", Static))
    assert treatments.list_treatments(db, "R-0001") == []


def _shown_status(editor: RiskEditor) -> str:
    """The status cell of the first treatment, as the editor's table shows it."""
    table = editor.query_one("#treatments", DataTable)
    return str(table.get_row_at(0)[3])


async def test_a_treatment_is_completed_with_c_in_the_editor_and_undone(db):
    """Seen in a walk: after ctrl+z (`undone: completing T1`) the database said planned but the
    editor still showed done. The editor on screen reads again after an undo."""
    risks.create_risk(db, EDITOR, {"title": "Bias", "inherent_likelihood": 4, "inherent_impact": 4})
    t = treatments.add_treatment(db, EDITOR, "R-0001", {"action": "Audit"})
    app = make_app(db, EDITOR)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        editor = await _open(pilot, app, db, "R-0001")
        editor.query_one("#treatments").focus()
        await pilot.press("c")
        await landed(pilot)
        assert treatments.list_treatments(db, "R-0001")[0]["status"] == "done"
        assert f"treatment T{t['id']} done" in notes(app)
        assert _shown_status(editor) == "done"
        await _type(pilot, "#title", "Bias in hiring")  # typed, not saved: kept through the re-read
        await pilot.press("ctrl+z")
        await landed(pilot)
        assert app.screen is editor
        assert f"undone: completing T{t['id']}" in notes(app)
        assert _shown_status(editor) == "planned"
        assert editor.query_one("#title", Input).value == "Bias in hiring"
        assert editor.version == risks.get_risk(db, "R-0001")["version"]
    assert treatments.list_treatments(db, "R-0001")[0]["status"] == "planned"
    assert audit_actions(db, f"R-0001/T{t['id']}") == ["create", "update", "update"]
    assert audit_events(db, f"R-0001/T{t['id']}")[0]["changes"]["status"] == ["done", "planned"]


async def test_an_acceptance_undone_in_the_editor_leaves_the_editor_showing_no_acceptance(db):
    """The same for an acceptance given from the editor (ctrl+g) and taken back (ctrl+z)."""
    risks.create_risk(db, EDITOR, {"title": "Bias", "inherent_likelihood": 5, "inherent_impact": 5})
    app = make_app(db, APPROVER)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        editor = await _open(pilot, app, db, "R-0001")
        await pilot.press("ctrl+g")
        await settle(pilot)
        await fill(pilot, {"justification": "benefits outweigh the residual risk", "expires_on": "2027-06-30"})
        await pilot.press("ctrl+s")
        await landed(pilot)
        assert app.screen is editor
        assert _text(editor.query_one("#acceptance", Static)).startswith(f"Accepted by {APPROVER} until 2027-06-30")
        await pilot.press("ctrl+z")
        await landed(pilot)
        assert "undone: acceptance of R-0001" in notes(app)
        assert _text(editor.query_one("#acceptance", Static)) == "No valid acceptance of the residual risk."
        assert editor.query_one("#status", Select).value == "open"
    assert risks.get_risk(db, "R-0001")["status"] == "open"
    assert audit_events(db, "R-0001")[0]["changes"]["reason"] == [None, "undone"]


async def test_an_acceptance_of_a_risk_being_treated_undone_in_the_editor_puts_it_back_to_treating(db):
    """ctrl+g, the justification typed, ctrl+s, then ctrl+z: the risk is ``treating`` again (it
    was set ``open``), in the database, in its event and in the editor's status."""
    ref = risks.create_risk(db, EDITOR, {"title": "Bias", "inherent_likelihood": 5, "inherent_impact": 5})["ref"]
    risks.update_risk(db, EDITOR, ref, {"status": "treating"})
    app = make_app(db, APPROVER)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        editor = await _open(pilot, app, db, ref)
        await pilot.press("ctrl+g")
        await settle(pilot)
        await fill(pilot, {"justification": "benefits outweigh the residual risk", "expires_on": "2027-06-30"})
        await pilot.press("ctrl+s")
        await landed(pilot)
        assert risks.get_risk(db, ref)["status"] == "accepted"
        await pilot.press("ctrl+z")
        await landed(pilot)
        assert f"undone: acceptance of {ref}" in notes(app)
        assert editor.query_one("#status", Select).value == "treating"
    assert risks.get_risk(db, ref)["status"] == "treating"
    assert audit_events(db, ref)[0]["changes"]["status"] == ["accepted", "treating"]


# -- AI systems: editor, stage move, V&V review ------------------------------------------------------
from aims_tui.core import lifecycle  # noqa: E402
from aims_tui.core.services import reviews, systems  # noqa: E402
from aims_tui.tui.dialogs.review import SystemReviewDialog  # noqa: E402
from aims_tui.tui.dialogs.system_editor import SystemEditor  # noqa: E402
from aims_tui.tui.dialogs.transition import TransitionDialog  # noqa: E402
from aims_tui.tui.screens.systems import SystemsScreen  # noqa: E402

from ..tui.helpers import goto  # noqa: E402


async def test_the_system_editor_saves_what_is_typed_and_names_a_bad_date(db):
    """Typed key by key: a bad next review is refused naming the field, then the fixed value saves."""
    systems.create_system(db, EDITOR, {"name": "Chatbot"})
    app = make_app(db, EDITOR)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await goto(pilot, "3")
        await pilot.press("e")
        await settle(pilot)
        editor = app.screen
        assert isinstance(editor, SystemEditor) and editor.query_one("#name", Input).has_focus
        await pilot.press(*" for claims")
        await _type(pilot, "#next_review", "2027/02/30")
        await pilot.press("ctrl+s")
        await landed(pilot)
        assert app.screen is editor
        assert editor.query_one("#name", Input).value == "Chatbot for claims"
        assert "Next review: '2027/02/30' is not a date (use YYYY-MM-DD)" in _text(editor.query_one("#errors", Static))
        assert systems.get_system(db, "AIS-001")["version"] == 1
        await _type(pilot, "#next_review", "2027-02-28")
        await pilot.press("ctrl+s")
        await landed(pilot)
        assert isinstance(app.screen, SystemsScreen)
    row = systems.get_system(db, "AIS-001")
    assert (row["name"], str(row["next_review"])) == ("Chatbot for claims", "2027-02-28")
    assert audit_actions(db, "AIS-001") == ["create", "update"]
    assert "AIS-001 saved (ctrl+z undoes)" in notes(app)


async def test_the_stage_move_dialog_opens_on_the_note_and_a_move_is_undone_with_ctrl_z(db):
    """The dialog opened on the stage selector, so the note typed first was lost; a stage move had
    no undo."""
    systems.create_system(db, EDITOR, {"name": "Chatbot"})
    risks.create_risk(db, EDITOR, {"system": "AIS-001", "title": "Drift", "inherent_likelihood": 1,
                                   "inherent_impact": 1})
    app = make_app(db, EDITOR)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await goto(pilot, "3")
        await pilot.press("m", *"design review done")
        await settle(pilot)
        dialog = app.screen
        assert isinstance(dialog, TransitionDialog)
        assert dialog.query_one("#note", Input).value == "design review done"
        await pilot.press("ctrl+s")
        await landed(pilot)
        assert isinstance(app.screen, SystemsScreen)
        assert systems.get_system(db, "AIS-001")["stage"] == "validation"
        assert "AIS-001 moved to validation (ctrl+z undoes)" in notes(app)
        assert systems.stage_history(db, "AIS-001")[-1]["note"] == "design review done"
        await pilot.press("ctrl+z")
        await landed(pilot)
        assert "undone: move of AIS-001 to validation" in notes(app)
    assert systems.get_system(db, "AIS-001")["stage"] == "design"
    assert audit_actions(db, "AIS-001") == ["create", "transition", "transition"]
    assert _events(db, "AIS-001")[-1]["changes"] == {"stage": ["validation", "design"], "undo": [None, True]}


async def test_a_failing_gate_says_how_to_satisfy_it_and_the_vv_review_is_recorded_in_the_dialog(db):
    """Deployment always needed an override: the V&V review could only be recorded from the CLI
    and the gate messages did not say how to satisfy a gate."""
    systems.create_system(db, EDITOR, {"name": "Chatbot"})
    risks.create_risk(db, EDITOR, {"system": "AIS-001", "title": "Drift", "inherent_likelihood": 1,
                                   "inherent_impact": 1})
    systems.transition(db, EDITOR, "AIS-001", "validation")
    app = make_app(db, EDITOR)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await goto(pilot, "3")
        await pilot.press("m")
        await settle(pilot)
        dialog = app.screen
        gates = _text(dialog.query_one("#gates", Static))
        assert "record the verification and validation review of AIS-001" in gates
        assert "ctrl+r" in gates
        await pilot.press("ctrl+r")
        await settle(pilot)
        assert isinstance(app.screen, SystemReviewDialog)
        await pilot.press(*"holdout set")
        await pilot.press("ctrl+s")
        await landed(pilot)
        assert app.screen is dialog
        assert "verification and validation review" not in _text(dialog.query_one("#gates", Static))
        assert any(n.startswith("AIS-001: verification and validation (A.6.2.4) review recorded")
                   for n in notes(app))
    [rv] = reviews.list_reviews(db, "system", "AIS-001")
    assert (rv["kind"], rv["outcome"], rv["notes"]) == ("verification_validation", "still_valid", "holdout set")
    assert audit_actions(db, "AIS-001")[-1] == "review"


async def test_a_review_with_a_bad_date_is_refused_with_the_field_named(db):
    systems.create_system(db, EDITOR, {"name": "Chatbot"})
    app = make_app(db, EDITOR)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await goto(pilot, "3")
        await pilot.press("v", *"holdout set")
        await settle(pilot)
        dialog = app.screen
        await _type(pilot, "#reviewed_on", "yesterday")
        await pilot.press("ctrl+s")
        await landed(pilot)
        assert app.screen is dialog
        assert dialog.query_one("#notes", Input).value == "holdout set"
        assert "Reviewed on: 'yesterday' is not a date" in _text(dialog.query_one("#errors", Static))
    assert reviews.list_reviews(db, "system", "AIS-001") == []


def test_every_gate_says_which_record_is_missing_and_the_key_or_command_that_adds_it():
    for gate in lifecycle.GATES:
        text = gate.message("AIS-007")
        assert "AIS-007" in text and "To satisfy it:" in text
        assert any(k in text for k in ("n:", " n)", " n,", "v;", "ctrl+r", "e: Edit", "a: Accept", "aims ")), text


# -- withdrawing a record made by mistake, and restoring it ----------------------------------------
import pytest  # noqa: E402

from aims_tui.core import checks, queries, reminders  # noqa: E402
from aims_tui.core.errors import Conflict, PermissionDenied, ValidationError as _VE  # noqa: E402
from aims_tui.core.services import impact, nonconformities, withdrawal  # noqa: E402
from aims_tui.tui.screens.register import RegisterScreen  # noqa: E402

from ..conftest import TODAY, VIEWER  # noqa: E402


def test_a_withdrawn_risk_leaves_the_register_checks_and_reminders_and_comes_back_restored(db):
    """A record made by mistake could not be retired or removed."""
    from datetime import timedelta

    risks.create_risk(db, EDITOR, {"title": "Typo risk", "inherent_likelihood": 5, "inherent_impact": 5,
                                   "next_review": (TODAY - timedelta(days=90)).isoformat()}, today=TODAY)
    treatments.add_treatment(db, EDITOR, "R-0001", {"action": "Audit", "due_date": TODAY.isoformat()})

    def unaccepted() -> int:
        return next(g.count for g in checks.run_checks(db, today=TODAY).gates if g.id == "unaccepted_above_appetite")

    def reminded() -> list[str]:
        return [i.ref for i in reminders.due_items(db, today=TODAY, within=3650, limit=None).items]

    assert (queries.risk_count(db), unaccepted(), sorted(reminded())) == (1, 1, ["R-0001", "R-0001/T1"])
    withdrawal.withdraw(db, EDITOR, "risk", "R-0001", expect_version=2)
    assert (queries.risk_count(db), unaccepted(), reminded()) == (0, 0, [])
    assert sum(queries.level_counts(db).values()) == 0
    assert queries.risk_count(db, queries.RiskFilter(status="withdrawn")) == 1
    row = withdrawal.restore(db, EDITOR, "risk", "R-0001", expect_version=3)
    assert row["status"] == "treating"
    assert (queries.risk_count(db), unaccepted(), sorted(reminded())) == (1, 1, ["R-0001", "R-0001/T1"])
    assert audit_actions(db, "R-0001") == ["create", "withdraw", "restore"]


def test_withdrawing_is_refused_to_a_viewer_on_a_stale_version_and_twice(db):
    risks.create_risk(db, EDITOR, {"title": "Typo risk", "inherent_likelihood": 1, "inherent_impact": 1})
    with pytest.raises(PermissionDenied):
        withdrawal.withdraw(db, VIEWER, "risk", "R-0001")
    with pytest.raises(Conflict):
        withdrawal.withdraw(db, EDITOR, "risk", "R-0001", expect_version=7)
    withdrawal.withdraw(db, EDITOR, "risk", "R-0001")
    with pytest.raises(_VE, match="already withdrawn"):
        withdrawal.withdraw(db, EDITOR, "risk", "R-0001")
    with pytest.raises(_VE, match="is not withdrawn"):
        withdrawal.restore(db, EDITOR, "ai_system", systems.create_system(db, EDITOR, {"name": "X"})["ref"])
    assert audit_actions(db, "R-0001") == ["create", "withdraw"]


async def test_w_in_the_register_withdraws_the_risk_after_confirmation_and_ctrl_z_restores_it(db):
    risks.create_risk(db, EDITOR, {"title": "Typo risk", "inherent_likelihood": 1, "inherent_impact": 1})
    risks.create_risk(db, EDITOR, {"title": "Real risk", "inherent_likelihood": 1, "inherent_impact": 1})
    app = make_app(db, EDITOR)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await goto(pilot, "2")
        await pilot.press("w")
        await settle(pilot)
        await pilot.press("n")  # refusal path: "Keep it" leaves the risk as it was
        await settle(pilot)
        assert risks.get_risk(db, "R-0001")["status"] == "open"
        await pilot.press("w")
        await settle(pilot)
        await pilot.press("y")
        await landed(pilot)
        assert risks.get_risk(db, "R-0001")["status"] == "withdrawn"
        assert "R-0001 withdrawn (ctrl+z restores it)" in notes(app)
        assert isinstance(app.screen, RegisterScreen) and app.screen.pager.total == 1
        await pilot.press("ctrl+z")
        await landed(pilot)
        assert "undone: withdrawing R-0001" in notes(app)
    assert risks.get_risk(db, "R-0001")["status"] == "open"
    assert audit_actions(db, "R-0001") == ["create", "withdraw", "restore"]
    assert _events(db, "R-0001")[1]["changes"]["status"] == ["open", "withdrawn"]


async def test_shift_w_lists_withdrawn_risks_and_w_restores_one(db):
    risks.create_risk(db, EDITOR, {"title": "Typo risk", "inherent_likelihood": 1, "inherent_impact": 1})
    risks.update_risk(db, EDITOR, "R-0001", {"status": "treating"})
    withdrawal.withdraw(db, EDITOR, "risk", "R-0001")
    app = make_app(db, EDITOR)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await goto(pilot, "2")
        assert app.screen.pager.total == 0
        await pilot.press("W")
        await settle(pilot)
        assert app.screen.pager.total == 1
        await pilot.press("w")
        await settle(pilot)
        await pilot.press("y")
        await landed(pilot)
        assert "R-0001 restored (ctrl+z withdraws it again)" in notes(app)
    assert risks.get_risk(db, "R-0001")["status"] == "treating"
    assert audit_actions(db, "R-0001")[-2:] == ["withdraw", "restore"]


async def test_ctrl_r_in_the_risk_editor_withdraws_the_risk_and_closes(db):
    risks.create_risk(db, EDITOR, {"title": "Typo risk", "inherent_likelihood": 1, "inherent_impact": 1})
    app = make_app(db, EDITOR)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await _open(pilot, app, db, "R-0001")
        await pilot.press("ctrl+r")
        await settle(pilot)
        await pilot.press("y")
        await landed(pilot)
        assert not isinstance(app.screen, RiskEditor)
        assert "R-0001 withdrawn (ctrl+z restores it)" in notes(app)
    assert audit_actions(db, "R-0001") == ["create", "withdraw"]


async def test_w_on_the_systems_list_withdraws_a_system_and_shift_w_then_w_restores_it(db):
    systems.create_system(db, EDITOR, {"name": "Made by mistake"})
    app = make_app(db, EDITOR)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await goto(pilot, "3")
        await pilot.press("w")
        await settle(pilot)
        await pilot.press("y")
        await landed(pilot)
        assert systems.get_system(db, "AIS-001")["stage"] == "withdrawn"
        assert "AIS-001 withdrawn (ctrl+z restores it)" in notes(app)
        assert app.screen.pager.total == 0
        await pilot.press("W")
        await settle(pilot)
        await pilot.press("w")
        await settle(pilot)
        await pilot.press("y")
        await landed(pilot)
        assert "AIS-001 restored (ctrl+z withdraws it again)" in notes(app)
    assert systems.get_system(db, "AIS-001")["stage"] == "design"
    assert audit_actions(db, "AIS-001") == ["create", "withdraw", "restore"]


async def test_w_on_my_actions_withdraws_a_treatment(db):
    risks.create_risk(db, EDITOR, {"title": "Bias", "inherent_likelihood": 1, "inherent_impact": 1})
    t = treatments.add_treatment(db, EDITOR, "R-0001", {"action": "Made by mistake"})
    app = make_app(db, EDITOR)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await goto(pilot, "4")
        await pilot.press("w")
        await settle(pilot)
        await pilot.press("y")
        await landed(pilot)
        assert f"R-0001/T{t['id']} withdrawn (ctrl+z restores it)" in notes(app)
        assert app.screen.pager.total == 0
    assert treatments.list_treatments(db, "R-0001")[0]["status"] == "withdrawn"
    assert audit_actions(db, f"R-0001/T{t['id']}") == ["create", "withdraw"]


@pytest.mark.parametrize("key,kind", [("6", "impact_assessment"), ("7", "nonconformity")])
async def test_w_on_impact_assessments_and_nonconformities_withdraws_the_record(db, key, kind):
    systems.create_system(db, EDITOR, {"name": "Chatbot"})
    if kind == "impact_assessment":
        ref = impact.create_assessment(db, EDITOR, {"system": "AIS-001", "title": "Made by mistake"})["ref"]
        listed = lambda: impact.list_assessments(db)  # noqa: E731
    else:
        ref = nonconformities.create_nonconformity(db, EDITOR, {"title": "Made by mistake"})["ref"]
        listed = lambda: nonconformities.list_nonconformities(db)  # noqa: E731
    app = make_app(db, EDITOR)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await goto(pilot, key)
        await pilot.press("w")
        await settle(pilot)
        await pilot.press("y")
        await landed(pilot)
        assert f"{ref} withdrawn (ctrl+z restores it)" in notes(app)
        assert listed() == []
        await pilot.press("ctrl+z")
        await landed(pilot)
    assert [r["ref"] for r in listed()] == [ref]
    assert audit_actions(db, ref) == ["create", "withdraw", "restore"]


async def test_ctrl_r_in_the_system_editor_withdraws_the_system(db):
    systems.create_system(db, EDITOR, {"name": "Made by mistake"})
    app = make_app(db, EDITOR)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await goto(pilot, "3")
        await pilot.press("e")
        await settle(pilot)
        assert isinstance(app.screen, SystemEditor)
        await pilot.press("ctrl+r")
        await settle(pilot)
        await pilot.press("y")
        await landed(pilot)
        assert isinstance(app.screen, SystemsScreen)
        assert "AIS-001 withdrawn (ctrl+z restores it)" in notes(app)
    assert systems.get_system(db, "AIS-001")["stage"] == "withdrawn"
    assert audit_actions(db, "AIS-001") == ["create", "withdraw"]


async def test_a_move_refused_by_a_gate_keeps_the_dialog_and_the_note_and_says_how_to_satisfy_it(db):
    """Refusal path of the stage move: an editor cannot override; the note typed stays."""
    systems.create_system(db, EDITOR, {"name": "Chatbot"})
    app = make_app(db, EDITOR)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await goto(pilot, "3")
        await pilot.press("m", *"ready for testing")
        await settle(pilot)
        dialog = app.screen
        await pilot.press("ctrl+s")
        await landed(pilot)
        assert app.screen is dialog
        assert dialog.query_one("#note", Input).value == "ready for testing"
        errors = _text(dialog.query_one("#errors", Static))
        assert "cannot move to validation" in errors and "add a risk for AIS-001" in errors
    assert systems.get_system(db, "AIS-001")["stage"] == "design"
    assert audit_actions(db, "AIS-001") == ["create"]


async def test_c_on_my_actions_completes_a_treatment_says_so_and_ctrl_z_takes_it_back(db):
    risks.create_risk(db, EDITOR, {"title": "Bias", "inherent_likelihood": 4, "inherent_impact": 4})
    t = treatments.add_treatment(db, EDITOR, "R-0001", {"action": "Audit the model", "owner": EDITOR})
    app = make_app(db, EDITOR)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await goto(pilot, "4")
        await pilot.press("c")
        await landed(pilot)
        assert f"R-0001/T{t['id']} done (ctrl+z undoes)" in notes(app)
        assert treatments.list_treatments(db, "R-0001")[0]["status"] == "done"
        await pilot.press("ctrl+z")
        await landed(pilot)
    assert treatments.list_treatments(db, "R-0001")[0]["status"] == "planned"
    assert audit_actions(db, f"R-0001/T{t['id']}") == ["create", "update", "update"]


async def test_the_system_editors_owner_boxes_complete_a_users_login_and_name_one_who_is_not_a_user(db):
    """The owners were free text: a typo ("bbo") saved silently, and the system's reminders then
    reached no one. Typing "b" in Business owner suggests the user "bob"; right arrow takes it.
    A name outside aims is still kept, and said; the saved row, its audit event and the message."""
    systems.create_system(db, EDITOR, {"name": "Chatbot"})
    app = make_app(db, EDITOR)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await goto(pilot, "3")
        await pilot.press("e")
        await settle(pilot)
        editor = app.screen
        assert isinstance(editor, SystemEditor)
        box = editor.query_one("#business_owner", Input)
        await _type(pilot, "#business_owner", "b")
        await settle(pilot)
        assert box.suggester is not None, editor.users
        assert box._suggestion == "bob", (box.value, editor.users)
        await pilot.press("right")
        assert box.value == "bob"
        assert "not a user" not in _text(editor.query_one("#errors", Static))
        await _type(pilot, "#technical_owner", "Head of ML")
        await settle(pilot)
        assert ("Technical owner: 'Head of ML' is not a user here, so no reminder reaches them"
                in _text(editor.query_one("#errors", Static)))
        await pilot.press("ctrl+s")  # a note, not an error: it saves
        await landed(pilot)
        assert isinstance(app.screen, SystemsScreen)
    row = systems.get_system(db, "AIS-001")
    assert (row["business_owner"], row["technical_owner"]) == ("bob", "Head of ML")
    assert audit_actions(db, "AIS-001") == ["create", "update"]
    assert audit_events(db, "AIS-001")[0]["changes"]["business_owner"] == ["", "bob"]
    assert "AIS-001 saved (ctrl+z undoes)" in notes(app)
