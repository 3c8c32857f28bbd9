"""Every write action the app offers, and the test that proves it (issue 11).

``WRITES`` is the table: one line per (screen or dialog class, action, test). The guard
below walks the bindings of every screen and dialog class in aims_tui.tui (and their
EDIT_ACTIONS / APPROVE_ACTIONS) and fails on

- an action that is neither in ``WRITES`` nor known not to write (``NOT_WRITES``):
  a new key that writes cannot slip in without a test;
- a ``WRITES`` line whose class, action or test does not exist.

Adding a write action: one line in ``WRITES`` naming the Pilot test that presses its
keys, then asserts the row, its audit event and the message (and its refusal path).

A few baseline tests at the end cover write actions that had no such test when the
table was made; a better test of the same action may replace them in the table.
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil

from textual.app import App
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import Input

import aims_tui.tui as tui_package
from aims_tui.core import audit
from aims_tui.core.services import acceptances, risks, systems

from ..conftest import ADMIN, APPROVER, EDITOR
from ..core.helpers import audit_events
from ..tui.helpers import goto, settle
from .formkeys import fill, make_app, notes

F = "tests/tui3/test_forms.py::"
FLOWS = "tests/tui/test_flows.py::"
W = "tests/tui3/test_write_actions.py::"
E = "tests/tui3/test_editor.py::"
B = "tests/tui3/test_screens_b.py::"
RS = "tests/system/test_record_screens.py::"
CS = "tests/system/test_context_screens.py::"
PW = "tests/tui3/test_planning_writes.py::"

# (class, action, test proving it) -- one line per write action
WRITES: list[tuple[str, str, str]] = [
    ("AimsApp", "undo", F + "test_an_soa_entry_is_excluded_with_a_justification_chosen_from_lists_and_undone"),
    ("FormDialog", "save", F + "test_keys_typed_while_a_save_waits_for_the_lock_are_kept_and_saved_next"),
    ("ConflictDialog", "choose('overwrite')", FLOWS + "test_a_conflicting_save_shows_both_values_and_can_overwrite_knowingly"),
    ("ImpactScreen", "new", F + "test_a_new_impact_assessment_is_chosen_for_a_system_from_a_list_and_saved"),
    ("ImpactScreen", "edit", F + "test_an_impact_assessment_is_edited_and_only_the_changed_field_is_recorded"),
    ("ImpactScreen", "approve", F + "test_an_approver_approves_an_impact_assessment_with_A"),
    ("NonconformitiesScreen", "new", F + "test_a_nonconformity_is_recorded_with_kind_and_severity_chosen_from_lists"),
    ("NonconformitiesScreen", "edit", F + "test_closing_a_nonconformity_without_a_root_cause_is_refused_then_saved_with_one"),
    ("SoaScreen", "edit", F + "test_an_soa_entry_is_excluded_with_a_justification_chosen_from_lists_and_undone"),
    ("SoaScreen", "approve", F + "test_A_on_the_soa_asks_first_saying_how_many_then_approves"),
    ("RegisterScreen", "accept", F + "test_an_acceptance_is_recorded_from_the_register_with_its_event_and_message"),
    ("RegisterScreen", "new_risk", FLOWS + "test_a_risk_is_added_with_scores_then_edited_with_a_live_level_preview"),
    ("RiskEditor", "save", FLOWS + "test_a_risk_is_added_with_scores_then_edited_with_a_live_level_preview"),
    ("RiskEditor", "add_treatment", FLOWS + "test_a_treatment_is_added_inline_and_completed_then_undone"),
    ("RiskEditor", "complete_treatment", FLOWS + "test_a_treatment_is_added_inline_and_completed_then_undone"),
    ("RiskEditor", "accept", W + "test_ctrl_g_in_the_risk_editor_accepts_the_residual_risk"),
    ("TreatmentsScreen", "complete", FLOWS + "test_my_actions_lists_my_open_treatments_and_completes_one"),
    ("FirstRunScreen", "add_system", FLOWS + "test_an_empty_database_opens_on_the_first_run_screen_and_adds_an_ai_system"),
    ("FirstRunScreen", "load_demo", W + "test_d_on_the_first_run_screen_loads_the_demo_register"),
    ("SystemEditor", "save", FLOWS + "test_an_empty_database_opens_on_the_first_run_screen_and_adds_an_ai_system"),
    ("SystemsScreen", "new_system", W + "test_n_on_the_systems_screen_adds_a_system"),
    ("SystemsScreen", "edit_system", W + "test_e_on_the_systems_screen_edits_the_highlighted_system"),
    ("SystemsScreen", "move_stage", FLOWS + "test_a_stage_gate_blocks_the_move_until_an_admin_overrides_it_with_a_justification"),
    ("TransitionDialog", "move", FLOWS + "test_a_stage_gate_blocks_the_move_until_an_admin_overrides_it_with_a_justification"),
    ("SystemDetailScreen", "edit_system", W + "test_e_on_a_systems_detail_screen_edits_it"),
    ("SystemDetailScreen", "move_stage", W + "test_m_on_a_systems_detail_screen_moves_its_stage"),
    ("SystemDetailScreen", "new_risk", W + "test_n_on_a_systems_detail_screen_adds_a_risk_of_that_system"),
    ("DueScreen", "review", "tests/reminders/test_due_screen.py::test_r_then_enter_records_a_review_and_the_risk_leaves_the_overdue_list"),
    ("ReviewDialog", "save", "tests/reminders/test_due_screen.py::test_r_then_enter_records_a_review_and_the_risk_leaves_the_overdue_list"),
    ("ManagementScreen", "new_review", "tests/pack/test_management_screen.py::test_a_review_is_created_decided_and_given_an_action"),
    ("ManagementScreen", "decisions", "tests/pack/test_management_screen.py::test_a_review_is_created_decided_and_given_an_action"),
    ("ManagementScreen", "add_action", "tests/pack/test_management_screen.py::test_a_review_is_created_decided_and_given_an_action"),
    ("ManagementScreen", "complete_action", "tests/pack/test_management_screen.py::test_an_action_is_marked_done_from_the_screen"),
    ("ManagementScreen", "export_pack",
     "tests/pack/test_management_screen.py::test_export_writes_the_pack_shows_progress_and_records_it_on_the_review"),
    ("ManagementScreen", "sign_off", B + "test_s_and_y_sign_the_review_off_as_an_approver"),
    ("SavingForm", "save", B + "test_n_typed_fields_and_ctrl_s_create_a_management_review"),
    ("ImportScreen", "import_file", B + "test_a_typed_path_enter_and_ctrl_s_import_the_risks"),
    ("RegisterScreen", "withdraw", E + "test_w_in_the_register_withdraws_the_risk_after_confirmation_and_ctrl_z_restores_it"),
    ("RiskEditor", "withdraw", E + "test_ctrl_r_in_the_risk_editor_withdraws_the_risk_and_closes"),
    ("SystemEditor", "withdraw", E + "test_ctrl_r_in_the_system_editor_withdraws_the_system"),
    ("SystemsScreen", "withdraw", E + "test_w_on_the_systems_list_withdraws_a_system_and_shift_w_then_w_restores_it"),
    ("SystemsScreen", "review", E + "test_a_review_with_a_bad_date_is_refused_with_the_field_named"),
    ("SystemDetailScreen", "review", E + "test_a_review_with_a_bad_date_is_refused_with_the_field_named"),
    ("SystemReviewDialog", "save", E + "test_a_failing_gate_says_how_to_satisfy_it_and_the_vv_review_is_recorded_in_the_dialog"),
    ("TransitionDialog", "review", E + "test_a_failing_gate_says_how_to_satisfy_it_and_the_vv_review_is_recorded_in_the_dialog"),
    ("TreatmentsScreen", "withdraw", E + "test_w_on_my_actions_withdraws_a_treatment"),
    ("ImpactScreen", "withdraw", E + "test_w_on_impact_assessments_and_nonconformities_withdraws_the_record"),
    ("NonconformitiesScreen", "withdraw", E + "test_w_on_impact_assessments_and_nonconformities_withdraws_the_record"),
    # planning (6.1) and treatment effectiveness (8.3), issue 16
    ("CriteriaScreen", "edit", PW + "test_e_on_the_criteria_screen_says_what_the_change_does_before_y_saves_it"),
    ("SoaScreen", "add_control", PW + "test_c_on_the_soa_adds_a_custom_control_with_its_justification"),
    ("RegisterScreen", "approve_plan", PW + "test_P_on_the_register_approves_the_highlighted_risks_treatment_plan"),
    ("TreatmentsScreen", "effectiveness", PW + "test_E_on_my_actions_completes_a_treatment_saying_whether_it_worked"),
    ("RiskEditor", "treatment_effectiveness",
     PW + "test_E_in_the_risk_editor_records_whether_a_done_treatment_worked"),
    # every register of core.catalog (RecordScreen subclasses): one test run on each of them
    ("RecordScreen", "new", RS + "test_n_typed_fields_and_ctrl_s_record_one_e_changes_it_w_withdraws_it"),
    ("RecordScreen", "edit", RS + "test_n_typed_fields_and_ctrl_s_record_one_e_changes_it_w_withdraws_it"),
    ("RecordScreen", "withdraw", RS + "test_n_typed_fields_and_ctrl_s_record_one_e_changes_it_w_withdraws_it"),
    ("IncidentsScreen", "raise_nc",
     "tests/system/test_incidents_screen.py::test_r_on_a_resolved_incident_raises_a_linked_nonconformity_audited_on_both"),
    ("InternalAuditsScreen", "finding",
     "tests/system/test_internal_audit_screens.py::test_f_on_an_internal_audit_raises_a_finding_as_a_nonconformity"),
    ("AuditProgrammesScreen", "approve",
     "tests/system/test_internal_audit_screens.py::test_A_approves_the_highlighted_programme_as_an_approver"),
    ("ManagementSystemScreen", "scope",
     CS + "test_s_on_the_m_screen_opens_the_scope_form_and_an_admin_saves_the_typed_scope"),
    ("DocumentsScreen", "approve",
     CS + "test_a_on_the_documents_screen_approves_the_highlighted_document_as_an_approver"),
    ("ObjectivesScreen", "measure",
     "tests/system/test_objectives_screen.py::test_m_records_a_measurement_moves_the_next_measurement_and_t_lists_it_on_target"),
    ("EvidenceScreen", "recapture", "tests/evidence/test_screens.py::test_r_recaptures_a_changed_file_with_its_event_and_message"),
]

# actions that never write, whatever the class (leaving, helping, reading again)
NEVER_WRITE = {"back", "cancel", "close", "help", "quit", "refresh", "search", "leave_search", "focus_next",
               "next_field", "previous_field",
               "app.focus_next", "app.focus_previous",
               "focus_previous", "choose_row"}  # choose_row: Enter opens the row (AimsScreen)
# actions of one class that do not write (they open a dialog that does, filter, sort, confirm...)
NOT_WRITES: dict[str, set[str]] = {
    "RegisterScreen": {"clear_filter", "filter", "history", "next_sort", "open", "reverse_sort", "show_withdrawn"},
    "SystemsScreen": {"cycle_stage", "cycle_tier", "toggle_mine", "show_withdrawn"},
    "TreatmentsScreen": {"toggle_done", "toggle_owner"},
    "DueScreen": {"toggle_all"},
    "ImportScreen": {"read", "dry_run"},
    "ConfirmDialog": {"yes", "no"},  # the caller's action is the write
    "ConflictDialog": {"choose('cancel')", "choose('reload')"},
    "ControlsPicker": {"ok"},  # picks controls into the editor; its save writes
    "RiskFilterDialog": {"apply"},
    "RiskEditor": {"pick_controls", "app.undo"},  # app.undo: the app's own undo, AimsApp.undo above
    "ManagementSystemScreen": {"open"},
    "ObjectivesScreen": {"measurements"},  # opens the objective's measurements
    "EvidenceScreen": {"verify"},  # reads the files again, writes nothing
    "SoaScreen": {"links"},
    "ControlLinksScreen": {"open"},
    "ReadinessScreen": {"open"},
    "AimsApp": {"as_of", "back_to_today"},  # the day the register is viewed as of (issue 19): reads only
    "AsOfDialog": {"today"},
}


def _inherited_line(cls: type, action: str, table: set) -> bool:
    """A register screen's action inherited unchanged from RecordScreen is covered by
    RecordScreen's line: its test runs on every register screen (parametrized)."""
    from aims_tui.tui.screens.records import RecordScreen

    method = f"action_{action.partition('(')[0]}"
    return (issubclass(cls, RecordScreen) and ("RecordScreen", action) in table
            and getattr(cls, method, None) is getattr(RecordScreen, method, None))


