"""Reminders, recording reviews, significant change and the policy gates, in core."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from aims_tui.core import checks, reminders, rules
from aims_tui.core.errors import PermissionDenied, ValidationError
from aims_tui.core.services import (
    acceptances,
    controls,
    impact,
    management,
    reviews,
    risks,
    systems,
    treatments,
)
from aims_tui.core.services import settings as settings_svc

from ..conftest import ADMIN, APPROVER, EDITOR, TODAY, VIEWER
from ..system.context_support import scope_and_policy

D = timedelta


def _risk(db, title="A risk", owner=EDITOR, due=None, li=2, ii=2, **kw):
    data = {"title": title, "owner": owner, "inherent_likelihood": li, "inherent_impact": ii, **kw}
    if due is not None:
        data["next_review"] = due.isoformat()
    return risks.create_risk(db, ADMIN, data, today=TODAY)


def _refs(r: reminders.Reminders, state=None):
    return {i.ref for i in r.items if state is None or i.state == state}


# -- boundaries ---------------------------------------------------------------


def test_due_today_is_due_soon_and_due_yesterday_is_overdue_with_one_day(db):
    """Midnight is the boundary in the reminders too, not only in due_state."""
    today_r = _risk(db, "due today", due=TODAY)
    late_r = _risk(db, "due yesterday", due=TODAY - D(days=1))
    r = reminders.due_items(db, today=TODAY)
    assert today_r["ref"] in _refs(r, "due_soon")
    assert late_r["ref"] in _refs(r, "overdue")
    late = next(i for i in r.items if i.ref == late_r["ref"])
    assert late.days_overdue == 1 and late.days_left == 0
    assert (r.overdue, r.due_soon) == (1, 1)
    assert r.by_kind["risk_review"] == {"overdue": 1, "due_soon": 1}
    c = reminders.counts_for(db, EDITOR, TODAY)
    assert (c["overdue"], c["due_soon"], c["due_this_week"]) == (1, 1, 1)


def test_the_due_soon_window_comes_from_settings_and_includes_its_last_day(db):
    """settings.due_soon_days = N: due in N days is listed, in N+1 days is not."""
    settings_svc.update_settings(db, ADMIN, {"due_soon_days": 10})
    edge = _risk(db, "edge", due=TODAY + D(days=10))
    past = _risk(db, "past edge", due=TODAY + D(days=11))
    r = reminders.due_items(db, today=TODAY)
    assert r.within_days == 10
    assert edge["ref"] in _refs(r, "due_soon") and past["ref"] not in _refs(r)
    assert past["ref"] in _refs(reminders.due_items(db, today=TODAY, within=11))


def test_closed_risks_done_treatments_and_retired_systems_are_not_reminded(db):
    """Only live obligations count."""
    closed = _risk(db, "closed", due=TODAY - D(days=5), status="closed")
    live = _risk(db, "live", due=TODAY + D(days=50))
    t_done = treatments.add_treatment(db, ADMIN, live["ref"], {"action": "done one", "due_date": TODAY - D(days=3),
                                                              "status": "done"})
    t_open = treatments.add_treatment(db, ADMIN, live["ref"], {"action": "open one", "due_date": TODAY - D(days=3)})
    r = reminders.due_items(db, today=TODAY)
    refs = _refs(r)
    assert closed["ref"] not in refs
    assert f"{live['ref']}/T{t_open['id']}" in refs and f"{live['ref']}/T{t_done['id']}" not in refs


def test_every_kind_is_found_and_grouped_by_its_owner(db):
    """Reviews of risks, systems, impact assessments and SoA entries, treatments,
    management review actions and acceptance expiry: each lands with its owner."""
    sysd = systems.create_system(db, EDITOR, {"name": "Bot", "business_owner": APPROVER,
                                              "next_review": TODAY - D(days=2)}, today=TODAY)
    ia = impact.create_assessment(db, EDITOR, {"system": sysd["ref"], "title": "IA",
                                               "next_review": TODAY + D(days=3)}, today=TODAY)
    rk = _risk(db, "big", owner=EDITOR, li=5, ii=5, due=TODAY + D(days=100))
    acceptances.accept_risk(db, APPROVER, rk["ref"], "Board accepted this residual", TODAY + D(days=4), today=TODAY)
    controls.update_applicability(db, ADMIN, "A.2.2", {"owner": ADMIN, "applicable": True,
                                                       "justification": "We train our own models",
                                                       "next_review": TODAY - D(days=30)})
    mr = management.create_review(db, ADMIN, {"held_on": TODAY - D(days=60)})
    act = management.add_action(db, ADMIN, mr["ref"], {"action": "Hire an ML auditor", "owner": VIEWER,
                                                      "due_date": TODAY - D(days=7)})
    r = reminders.due_items(db, today=TODAY)
    by = {(i.kind, i.ref): i for i in r.items}
    assert by[("system_review", sysd["ref"])].owner == APPROVER
    assert by[("impact_assessment_review", ia["ref"])].owner == APPROVER
    assert by[("acceptance_expiry", rk["ref"])].owner == EDITOR
    assert by[("soa_review", "A.2.2")].owner == ADMIN
    assert by[("management_action", f"{mr['ref']}/A{act['id']}")].days_overdue == 7
    assert {g.owner for g in r.groups} >= {APPROVER, EDITOR, ADMIN, VIEWER}
    assert sum(g.total for g in r.groups) == r.overdue + r.due_soon
    mine = reminders.due_items(db, today=TODAY, owner=APPROVER)
    assert {i.kind for i in mine.items} == {"system_review", "impact_assessment_review"}


def test_overdue_items_come_first_oldest_first_then_due_soon_soonest_first(db):
    """The order people work through the list in."""
    for days in (3, -1, 9, -20, 0, -5):
        _risk(db, f"due {days}", due=TODAY + D(days=days))
    items = reminders.due_items(db, today=TODAY).items
    states = [i.state for i in items]
    assert states == sorted(states, key=lambda s: s != "overdue")
    assert [i.due for i in items] == sorted(i.due for i in items)


def test_the_listing_is_capped_but_the_counts_are_complete(db):
    """limit caps rows (the rest is 'more'); counts always come from SQL aggregates."""
    for k in range(12):
        _risk(db, f"r{k}", due=TODAY - D(days=k + 1))
    r = reminders.due_items(db, today=TODAY, limit=5)
    assert len(r.items) == 5 and r.overdue == 12 and r.truncated
    assert r.to_dict()["owners"][0]["more"] == 7
    assert len(reminders.due_items(db, today=TODAY, limit=None).items) == 12


def test_counts_for_a_login_match_the_listing(demo_db):
    """The dashboard counts and the start notice agree with the full list."""
    for login in (ADMIN, "alice", "nobody"):
        c = reminders.counts_for(demo_db, login, TODAY)
        r = reminders.due_items(demo_db, today=TODAY, owner=login, limit=None)
        assert (c["overdue"], c["due_soon"]) == (r.overdue, r.due_soon)
        assert c["due_this_week"] == sum(1 for i in r.items if TODAY <= i.due <= TODAY + D(days=7))
    everyone = reminders.counts_for(demo_db, None, TODAY)
    assert everyone["overdue"] == reminders.due_items(demo_db, today=TODAY).overdue > 0


def test_a_superseded_expired_acceptance_is_not_reminded(db):
    """Only the current (latest, not revoked) acceptance of a risk can expire."""
    rk = _risk(db, "big", li=5, ii=5, due=TODAY + D(days=100))
    acceptances.accept_risk(db, APPROVER, rk["ref"], "First acceptance by the board", TODAY + D(days=2),
                            today=TODAY - D(days=30))
    acceptances.accept_risk(db, APPROVER, rk["ref"], "Renewed acceptance by the board", TODAY + D(days=200),
                            today=TODAY)
    r = reminders.due_items(db, today=TODAY)
    assert not [i for i in r.items if i.kind == "acceptance_expiry"]


# -- recording a review ----------------------------------------------------------


def test_a_review_snapshots_the_scores_and_sets_the_next_date_from_the_cadence(db):
    """still_valid on a monthly risk reviewed on 31 Jan: next review on the last day of February."""
    rk = _risk(db, "monthly", li=4, ii=3, review_cadence="monthly", due=date(2026, 1, 31))
    rv = reviews.record_review(db, EDITOR, "risk", rk["ref"], {"outcome": "still_valid", "notes": "ok <b>"},
                               today=date(2026, 1, 31))
    assert rv["next_review"] == date(2026, 2, 28) and rv["due_on"] == date(2026, 1, 31)
    assert rv["scores"]["residual_score"] == 12 and rv["scores"]["residual_level"] == "High"
    assert rv["notes"] == "ok <b>" and rv["reviewer"] == EDITOR
    assert risks.get_risk(db, rk["ref"])["next_review"] == date(2026, 2, 28)


def test_with_no_cadence_the_next_date_follows_the_default_for_the_residual_level(db):
    """Defaults by level come from settings.cadences."""
    settings_svc.update_settings(db, ADMIN, {"cadences": {"High": "30d", "Medium": "180d", "Low": "360d",
                                                          "Critical": "14d"}})
    rk = _risk(db, "high", li=4, ii=3, due=TODAY - D(days=1))
    rv = reviews.record_review(db, EDITOR, "risk", rk["ref"], {"outcome": "rescored", "residual_likelihood": 1},
                               today=TODAY)
    assert rv["scores"]["residual_level"] == "Low" and rv["next_review"] == TODAY + D(days=360)
    rk2 = _risk(db, "high2", li=4, ii=3, due=TODAY - D(days=1))
    rv2 = reviews.record_review(db, EDITOR, "risk", rk2["ref"], {"outcome": "escalated"}, today=TODAY)
    assert rv2["next_review"] == TODAY + D(days=30)


@pytest.mark.parametrize("subject, data, field", [
    ("risk", {"outcome": "still_valid", "residual_likelihood": 1}, "outcome"),
    ("risk", {"outcome": "rescored"}, "outcome"),
    ("risk", {"outcome": "maybe"}, "outcome"),
    ("risk", {"outcome": "still_valid", "next_review": "2026-06-01"}, "next_review"),
    ("risk", {"outcome": "still_valid", "reviewed_on": "2099-01-01"}, "reviewed_on"),
    ("system", {"outcome": "closed"}, "outcome"),
    ("system", {"outcome": "rescored"}, "outcome"),
])
def test_an_inconsistent_review_is_refused_naming_the_field(db, subject, data, field):
    """Scores changed under still_valid, rescored without scores, closing a system..."""
    s = systems.create_system(db, EDITOR, {"name": "Bot"}, today=TODAY)
    rk = _risk(db, "r", li=3, ii=3, system=s["ref"])
    ref = rk["ref"] if subject == "risk" else s["ref"]
    with pytest.raises(ValidationError) as exc:
        reviews.record_review(db, EDITOR, subject, ref, data, today=TODAY)
    assert exc.value.field == field
    assert reviews.list_reviews(db, subject, ref) == []


def test_a_viewer_cannot_record_a_review(db):
    """Reviews are an editor's work."""
    rk = _risk(db, "r")
    with pytest.raises(PermissionDenied):
        reviews.record_review(db, VIEWER, "risk", rk["ref"], {"outcome": "still_valid"}, today=TODAY)


