"""aims readiness (issue 17): a fresh database shows every gap; each gap closes when
the record it asks for is added; the demo shows a realistic few; areas plug in."""

from __future__ import annotations

from datetime import timedelta

from hypothesis import given
from hypothesis import strategies as st

from aims_tui.core import readiness as rd
from aims_tui.core.models import Control
from aims_tui.core.readiness_types import MISSING, OK, STALE, UNAPPROVED, Finding
from aims_tui.core.services import (
    controls,
    evidence,
    impact,
    management,
    nonconformities,
    registers,
    risks,
    systems,
)

from ..conftest import APPROVER, EDITOR, TODAY


def _states(db) -> dict[str, str]:
    """clause -> the worst state of its findings."""
    return {c: s for c, s, _ in rd.readiness(db, today=TODAY).clauses()}


def _by_clause(db, clause):
    return [f for f in rd.readiness(db, today=TODAY).findings if f.clause == clause]


def test_a_fresh_database_shows_every_gap_with_a_fix(db):
    r = rd.readiness(db, today=TODAY)
    states = {f.clause: f.state for f in r.findings}
    assert states == {"4.1": MISSING, "6.1.2": MISSING, "6.1.3": MISSING, "6.1.4": MISSING, "8.2": MISSING,
                      "8.4": MISSING, "9.3": MISSING, "10.2": OK}
    assert all(f.fix for f in r.gaps)
    assert not r.ready and r.summary[MISSING] == 7


def test_findings_come_clause_by_clause_then_control_by_control(demo_db):
    r = rd.readiness(demo_db, today=TODAY)
    keys = [rd.clause_key(f.clause) for f in r.findings]
    assert keys == sorted(keys)
    first_control = next(i for i, f in enumerate(r.findings) if f.clause.startswith("A."))
    assert all(f.clause[0].isdigit() for f in r.findings[:first_control])
    assert all(f.clause.startswith("A.") for f in r.findings[first_control:])
    assert [f.clause for f in r.findings[first_control:]][:2] == ["A.2.2", "A.2.3"]


def test_the_demo_shows_a_realistic_few_gaps(demo_db):
    """Most applicable controls have current evidence; some have stale or none; not all is missing."""
    r = rd.readiness(demo_db, today=TODAY)
    controls_ = [f for f in r.findings if f.clause.startswith("A.")]
    ok = sum(f.ok for f in controls_)
    assert controls_ and len(controls_) / 2 < ok < len(controls_)
    assert {f.state for f in controls_} >= {OK, MISSING, STALE}
    assert r.summary[OK] > len(r.gaps) > 0


def test_the_json_form_has_its_schema_summary_and_findings(demo_db):
    d = rd.readiness(demo_db, today=TODAY).to_dict()
    assert d["schema"] == "aims.readiness/1" and d["as_of"] == TODAY.isoformat() and d["ready"] is False
    assert sum(d["summary"].values()) == len(d["findings"])
    assert {"clause", "requirement", "state", "detail", "fix", "refs"} == set(d["findings"][0])
    assert d["clauses"][0]["clause"] == "4.1"


