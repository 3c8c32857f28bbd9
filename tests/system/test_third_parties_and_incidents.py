"""Suppliers, AI components and incidents (issue 16, A.10 and 8.1): the rules of each
kind, raising a nonconformity from an incident, the supplier gate of ``aims check``,
and what readiness says of them (``findings``)."""

from __future__ import annotations

import tempfile
from datetime import date, timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from aims_tui.core import checks, incidents as incident_rules, reminders, suppliers as supplier_rules
from aims_tui.core.db import open_database
from aims_tui.core.errors import ValidationError
from aims_tui.core.readiness_types import MISSING, OK, STALE, UNAPPROVED
from aims_tui.core.services import incidents, nonconformities, registers, risks, systems, users, withdrawal
from aims_tui.io import jsonio

from ..conftest import ADMIN, EDITOR, TODAY, make_db
from ..core.helpers import snapshot


def _supplier(db, **kw):
    return registers.create(db, EDITOR, "supplier", {"name": "Acme Models", **kw}, today=TODAY)


def _incident(db, **kw):
    return registers.create(db, EDITOR, "incident", {"title": "Chatbot leaked an order", **kw}, today=TODAY)


def _gate(db, today=TODAY):
    return next(g for g in checks.run_checks(db, today=today).gates if g.id == "supplier_not_assessed")


def _findings(db, module, today=TODAY):
    with db.read() as s:
        return module.findings(s, today)


# -- suppliers -------------------------------------------------------------------------------
def test_an_outcome_given_without_a_date_is_dated_today_and_the_cadence_sets_the_next_assessment(db):
    """Typing only "acceptable" after a call with the supplier is the common case."""
    s = _supplier(db, review_cadence="yearly")
    r = registers.update(db, EDITOR, "supplier", s["ref"], {"outcome": "acceptable"}, today=TODAY)
    assert r["assessed_on"] == TODAY and r["next_assessment"] == date(2027, 6, 15)


def test_an_assessment_date_without_an_outcome_is_refused_naming_the_outcome(db):
    with pytest.raises(ValidationError) as exc:
        _supplier(db, assessed_on="2026-06-01")
    assert exc.value.field == "outcome"


def test_an_assessment_in_the_future_is_refused(db):
    with pytest.raises(ValidationError) as exc:
        _supplier(db, assessed_on="2026-07-01", outcome="acceptable")
    assert exc.value.field == "assessed_on" and "future" in str(exc.value)


def test_acceptable_with_conditions_needs_the_conditions(db):
    with pytest.raises(ValidationError) as exc:
        _supplier(db, outcome="acceptable_with_conditions")
    assert exc.value.field == "conditions"
    r = _supplier(db, outcome="acceptable_with_conditions", conditions="Yearly SOC 2 report")
    assert r["conditions"] == "Yearly SOC 2 report"


def test_a_next_assessment_not_after_the_assessment_is_refused(db):
    with pytest.raises(ValidationError) as exc:
        _supplier(db, assessed_on="2026-06-01", outcome="acceptable", next_assessment="2026-05-01")
    assert exc.value.field == "next_assessment"


def test_a_given_next_assessment_wins_over_the_cadence(db):
    r = _supplier(db, review_cadence="yearly", assessed_on="2026-06-01", outcome="acceptable",
                  next_assessment="2026-09-01")
    assert r["next_assessment"] == date(2026, 9, 1)


def test_a_component_cannot_be_linked_to_a_withdrawn_supplier_or_system(db):
    s = _supplier(db)
    sysref = systems.create_system(db, EDITOR, {"name": "Chatbot"})["ref"]
    withdrawal.withdraw(db, EDITOR, "supplier", s["ref"], reason="typo")
    with pytest.raises(ValidationError) as exc:
        registers.create(db, EDITOR, "ai_component", {"name": "Base model", "supplier": s["ref"]}, today=TODAY)
    assert exc.value.field == "supplier" and "withdrawn" in str(exc.value)
    withdrawal.withdraw(db, EDITOR, "ai_system", sysref, reason="typo")
    with pytest.raises(ValidationError) as exc:
        registers.create(db, EDITOR, "ai_component", {"name": "Base model", "system": sysref}, today=TODAY)
    assert exc.value.field == "system"