def test_closing_a_risk_by_review_takes_it_off_the_reminders(db):
    """Outcome closed closes the risk; closed risks are not due."""
    rk = _risk(db, "r", due=TODAY - D(days=4))
    reviews.record_review(db, EDITOR, "risk", rk["ref"], {"outcome": "closed"}, today=TODAY)
    assert risks.get_risk(db, rk["ref"])["status"] == "closed"
    assert rk["ref"] not in _refs(reminders.due_items(db, today=TODAY))


def test_reviewing_an_impact_assessment_and_a_soa_entry_moves_their_dates(db):
    """Every review subject takes a review and leaves the overdue list."""
    s = systems.create_system(db, EDITOR, {"name": "Bot"}, today=TODAY)
    ia = impact.create_assessment(db, EDITOR, {"system": s["ref"], "next_review": TODAY - D(days=9),
                                               "review_cadence": "yearly"}, today=TODAY)
    controls.update_applicability(db, ADMIN, "A.2.2", {"owner": ADMIN, "next_review": TODAY - D(days=9)})
    reviews.record_review(db, EDITOR, "impact_assessment", ia["ref"], {"outcome": "still_valid"}, today=TODAY)
    rv = reviews.record_review(db, EDITOR, reviews.review_subject_of("A.2.2"), "A.2.2", {"outcome": "escalated"},
                               today=TODAY)
    assert rv["next_review"] == TODAY + D(days=360)
    assert reminders.due_items(db, today=TODAY).overdue == 0


