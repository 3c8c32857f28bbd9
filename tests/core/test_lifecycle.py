"""AI system life cycle through services.transition: the allowed graph and the gates."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import HealthCheck, given, settings as hsettings, strategies as st
from sqlmodel import select

from aims_tui.core import lifecycle
from aims_tui.core.errors import GateFailed, PermissionDenied, ValidationError
from aims_tui.core.models import STAGES, AuditEvent
from aims_tui.core.services import acceptances, impact, reviews, risks, systems

from ..conftest import ADMIN, APPROVER, EDITOR, TODAY, VIEWER, make_db
from .helpers import audit_count, snapshot

# The reference (reference/iso42001.md): design -> validation -> deployment -> monitoring ->
# improvement -> retired; from improvement back to design, validation or deployment. The product
# also lets a system step back from validation to design, go from deployment straight to
# improvement, and be retired from any stage.
EXPECTED = {
    "design": {"validation", "retired"},
    "validation": {"deployment", "design", "retired"},
    "deployment": {"monitoring", "improvement", "retired"},
    "monitoring": {"improvement", "retired"},
    "improvement": {"design", "validation", "deployment", "retired"},
    "retired": set(),
}
WHY = "Signed off by the AI board after a walkthrough"


@pytest.fixture(scope="module")
def shared_db(tmp_path_factory):
    """One database for the property tests (each example makes its own AI system)."""
    database = make_db(tmp_path_factory.mktemp("lifecycle") / "aims.db")
    yield database
    database.dispose()


def _events(db, ref: str) -> list[dict]:
    return systems.stage_history(db, ref)


def test_the_graph_is_the_references_and_retired_is_final():
    """The stages and moves of reference/iso42001.md, plus stepping back and retiring from anywhere."""
    assert {k: set(v) for k, v in lifecycle.TRANSITIONS.items()} == EXPECTED
    assert set(lifecycle.TRANSITIONS) == set(STAGES)
    for frm, to in itertools.product(STAGES, STAGES):
        assert lifecycle.allowed(frm, to) == (to in EXPECTED[frm])


def _walk_to(db, ref: str, stage: str) -> None:
    """Move a new system (in design) to ``stage`` along allowed moves, overriding any gate."""
    path = {"design": [], "validation": ["validation"], "deployment": ["validation", "deployment"],
            "monitoring": ["validation", "deployment", "monitoring"],
            "improvement": ["validation", "deployment", "improvement"], "retired": ["retired"]}[stage]
    for to in path:
        systems.transition(db, APPROVER, ref, to, override_justification=WHY, today=TODAY)


@pytest.mark.parametrize("frm", STAGES)
def test_every_move_outside_the_graph_is_refused_and_writes_nothing(shared_db, frm):
    """All 36 (from, to) pairs: a move not in the graph fails even for an admin overriding gates."""
    ref = systems.create_system(shared_db, EDITOR, {"name": f"From {frm}"})["ref"]
    _walk_to(shared_db, ref, frm)
    assert systems.get_system(shared_db, ref)["stage"] == frm
    for to in STAGES:
        if to in EXPECTED[frm]:
            continue
        before = snapshot(shared_db)
        with pytest.raises(ValidationError) as exc:
            systems.transition(shared_db, ADMIN, ref, to, override_justification=WHY, today=TODAY)
        assert exc.value.field == "to_stage"
        with pytest.raises(ValidationError):
            systems.check_transition(shared_db, ref, to)
        assert snapshot(shared_db) == before


@hsettings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(moves=st.lists(st.sampled_from(STAGES), min_size=1, max_size=8))
def test_no_sequence_of_moves_leaves_the_allowed_graph(shared_db, moves):
    """Random moves by an approver who overrides every gate: each succeeds exactly when allowed,
    and the stage history is a path in the graph."""
    ref = systems.create_system(shared_db, EDITOR, {"name": "Random walk"})["ref"]
    stage = "design"
    for to in moves:
        n_before = audit_count(shared_db)
        if lifecycle.allowed(stage, to):
            out = systems.transition(shared_db, APPROVER, ref, to, override_justification=WHY, today=TODAY)
            assert out["stage"] == to
            assert audit_count(shared_db) == n_before + 1
            stage = to
        else:
            with pytest.raises(ValidationError):
                systems.transition(shared_db, APPROVER, ref, to, override_justification=WHY, today=TODAY)
            assert audit_count(shared_db) == n_before
        assert systems.get_system(shared_db, ref)["stage"] == stage
    hist = _events(shared_db, ref)
    assert hist[0]["from_stage"] is None and hist[0]["to_stage"] == "design"
    for ev in hist[1:]:
        assert lifecycle.allowed(ev["from_stage"], ev["to_stage"])
    assert all(a["to_stage"] == b["from_stage"] for a, b in zip(hist, hist[1:]))


def test_a_failing_gate_refuses_an_editor_and_writes_nothing(db):
    """design -> validation needs a registered risk (6.1.2)."""
    ref = systems.create_system(db, EDITOR, {"name": "No risks yet"})["ref"]
    assert [g["id"] for g in systems.check_transition(db, ref, "validation")] == ["risk_assessed"]
    before = snapshot(db)
    with pytest.raises(GateFailed) as exc:
        systems.transition(db, EDITOR, ref, "validation", today=TODAY)
    assert [g for g, _ in exc.value.gates] == ["risk_assessed"]
    assert "risk" in str(exc.value)
    with pytest.raises(PermissionDenied) as denied:
        systems.transition(db, EDITOR, ref, "validation", override_justification=WHY, today=TODAY)
    assert denied.value.needed == ("approver",)
    assert snapshot(db) == before


def test_an_approver_overrides_a_gate_with_a_justification_kept_on_the_stage_event(db):
    """A one-word justification is refused; a real one is kept on the stage event and in the audit trail."""
    ref = systems.create_system(db, EDITOR, {"name": "No risks yet"})["ref"]
    before = snapshot(db)
    with pytest.raises(ValidationError) as exc:
        systems.transition(db, APPROVER, ref, "validation", override_justification="ok", today=TODAY)
    assert exc.value.field == "justification"
    assert snapshot(db) == before
    n = audit_count(db)
    out = systems.transition(db, APPROVER, ref, "validation", override_justification=WHY, note="pilot",
                             today=TODAY)
    assert out["stage"] == "validation" and out["overridden_gates"] == ["risk_assessed"]
    assert audit_count(db) == n + 1
    last = _events(db, ref)[-1]
    assert (last["from_stage"], last["to_stage"], last["actor"]) == ("design", "validation", APPROVER)
    assert last["overridden_gates"] == ["risk_assessed"] and last["justification"] == WHY
    with db.read() as s:
        ev = s.exec(select(AuditEvent).order_by(AuditEvent.id.desc())).first()
        assert ev.action == "transition" and ev.changes["justification"] == [None, WHY]


def test_an_admin_may_override_too_and_a_move_without_failing_gates_keeps_no_justification(db):
    """Admins override like approvers; an override is recorded only when a gate actually failed."""
    ref = systems.create_system(db, EDITOR, {"name": "Chatbot"})["ref"]
    systems.transition(db, ADMIN, ref, "validation", override_justification=WHY, today=TODAY)
    risks.create_risk(db, EDITOR, {"system": ref, "title": "Drift", "inherent_likelihood": 2,
                                   "inherent_impact": 2}, today=TODAY)
    systems.transition(db, EDITOR, ref, "design", override_justification=WHY, today=TODAY)
    systems.transition(db, EDITOR, ref, "validation", override_justification=WHY, today=TODAY)
    hist = _events(db, ref)
    assert hist[1]["actor"] == ADMIN and hist[1]["justification"] == WHY
    # no gate failed: the editor's unneeded justification is not recorded as an override
    assert hist[-1]["overridden_gates"] == [] and hist[-1]["justification"] == ""


def test_a_viewer_cannot_move_a_system(db):
    """Moving a system is an editor's act at least."""
    ref = systems.create_system(db, EDITOR, {"name": "Chatbot"})["ref"]
    with pytest.raises(PermissionDenied):
        systems.transition(db, VIEWER, ref, "retired", today=TODAY)


