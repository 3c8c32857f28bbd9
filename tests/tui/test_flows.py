"""Pilot tests: the flows a risk owner walks through in the TUI."""

from __future__ import annotations

from textual.widgets import Button, Input, Select, Static

from aims_tui.core import queries
from aims_tui.core.services import risks, systems, treatments
from aims_tui.tui.dialogs.conflict import ConflictDialog
from aims_tui.tui.dialogs.risk_editor import RiskEditor
from aims_tui.tui.dialogs.system_editor import SystemEditor
from aims_tui.tui.dialogs.transition import TransitionDialog
from aims_tui.tui.screens.first_run import FirstRunScreen
from aims_tui.tui.screens.register import RegisterScreen
from aims_tui.tui.screens.systems import SystemsScreen

from ..conftest import ADMIN, APPROVER, EDITOR, VIEWER
from ..tui3 import formkeys
from .helpers import goto, make_app, notes, settle, started

SIZE = (100, 30)


async def type_into(pilot, selector: str, text: str, keys: bool = False) -> None:
    """Put text into an input: set at once (fast), or pressed key by key."""
    widget = pilot.app.screen.query_one(selector, Input)
    widget.focus()
    if keys:
        widget.value = ""
        await pilot.press(*list(text))
    else:
        widget.value = text
    await pilot.pause()


async def test_an_empty_database_opens_on_the_first_run_screen_and_adds_an_ai_system(db):
    """First run: no systems, no risks. The screen explains what to do; 'a' adds a system."""
    app = make_app(db, ADMIN)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, FirstRunScreen)
        await pilot.press("a")
        await settle(pilot)
        assert isinstance(app.screen, SystemEditor)
        await type_into(pilot, "#name", "Credit scoring")
        await type_into(pilot, "#technical_owner", "eve")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, SystemsScreen)
    rows = systems.list_systems(db)
    assert [(r["ref"], r["name"], r["technical_owner"]) for r in rows] == [("AIS-001", "Credit scoring", "eve")]


async def test_a_risk_is_added_with_scores_then_edited_with_a_live_level_preview(db):
    """Add a risk from the register (level preview while typing), then reopen it and edit it."""
    systems.create_system(db, ADMIN, {"name": "Chatbot"})
    app = make_app(db, EDITOR)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await goto(pilot, "2")
        assert isinstance(app.screen, RegisterScreen)
        await pilot.press("n")
        await settle(pilot)
        editor = app.screen
        assert isinstance(editor, RiskEditor)
        await type_into(pilot, "#title", "Chatbot leaks data")
        editor.query_one("#system", Select).value = "AIS-001"
        await type_into(pilot, "#inherent_likelihood", "4", keys=True)
        await type_into(pilot, "#inherent_impact", "5")
        assert "20 Critical" in str(editor.query_one("#inherent-preview", Static).render())
        await type_into(pilot, "#residual_likelihood", "2")
        await type_into(pilot, "#residual_impact", "3")
        assert "6 Medium" in str(editor.query_one("#residual-preview", Static).render())
        await pilot.press("ctrl+s")
        await settle(pilot)
        # a new risk keeps the editor open on it (to add treatments); Escape closes
        assert isinstance(app.screen, RiskEditor) and app.screen.ref == "R-0001"
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, RegisterScreen)
        assert app.screen.pager.total == 1
        # reopen from the register and edit the title
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, RiskEditor) and app.screen.ref == "R-0001"
        await type_into(pilot, "#title", "Chatbot leaks personal data")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, RegisterScreen)
    r = risks.get_risk(db, "R-0001")
    assert (r["title"], r["system_ref"], r["inherent_likelihood"], r["inherent_impact"],
            r["residual_likelihood"], r["residual_impact"], r["version"]) == (
        "Chatbot leaks personal data", "AIS-001", 4, 5, 2, 3, 2)


