"""Planning (6.1) and treatment effectiveness (8.3), issue 16: the risk criteria and
what a change of them does, the SoA's justification both ways and its gates, treatment
plan approval, effectiveness, the readiness findings and the pack's effectiveness lines."""

from __future__ import annotations

from datetime import timedelta

import pytest
from hypothesis import HealthCheck, given, settings as hyp_settings, strategies as st
from pypdf import PdfReader
from sqlmodel import select

from aims_tui.core import checks, planning
from aims_tui.core.errors import NotFound, PermissionDenied, ValidationError
from aims_tui.core.models import Applicability, Control
from aims_tui.core.readiness_types import MISSING, OK, STALE, UNAPPROVED
from aims_tui.core.scoring import Matrix
from aims_tui.core.services import acceptances, controls, criteria, registers, risks, treatments
from aims_tui.reports import build_pack

from ..conftest import ADMIN, APPROVER, EDITOR, TODAY, VIEWER
from .helpers import audit_events


def _risk(db, title="Drift", li=3, ii=3, **kw):
    return risks.create_risk(db, EDITOR, {"title": title, "inherent_likelihood": li, "inherent_impact": ii, **kw},
                             today=TODAY)["ref"]


def _gate(db, gid: str) -> checks.GateResult:
    return next(g for g in checks.run_checks(db, today=TODAY).gates if g.id == gid)


def _findings(db, today=TODAY) -> dict[tuple[str, str], planning.Finding]:
    with db.read() as s:
        return {(f.clause, f.requirement): f for f in planning.findings(s, today)}


# -- the risk criteria -----------------------------------------------------------------------

def test_lowering_the_appetite_says_which_risks_go_above_it_and_rescores_nothing(db):
    """Issue 16: a change says what it does before it is saved; scores stay, levels follow."""
    eight, four = _risk(db, "eight", 2, 4), _risk(db, "four", 2, 2)
    imp = criteria.preview_criteria(db, {"appetite": 6}, today=TODAY)
    assert imp.above_appetite == [eight] and imp.need_acceptance == [eight] and imp.below_appetite == []
    assert criteria.get_criteria(db)["appetite"] == 9  # a preview writes nothing
    out = criteria.set_criteria(db, ADMIN, {"appetite": 6}, today=TODAY)
    assert out["impact"]["above_appetite"] == [eight]
    assert [risks.get_risk(db, r)["residual_score"] for r in (eight, four)] == [8, 4]
    assert [i["ref"] for i in _gate(db, "unaccepted_above_appetite").items] == [eight]
    ev = audit_events(db, "criteria")[0]
    assert ev["changes"]["appetite"] == [9, 6] and ev["changes"]["impact"][1]["above_appetite"] == 1


def test_new_bands_change_levels_and_a_shorter_cadence_brings_next_reviews_forward(db):
    """Score 4 moves from Low (360d) to Medium (180d): its level changes, its next review comes
    forward to today + 180 days, with an event of its own; a review already sooner stays."""
    far = _risk(db, "far", 2, 2, next_review=(TODAY + timedelta(days=300)).isoformat())
    near = _risk(db, "near", 2, 2, next_review=(TODAY + timedelta(days=30)).isoformat())
    bands = [{"name": "Low", "low": 1, "high": 3}, {"name": "Medium", "low": 4, "high": 9},
             {"name": "High", "low": 10, "high": 14}, {"name": "Critical", "low": 15, "high": 25}]
    out = criteria.set_criteria(db, ADMIN, {"bands": bands}, today=TODAY)
    assert {m["ref"] for m in out["impact"]["level_changes"]} == {far, near}
    assert [m["ref"] for m in out["impact"]["review_moves"]] == [far]
    assert risks.get_risk(db, far)["next_review"] == TODAY + timedelta(days=180)
    assert risks.get_risk(db, near)["next_review"] == TODAY + timedelta(days=30)
    assert risks.get_risk(db, far)["inherent_level"] == "Medium"
    assert audit_events(db, far)[0]["action"] == "reschedule"


def test_an_acceptance_given_at_a_level_now_named_differently_is_listed_to_reconfirm(db):
    ref = _risk(db, "big", 4, 4)
    acceptances.accept_risk(db, APPROVER, ref, "Benefits outweigh the residual risk", today=TODAY)
    imp = criteria.preview_criteria(db, {"bands": [{"name": "Low", "low": 1, "high": 4},
                                                   {"name": "Medium", "low": 5, "high": 9},
                                                   {"name": "High", "low": 10, "high": 19},
                                                   {"name": "Critical", "low": 20, "high": 25}]}, today=TODAY)
    assert [(m.ref, m.before, m.after) for m in imp.acceptances_changed] == [(ref, "Critical", "High")]