def _ready_for_deployment(db, rl: int, ri: int) -> tuple[str, str]:
    ref = systems.create_system(db, EDITOR, {"name": "Credit model"})["ref"]
    r = risks.create_risk(db, EDITOR, {"system": ref, "title": "Bias", "inherent_likelihood": 5,
                                       "inherent_impact": 5, "residual_likelihood": rl, "residual_impact": ri},
                          today=TODAY)
    systems.transition(db, EDITOR, ref, "validation", today=TODAY)
    ia = impact.create_assessment(db, EDITOR, {"system": ref, "impacts": [
        {"description": "Unfair denial of credit", "severity": "high"}]}, today=TODAY)
    impact.approve_assessment(db, APPROVER, ia["ref"])
    reviews.record_review(db, EDITOR, "system", ref, {"outcome": "still_valid",
                                                      "kind": "verification_validation"}, today=TODAY)
    return ref, r["ref"]


def test_deployment_needs_an_approved_assessment_and_a_vv_record(db):
    """A draft impact assessment does not open the deployment gate; approval and a V&V review do."""
    ref = systems.create_system(db, EDITOR, {"name": "Credit model"})["ref"]
    risks.create_risk(db, EDITOR, {"system": ref, "title": "Bias", "inherent_likelihood": 2,
                                   "inherent_impact": 2}, today=TODAY)
    systems.transition(db, EDITOR, ref, "validation", today=TODAY)
    failing = {g["id"] for g in systems.check_transition(db, ref, "deployment")}
    assert failing == {"impact_assessment_approved", "verification_validation"}
    ia = impact.create_assessment(db, EDITOR, {"system": ref, "impacts": [
        {"description": "Unfair denial of credit", "severity": "high"}]}, today=TODAY)
    assert {g["id"] for g in systems.check_transition(db, ref, "deployment")} == failing  # a draft is not enough
    impact.approve_assessment(db, APPROVER, ia["ref"])
    reviews.record_review(db, EDITOR, "system", ref, {"outcome": "still_valid",
                                                      "kind": "verification_validation"}, today=TODAY)
    assert systems.check_transition(db, ref, "deployment") == []
    out = systems.transition(db, EDITOR, ref, "deployment", today=TODAY)
    assert out["overridden_gates"] == []