async def test_the_editor_says_why_a_field_is_invalid_as_you_type_and_refuses_to_save(db):
    """Validation as you type: a likelihood of 9 on a 5x5 matrix names the field and the range."""
    app = make_app(db, EDITOR)
    risks.create_risk(db, EDITOR, {"title": "Drift", "inherent_likelihood": 2, "inherent_impact": 2})
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        app.push_screen(RiskEditor(db, EDITOR, "R-0001"))
        await settle(pilot)
        await type_into(pilot, "#inherent_likelihood", "9")
        await type_into(pilot, "#title", "")
        errors = str(app.screen.query_one("#errors", Static).render())
        assert "Inherent likelihood: must be between 1 and 5, got 9" in errors
        assert "Title: must not be empty" in errors
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, RiskEditor)
    assert risks.get_risk(db, "R-0001")["version"] == 1


async def test_a_treatment_is_added_inline_and_completed_then_undone(db):
    """Treatments are added and completed inside the risk editor; ctrl+z takes the completion back."""
    risks.create_risk(db, EDITOR, {"title": "Bias", "inherent_likelihood": 4, "inherent_impact": 4})
    app = make_app(db, EDITOR)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        app.push_screen(RiskEditor(db, EDITOR, "R-0001"))
        await settle(pilot)
        await type_into(pilot, "#t-action", "Run a bias audit")
        await type_into(pilot, "#t-due", "2026-07-01")
        app.screen.query_one("#t-add", Button).press()
        await settle(pilot)
        [t] = treatments.list_treatments(db, "R-0001")
        assert (t["action"], t["status"], str(t["due_date"])) == ("Run a bias audit", "planned", "2026-07-01")
        app.screen.query_one("#treatments").focus()
        await pilot.press("c")
        await settle(pilot)
        assert treatments.list_treatments(db, "R-0001")[0]["status"] == "done"
        # the editor picked up the new version: saving the form does not conflict
        await type_into(pilot, "#title", "Bias in outcomes")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert not isinstance(app.screen, RiskEditor)
        assert risks.get_risk(db, "R-0001")["title"] == "Bias in outcomes"
        await pilot.press("ctrl+z")  # undo the title edit
        await settle(pilot)
        assert risks.get_risk(db, "R-0001")["title"] == "Bias"
        await pilot.press("ctrl+z")  # undo the completion
        await settle(pilot)
        assert treatments.list_treatments(db, "R-0001")[0]["status"] == "planned"


async def test_a_stage_gate_blocks_the_move_until_an_admin_overrides_it_with_a_justification(db):
    """design -> validation needs a registered risk; the admin overrides with a written reason."""
    systems.create_system(db, ADMIN, {"name": "Vision"})
    app = make_app(db, ADMIN)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await goto(pilot, "3")
        await pilot.press("m")
        await settle(pilot)
        dialog = app.screen
        assert isinstance(dialog, TransitionDialog)
        assert "at least one risk is registered" in str(dialog.query_one("#gates", Static).render())
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert "cannot move to validation" in str(dialog.query_one("#errors", Static).render())
        assert systems.get_system(db, "AIS-001")["stage"] == "design"
        await type_into(pilot, "#justification", "pilot with synthetic data only")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert not isinstance(app.screen, TransitionDialog)
    [_, ev] = systems.stage_history(db, "AIS-001")
    assert (ev["to_stage"], ev["overridden_gates"], ev["justification"]) == (
        "validation", ["risk_assessed"], "pilot with synthetic data only")


async def test_an_editor_sees_the_gates_but_no_override(db):
    """An editor is told the move is blocked and who can override it."""
    systems.create_system(db, ADMIN, {"name": "Vision"})
    app = make_app(db, EDITOR)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        app.push_screen(TransitionDialog(db, EDITOR, "AIS-001", "design", 1))
        await settle(pilot)
        assert "Blocked: an admin or approver can override" in str(app.screen.query_one("#gates", Static).render())
        assert not app.screen.query_one("#justification-row").display