def test_each_gap_closes_when_its_record_is_added(db):
    """Walks a fresh database to ready, one record at a time, checking that each record
    closes its own gap and only that one."""
    assert _states(db)["4.1"] == MISSING
    registers.create(db, EDITOR, "context_issue", {"title": "EU AI Act", "review_cadence": "yearly"}, today=TODAY)
    assert _states(db)["4.1"] == OK

    s1 = systems.create_system(db, EDITOR, {"name": "Scoring"}, today=TODAY)
    assert _states(db)["6.1.4"] == MISSING and s1["ref"] in _by_clause(db, "6.1.4")[0].refs
    ia = impact.create_assessment(db, EDITOR, {"system": s1["ref"], "title": "IA", "affected_groups": "Applicants"}, today=TODAY)
    assert _states(db)["6.1.4"] == UNAPPROVED
    impact.approve_assessment(db, APPROVER, ia["ref"])
    assert _states(db)["6.1.4"] == OK and _states(db)["8.4"] == OK

    r = risks.create_risk(db, EDITOR, {"title": "Bias", "inherent_likelihood": 3, "inherent_impact": 3,
                                       "next_review": (TODAY + timedelta(days=30)).isoformat()}, today=TODAY)
    assert _states(db)["6.1.2"] == OK and _states(db)["8.2"] == OK
    risks.update_risk(db, EDITOR, r["ref"], {"next_review": (TODAY - timedelta(days=1)).isoformat()})
    assert _states(db)["8.2"] == STALE and _by_clause(db, "8.2")[0].refs == (r["ref"],)

    with db.read() as s:
        codes = list(s.exec(Control.__table__.select().with_only_columns(Control.code)).scalars())
    for code in codes:
        controls.update_applicability(db, EDITOR, code, {"applicable": code != "A.10.4",
                                                         "justification": "no customers" if code == "A.10.4" else "we need it"})
    assert _states(db)["6.1.3"] == UNAPPROVED
    controls.approve_soa(db, APPROVER)
    assert _states(db)["6.1.3"] == OK

    assert [f.state for f in _by_clause(db, "A.6.2.4")] == [MISSING]
    assert _by_clause(db, "A.10.4") == []  # excluded: no evidence asked for
    e = evidence.add(db, EDITOR, "https://wiki.example.com/a624", "A.6.2.4", "Release checklist", today=TODAY)
    assert [f.state for f in _by_clause(db, "A.6.2.4")] == [OK]
    registers.update(db, EDITOR, "evidence", e["ref"], {"next_review": (TODAY - timedelta(days=1)).isoformat()},
                     today=TODAY)
    assert [f.state for f in _by_clause(db, "A.6.2.4")] == [STALE]

    mr = management.create_review(db, APPROVER, {"held_on": TODAY.isoformat(), "decisions": "Keep going"})
    assert _states(db)["9.3"] == UNAPPROVED
    management.sign_off(db, APPROVER, mr["ref"])
    assert _states(db)["9.3"] == OK
    assert [f.state for f in rd.readiness(db, today=TODAY + timedelta(days=400)).findings
            if f.clause == "9.3"] == [STALE]

    nc = nonconformities.create_nonconformity(db, EDITOR, {"title": "Drift", "raised_on": TODAY.isoformat(),
                                                            "due_date": (TODAY - timedelta(days=2)).isoformat()})
    assert _states(db)["10.2"] == STALE
    nonconformities.update_nonconformity(db, EDITOR, nc["ref"], {"status": "closed", "root_cause": "x",
                                                                  "corrective_actions": "y"})
    assert _states(db)["10.2"] == OK


def test_a_database_with_every_record_is_ready(db):
    registers.create(db, EDITOR, "context_issue", {"title": "EU AI Act"}, today=TODAY)
    s1 = systems.create_system(db, EDITOR, {"name": "Scoring"}, today=TODAY)
    ia = impact.create_assessment(db, EDITOR, {"system": s1["ref"], "affected_groups": "Applicants"}, today=TODAY)
    impact.approve_assessment(db, APPROVER, ia["ref"])
    risks.create_risk(db, EDITOR, {"title": "Bias", "inherent_likelihood": 2, "inherent_impact": 2}, today=TODAY)
    with db.read() as s:
        codes = list(s.exec(Control.__table__.select().with_only_columns(Control.code)).scalars())
    for code in codes:
        controls.update_applicability(db, EDITOR, code, {"applicable": code == "A.2.2",
                                                         "justification": "out of scope"})
    controls.approve_soa(db, APPROVER)
    evidence.add(db, EDITOR, "https://wiki.example.com/policy", "A.2.2", "AI policy", today=TODAY)
    mr = management.create_review(db, APPROVER, {"held_on": TODAY.isoformat(), "decisions": "Keep going"})
    management.sign_off(db, APPROVER, mr["ref"])
    r = rd.readiness(db, today=TODAY)
    assert r.ready, [f for f in r.gaps]


def test_an_area_of_another_module_is_gathered_in_clause_order(db):
    """Other areas (documents 7.5, audits 9.2...) plug in as functions of (session, today)."""
    def documents(s, today):
        return [Finding("7.5", "Documented information controlled", MISSING, "no document", "aims documents add")]

    r = rd.readiness(db, today=TODAY, areas=[*rd.AREAS, documents])
    clauses = [f.clause for f in r.findings]
    assert clauses.index("6.1.4") < clauses.index("7.5") < clauses.index("8.2")


@given(st.lists(st.tuples(st.integers(4, 10), st.integers(1, 12), st.integers(0, 9)), min_size=2))
def test_clause_order_is_numeric_not_textual(parts):
    clauses = [f"{a}.{b}" + (f".{c}" if c else "") for a, b, c in parts]
    ordered = sorted(clauses, key=rd.clause_key)
    nums = [tuple(int(x) for x in c.split(".")) for c in ordered]
    assert nums == sorted(nums)
    assert rd.clause_key("10.2") > rd.clause_key("9.3") and rd.clause_key("A.10.2") > rd.clause_key("A.9.4")
    assert rd.clause_key("A.2.2") > rd.clause_key("10.2")
