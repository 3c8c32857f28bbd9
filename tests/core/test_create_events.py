"""A record's ``create`` event says everything it was made with (seen in a walk: a
nonconformity created with a due date had an event naming only title, severity and kind).
Each service that made its create event from a hand-picked list of fields is checked here:
every field given comes back in the event, links by the linked record's ref."""

from __future__ import annotations

import pytest

from aims_tui.core.services import (impact, internal_audits, management, nonconformities, registers, risks,
                                    systems, treatments)
from tests.conftest import APPROVER, EDITOR, TODAY

from .helpers import audit_events

pytestmark = pytest.mark.engines


def _created(db, ref: str) -> dict:
    ev = audit_events(db, ref)[-1]  # the oldest
    assert ev["action"] == "create"
    return ev["changes"]


def _has(changes: dict, expected: dict) -> None:
    assert {k: changes.get(k) for k in expected} == {k: [None, v] for k, v in expected.items()}


def test_a_nonconformity_create_event_records_every_field_set(db):
    sys_ref = systems.create_system(db, EDITOR, {"name": "Chatbot"}, today=TODAY)["ref"]
    nc = nonconformities.create_nonconformity(db, EDITOR, {
        "title": "Logs not kept", "kind": "incident", "severity": "major", "due_date": "2026-12-20",
        "description": "no logs for May", "location": "Ops", "system": sys_ref, "owner": APPROVER,
        "root_cause": "rotation misconfigured"}, today=TODAY)
    _has(_created(db, nc["ref"]), {
        "title": "Logs not kept", "kind": "incident", "severity": "major", "due_date": "2026-12-20",
        "description": "no logs for May", "location": "Ops", "system_ref": sys_ref, "owner": APPROVER,
        "root_cause": "rotation misconfigured", "status": "open", "raised_on": TODAY.isoformat()})
    assert "system_id" not in _created(db, nc["ref"])


def test_an_audit_finding_create_event_records_its_due_date_and_audit(db):
    audit = registers.create(db, EDITOR, "internal_audit", {
        "title": "Audit of risk treatment", "area": "Risk management", "area_owner": APPROVER, "auditor": EDITOR},
        today=TODAY)
    nc = internal_audits.raise_finding(db, EDITOR, audit["ref"], {"title": "No owner on R-0003", "severity": "major",
                                                                  "due_date": "2026-09-01"}, today=TODAY)
    changes = _created(db, nc["ref"])
    _has(changes, {"title": "No owner on R-0003", "severity": "major", "due_date": "2026-09-01",
                   "kind": "audit_finding", "internal_audit": audit["ref"], "owner": APPROVER,
                   "location": "Risk management"})
    assert "internal_audit_id" not in changes


def test_a_register_record_create_event_records_every_field_and_its_links_by_ref(db):
    nc = nonconformities.create_nonconformity(db, EDITOR, {"title": "Logs not kept"}, today=TODAY)
    ca = registers.create(db, EDITOR, "corrective_action", {
        "action": "Fix log rotation", "nonconformity": nc["ref"], "due_date": "2026-08-01", "owner": EDITOR},
        today=TODAY)
    changes = _created(db, ca["ref"])
    _has(changes, {"action": "Fix log rotation", "nonconformity": nc["ref"], "due_date": "2026-08-01",
                   "owner": EDITOR})
    assert "nonconformity_id" not in changes


def test_an_impact_assessment_create_event_records_every_field_set(db):
    sys_ref = systems.create_system(db, EDITOR, {"name": "Chatbot"}, today=TODAY)["ref"]
    ia = impact.create_assessment(db, EDITOR, {"system": sys_ref, "title": "Hiring", "affected_groups": "applicants",
                                               "mitigations": "human review", "next_review": "2027-01-31"},
                                  today=TODAY)
    _has(_created(db, ia["ref"]), {"system_ref": sys_ref, "title": "Hiring", "affected_groups": "applicants",
                                   "mitigations": "human review", "next_review": "2027-01-31", "status": "draft"})


def test_a_management_review_and_its_action_create_events_record_every_field_set(db):
    mr = management.create_review(db, EDITOR, {"held_on": "2026-06-10", "period_start": "2026-01-01",
                                               "period_end": "2026-05-31", "attendees": "board"})
    _has(_created(db, mr["ref"]), {"held_on": "2026-06-10", "period_start": "2026-01-01",
                                   "period_end": "2026-05-31", "attendees": "board"})
    a = management.add_action(db, EDITOR, mr["ref"], {"action": "Budget for audits", "due_date": "2026-09-30",
                                                      "owner": APPROVER})
    _has(_created(db, f"{mr['ref']}/A{a['id']}"), {"action": "Budget for audits", "due_date": "2026-09-30",
                                                   "owner": APPROVER, "status": "planned"})


def test_a_treatment_create_event_records_every_field_set_and_its_control_by_code(db):
    ref = risks.create_risk(db, EDITOR, {"title": "Bias", "inherent_likelihood": 4, "inherent_impact": 4},
                            today=TODAY)["ref"]
    t = treatments.add_treatment(db, EDITOR, ref, {"action": "Audit", "due_date": "2026-07-31", "owner": APPROVER,
                                                   "control": "A.6.2.4"})
    changes = _created(db, f"{ref}/T{t['id']}")
    _has(changes, {"action": "Audit", "due_date": "2026-07-31", "owner": APPROVER, "control": "A.6.2.4",
                   "status": "planned"})
    assert "control_id" not in changes and "risk_id" not in changes