async def _accept_as(db, login: str) -> list[str]:
    risks.create_risk(db, EDITOR, {"title": "High residual", "inherent_likelihood": 5, "inherent_impact": 5})
    app = make_app(db, login)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await goto(pilot, "2")
        await app.screen.run_action("accept")
        await settle(pilot)
        if login == APPROVER:
            await formkeys.type_into(pilot, "justification", "benefits outweigh the residual risk")
            await pilot.press("ctrl+s")
            await settle(pilot)
        return notes(app)


async def test_an_approver_accepts_a_residual_risk(db):
    """Accept residual risk: approvers only, with a justification; the risk becomes accepted."""
    messages = await _accept_as(db, APPROVER)
    assert any("residual risk accepted" in m for m in messages)
    assert risks.get_risk(db, "R-0001")["status"] == "accepted"


async def test_an_editor_is_refused_acceptance_with_the_role_it_needs(db):
    """The refusal names the role: an editor cannot accept residual risk."""
    messages = await _accept_as(db, EDITOR)
    assert "accepting a residual risk needs the approver role (you are editor)" in messages
    assert risks.get_risk(db, "R-0001")["status"] == "open"


async def test_a_heat_map_cell_opens_the_register_filtered_to_it(demo_db):
    """Selecting a residual heat map cell opens the register showing exactly that cell's risks."""
    counts = queries.heat_map(demo_db, residual=True)
    (lk, ik), n = max(counts.items(), key=lambda kv: kv[1])
    app = make_app(demo_db, ADMIN)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        hm = app.screen.query_one("#residual")
        hm.focus()
        hm.move_cursor(row=5 - lk, column=ik - 1)
        await pilot.press("enter")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, RegisterScreen)
        assert screen.filter.residual_cell == (lk, ik)
        assert screen.pager.total == n
        assert {(r["residual_likelihood"], r["residual_impact"]) for r in screen.pager.rows} == {(lk, ik)}


async def test_the_register_filters_by_level_and_owner_and_searches(demo_db):
    """The filter dialog and the search box narrow the register; the count comes from SQL."""
    app = make_app(demo_db, ADMIN)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await goto(pilot, "2")
        screen = app.screen
        await pilot.press("f")
        await settle(pilot)
        app.screen.query_one("#f-level", Select).value = "Low"
        app.screen.query_one("#f-owner", Select).value = "alice"
        await pilot.press("ctrl+s")
        await settle(pilot)
        want = queries.risk_count(demo_db, queries.RiskFilter(level="Low", owner="alice"))
        assert want > 0 and screen.pager.total == want
        assert {(r["residual_level"], r["owner"]) for r in screen.pager.rows} == {("Low", "alice")}
        await pilot.press("slash", *list("drift"))
        await pilot.pause(0.3)
        await settle(pilot)
        want = queries.risk_count(demo_db, queries.RiskFilter(level="Low", owner="alice", search="drift"))
        assert screen.pager.total == want
        assert all("drift" in r["title"].lower() for r in screen.pager.rows)


async def test_a_markup_like_title_is_shown_literally_and_does_nothing(db):
    """User text is data: '[bold]x[/] [@click=app.quit]' appears exactly, in the register and the editor."""
    title = "[bold]x[/] [@click=app.quit]"
    systems.create_system(db, ADMIN, {"name": "[red]S[/]"})
    risks.create_risk(db, EDITOR, {"title": title, "inherent_likelihood": 1, "inherent_impact": 1,
                                   "system": "AIS-001"})
    app = make_app(db, EDITOR)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await goto(pilot, "2")
        table = app.screen.pager.table
        assert table.get_cell_at((0, 2)).plain == title
        await pilot.click(table, offset=(30, 1))
        await settle(pilot)
        assert app.is_running
        app.push_screen(RiskEditor(db, EDITOR, "R-0001"))
        await settle(pilot)
        assert app.screen.query_one("#title", Input).value == title
        labels = [str(p) for p, v in app.screen.query_one("#system", Select)._options if v == "AIS-001"]
        assert labels == ["AIS-001 [red]S[/]"]