def _classes() -> dict[str, type]:
    """Every screen, dialog and app class defined in aims_tui.tui."""
    found: dict[str, type] = {}
    for info in pkgutil.walk_packages(tui_package.__path__, tui_package.__name__ + "."):
        module = importlib.import_module(info.name)
        for name, cls in inspect.getmembers(module, inspect.isclass):
            if cls.__module__ == module.__name__ and issubclass(cls, (Screen, App)):
                assert found.get(name, cls) is cls, f"two classes named {name}: make the table's names unique"
                found[name] = cls
    return found


def _actions(cls: type) -> set[str]:
    """Actions bound by aims' own classes (not Textual's), and those declared role-bound."""
    out: set[str] = set()
    for k in cls.__mro__:
        if k.__module__.startswith("aims_tui"):
            for b in k.__dict__.get("BINDINGS", []):
                out.add(b.action if isinstance(b, Binding) else b[1])
    out |= set(getattr(cls, "EDIT_ACTIONS", ())) | set(getattr(cls, "APPROVE_ACTIONS", ()))
    return out


def _test_exists(ref: str) -> bool:
    path, _, name = ref.partition("::")
    module = importlib.import_module(path.removesuffix(".py").replace("/", "."))
    return inspect.isfunction(getattr(module, name, None))