def test_a_residual_above_appetite_blocks_deployment_until_it_is_accepted(db):
    """A residual of 16 against an appetite of 9 needs an approver's acceptance (6.1.3)."""
    ref, rref = _ready_for_deployment(db, 4, 4)  # 16 > appetite 9
    assert [g["id"] for g in systems.check_transition(db, ref, "deployment")] == ["residual_accepted"]
    acceptances.accept_risk(db, APPROVER, rref, "Benefits outweigh the residual risk", today=TODAY)
    assert systems.check_transition(db, ref, "deployment") == []


@hsettings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rl=st.integers(1, 5), ri=st.integers(1, 5))
def test_a_residual_within_appetite_never_needs_acceptance_to_deploy(shared_db, rl, ri):
    """The residual_accepted gate fails exactly for a residual above appetite with no acceptance."""
    ref, _ = _ready_for_deployment(shared_db, rl, ri)
    failing = [g["id"] for g in systems.check_transition(shared_db, ref, "deployment")]
    assert failing == ([] if rl * ri <= 9 else ["residual_accepted"])


def test_monitoring_needs_a_named_technical_owner(db):
    """Someone must operate and monitor the system (A.6.2.6)."""
    ref, _ = _ready_for_deployment(db, 1, 1)
    systems.transition(db, EDITOR, ref, "deployment", today=TODAY)
    assert [g["id"] for g in systems.check_transition(db, ref, "monitoring")] == ["operator_named"]
    systems.update_system(db, EDITOR, ref, {"technical_owner": EDITOR})
    assert systems.check_transition(db, ref, "monitoring") == []


def test_a_move_is_a_significant_change_that_makes_the_systems_risks_due(db):
    """8.2-8.4: a stage transition brings the next review of every open risk forward to today."""
    ref = systems.create_system(db, EDITOR, {"name": "Chatbot"})["ref"]
    r = risks.create_risk(db, EDITOR, {"system": ref, "title": "Drift", "inherent_likelihood": 2,
                                       "inherent_impact": 2}, today=TODAY)
    assert r["next_review"] > TODAY
    systems.transition(db, EDITOR, ref, "validation", today=TODAY)
    assert risks.get_risk(db, r["ref"])["next_review"] == TODAY


def test_a_refused_move_says_which_gates_are_not_met_in_plain_words(db):
    """It read `cannot move to validation: missing at least one risk is registered ...`: a gate
    is a condition, so the message says it is not met (one gate, or how many)."""
    ref = systems.create_system(db, EDITOR, {"name": "No risks yet"})["ref"]
    with pytest.raises(GateFailed) as exc:
        systems.transition(db, EDITOR, ref, "validation", today=TODAY)
    assert str(exc.value).startswith(
        "cannot move to validation: this gate is not met: at least one risk is registered for the AI system (6.1.2)")
    assert "missing" not in str(exc.value)
    two = GateFailed("deployment", [("a", "an approved AI system impact assessment (6.1.4, A.5)"),
                                    ("b", "a verification and validation record (A.6.2.4)")])
    assert str(two) == ("cannot move to deployment: these 2 gates are not met: an approved AI system impact "
                        "assessment (6.1.4, A.5); a verification and validation record (A.6.2.4)")