async def test_a_viewer_sees_no_edit_actions_and_a_read_only_editor(demo_db):
    """Viewers: no New/Accept keys, no edit commands in the palette, the editor has no Save."""
    app = make_app(demo_db, VIEWER)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await goto(pilot, "2")
        actions = {b.binding.action for b in app.screen.active_bindings.values()}
        assert "new_risk" not in actions and "accept" not in actions and "filter" in actions
        palette = {c.title for c in app.get_system_commands(app.screen)}
        assert "New risk" not in palette and "Filter" in palette
        await pilot.press("n")
        await settle(pilot)
        assert isinstance(app.screen, RegisterScreen)
        await pilot.press("enter")
        await settle(pilot)
        editor = app.screen
        assert isinstance(editor, RiskEditor)
        assert not editor.query_one("#save", Button).display
        assert editor.query_one("#title", Input).disabled


async def test_a_conflicting_save_shows_both_values_and_can_overwrite_knowingly(db):
    """Someone else saved first: the dialog shows both titles; overwrite re-saves on their version."""
    risks.create_risk(db, EDITOR, {"title": "Original", "inherent_likelihood": 2, "inherent_impact": 2})
    app = make_app(db, EDITOR)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        app.push_screen(RiskEditor(db, EDITOR, "R-0001"))
        await settle(pilot)
        await type_into(pilot, "#title", "Mine")
        risks.update_risk(db, ADMIN, "R-0001", {"title": "Theirs"})
        await pilot.press("ctrl+s")
        await settle(pilot)
        dialog = app.screen
        assert isinstance(dialog, ConflictDialog)
        assert dialog.mine["title"] == "Mine" and dialog.theirs["title"] == "Theirs"
        await pilot.press("o")
        await settle(pilot)
    r = risks.get_risk(db, "R-0001")
    assert (r["title"], r["version"]) == ("Mine", 3)


async def test_escape_with_unsaved_changes_asks_before_discarding(db):
    """Escape backs out of a changed form only after confirming."""
    risks.create_risk(db, EDITOR, {"title": "Original", "inherent_likelihood": 2, "inherent_impact": 2})
    app = make_app(db, EDITOR)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        app.push_screen(RiskEditor(db, EDITOR, "R-0001"))
        await settle(pilot)
        await type_into(pilot, "#title", "Changed")
        await pilot.press("escape")
        await pilot.pause()
        assert type(app.screen).__name__ == "ConfirmDialog"
        await pilot.press("n")
        await pilot.pause()
        assert isinstance(app.screen, RiskEditor)
        await pilot.press("escape", "y")
        await pilot.pause()
        assert not isinstance(app.screen, RiskEditor)
    assert risks.get_risk(db, "R-0001")["title"] == "Original"


async def test_another_users_commit_refreshes_the_register_on_screen(db):
    """Multi-user: the app polls data_version and re-reads the rows on screen."""
    risks.create_risk(db, EDITOR, {"title": "Before", "inherent_likelihood": 2, "inherent_impact": 2})
    app = make_app(db, EDITOR, poll=0.05)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await goto(pilot, "2")
        risks.update_risk(db, ADMIN, "R-0001", {"title": "After"})
        for _ in range(40):
            await pilot.pause(0.05)
            if app.screen.pager.rows and app.screen.pager.rows[0]["title"] == "After":
                break
        assert app.screen.pager.rows[0]["title"] == "After"


async def test_a_commit_made_before_the_first_poll_still_refreshes_the_register(db):
    """Multi-user (a CI failure): another user's commit that lands after the rows were read
    but before the app's first poll must still reach the screen. The first poll used to take
    the commit's own version as its baseline, and the change never showed."""
    risks.create_risk(db, EDITOR, {"title": "Before", "inherent_likelihood": 2, "inherent_impact": 2})
    app = make_app(db, EDITOR, poll=2.0)
    async with app.run_test(size=SIZE) as pilot:
        await goto(pilot, "2")
        assert app.screen.pager.rows[0]["title"] == "Before"
        risks.update_risk(db, ADMIN, "R-0001", {"title": "After"})  # before the first poll, at 2 s
        for _ in range(120):
            await pilot.pause(0.05)
            if app.screen.pager.rows and app.screen.pager.rows[0]["title"] == "After":
                break
        assert app.screen.pager.rows[0]["title"] == "After"