@pytest.mark.parametrize("changes, field", [
    ({"appetite": "nine"}, "appetite"),
    ({"appetite": 26}, "appetite"),
    ({"bands": [{"name": "Low", "low": 1, "high": 9}, {"name": "High", "low": 11, "high": 25}]}, "bands"),
    ({"bands": [{"name": "Any", "low": 1, "high": 25}]}, "cadences"),  # no cadence for the level Any
    ({"likelihood_labels": ["Low", "low", "High"]}, "likelihood_labels"),
    ({"cadences": {"Low": "360d", "Medium": "180d", "High": "whenever", "Critical": "90d"}}, "cadences.High"),
    ({"matrix": {}}, "matrix"),
])
def test_bad_criteria_are_refused_naming_the_key_and_nothing_changes(db, changes, field):
    before = criteria.get_criteria(db)
    with pytest.raises(ValidationError) as exc:
        criteria.set_criteria(db, ADMIN, changes, today=TODAY)
    assert exc.value.field == field
    assert criteria.get_criteria(db) == before


def test_a_one_band_matrix_with_its_cadence_is_accepted(db):
    """...and with a cadence for its one level the same bands are fine (the case above was the cadence)."""
    criteria.set_criteria(db, ADMIN, {"bands": [{"name": "Any", "low": 1, "high": 25}], "cadences": {"Any": "90d"}},
                          today=TODAY)
    assert [b["name"] for b in criteria.get_criteria(db)["bands"]] == ["Any"]


def test_a_smaller_scale_that_cannot_hold_the_scores_is_refused(db):
    _risk(db, "top", 5, 5)
    with pytest.raises(ValidationError) as exc:
        criteria.set_criteria(db, ADMIN, {"likelihood_labels": ["Low", "Medium", "High"],
                                          "bands": [{"name": "Low", "low": 1, "high": 15}]}, today=TODAY)
    assert "rescore them first" in str(exc.value)


def test_only_an_admin_changes_the_criteria(db):
    with pytest.raises(PermissionDenied):
        criteria.set_criteria(db, APPROVER, {"appetite": 6}, today=TODAY)


@given(appetite=st.integers(0, 25), cut=st.integers(1, 24))
@hyp_settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_the_preview_agrees_with_the_matrix_for_any_appetite_and_two_bands(db, appetite, cut):
    """Property: a risk is listed as changing level exactly when the two matrices name its score
    differently, and as going above appetite exactly when only the new appetite is below its score."""
    if not hasattr(db, "_seeded"):
        for li in range(1, 6):
            for ii in range(1, 6):
                _risk(db, f"r{li}{ii}", li, ii)
        db._seeded = True
    after = {**criteria.get_criteria(db), "appetite": appetite,
             "bands": [{"name": "Low", "low": 1, "high": cut, "colour": "green"},
                       {"name": "High", "low": cut + 1, "high": 25, "colour": "red"}],
             "cadences": {"Low": "360d", "High": "90d"}}
    with db.read() as s:
        before = planning.criteria_of(s)
        imp = planning.criteria_impact(s, before, after, TODAY)
    old, new = Matrix.from_dict(before), Matrix.from_dict(after)
    scores = {f"R-{n:04d}": (li, ii) for n, (li, ii) in
              enumerate(((li, ii) for li in range(1, 6) for ii in range(1, 6)), 1)}
    want_levels = {r for r, (li, ii) in scores.items()
                   if old.band_for_score(li * ii).name != new.band_for_score(li * ii).name}
    assert {m.ref for m in imp.level_changes} == want_levels
    want_above = {r for r, (li, ii) in scores.items() if li * ii > appetite and li * ii <= old.appetite}
    assert set(imp.above_appetite) == want_above


# -- the SoA ------------------------------------------------------------------------------------

def test_including_a_control_needs_a_justification_as_excluding_one_does(db):
    with pytest.raises(ValidationError) as exc:
        controls.update_applicability(db, EDITOR, "A.2.2", {"applicable": True})
    assert exc.value.field == "justification"
    ok = controls.update_applicability(db, EDITOR, "A.2.2", {"applicable": True, "justification": "We set policy"})
    assert ok["applicable"] is True
    with pytest.raises(ValidationError):
        controls.update_applicability(db, EDITOR, "A.2.2", {"justification": "  "})
    # reversing the decision: the old reason argued the other way, a new one is needed
    with pytest.raises(ValidationError) as exc:
        controls.update_applicability(db, EDITOR, "A.2.2", {"applicable": False})
    assert "now excluded" in str(exc.value)
    controls.update_applicability(db, EDITOR, "A.2.2", {"applicable": False, "justification": "Group policy covers"})


