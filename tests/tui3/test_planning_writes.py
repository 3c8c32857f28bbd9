"""The app's write actions for planning (6.1) and treatment effectiveness (8.3), by keys
(issue 16): each test presses the user's keys, then checks the row, its audit event and
the message on screen."""

from __future__ import annotations


from textual.widgets import DataTable

from aims_tui.core.services import controls, criteria, risks, treatments
from aims_tui.tui.dialogs.confirm import ConfirmDialog
from aims_tui.tui.dialogs.risk_editor import RiskEditor
from aims_tui.tui.dialogs.form import FormDialog
from aims_tui.tui.screens.planning import CriteriaScreen

from ..conftest import ADMIN, APPROVER, EDITOR, TODAY
from ..tui.helpers import goto, settle
from ..core.helpers import audit_events
from .formkeys import fill, landed, make_app, notes, open_register, type_into

SIZE = (100, 30)


def _risk(db, title: str, li: int, ii: int) -> str:
    return risks.create_risk(db, EDITOR, {"title": title, "inherent_likelihood": li, "inherent_impact": ii},
                             today=TODAY)["ref"]


async def test_e_on_the_criteria_screen_says_what_the_change_does_before_y_saves_it(db):
    """Issue 16 (6.1.1): lowering the appetite from 9 to 6 puts a risk scored 8 above it;
    the admin reads that before anything is saved, then y saves, audited; scores stay."""
    ref = _risk(db, "Model drift", 2, 4)  # residual 8: within appetite 9, above 6
    app = make_app(db, ADMIN)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await open_register(pilot, "criteria")
        assert isinstance(app.screen, CriteriaScreen)
        await pilot.press("e")
        await settle(pilot)
        assert isinstance(app.screen, FormDialog)
        await type_into(pilot, "appetite", "6")
        await pilot.press("ctrl+s")
        await landed(pilot)
        assert isinstance(app.screen, ConfirmDialog)
        question = app.screen.question
        assert "1 go above appetite: " + ref in question
        assert criteria.get_criteria(db)["appetite"] == 9  # nothing saved yet
        await pilot.press("y")
        await landed(pilot)
        assert criteria.get_criteria(db)["appetite"] == 6
        assert risks.get_risk(db, ref)["residual_score"] == 8  # not rescored
        ev = audit_events(db, "criteria")[0]
        assert ev["action"] == "update" and ev["changes"]["appetite"] == [9, 6]
        assert any(n.startswith("risk criteria saved: appetite") for n in notes(app))


async def test_n_at_the_criteria_confirmation_saves_nothing_and_an_editor_cannot_edit(db):
    """Declining the confirmation keeps the criteria (no event); an editor is told it needs an admin."""
    app = make_app(db, ADMIN)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await open_register(pilot, "criteria")
        await pilot.press("e")
        await settle(pilot)
        await type_into(pilot, "appetite", "12")
        await pilot.press("ctrl+s")
        await landed(pilot)
        await pilot.press("n")
        await settle(pilot)
        assert criteria.get_criteria(db)["appetite"] == 9 and audit_events(db, "criteria") == []
        assert "risk criteria not changed" in notes(app)
    app = make_app(db, EDITOR)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await open_register(pilot, "criteria")
        await pilot.press("e")
        await settle(pilot)
        assert isinstance(app.screen, CriteriaScreen)
        assert any("admin" in n for n in notes(app))


async def test_a_bad_level_band_is_named_in_the_criteria_form_and_nothing_is_saved(db):
    """Levels that leave a score in no band: the form names the Levels field, stays open."""
    app = make_app(db, ADMIN)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await open_register(pilot, "criteria")
        await pilot.press("e")
        await settle(pilot)
        await type_into(pilot, "bands", "Low 1-9, High 11-25")
        await pilot.press("ctrl+s")
        await landed(pilot)
        assert isinstance(app.screen, FormDialog)
        assert "Levels:" in str(app.screen.query_one("#form-status").render())
        assert audit_events(db, "criteria") == []


async def test_c_on_the_soa_adds_a_custom_control_with_its_justification(db):
    """Issue 16 (6.1.3): an organization's own control from the app, in the SoA as applicable."""
    app = make_app(db, ADMIN)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await goto(pilot, "5")
        await pilot.press("c")
        await settle(pilot)
        await fill(pilot, {"code": "ORG.1", "title": "Model register kept",
                           "description": "Every production model is listed",
                           "justification": "Our auditors ask for it"})
        await pilot.press("ctrl+s")
        await landed(pilot)
        entry = next(e for e in controls.list_soa(db) if e["code"] == "ORG.1")
        assert entry["custom"] and entry["applicable"] is True
        assert entry["justification"] == "Our auditors ask for it"
        assert entry["description"] == "Every production model is listed"
        assert audit_events(db, "ORG.1")[0]["action"] == "create"
        assert "control ORG.1 added to the SoA" in notes(app)