async def test_help_lists_the_keys_of_the_current_screen(db):
    """? opens help with the current screen's keys (here the register's)."""
    app = make_app(db, EDITOR)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await goto(pilot, "2")
        await pilot.press("question_mark")
        await pilot.pause()
        dialog = app.screen
        assert type(dialog).__name__ == "HelpDialog"
        described = {d for _, d in dialog.keys}
        assert {"New risk", "Filter", "Sort", "Go to Dashboard"} <= described


async def test_my_actions_lists_my_open_treatments_and_completes_one(db):
    """The 'my actions' screen shows the user's open treatments and completes the highlighted one."""
    risks.create_risk(db, EDITOR, {"title": "Bias", "inherent_likelihood": 4, "inherent_impact": 4})
    treatments.add_treatment(db, EDITOR, "R-0001", {"action": "Audit the model", "owner": EDITOR})
    treatments.add_treatment(db, EDITOR, "R-0001", {"action": "Someone else's", "owner": ADMIN})
    app = make_app(db, EDITOR)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await goto(pilot, "4")
        pager = app.screen.pager
        assert [r["action"] for r in pager.rows] == ["Audit the model"] and pager.total == 1
        await pilot.press("c")
        await settle(pilot)
        assert pager.total == 0
    assert [t["status"] for t in treatments.list_treatments(db, "R-0001")] == ["done", "planned"]


async def test_every_screen_opens_from_its_key_and_the_palette_lists_them(demo_db):
    """Keys 1-7 open each screen without error; the command palette offers every screen and action."""
    app = make_app(demo_db, ADMIN)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        names = []
        for key in "2345671":
            await goto(pilot, key)
            names.append(type(app.screen).__name__)
        assert names == ["RegisterScreen", "SystemsScreen", "TreatmentsScreen", "SoaScreen", "ImpactScreen",
                         "NonconformitiesScreen", "DashboardScreen"]
        assert not [n for n in notes(app) if "error" in n]
        titles = {c.title for c in app.get_system_commands(app.screen)}
        assert {"Go to Risk register", "Go to AI systems", "Refresh", "Undo"} <= titles


async def test_a_user_with_overdue_items_is_told_so_when_the_app_starts(demo_db):
    """Issue 4: a notification on start when the user has overdue items (demo data has some)."""
    from aims_tui.core.reminders import start_notice

    from ..conftest import TODAY

    expected = start_notice(demo_db, ADMIN, TODAY)
    assert expected and "overdue" in expected
    app = make_app(demo_db, ADMIN, start_notice=True)
    async with app.run_test(size=(100, 30)) as pilot:
        await started(pilot)  # the notice comes once the ORM is loaded, after the first paint
        assert expected in notes(app)


async def test_a_user_with_nothing_overdue_gets_no_start_notice(db):
    """The notice is for overdue items only: an empty register says nothing."""
    app = make_app(db, ADMIN, start_notice=True)
    async with app.run_test(size=(100, 30)) as pilot:
        await started(pilot)  # asserted after the notice would have come, not before
        assert not [n for n in notes(app) if "overdue" in n]


async def test_h_in_the_register_shows_the_history_of_the_highlighted_risk(demo_db):
    """Issue 6: the TUI shows the history of any record; from the register it is one key."""
    from aims_tui.core.services import risks as risk_service

    risk_service.update_risk(demo_db, EDITOR, "R-0001", {"title": "Renamed for the history"})
    app = make_app(demo_db, VIEWER)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await goto(pilot, "2")
        await pilot.press("h")
        await settle(pilot)
        screen = app.screen
        assert type(screen).__name__ == "AuditTrailScreen"
        refs = {r["entity_ref"].split("/")[0] for r in screen.pager.rows}
        assert refs == {"R-0001"}
        assert any(r["actor"] == EDITOR for r in screen.pager.rows)
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, RegisterScreen)