# -- the gate --------------------------------------------------------------------------------
def test_the_gate_counts_active_suppliers_never_assessed_or_past_their_next_assessment(db):
    """Proposed and ended suppliers are not in use: the gate leaves them out."""
    _supplier(db, status="proposed")
    _supplier(db, status="ended")
    never = _supplier(db, status="active")
    late = _supplier(db, status="active", assessed_on="2025-01-01", outcome="acceptable",
                     next_assessment="2026-01-01")
    _supplier(db, status="active", assessed_on="2026-01-01", outcome="acceptable", next_assessment="2027-01-01")
    g = _gate(db)
    assert g.count == 2 and [i["ref"] for i in g.items] == [never["ref"], late["ref"]]
    registers.update(db, EDITOR, "supplier", never["ref"], {"outcome": "acceptable", "next_assessment": "2027-01-01"},
                     today=TODAY)
    registers.update(db, EDITOR, "supplier", late["ref"], {"assessed_on": "2026-06-01", "next_assessment": "2027-06-01"},
                     today=TODAY)
    assert _gate(db).passed


_status = st.sampled_from(["proposed", "approved", "active", "ended"])
_offset = st.one_of(st.none(), st.integers(-400, -1))  # days before today the assessment was made
_due = st.integers(-60, 400)  # days after the assessment the next one is due (past today or not)


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.tuples(_status, _offset, _due), min_size=1, max_size=5))
def test_the_gate_counts_exactly_the_active_suppliers_unassessed_or_overdue(rows):
    with tempfile.TemporaryDirectory() as d:
        db = make_db(Path(d) / "aims.db")
        try:
            expected = 0
            for status, offset, due in rows:
                data = {"status": status}
                if offset is not None:
                    done = TODAY + timedelta(days=offset)
                    nxt = done + timedelta(days=max(1, due))
                    data.update(assessed_on=done.isoformat(), outcome="acceptable", next_assessment=nxt.isoformat())
                    late = nxt < TODAY
                else:
                    late = True
                expected += status == "active" and late
                _supplier(db, **data)
            assert _gate(db).count == expected
        finally:
            db.dispose()


# -- incidents -------------------------------------------------------------------------------
def test_an_incident_found_before_it_happened_is_refused_naming_the_detected_date(db):
    with pytest.raises(ValidationError) as exc:
        _incident(db, occurred_on="2026-06-10", detected_on="2026-06-09")
    assert exc.value.field == "detected_on"
    with pytest.raises(ValidationError) as exc:
        _incident(db, occurred_on="2026-07-01")
    assert exc.value.field == "occurred_on" and "future" in str(exc.value)


def test_resolving_stamps_the_day_and_reopening_clears_it(db):
    i = _incident(db)
    assert i["resolved_on"] is None
    r = registers.update(db, EDITOR, "incident", i["ref"], {"status": "resolved"}, today=TODAY)
    assert r["resolved_on"] == TODAY
    r = registers.update(db, EDITOR, "incident", i["ref"], {"status": "closed"}, today=TODAY + timedelta(days=3))
    assert r["resolved_on"] == TODAY  # closing later keeps the day it was resolved
    r = registers.update(db, EDITOR, "incident", i["ref"], {"status": "open"}, today=TODAY)
    assert r["resolved_on"] is None


def test_an_incident_links_to_a_system_a_risk_and_a_nonconformity_by_ref(db):
    s = systems.create_system(db, EDITOR, {"name": "Chatbot"})
    rk = risks.create_risk(db, EDITOR, {"system": s["ref"], "title": "Leak", "inherent_likelihood": 2,
                                        "inherent_impact": 2}, today=TODAY)
    nc = nonconformities.create_nonconformity(db, EDITOR, {"title": "Old incident"}, today=TODAY)
    i = _incident(db, system=s["ref"], risk=rk["ref"], nonconformity=nc["ref"])
    assert (i["system"], i["risk"], i["nonconformity"]) == (s["ref"], rk["ref"], nc["ref"])
    with pytest.raises(ValidationError) as exc:
        _incident(db, risk="R-9999")
    assert exc.value.field == "risk"