async def test_including_a_control_without_a_justification_is_refused_in_the_soa_form(db):
    """Inclusion needs its reason as much as exclusion: the form names Justification."""
    code = controls.list_soa(db)[0]["code"]
    app = make_app(db, EDITOR)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await goto(pilot, "5")
        await pilot.press("e")
        await settle(pilot)
        await fill(pilot, {"applicable": "yes"})
        await pilot.press("ctrl+s")
        await landed(pilot)
        assert isinstance(app.screen, FormDialog)
        assert "Justification: a justification is needed" in str(app.screen.query_one("#form-status").render())
        assert next(e for e in controls.list_soa(db) if e["code"] == code)["applicable"] is None


async def test_P_on_the_register_approves_the_highlighted_risks_treatment_plan(db):
    """Issue 16 (6.1.3): an approver approves a plan (who, when, audited); a treatment added
    after marks it changed since approval."""
    ref = _risk(db, "Prompt injection", 5, 5)
    t = treatments.add_treatment(db, EDITOR, ref, {"action": "Filter inputs"})
    app = make_app(db, APPROVER)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await goto(pilot, "2")
        await pilot.press("P")
        await settle(pilot)
        assert isinstance(app.screen, ConfirmDialog)
        await pilot.press("y")
        await landed(pilot)
        r = risks.get_risk(db, ref)
        assert r["plan_approved_by"] == APPROVER and r["plan_approved_at"] is not None
        assert audit_events(db, ref)[0]["action"] == "approve_plan"
        assert f"{ref} treatment plan approved (1 treatment)" in notes(app)
    treatments.add_treatment(db, EDITOR, ref, {"action": "Red-team quarterly"})
    assert risks.get_risk(db, ref)["plan_changed_at"] is not None
    assert t["id"]


async def test_E_on_my_actions_completes_a_treatment_saying_whether_it_worked(db):
    """Issue 16 (8.3): E asks whether it worked; the treatment is done with its effectiveness."""
    ref = _risk(db, "Bias", 3, 3)
    t = treatments.add_treatment(db, EDITOR, ref, {"action": "Bias audit", "owner": EDITOR})
    app = make_app(db, EDITOR)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await goto(pilot, "4")
        await pilot.press("E")
        await settle(pilot)
        assert isinstance(app.screen, FormDialog)
        await fill(pilot, {"effectiveness": "partly", "effectiveness_note": "Gap halved"})
        await pilot.press("ctrl+s")
        await landed(pilot)
        done = treatments.get_treatment(db, t["id"])
        assert (done["status"], done["effectiveness"], done["effectiveness_note"]) == ("done", "partly", "Gap halved")
        ev = audit_events(db, f"{ref}/T{t['id']}")[0]
        assert ev["changes"]["effectiveness"] == [None, "partly"] and ev["changes"]["status"] == ["planned", "done"]
        assert f"{ref}/T{t['id']} done, effectiveness partly recorded" in notes(app)


async def test_E_in_the_risk_editor_records_whether_a_done_treatment_worked(db):
    """A treatment completed earlier (c): E in the risk editor's table says it worked."""
    ref = _risk(db, "Leak", 3, 3)
    t = treatments.add_treatment(db, EDITOR, ref, {"action": "Mask logs"})
    treatments.complete_treatment(db, EDITOR, t["id"])
    app = make_app(db, EDITOR)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        app.push_screen(RiskEditor(db, EDITOR, ref))
        await settle(pilot)
        app.screen.query_one("#treatments", DataTable).focus()
        await pilot.pause()
        await pilot.press("E")
        await settle(pilot)
        assert isinstance(app.screen, FormDialog)
        await fill(pilot, {"effectiveness": "effective"})
        await pilot.press("ctrl+s")
        await landed(pilot)
        assert treatments.get_treatment(db, t["id"])["effectiveness"] == "effective"
        assert audit_events(db, f"{ref}/T{t['id']}")[0]["changes"]["effectiveness"] == [None, "effective"]
        assert f"{ref}/T{t['id']}: effectiveness effective recorded" in notes(app)
        await settle(pilot)
        assert isinstance(app.screen, RiskEditor)  # the editor shows it in the treatment's status
        assert str(app.screen.query_one("#treatments", DataTable).get_row_at(0)[3]) == "done, effective"
