"""Internal audits (9.2) and corrective actions (10.2): the rules of their kinds, a
finding raised as a nonconformity, a nonconformity that cannot close while its
corrective actions are open or unreviewed, reminders, check gates and readiness."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given, settings, strategies as st
from sqlalchemy import Column, Integer, MetaData, String, Table
from sqlmodel import select

from aims_tui.core import checks, improvement, reminders
from aims_tui.core.audit import events
from aims_tui.core.db import open_database
from aims_tui.core.errors import ValidationError
from aims_tui.core.models import InternalAudit, Nonconformity
from aims_tui.core.readiness_types import MISSING, OK, STALE, UNAPPROVED
from aims_tui.core.services import internal_audits, nonconformities, registers
from aims_tui.io import jsonio

from ..conftest import ADMIN, APPROVER, EDITOR, TODAY
from .helpers import audit_actions, snapshot


def _audit(db, **kw):
    data = {"title": "Audit of risk treatment", "area": "Risk management", "area_owner": APPROVER,
            "auditor": EDITOR, **kw}
    return registers.create(db, EDITOR, "internal_audit", data, today=TODAY)


def _nc(db, **kw):
    return nonconformities.create_nonconformity(db, EDITOR, {"title": "Logs not kept", **kw}, today=TODAY)


def _ca(db, nc_ref="NC-001", **kw):
    return registers.create(db, EDITOR, "corrective_action", {"nonconformity": nc_ref, "action": "Keep logs", **kw},
                            today=TODAY)


def _findings(db, today=TODAY):
    with db.read() as s:
        return improvement.findings(s, today)


def _state(found, clause, word):
    return next(f for f in found if f.clause == clause and word in f.requirement)


# -- independence ---------------------------------------------------------------------------

def test_an_auditor_who_owns_the_audited_area_is_refused_naming_the_auditor(db):
    """The case of 9.2: the risk owner 'audits' the risk process they run."""
    with pytest.raises(ValidationError) as exc:
        _audit(db, area_owner=EDITOR, auditor=EDITOR)
    assert exc.value.field == "auditor"
    assert "own area" in exc.value.message and "Risk management" in exc.value.message
    assert registers.listing(db, "internal_audit") == []


def test_making_the_auditor_the_area_owner_later_is_refused_too(db):
    """Independence is checked on the record as it would be, not only on the fields sent."""
    ref = _audit(db)["ref"]
    with pytest.raises(ValidationError) as exc:
        registers.update(db, EDITOR, "internal_audit", ref, {"area_owner": EDITOR}, today=TODAY)
    assert exc.value.field == "auditor"
    assert registers.show(db, "internal_audit", ref)["area_owner"] == APPROVER


@settings(max_examples=60, deadline=None)
@given(auditor=st.sampled_from(["", "ada", "bob", "eve"]), owner=st.sampled_from(["", "ada", "bob", "eve"]),
       area=st.text(max_size=12))
def test_an_audit_is_refused_exactly_when_the_auditor_owns_the_area(auditor, owner, area):
    values = {"auditor": auditor, "area_owner": owner, "area": area, "status": "planned"}
    try:
        improvement._prepare_audit(None, values, None, TODAY)  # no role register: no session needed
        refused = False
    except ValidationError as exc:
        assert exc.field == "auditor"
        refused = True
    assert refused == (bool(auditor) and auditor == owner)


def test_the_holder_of_an_aims_role_over_the_area_is_not_independent(db):
    """When the schema has a role register (5.3), a role held by the auditor whose text
    names the area makes them not independent of it; a role over another area does not."""
    meta = MetaData()
    roles = Table("aims_role", meta, Column("id", Integer, primary_key=True), Column("ref", String(32)),
                  Column("title", String(200)), Column("holder", String(64)), Column("status", String(16)))
    roles.create(db.engine)
    with db.engine.begin() as conn:
        conn.execute(roles.insert(), [
            {"ref": "ROLE-001", "title": "Owner of RISK MANAGEMENT", "holder": EDITOR, "status": "active"},
            {"ref": "ROLE-002", "title": "Data protection", "holder": ADMIN, "status": "active"},
            {"ref": "ROLE-003", "title": "Risk management deputy", "holder": ADMIN, "status": "withdrawn"}])
    with db.read() as s:
        assert improvement.roles_over(s, EDITOR, "Risk  management", tables=meta.tables) == ["ROLE-001"]
        assert improvement.roles_over(s, ADMIN, "Risk management", tables=meta.tables) == []
        assert improvement.roles_over(s, EDITOR, "", tables=meta.tables) == []
    # and with no role register in the schema, nobody holds one
    with db.read() as s:
        assert improvement.roles_over(s, EDITOR, "Risk management") == []


# -- states of an audit ---------------------------------------------------------------------------

def test_a_held_audit_gets_todays_date_and_a_reported_one_needs_its_result_and_conclusion(db):
    ref = _audit(db, planned_on="2026-06-01")["ref"]
    held = registers.update(db, EDITOR, "internal_audit", ref, {"status": "held"}, today=TODAY)
    assert held["held_on"] == TODAY
    with pytest.raises(ValidationError) as exc:
        registers.update(db, EDITOR, "internal_audit", ref, {"status": "reported"}, today=TODAY)
    assert exc.value.field == "result"
    with pytest.raises(ValidationError) as exc:
        registers.update(db, EDITOR, "internal_audit", ref, {"status": "reported", "result": "Two gaps"},
                         today=TODAY)
    assert exc.value.field == "conclusion"
    done = registers.update(db, EDITOR, "internal_audit", ref, {"status": "reported", "result": "Two gaps",
                                                                 "conclusion": "Conforms with two findings"},
                            today=TODAY)
    assert done["status"] == "reported"


def test_an_audit_held_in_the_future_or_without_an_auditor_is_refused(db):
    with pytest.raises(ValidationError) as exc:
        _audit(db, status="held", held_on=(TODAY + timedelta(days=1)).isoformat())
    assert exc.value.field == "held_on"
    with pytest.raises(ValidationError) as exc:
        _audit(db, status="held", auditor="")
    assert exc.value.field == "auditor"


def test_an_audit_is_not_planned_in_a_closed_programme(db):
    p = registers.create(db, EDITOR, "audit_programme", {"title": "Programme 2025", "status": "closed"}, today=TODAY)
    with pytest.raises(ValidationError) as exc:
        _audit(db, programme=p["ref"])
    assert exc.value.field == "programme" and p["ref"] in exc.value.message


# -- the programme and its approval ---------------------------------------------------------------

def test_approval_is_by_an_approver_and_lapses_when_the_scope_changes(db):
    """An editor cannot set the status to approved; an approver approves; a new scope asks again."""
    p = registers.create(db, EDITOR, "audit_programme", {"title": "Programme 2027", "period": "2027",
                                                         "scope": "All", "criteria": "ISO/IEC 42001"}, today=TODAY)
    with pytest.raises(ValidationError) as exc:
        registers.update(db, EDITOR, "audit_programme", p["ref"], {"status": "approved"}, today=TODAY)
    assert exc.value.field == "status" and "approve" in exc.value.message
    r = internal_audits.approve_programme(db, APPROVER, p["ref"], today=TODAY)
    assert (r["status"], r["approved_by"], r["approved_on"]) == ("approved", APPROVER, TODAY)
    with pytest.raises(ValidationError):
        internal_audits.approve_programme(db, APPROVER, p["ref"], today=TODAY)  # already approved
    r = registers.update(db, EDITOR, "audit_programme", p["ref"], {"owner": APPROVER}, today=TODAY)
    assert r["status"] == "approved"  # the owner is not what was approved
    r = registers.update(db, EDITOR, "audit_programme", p["ref"], {"scope": "Clauses 6 and 8"}, today=TODAY)
    assert (r["status"], r["approved_by"], r["approved_on"]) == ("planned", "", None)
    assert audit_actions(db, p["ref"]) == ["create", "approve", "update", "update"]


# -- findings -------------------------------------------------------------------------------------

def test_a_finding_is_a_nonconformity_of_the_audit_written_with_an_event_on_both(db):
    ref = _audit(db)["ref"]
    nc = internal_audits.raise_finding(db, EDITOR, ref, {"title": "No owner on R-0003", "severity": "major",
                                                         "description": "Seen in the register"}, today=TODAY)
    assert (nc["ref"], nc["kind"], nc["internal_audit"], nc["owner"], nc["location"]) == (
        "NC-001", "audit_finding", ref, APPROVER, "Risk management")
    assert nc["raised_on"] == TODAY
    with db.read() as s:
        row = s.exec(select(Nonconformity)).one()
        assert row.internal_audit_id == s.exec(select(InternalAudit.id)).one()
        ev = events(s, entity_ref="NC-001", limit=None)[0]
    assert ev["changes"]["internal_audit"] == [None, ref]
    assert audit_actions(db, ref) == ["create", "finding"]
    assert registers.show(db, "internal_audit", ref)["version"] == 2


def test_a_refused_finding_writes_neither_record(db):
    """One transaction: a bad severity leaves no nonconformity and no event on the audit."""
    ref = _audit(db)["ref"]
    before = snapshot(db)
    with pytest.raises(ValidationError) as exc:
        internal_audits.raise_finding(db, EDITOR, ref, {"title": "Gap", "severity": "catastrophic"}, today=TODAY)
    assert exc.value.field == "severity"
    with pytest.raises(ValidationError) as exc:
        internal_audits.raise_finding(db, EDITOR, ref, {"title": "Gap", "owner": "nobody"}, today=TODAY)
    assert exc.value.field == "owner"
    assert snapshot(db) == before


def test_the_nonconformity_json_names_its_audit_and_an_incident_none(db):
    ref = _audit(db)["ref"]
    internal_audits.raise_finding(db, EDITOR, ref, {"title": "Gap"}, today=TODAY)
    _nc(db)
    listed = {n["ref"]: n["internal_audit"] for n in nonconformities.list_nonconformities(db)}
    assert listed == {"NC-001": ref, "NC-002": None}


# -- corrective actions and closing ----------------------------------------------------------------

def test_a_nonconformity_is_not_closed_while_its_corrective_action_is_open_or_unreviewed(db):
    """10.2: closing needs the actions done and their effectiveness reviewed."""
    _nc(db, root_cause="No retention rule")
    ca = _ca(db)["ref"]
    with pytest.raises(ValidationError) as exc:
        nonconformities.update_nonconformity(db, EDITOR, "NC-001", {"status": "closed"}, today=TODAY)
    assert exc.value.field == "status" and ca in exc.value.message and "open" in exc.value.message
    done = registers.update(db, EDITOR, "corrective_action", ca, {"status": "done"}, today=TODAY)
    assert done["done_on"] == TODAY
    assert done["effectiveness_review_due"] == TODAY + improvement.EFFECTIVENESS_REVIEW_AFTER
    with pytest.raises(ValidationError) as exc:
        nonconformities.update_nonconformity(db, EDITOR, "NC-001", {"status": "closed"}, today=TODAY)
    assert exc.value.field == "status" and "effectiveness" in exc.value.message
    later = TODAY + timedelta(days=30)
    r = registers.update(db, EDITOR, "corrective_action", ca, {"effective": "yes"}, today=later)
    assert (r["effective"], r["effectiveness_reviewed_on"]) == (True, later)
    assert nonconformities.update_nonconformity(db, EDITOR, "NC-001", {"status": "closed"}, today=later)["status"] \
        == "closed"


def test_a_cancelled_action_does_not_stop_the_closing(db):
    _nc(db, root_cause="Typo in a config")
    ca = _ca(db)["ref"]
    registers.update(db, EDITOR, "corrective_action", ca, {"status": "cancelled"}, today=TODAY)
    assert nonconformities.update_nonconformity(db, EDITOR, "NC-001", {"status": "closed"}, today=TODAY)["status"] \
        == "closed"
    with pytest.raises(ValidationError) as exc:
        _ca(db)  # no new open action on a closed nonconformity
    assert exc.value.field == "nonconformity"


def test_effectiveness_is_reviewed_only_once_done_and_a_no_needs_a_note(db):
    _nc(db)
    ca = _ca(db)["ref"]
    with pytest.raises(ValidationError) as exc:
        registers.update(db, EDITOR, "corrective_action", ca, {"effective": "yes"}, today=TODAY)
    assert exc.value.field == "effective" and "not done" in exc.value.message
    registers.update(db, EDITOR, "corrective_action", ca, {"status": "done", "done_on": "2026-06-10"}, today=TODAY)
    with pytest.raises(ValidationError) as exc:
        registers.update(db, EDITOR, "corrective_action", ca, {"effective": "no"}, today=TODAY)
    assert exc.value.field == "effectiveness_note"
    with pytest.raises(ValidationError) as exc:
        registers.update(db, EDITOR, "corrective_action", ca, {"effective": "yes",
                                                               "effectiveness_reviewed_on": "2026-06-01"}, today=TODAY)
    assert exc.value.field == "effectiveness_reviewed_on" and "before" in exc.value.message
    with pytest.raises(ValidationError) as exc:
        registers.update(db, EDITOR, "corrective_action", ca, {"effectiveness_reviewed_on": "2026-06-12"},
                         today=TODAY)
    assert exc.value.field == "effective"
    r = registers.update(db, EDITOR, "corrective_action", ca, {"effective": "no",
                                                               "effectiveness_note": "Logs still lost"}, today=TODAY)
    assert r["effective"] is False


@settings(max_examples=60, deadline=None)
@given(done_ago=st.integers(min_value=0, max_value=400), review_in=st.none() | st.integers(-30, 400))
def test_a_done_action_gets_a_review_date_after_it_was_done(done_ago, review_in):
    """Whatever day it was done, the effectiveness review is due after it (given or by default)."""
    done_on = TODAY - timedelta(days=done_ago)
    values = {"nonconformity_id": 1, "status": "done", "done_on": done_on}
    if review_in is not None:
        values["effectiveness_review_due"] = done_on + timedelta(days=review_in)

    class _S:  # no nonconformity row: the session is asked for one only
        def get(self, model, key):
            return None

    improvement._prepare_action(_S(), values, None, TODAY)
    assert values["done_on"] == done_on
    expected = done_on + (timedelta(days=review_in) if review_in is not None else improvement.EFFECTIVENESS_REVIEW_AFTER)
    assert values["effectiveness_review_due"] == expected


# -- reminders and gates ---------------------------------------------------------------------------

def test_a_nonconformity_due_date_is_a_reminder_until_it_is_closed(db):
    _nc(db, due_date="2026-06-01", owner=EDITOR, root_cause="Unclear rule")
    found = [i for i in reminders.due_items(db, today=TODAY).items if i.ref == "NC-001"]
    assert [(i.kind, i.state, i.owner, i.days_overdue) for i in found] == [("nonconformity", "overdue", EDITOR, 14)]
    nonconformities.update_nonconformity(db, EDITOR, "NC-001", {"status": "closed"}, today=TODAY)
    assert not [i for i in reminders.due_items(db, today=TODAY).items if i.ref == "NC-001"]


def test_the_effectiveness_review_reminds_once_done_and_until_reviewed(db):
    _nc(db)
    ca = _ca(db, owner=EDITOR, due_date="2026-06-20")["ref"]
    kinds = lambda day: sorted(i.kind for i in reminders.due_items(db, today=day, within=400).items  # noqa: E731
                               if i.ref == ca)
    assert kinds(TODAY) == ["corrective_action_due_date"]
    registers.update(db, EDITOR, "corrective_action", ca, {"status": "done"}, today=TODAY)
    assert kinds(TODAY) == ["corrective_action_effectiveness_review_due"]
    registers.update(db, EDITOR, "corrective_action", ca, {"effective": "yes"}, today=TODAY)
    assert kinds(TODAY) == []


def test_an_audit_planned_on_a_past_day_reminds_its_auditor_while_planned(db):
    ref = _audit(db, planned_on="2026-06-01")["ref"]
    found = [i for i in reminders.due_items(db, today=TODAY).items if i.ref == ref]
    assert [(i.kind, i.owner, i.state) for i in found] == [("internal_audit_planned_on", EDITOR, "overdue")]
    registers.update(db, EDITOR, "internal_audit", ref, {"status": "held"}, today=TODAY)
    assert not [i for i in reminders.due_items(db, today=TODAY).items if i.ref == ref]


def _gate(db, gate_id, today=TODAY):
    return next(g for g in checks.run_checks(db, today=today).gates if g.id == gate_id)


def test_the_nonconformity_overdue_gate_lists_open_ones_past_their_due_date(db):
    _nc(db, due_date="2026-06-10", root_cause="x")
    _nc(db, due_date="2026-06-20")
    _nc(db, due_date="2026-06-01", status="closed", root_cause="y")
    g = _gate(db, "nonconformity_overdue")
    assert (g.count, [i["ref"] for i in g.items], g.items[0]["days_overdue"]) == (1, ["NC-001"], 5)
    nonconformities.update_nonconformity(db, EDITOR, "NC-001", {"status": "closed"}, today=TODAY)
    assert _gate(db, "nonconformity_overdue").passed
    assert not checks.run_checks(db, today=date(2026, 7, 1)).passed  # NC-002 late by then


def test_the_effectiveness_gate_fails_once_the_review_date_has_passed_without_a_review(db):
    _nc(db)
    ca = _ca(db)["ref"]
    registers.update(db, EDITOR, "corrective_action", ca, {"status": "done", "effectiveness_review_due": "2026-06-30"},
                     today=TODAY)
    assert _gate(db, "corrective_action_effectiveness_not_reviewed").passed  # not due yet
    late = date(2026, 7, 1)
    g = _gate(db, "corrective_action_effectiveness_not_reviewed", late)
    assert (g.count, g.items[0]["ref"], g.items[0]["due"]) == (1, ca, "2026-06-30")
    registers.update(db, EDITOR, "corrective_action", ca, {"effective": "yes"}, today=late)
    assert _gate(db, "corrective_action_effectiveness_not_reviewed", late).passed


# -- readiness ------------------------------------------------------------------------------------

def test_a_fresh_database_shows_every_gap_of_9_2_10_1_and_10_2_with_a_fix(db):
    found = _findings(db)
    assert {f.clause for f in found} == {"9.2", "10.1", "10.2"}
    gaps = [f for f in found if not f.ok]
    assert {f.clause for f in gaps} == {"9.2", "10.1", "10.2"}
    assert all(f.fix.startswith("aims ") for f in gaps)
    assert _state(found, "9.2", "programme").state == MISSING
    assert _state(found, "10.2", "Corrective actions recorded").state == MISSING


def test_each_gap_closes_when_its_record_is_added(db):
    """The programme: missing, then unapproved, then ok; audits: missing until one is reported;
    10.2: missing until an action exists, stale while overdue, effectiveness until reviewed."""
    p = registers.create(db, EDITOR, "audit_programme", {"title": "P", "scope": "All", "criteria": "42001"},
                         today=TODAY)["ref"]
    assert _state(_findings(db), "9.2", "programme").state == UNAPPROVED
    internal_audits.approve_programme(db, APPROVER, p, today=TODAY)
    assert _state(_findings(db), "9.2", "programme").state == OK
    a = _audit(db, programme=p, planned_on="2026-06-01")["ref"]
    f = _state(_findings(db), "9.2", "held and reported")
    assert f.state == MISSING and a in f.refs
    registers.update(db, EDITOR, "internal_audit", a, {"status": "reported", "result": "Fine", "conclusion": "Conforms"},
                     today=TODAY)
    found = _findings(db)
    assert _state(found, "9.2", "held and reported").state == OK
    assert _state(found, "9.2", "independent").state == OK

    _nc(db, due_date="2026-06-01", root_cause="r")
    f = _state(_findings(db), "10.2", "Corrective actions recorded")
    assert f.state == MISSING and f.refs == ("NC-001",)
    ca = _ca(db, due_date="2026-06-30")["ref"]
    found = _findings(db)
    assert _state(found, "10.2", "Corrective actions recorded").state == OK
    assert _state(found, "10.2", "due date").state == STALE  # NC-001 is past its due date
    registers.update(db, EDITOR, "corrective_action", ca, {"status": "done"}, today=TODAY)
    late = TODAY + timedelta(days=100)
    assert _state(_findings(db, late), "10.2", "Effectiveness").state == STALE
    registers.update(db, EDITOR, "corrective_action", ca, {"effective": "yes"}, today=TODAY)
    nonconformities.update_nonconformity(db, EDITOR, "NC-001", {"status": "closed"}, today=TODAY)
    found = _findings(db)
    assert all(f.ok for f in found if f.clause in ("10.1", "10.2")), [f for f in found if not f.ok]


def test_a_stale_programme_is_reported_stale(db):
    p = registers.create(db, EDITOR, "audit_programme", {"title": "P", "scope": "All", "criteria": "42001",
                                                         "next_review": "2026-06-01"}, today=TODAY)["ref"]
    internal_audits.approve_programme(db, APPROVER, p, today=TODAY)
    f = _state(_findings(db), "9.2", "programme")
    assert f.state == STALE and f.refs == (p,) and "reviewed" in f.fix


# -- the lossless JSON export -----------------------------------------------------------------------

def test_audits_findings_and_corrective_actions_round_trip_through_the_json_export(db, tmp_path):
    """What `aims export json` writes, `aims import json` restores: the finding keeps its audit."""
    ref = _audit(db)["ref"]
    nc = internal_audits.raise_finding(db, EDITOR, ref, {"title": "Gap"}, today=TODAY)["ref"]
    ca = _ca(db, nc)["ref"]
    registers.update(db, EDITOR, "corrective_action", ca, {"status": "done"}, today=TODAY)
    first = tmp_path / "first.json"
    jsonio.export_json(db, first)
    target = open_database(str(tmp_path / "restored.db"))
    try:
        jsonio.import_json(target, first)
        assert nonconformities.list_nonconformities(target)[0]["internal_audit"] == ref
        assert registers.show(target, "corrective_action", ca) == registers.show(db, "corrective_action", ca)
        second = tmp_path / "second.json"
        jsonio.export_json(target, second)
        assert first.read_text(encoding="utf-8") == second.read_text(encoding="utf-8")
    finally:
        target.dispose()