# -- significant change -------------------------------------------------------------


def test_a_stage_transition_makes_the_systems_risks_and_impact_assessments_due(db):
    """Moving an AI system is a significant change (8.2-8.4): its open risks and
    assessments become due today; closed risks and other systems are untouched."""
    s = systems.create_system(db, EDITOR, {"name": "Bot", "technical_owner": EDITOR}, today=TODAY)
    other = systems.create_system(db, EDITOR, {"name": "Other"}, today=TODAY)
    mine = _risk(db, "mine", system=s["ref"], due=TODAY + D(days=120))
    shut = _risk(db, "closed", system=s["ref"], due=TODAY + D(days=120), status="closed")
    theirs = _risk(db, "theirs", system=other["ref"], due=TODAY + D(days=120))
    ia = impact.create_assessment(db, EDITOR, {"system": s["ref"], "affected_groups": "Applicants"}, today=TODAY)
    impact.approve_assessment(db, APPROVER, ia["ref"])
    systems.transition(db, EDITOR, s["ref"], "validation", today=TODAY)
    assert risks.get_risk(db, mine["ref"])["next_review"] == TODAY
    assert risks.get_risk(db, shut["ref"])["next_review"] == TODAY + D(days=120)
    assert risks.get_risk(db, theirs["ref"])["next_review"] == TODAY + D(days=120)
    r = reminders.due_items(db, today=TODAY, within=0)
    assert {(i.kind, i.ref) for i in r.items} >= {("risk_review", mine["ref"]),
                                                   ("impact_assessment_review", ia["ref"])}
    assert theirs["ref"] not in _refs(r)