def test_every_write_action_of_every_screen_and_dialog_is_in_the_table():
    """A new key that writes (or a new EDIT/APPROVE action) without a line in WRITES fails here."""
    table = {(c, a) for c, a, _ in WRITES}
    missing = []
    for name, cls in sorted(_classes().items()):
        for action in sorted(_actions(cls)):
            if action in NEVER_WRITE or action in NOT_WRITES.get(name, set()) or (name, action) in table:
                continue
            if _inherited_line(cls, action, table):
                continue
            missing.append(f"{name}.{action}")
    assert not missing, ("write actions with no line in WRITES (class, action, test) - or, if they do not "
                         f"write, in NOT_WRITES: {', '.join(missing)}")


def test_every_line_of_the_table_names_a_real_action_and_an_existing_test():
    """A stale line (the action or the test is gone) fails too."""
    classes = _classes()
    problems = []
    for cls_name, action, test in WRITES:
        cls = classes.get(cls_name)
        if cls is None:
            problems.append(f"{cls_name}: no such screen or dialog")
        elif action not in _actions(cls):
            problems.append(f"{cls_name}.{action}: not bound")
        elif not hasattr(cls, f"action_{action.partition('(')[0]}"):
            problems.append(f"{cls_name}.{action}: no action_ method")
        if not _test_exists(test):
            problems.append(f"{cls_name}.{action}: test {test} does not exist")
    assert not problems, "; ".join(problems)
    assert len({(c, a) for c, a, _ in WRITES}) == len(WRITES), "a (class, action) listed twice"