def test_an_entry_decided_without_a_reason_before_the_rule_is_gated_not_broken(db):
    """Entries decided before inclusion needed a reason keep working (owner, status changes
    save) and the gate decided_control_without_justification lists them."""
    def decide_without_reason(s) -> None:  # as an older aims let it be saved
        app = s.exec(select(Applicability).join(Control, Control.id == Applicability.control_id)
                     .where(Control.code == "A.2.3")).one()
        app.applicable = True
        s.add(app)

    db.transact(decide_without_reason)
    assert [i["ref"] for i in _gate(db, "decided_control_without_justification").items] == ["A.2.3"]
    controls.update_applicability(db, EDITOR, "A.2.3", {"implementation_status": "partial"})
    controls.update_applicability(db, EDITOR, "A.2.3", {"justification": "Our policies must align"})
    assert _gate(db, "decided_control_without_justification").passed


def test_an_excluded_control_linked_to_a_live_risk_or_treatment_fails_its_gate(db):
    ref = _risk(db, "Incidents unreported", 3, 3, controls=["A.8.3"])
    controls.update_applicability(db, EDITOR, "A.8.3", {"applicable": False, "justification": "No customers"})
    g = _gate(db, "excluded_control_still_linked")
    assert g.count == 1 and g.items[0]["ref"] == "A.8.3" and g.items[0]["risks"] == [ref]
    risks.update_risk(db, EDITOR, ref, {"controls": []})
    assert _gate(db, "excluded_control_still_linked").passed
    treatments.add_treatment(db, EDITOR, ref, {"action": "Report to customers", "control": "A.8.3"})
    assert _gate(db, "excluded_control_still_linked").count == 1
    risks.update_risk(db, EDITOR, ref, {"status": "closed"})
    assert _gate(db, "excluded_control_still_linked").passed


def test_the_demo_register_links_no_risk_to_an_excluded_control(demo_db):
    """Issue 16: the demo excluded controls its risks relied on, and `aims check` must say so.
    The demo now links no risk to an excluded control (issue 17): the gate passes on it."""
    g = next(g for g in checks.run_checks(demo_db, today=TODAY).gates if g.id == "excluded_control_still_linked")
    assert g.passed and g.items == []
    excluded = {e["code"] for e in controls.list_soa(demo_db) if e["applicable"] is False}
    assert {i["ref"] for i in g.items} <= excluded and all(i["risks"] for i in g.items)


def test_a_custom_control_is_added_with_its_description_and_justification(db):
    r = controls.add_control(db, ADMIN, {"code": "ORG.2", "title": "Prompt library reviewed",
                                         "description": "Prompts reviewed monthly", "justification": "Policy"})
    assert (r["description"], r["justification"], r["applicable"]) == ("Prompts reviewed monthly", "Policy", True)
    with pytest.raises(PermissionDenied):
        controls.add_control(db, EDITOR, {"code": "ORG.3", "title": "x"})


# -- treatment plans --------------------------------------------------------------------------

def test_a_plan_approved_then_changed_is_flagged_until_approved_again(db):
    ref = _risk(db, "Leak", 5, 5)
    t = treatments.add_treatment(db, EDITOR, ref, {"action": "Mask logs"})
    assert [i["ref"] for i in _gate(db, "treatment_plan_not_approved").items] == [ref]
    treatments.approve_plan(db, APPROVER, ref)
    assert _gate(db, "treatment_plan_not_approved").passed
    treatments.update_treatment(db, EDITOR, t["id"], {"status": "in_progress"})  # carrying it out: no change
    assert _gate(db, "treatment_plan_not_approved").passed
    treatments.update_treatment(db, EDITOR, t["id"], {"due_date": "2026-09-01"})
    g = _gate(db, "treatment_plan_not_approved")
    assert g.items[0]["plan"] == "changed since approval"
    assert audit_events(db, ref)[0]["action"] == "plan_changed"
    treatments.approve_plan(db, APPROVER, ref)
    assert _gate(db, "treatment_plan_not_approved").passed
    with pytest.raises(ValidationError) as exc:
        treatments.approve_plan(db, APPROVER, ref)
    assert exc.value.field == "plan"
    with pytest.raises(PermissionDenied):
        treatments.approve_plan(db, EDITOR, ref)


def test_a_risk_within_appetite_needs_no_approved_plan(db):
    _risk(db, "small", 2, 2)
    assert _gate(db, "treatment_plan_not_approved").passed


# -- effectiveness ----------------------------------------------------------------------------