def test_raising_a_nonconformity_is_refused_for_an_open_a_withdrawn_or_an_already_raised_incident(db):
    """Each refusal names the field and writes nothing."""
    open_one = _incident(db)
    gone = _incident(db, status="resolved")
    withdrawal.withdraw(db, EDITOR, "incident", gone["ref"], reason="duplicate")
    done = _incident(db, status="resolved")
    incidents.raise_nonconformity(db, EDITOR, done["ref"], today=TODAY)
    before = snapshot(db)
    for ref, field in ((open_one["ref"], "status"), (gone["ref"], "status"), (done["ref"], "nonconformity")):
        with pytest.raises(ValidationError) as exc:
            incidents.raise_nonconformity(db, EDITOR, ref, today=TODAY)
        assert exc.value.field == field, ref
    assert snapshot(db) == before


def test_a_raised_nonconformity_leaves_out_an_owner_who_is_no_longer_active(db):
    """The incident's owner left the team: the nonconformity is raised with no owner
    rather than refused for a field the user did not type."""
    i = _incident(db, status="resolved", owner=EDITOR)
    users.deactivate(db, ADMIN, EDITOR)
    out = incidents.raise_nonconformity(db, ADMIN, i["ref"], today=TODAY)
    assert out["nonconformity"]["owner"] == "" and out["incident"]["owner"] == EDITOR


# -- readiness -------------------------------------------------------------------------------
def test_a_fresh_database_shows_every_gap_of_a10_and_of_the_inventory(db):
    found = _findings(db, supplier_rules) + _findings(db, incident_rules)
    by = {(f.clause, f.requirement): f for f in found}
    gaps = [f for f in found if f.state != OK]
    assert {f.clause for f in gaps} == {"A.10.2", "A.10.3", "8.1"}
    assert all(f.fix for f in gaps)
    inventory = next(f for f in found if f.clause == "8.1" and "inventory" in f.requirement)
    assert inventory.state == MISSING and "aims systems add" in inventory.fix
    # no incident is not a gap: there is nothing to handle, and the finding says so
    handled = next(f for (c, r), f in by.items() if c == "8.1" and r.startswith("Incidents"))
    assert handled.state == OK and "no incident" in handled.detail


def test_a10_findings_follow_the_suppliers_from_missing_to_stale_to_ok(db):
    def state(clause_start: str) -> str:
        return next(f.state for f in _findings(db, supplier_rules) if f.requirement.startswith(clause_start))

    s = _supplier(db, status="active", owner=EDITOR)
    assert state("Every active supplier") == MISSING
    registers.update(db, EDITOR, "supplier", s["ref"], {"assessed_on": "2025-01-01", "outcome": "acceptable",
                                                        "next_assessment": "2026-01-01"}, today=TODAY)
    f = next(f for f in _findings(db, supplier_rules) if f.requirement.startswith("Every active supplier"))
    assert f.state == STALE and f.refs == (s["ref"],)
    registers.update(db, EDITOR, "supplier", s["ref"], {"assessed_on": "2026-06-01", "outcome": "not_acceptable",
                                                        "next_assessment": "2027-06-01"}, today=TODAY)
    assert state("Every active supplier") == UNAPPROVED
    registers.update(db, EDITOR, "supplier", s["ref"], {"outcome": "acceptable"}, today=TODAY)
    assert state("Every active supplier") == OK
    assert state("Each supplier relationship") == OK
    assert state("Third-party AI components") == MISSING
    sysref = systems.create_system(db, EDITOR, {"name": "Chatbot", "third_party": "Acme"})["ref"]
    registers.create(db, EDITOR, "ai_component", {"name": "Base model", "supplier": s["ref"], "system": sysref,
                                                  "status": "in_use"}, today=TODAY)
    assert all(f.ok for f in _findings(db, supplier_rules))