# -- checks -----------------------------------------------------------------------------


def test_a_clean_register_passes_every_gate(db):
    """No risks above appetite, no systems past design, nothing overdue, no SoA decisions,
    a scope and an approved AI policy."""
    scope_and_policy(db, TODAY)
    _risk(db, "small", due=TODAY + D(days=30))
    rep = checks.run_checks(db, today=TODAY)
    assert rep.passed and rep.violations == 0 and [g.id for g in rep.gates] == list(checks.GATES)


def test_each_gate_fails_on_its_own_case(db):
    """One violation per gate, each named by id, with the offending record listed."""
    scope_and_policy(db, TODAY)
    settings_svc.update_settings(db, ADMIN, {"overdue_grace_days": 5})
    big = _risk(db, "big", li=5, ii=5, due=TODAY + D(days=30))
    s = systems.create_system(db, EDITOR, {"name": "Bot", "technical_owner": EDITOR}, today=TODAY)
    rk = _risk(db, "small", system=s["ref"], due=TODAY + D(days=30))
    systems.transition(db, APPROVER, s["ref"], "validation", override_justification="pilot only, signed off by board",
                       today=TODAY)
    _risk(db, "five days late", due=TODAY - D(days=5))
    late = _risk(db, "six days late", due=TODAY - D(days=6))
    controls.update_applicability(db, ADMIN, "A.2.2", {"applicable": True, "owner": "",
                                                       "justification": "We train our own models"})
    rep = checks.run_checks(db, today=TODAY)
    got = {g.id: g for g in rep.gates}
    assert [i["ref"] for i in got["unaccepted_above_appetite"].items] == [big["ref"]]
    assert [i["ref"] for i in got["system_without_approved_impact_assessment"].items] == [s["ref"]]
    assert [i["ref"] for i in got["overdue_beyond_grace"].items] == [late["ref"]]
    assert [i["ref"] for i in got["applicable_control_without_owner"].items] == ["A.2.2"]
    assert [i["ref"] for i in got["treatment_plan_not_approved"].items] == [big["ref"]]
    assert not rep.passed and rep.violations == 5
    assert rk["ref"]