def test_effectiveness_is_said_only_of_a_done_treatment(db):
    ref = _risk(db)
    t = treatments.add_treatment(db, EDITOR, ref, {"action": "Retrain"})
    with pytest.raises(ValidationError) as exc:
        treatments.record_effectiveness(db, EDITOR, t["id"], "effective")
    assert exc.value.field == "effectiveness"
    done = treatments.complete_treatment(db, EDITOR, t["id"], effectiveness="not_effective", note="Drift is back")
    assert (done["status"], done["effectiveness"], done["effectiveness_note"]) == ("done", "not_effective",
                                                                                   "Drift is back")
    with pytest.raises(PermissionDenied):
        treatments.record_effectiveness(db, VIEWER, t["id"], "effective")


def test_a_treatment_is_found_by_its_risk_and_number(db):
    ref = _risk(db)
    t = treatments.add_treatment(db, EDITOR, ref, {"action": "Retrain"})
    assert treatments.get_treatment(db, f"{ref}/T{t['id']}")["id"] == t["id"]
    other = _risk(db, "other")
    with pytest.raises(NotFound):
        treatments.get_treatment(db, f"{other}/T{t['id']}")


# -- readiness ----------------------------------------------------------------------------------

def test_a_fresh_database_shows_every_gap_of_6_1_and_8_3(db):
    f = _findings(db)
    states = {(c, r): x.state for (c, r), x in f.items()}
    assert states[("6.1.1", "opportunities considered")] == MISSING
    assert states[("6.1.2", "AI risks identified and assessed")] == MISSING
    assert states[("6.1.3", "Statement of Applicability: every control decided, justified and approved")] == MISSING
    assert states[("8.3", "completed treatments: whether each worked is recorded")] == MISSING
    assert all(x.fix for x in f.values() if not x.ok)


def test_findings_turn_ok_as_the_records_are_made(db):
    ref = _risk(db, "Leak", 5, 5, next_review=(TODAY + timedelta(days=30)).isoformat())
    registers.create(db, EDITOR, planning.OPPORTUNITY, {"title": "Reuse the eval suite", "review_cadence": "yearly"},
                     today=TODAY)
    t = treatments.add_treatment(db, EDITOR, ref, {"action": "Mask logs"})
    f = _findings(db)
    assert f[("6.1.1", "opportunities considered")].state == OK
    assert f[("6.1.2", "AI risks identified and assessed")].state == OK
    assert f[("6.1.3", "treatment plans of risks above appetite approved")].state == UNAPPROVED
    treatments.approve_plan(db, APPROVER, ref)
    treatments.complete_treatment(db, EDITOR, t["id"])
    f = _findings(db)
    assert f[("6.1.3", "treatment plans of risks above appetite approved")].state == OK
    assert f[("8.3", "completed treatments: whether each worked is recorded")].refs == (f"{ref}/T{t['id']}",)
    treatments.record_effectiveness(db, EDITOR, t["id"], "effective")
    assert _findings(db)[("8.3", "completed treatments: whether each worked is recorded")].state == OK
    late = _findings(db, TODAY + timedelta(days=400))
    assert late[("6.1.1", "opportunities considered")].state == STALE
    assert late[("6.1.2", "AI risks identified and assessed")].state == STALE


def test_the_soa_finding_names_undecided_then_unapproved_entries(db):
    req = ("6.1.3", "Statement of Applicability: every control decided, justified and approved")
    codes = [e["code"] for e in controls.list_soa(db)]
    assert _findings(db)[req].state == MISSING
    for c in codes:
        controls.update_applicability(db, EDITOR, c, {"applicable": True, "justification": "Needed"})
    assert _findings(db)[req].state == UNAPPROVED
    controls.approve_soa(db, APPROVER)
    assert _findings(db)[req].state == OK


# -- the pack -------------------------------------------------------------------------------------

def test_the_pack_says_how_many_done_treatments_worked_and_lists_those_that_did_not(db, tmp_path):
    ref = _risk(db, "Leak", 3, 3)
    a = treatments.add_treatment(db, EDITOR, ref, {"action": "Mask logs"})
    b = treatments.add_treatment(db, EDITOR, ref, {"action": "Rotate <b>keys</b>"})
    treatments.complete_treatment(db, EDITOR, a["id"], effectiveness="effective")
    treatments.complete_treatment(db, EDITOR, b["id"], effectiveness="not_effective", note="Keys leaked again")
    res = build_pack(db, tmp_path / "pack.pdf", as_of=TODAY, generated_by=ADMIN)
    text = " ".join(" ".join((p.extract_text() or "").split()) for p in PdfReader(str(res.path)).pages)
    assert ("Effectiveness of the 2 done treatments (8.3): 1 effective, 0 partly, 1 not effective, "
            "0 not yet judged.") in text
    assert "Rotate <b>keys</b>" in text and "not effective" in text