def test_every_write_action_of_a_screen_is_refused_while_a_past_date_is_set():
    """Issue 19: while the app shows the register as of a past day, the app's one guard
    (AimsApp.run_action) refuses each write action of a screen or of the app, saying why. It knows
    them by EDIT_ACTIONS / APPROVE_ACTIONS / ADMIN_ACTIONS / WRITE_ACTIONS: a write key added
    to a screen without naming it there fails here. (Dialogs are reached only through these
    actions or read only; their saves meet the same refusal in db_write and allowed().)"""
    from textual.screen import ModalScreen

    from aims_tui.tui.app import is_write_action
    from aims_tui.tui.screens.records import RecordScreen

    classes = _classes()
    unguarded = []
    for cls_name, action, _test in WRITES:
        cls = classes[cls_name]
        if issubclass(cls, ModalScreen):
            continue
        subclasses = [c for c in classes.values() if issubclass(c, cls)] if cls is RecordScreen else [cls]
        for c in subclasses:
            if not is_write_action(c, action):
                unguarded.append(f"{c.__name__}.{action}")
    assert not unguarded, f"write actions the past-date guard would let through: {', '.join(unguarded)}"


def test_the_guard_sees_a_write_key_added_without_a_line():
    """The walk is not vacuous: a new binding on a known screen shows up as missing."""
    from aims_tui.tui.screens.soa import SoaScreen

    assert "approve" in _actions(SoaScreen) and "edit" in _actions(SoaScreen)

    class Probe(SoaScreen):
        BINDINGS = [Binding("x", "wipe", "Wipe")]

    Probe.__module__ = SoaScreen.__module__  # as if written in the app

    assert "wipe" in _actions(Probe)


# -- baseline tests of write actions that had none when the table was made ----------------------------

async def _type(pilot, selector: str, text: str) -> None:
    box = pilot.app.screen.query_one(selector, Input)
    box.focus()
    await pilot.press("end", "shift+home", "backspace", *["space" if c == " " else c for c in text])


async def test_ctrl_g_in_the_risk_editor_accepts_the_residual_risk(db):
    """ctrl+g in an open risk: the acceptance dialog; typed and saved, the editor shows it."""
    from aims_tui.tui.dialogs.risk_editor import RiskEditor

    risks.create_risk(db, EDITOR, {"title": "High", "inherent_likelihood": 5, "inherent_impact": 5})
    app = make_app(db, APPROVER)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        app.push_screen(RiskEditor(db, APPROVER, "R-0001"))
        await settle(pilot)
        await pilot.press("ctrl+g")
        await settle(pilot)
        await fill(pilot, {"justification": "benefits outweigh the residual risk"})
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert [a["accepted_by"] for a in acceptances.list_acceptances(db, "R-0001")] == [APPROVER]
        assert audit_events(db, "R-0001")[0]["action"] == "accept"
        assert any(n.startswith("R-0001: residual risk accepted until") for n in notes(app))