def test_incident_findings_name_unowned_unfollowed_and_unreported_incidents(db):
    i = _incident(db, severity="critical")
    found = _findings(db, incident_rules)
    handled = next(f for f in found if f.requirement.startswith("Incidents"))
    told = next(f for f in found if f.clause == "A.8.4")
    assert handled.state == MISSING and handled.refs == (i["ref"],)
    assert told.state == MISSING and told.refs == (i["ref"],)
    registers.update(db, EDITOR, "incident", i["ref"], {"owner": EDITOR, "status": "resolved",
                                                        "reported_to": "customers"}, today=TODAY)
    handled = next(f for f in _findings(db, incident_rules) if f.requirement.startswith("Incidents"))
    assert handled.state == STALE and "raise-nc" in handled.fix
    incidents.raise_nonconformity(db, EDITOR, i["ref"], today=TODAY)
    found = _findings(db, incident_rules)
    assert next(f for f in found if f.requirement.startswith("Incidents")).ok
    assert next(f for f in found if f.clause == "A.8.4").ok


def test_the_inventory_finding_names_systems_without_owner_or_past_their_review(db):
    a = systems.create_system(db, EDITOR, {"name": "Owned", "business_owner": EDITOR}, today=TODAY)
    b = systems.create_system(db, EDITOR, {"name": "Nobody's"}, today=TODAY)
    f = next(f for f in _findings(db, incident_rules) if "inventory" in f.requirement)
    assert f.state == MISSING and f.refs == (b["ref"],)
    systems.update_system(db, EDITOR, b["ref"], {"technical_owner": EDITOR})
    late = max(date.fromisoformat(str(x["next_review"])) for x in (a, b)) + timedelta(days=1)
    f = next(f for f in _findings(db, incident_rules, today=late) if "inventory" in f.requirement)
    assert f.state == STALE and set(f.refs) == {a["ref"], b["ref"]}
    assert next(f for f in _findings(db, incident_rules) if "inventory" in f.requirement).ok


def test_suppliers_components_and_incidents_survive_the_lossless_json_export_and_import(db, tmp_path):
    """A team moving its register to a new host keeps the third parties, the incidents and
    the link from an incident to the nonconformity raised from it."""
    s = _supplier(db, status="active", outcome="acceptable", review_cadence="yearly")
    sysref = systems.create_system(db, EDITOR, {"name": "Chatbot"})["ref"]
    registers.create(db, EDITOR, "ai_component", {"name": "Base model", "supplier": s["ref"], "system": sysref},
                     today=TODAY)
    i = _incident(db, status="resolved", system=sysref)
    incidents.raise_nonconformity(db, EDITOR, i["ref"], today=TODAY)
    first = tmp_path / "first.json"
    jsonio.export_json(db, first)
    target = open_database(str(tmp_path / "restored.db"))
    try:
        jsonio.import_json(target, first)
        for entity in ("supplier", "ai_component", "incident"):
            assert registers.listing(target, entity) == registers.listing(db, entity), entity
        assert registers.show(target, "incident", i["ref"])["nonconformity"] == "NC-001"
        second = tmp_path / "second.json"
        jsonio.export_json(target, second)
        assert second.read_text(encoding="utf-8") == first.read_text(encoding="utf-8")
    finally:
        target.dispose()


def test_a_suppliers_next_assessment_and_next_review_are_two_reminders_until_it_ends(db):
    """Both dates of a supplier reach `aims reminders`, each named for what is due."""
    s = _supplier(db, status="active", owner=EDITOR, assessed_on="2025-01-01", outcome="acceptable",
                  next_assessment="2026-06-01", next_review="2026-06-10")
    items = [i for i in reminders.due_items(db, today=TODAY).items if i.ref == s["ref"]]
    assert sorted(i.kind for i in items) == ["supplier_next_assessment", "supplier_next_review"]
    assert {reminders.KIND_LABELS[i.kind] for i in items} == {"supplier assessment", "supplier review"}
    assert all(i.state == "overdue" and i.owner == EDITOR for i in items)
    registers.update(db, EDITOR, "supplier", s["ref"], {"status": "ended"}, today=TODAY)
    assert not [i for i in reminders.due_items(db, today=TODAY).items if i.ref == s["ref"]]