def test_a_valid_acceptance_satisfies_the_appetite_gate_until_it_expires_or_the_score_worsens(db):
    """The SQL gate follows rules.acceptance_state: expiry and a worse score break it."""
    big = _risk(db, "big", li=4, ii=4, due=TODAY + D(days=30))
    acceptances.accept_risk(db, APPROVER, big["ref"], "Accepted by the governance board", TODAY + D(days=10),
                            today=TODAY)
    gate = lambda day: next(g for g in checks.run_checks(db, today=day).gates  # noqa: E731
                            if g.id == "unaccepted_above_appetite")
    assert gate(TODAY).passed and gate(TODAY + D(days=10)).passed
    assert not gate(TODAY + D(days=11)).passed
    risks.update_risk(db, ADMIN, big["ref"], {"residual_impact": 5})
    assert not gate(TODAY).passed


@given(st.lists(st.tuples(st.integers(1, 5), st.integers(1, 5), st.integers(-5, 5), st.booleans()),
                min_size=0, max_size=3),
       st.integers(1, 5), st.integers(1, 5))
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_the_sql_appetite_gate_agrees_with_acceptances_is_valid(db, accs, rl, ri):
    """For any history of acceptances, the SQL rule and acceptance_state say the same."""
    from sqlmodel import select

    from aims_tui.core.models import Acceptance, Risk

    rk = _risk(db, "p", li=5, ii=5, residual_likelihood=rl, residual_impact=ri)

    def tx(s):
        row = s.exec(select(Risk).where(Risk.ref == rk["ref"])).one()
        for n, (al, ai, exp, revoked) in enumerate(accs):
            s.add(Acceptance(risk_id=row.id, accepted_by=APPROVER, justification="x" * 12,
                             expires_on=TODAY + D(days=exp), residual_likelihood=al, residual_impact=ai,
                             revoked=revoked, accepted_at=acceptances.audit.utcnow() + D(seconds=n)))
        acceptances.audit.record(s, APPROVER, "acceptance", rk["ref"], "create", {"acceptances": len(accs)})
    db.transact(tx)  # with its event: on PostgreSQL the server takes a change only with one (0017)
    with db.read() as s:
        row = s.exec(select(Risk).where(Risk.ref == rk["ref"])).one()
        python_ok = rules.acceptance_state(rules.current_acceptance(s, row.id), row.residual_score, TODAY).valid
        sql_ok = bool(s.exec(select(Risk.id).where(Risk.id == row.id, rules.valid_current_acceptance(TODAY))).first())
    assert sql_ok == python_ok


@given(st.lists(st.tuples(st.integers(-40, 40), st.sampled_from(["open", "treating", "closed"])),
                min_size=1, max_size=6),
       st.integers(0, 30))
@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_the_sql_reminders_agree_with_due_state_for_every_risk(db, risks_spec, soon):
    """One rule, two paths: the date-bounded SQL of reminders and schedule.due_state
    (as the register shows it) name the same risks overdue and due soon."""
    from aims_tui.core.queries import RiskFilter, all_risks

    settings_svc.update_settings(db, ADMIN, {"due_soon_days": soon})
    for days, status in risks_spec:
        _risk(db, f"d{days}", due=TODAY + D(days=days), status=status)
    got = {(i.ref, i.state) for i in reminders.due_items(db, today=TODAY, kinds=["risk_review"], limit=None).items}
    want = {(r["ref"], r["review_state"]) for r in all_risks(db, RiskFilter(today=TODAY))
            if r["review_state"] in ("overdue", "due_soon")}
    assert got == want