async def test_d_on_the_first_run_screen_loads_the_demo_register(db):
    """d on an empty database: the demo register is loaded (systems, risks, events) and said."""
    app = make_app(db, ADMIN)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await pilot.press("d")
        for _ in range(100):
            await settle(pilot)
            if app.pending_writes == 0:
                break
        rows = systems.list_systems(db)
        with db.read() as s:
            assert rows and audit.events(s, limit=None)
        assert any(n.startswith(f"loaded {len(rows)} AI systems and ") for n in notes(app))


async def test_n_on_the_systems_screen_adds_a_system(db):
    """n, a name typed, ctrl+s: the system row, its create event, the message."""
    systems.create_system(db, ADMIN, {"name": "First"})
    app = make_app(db, EDITOR)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await goto(pilot, "3")
        await pilot.press("n")
        await settle(pilot)
        await _type(pilot, "#name", "Vision")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert [r["name"] for r in systems.list_systems(db)] == ["First", "Vision"]
        assert audit_events(db, "AIS-002")[0]["action"] == "create"
        assert "AIS-002 added" in notes(app)


async def test_e_on_the_systems_screen_edits_the_highlighted_system(db):
    """e, the name changed, ctrl+s: saved, its update event, the message."""
    systems.create_system(db, ADMIN, {"name": "First"})
    app = make_app(db, EDITOR)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await goto(pilot, "3")
        await pilot.press("e")
        await settle(pilot)
        await _type(pilot, "#name", "Renamed")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert systems.get_system(db, "AIS-001")["name"] == "Renamed"
        assert audit_events(db, "AIS-001")[0]["action"] == "update"
        assert any(n.startswith("AIS-001 saved") for n in notes(app))


async def _detail(pilot) -> None:
    await goto(pilot, "3")
    await pilot.press("enter")
    await settle(pilot)
    assert type(pilot.app.screen).__name__ == "SystemDetailScreen"


async def test_e_on_a_systems_detail_screen_edits_it(db):
    """From the detail screen: e, the name changed, ctrl+s: saved with its event and message."""
    systems.create_system(db, ADMIN, {"name": "First"})
    app = make_app(db, EDITOR)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await _detail(pilot)
        await pilot.press("e")
        await settle(pilot)
        await _type(pilot, "#name", "Renamed")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert systems.get_system(db, "AIS-001")["name"] == "Renamed"
        assert audit_events(db, "AIS-001")[0]["action"] == "update"
        assert any(n.startswith("AIS-001 saved") for n in notes(app))


async def test_m_on_a_systems_detail_screen_moves_its_stage(db):
    """From the detail screen: m, ctrl+s moves it one stage on (its gate met): stage, event, message."""
    systems.create_system(db, ADMIN, {"name": "First"})
    risks.create_risk(db, EDITOR, {"title": "Drift", "system": "AIS-001", "inherent_likelihood": 2,
                                   "inherent_impact": 2})
    before = systems.get_system(db, "AIS-001")["stage"]
    app = make_app(db, ADMIN)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await _detail(pilot)
        await pilot.press("m")
        await settle(pilot)
        await pilot.press("ctrl+s")
        await settle(pilot)
        after = systems.get_system(db, "AIS-001")["stage"]
        assert after != before
        assert audit_events(db, "AIS-001")[0]["action"] == "transition"
        assert any(after in n for n in notes(app))


async def test_n_on_a_systems_detail_screen_adds_a_risk_of_that_system(db):
    """From the detail screen: n, a title typed, ctrl+s: a risk of this system, event, message."""
    systems.create_system(db, ADMIN, {"name": "First"})
    app = make_app(db, EDITOR)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await _detail(pilot)
        await pilot.press("n")
        await settle(pilot)
        await _type(pilot, "#title", "Drift")
        for field in ("#inherent_likelihood", "#inherent_impact", "#residual_likelihood", "#residual_impact"):
            await _type(pilot, field, "2")
        await pilot.press("ctrl+s")
        await settle(pilot)
        r = risks.get_risk(db, "R-0001")
        assert (r["title"], r["system_ref"]) == ("Drift", "AIS-001")
        assert audit_events(db, r["ref"])[0]["action"] == "create"
        assert f"{r['ref']} added" in notes(app)
