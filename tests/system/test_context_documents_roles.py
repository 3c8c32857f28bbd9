"""Clauses 4 and 5 and 7.5 (issue 16): the rules of interested parties, documents (the
AI policy among them) and AIMS responsibilities beyond the generic contract, the scope,
the two gates, the readiness findings, and migration 0008 moving the old policy settings
into a document."""

from __future__ import annotations

import sqlite3
from datetime import date, timedelta

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st
from sqlmodel import select

from aims_tui.core import audit, checks, context, documents as doc_rules, leadership, migrate
from aims_tui.core.audit import events
from aims_tui.core.db import open_database
from aims_tui.core.errors import Conflict, PermissionDenied, ValidationError
from aims_tui.core.models import Document
from aims_tui.core.readiness_types import MISSING, OK, STALE, UNAPPROVED
from aims_tui.core.services import documents, registers, scope, settings as settings_svc, setup

from ..conftest import ADMIN, APPROVER, EDITOR, TODAY, VIEWER
from .context_support import scope_and_policy


def _events(db, ref):
    with db.read() as s:
        return [(e["action"], e["changes"]) for e in reversed(events(s, entity_ref=ref, limit=None))]


def _doc(db, **kw):
    data = {"title": "AI policy", "doc_type": "ai_policy", "version_label": "1.0", "review_cadence": "yearly", **kw}
    return registers.create(db, EDITOR, "document", data, today=TODAY)


def _gate(db, gate_id, today=TODAY):
    return next(g for g in checks.run_checks(db, today=today).gates if g.id == gate_id)


# -- documents: approval ---------------------------------------------------------------


def test_an_approver_approves_a_draft_document_with_one_audit_event(db):
    d = _doc(db)
    out = documents.approve(db, APPROVER, d["ref"], expect_version=d["version"], today=TODAY)
    assert (out["status"], out["approved_by"], out["approved_on"]) == ("approved", APPROVER, TODAY)
    action, changes = _events(db, d["ref"])[-1]
    assert action == "approve" and changes["status"] == ["draft", "approved"] and changes["approved_by"][1] == APPROVER


def test_an_editor_cannot_approve_and_nothing_is_written(db):
    d = _doc(db)
    with pytest.raises(PermissionDenied) as exc:
        documents.approve(db, EDITOR, d["ref"], today=TODAY)
    assert "approving a document needs the approver role (you are editor)" in str(exc.value)
    assert registers.show(db, "document", d["ref"])["status"] == "draft"
    assert [a for a, _ in _events(db, d["ref"])] == ["create"]


def test_approved_cannot_be_typed_only_given_by_approve(db):
    """Before: a status field is a choice, and 'approved' is one of them; typing it would skip the approver."""
    with pytest.raises(ValidationError) as exc:
        _doc(db, status="approved")
    assert exc.value.field == "status" and "aims documents approve" in str(exc.value)
    d = _doc(db)
    with pytest.raises(ValidationError):
        registers.update(db, ADMIN, "document", d["ref"], {"status": "approved"}, today=TODAY)
    assert registers.show(db, "document", d["ref"])["approved_by"] == ""


def test_a_document_without_a_version_label_is_not_approved_and_the_field_is_named(db):
    d = _doc(db, version_label="")
    with pytest.raises(ValidationError) as exc:
        documents.approve(db, APPROVER, d["ref"], today=TODAY)
    assert exc.value.field == "version_label"


@pytest.mark.parametrize("status", ["approved", "retired"])
def test_only_a_draft_is_approved(db, status):
    d = _doc(db)
    if status == "approved":
        documents.approve(db, APPROVER, d["ref"], today=TODAY)
    else:
        registers.update(db, EDITOR, "document", d["ref"], {"status": "retired"}, today=TODAY)
    with pytest.raises(ValidationError) as exc:
        documents.approve(db, APPROVER, d["ref"], today=TODAY)
    assert f"is {status}" in str(exc.value)


def test_approving_at_a_stale_version_is_a_conflict(db):
    d = _doc(db)
    registers.update(db, EDITOR, "document", d["ref"], {"owner": EDITOR}, today=TODAY)
    with pytest.raises(Conflict):
        documents.approve(db, APPROVER, d["ref"], expect_version=d["version"], today=TODAY)


@pytest.mark.parametrize("field,value", [("title", "AI policy (revised)"), ("version_label", "1.1"),
                                         ("location", "docs/ai-policy-1.1.md"), ("doc_type", "policy")])
def test_a_content_change_of_an_approved_document_returns_it_to_draft_and_clears_the_approval(db, field, value):
    d = _doc(db)
    approved = documents.approve(db, APPROVER, d["ref"], today=TODAY)
    out = registers.update(db, EDITOR, "document", d["ref"], {field: value}, today=TODAY)
    assert (out["status"], out["approved_by"], out["approved_on"]) == ("draft", "", None)
    assert doc_rules.returned_to_draft(approved, out)
    _, changes = _events(db, d["ref"])[-1]
    assert changes["status"] == ["approved", "draft"] and changes[field][1] == value


@pytest.mark.parametrize("field,value", [("owner", EDITOR), ("retention", "7 years after retirement"),
                                         ("review_cadence", "half-yearly"), ("version_label", "1.0")])
def test_an_administrative_change_or_the_same_value_keeps_the_approval(db, field, value):
    d = _doc(db)
    approved = documents.approve(db, APPROVER, d["ref"], today=TODAY)
    out = registers.update(db, EDITOR, "document", d["ref"], {field: value}, today=TODAY)
    assert out["status"] == "approved" and out["approved_by"] == APPROVER
    assert not doc_rules.returned_to_draft(approved, out)


def test_a_review_of_an_approved_document_keeps_it_approved_and_moves_the_next_review(db):
    d = _doc(db)
    documents.approve(db, APPROVER, d["ref"], today=TODAY)
    later = TODAY + timedelta(days=200)
    out = registers.mark_reviewed(db, EDITOR, "document", d["ref"], today=later)
    assert out["status"] == "approved" and out["next_review"] > later


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(changes=st.dictionaries(st.sampled_from(["title", "version_label", "location", "retention"]),
                               st.sampled_from(["", "A", "1.0", "AI policy"]), min_size=1))
def test_an_approved_document_stays_approved_exactly_when_no_content_field_changes(db, changes):
    """Property: whatever mix of fields an edit touches, it is back in draft iff a content field changed."""
    ref = _doc(db)["ref"]
    before = documents.approve(db, APPROVER, ref, today=TODAY)
    changes = {k: v for k, v in changes.items() if not (k == "title" and v == "")}
    if not changes:
        return
    out = registers.update(db, ADMIN, "document", ref, changes, today=TODAY)
    content = any(k in doc_rules.CONTENT_FIELDS and v != before[k] for k, v in changes.items())
    assert out["status"] == ("draft" if content else "approved")


# -- responsibilities --------------------------------------------------------------------


def test_a_deputy_is_not_the_holder(db):
    with pytest.raises(ValidationError) as exc:
        registers.create(db, EDITOR, "responsibility", {"title": "AIMS owner", "holder": ADMIN, "deputy": ADMIN},
                         today=TODAY)
    assert exc.value.field == "deputy"
    r = registers.create(db, EDITOR, "responsibility", {"title": "AIMS owner", "holder": ADMIN, "deputy": EDITOR},
                         today=TODAY)
    with pytest.raises(ValidationError):
        registers.update(db, EDITOR, "responsibility", r["ref"], {"holder": EDITOR}, today=TODAY)


def test_a_holder_is_assigned_from_today_unless_a_date_is_given_and_a_new_holder_from_the_day_of_change(db):
    r = registers.create(db, EDITOR, "responsibility", {"title": "AIMS owner", "holder": ADMIN}, today=TODAY)
    assert r["assigned_on"] == TODAY
    given_day = registers.create(db, EDITOR, "responsibility", {"title": "AI risk owner for AIS-003",
                                                                "holder": ADMIN, "assigned_on": "2026-01-05"},
                                 today=TODAY)
    assert given_day["assigned_on"] == date(2026, 1, 5)
    later = TODAY + timedelta(days=10)
    moved = registers.update(db, EDITOR, "responsibility", r["ref"], {"holder": EDITOR}, today=later)
    assert moved["assigned_on"] == later
    same = registers.update(db, EDITOR, "responsibility", r["ref"], {"accountable_for": "x"}, today=later + timedelta(1))
    assert same["assigned_on"] == later


def test_a_holder_must_be_an_active_user(db):
    with pytest.raises(ValidationError) as exc:
        registers.create(db, EDITOR, "responsibility", {"title": "AIMS owner", "holder": "nobody"}, today=TODAY)
    assert exc.value.field == "holder"


# -- the scope -------------------------------------------------------------------------


def test_an_admin_sets_the_scope_with_one_audit_event_and_the_same_text_again_writes_nothing(db):
    got = scope.set_scope(db, ADMIN, "  All AI systems of the product division  ")
    assert got["changed"] and got["scope"] == "All AI systems of the product division"
    assert scope.get_scope(db)["scope"] == got["scope"]
    assert _events(db, "scope") == [("update", {"scope": ["", got["scope"]]})]
    assert not scope.set_scope(db, ADMIN, got["scope"])["changed"]
    assert len(_events(db, "scope")) == 1


@pytest.mark.parametrize("who", [APPROVER, EDITOR, VIEWER])
def test_only_an_admin_sets_the_scope_and_the_refusal_says_so(db, who):
    with pytest.raises(PermissionDenied) as exc:
        scope.set_scope(db, who, "Everything")
    assert str(exc.value).startswith("setting the AIMS scope needs the admin role")
    assert scope.get_scope(db)["scope"] == "" and _events(db, "scope") == []


def test_the_scope_set_at_a_stale_settings_version_is_a_conflict(db):
    v = scope.get_scope(db)["version"]
    settings_svc.update_settings(db, ADMIN, {"due_soon_days": 9})
    with pytest.raises(Conflict):
        scope.set_scope(db, ADMIN, "Everything", expect_version=v)


# -- the gates ---------------------------------------------------------------------------


def test_a_fresh_register_fails_both_gates_and_each_says_how_to_close_it(db):
    policy, scope_gate = _gate(db, "no_approved_ai_policy"), _gate(db, "scope_not_set")
    assert not policy.passed and "aims documents add" in policy.items[0]["title"]
    assert not scope_gate.passed and "aims context scope set" in scope_gate.items[0]["title"]


def test_the_policy_gate_passes_only_while_an_ai_policy_is_approved_and_within_its_review_date(db):
    d = _doc(db)
    assert [i["ref"] for i in _gate(db, "no_approved_ai_policy").items] == [d["ref"]]  # a draft
    _doc(db, title="Acceptable use procedure", doc_type="procedure")
    documents.approve(db, APPROVER, d["ref"], today=TODAY)
    assert _gate(db, "no_approved_ai_policy").passed
    due = registers.show(db, "document", d["ref"])["next_review"]
    assert _gate(db, "no_approved_ai_policy", today=due).passed
    late = _gate(db, "no_approved_ai_policy", today=due + timedelta(days=1))
    assert not late.passed and "review was due" in late.items[0]["title"]
    registers.update(db, EDITOR, "document", d["ref"], {"version_label": "2.0"}, today=TODAY)
    assert not _gate(db, "no_approved_ai_policy").passed


def test_an_approved_document_of_another_type_does_not_pass_the_policy_gate(db):
    d = _doc(db, doc_type="policy", title="Information security policy")
    documents.approve(db, APPROVER, d["ref"], today=TODAY)
    assert not _gate(db, "no_approved_ai_policy").passed


def test_the_scope_gate_passes_once_the_scope_is_set(db):
    scope.set_scope(db, ADMIN, "Every AI system")
    assert _gate(db, "scope_not_set").passed
    scope.set_scope(db, ADMIN, "   ")
    assert not _gate(db, "scope_not_set").passed


# -- readiness findings ----------------------------------------------------------------


def _findings(db, today=TODAY):
    with db.read() as s:
        return context.findings(s, today) + leadership.findings(s, today) + doc_rules.findings(s, today)


def test_a_fresh_database_shows_a_gap_in_every_clause_with_a_fix(db):
    found = _findings(db)
    for clause in ("4.1", "4.2", "4.3", "5.2", "5.3", "7.5"):
        mine = [f for f in found if f.clause == clause]
        assert mine and not any(f.ok for f in mine), clause
        assert all(f.fix.startswith("aims ") for f in mine), clause


def _fill(db):
    for kind in ("internal", "external"):
        registers.create(db, EDITOR, "context_issue", {"title": f"An {kind} issue", "kind": kind,
                                                       "review_cadence": "yearly"}, today=TODAY)
    registers.create(db, EDITOR, "interested_party", {"name": "Customers", "needs": "Fair decisions",
                                                      "review_cadence": "yearly"}, today=TODAY)
    registers.create(db, EDITOR, "responsibility", {"title": "AIMS owner", "holder": ADMIN,
                                                    "review_cadence": "yearly"}, today=TODAY)
    ref = scope_and_policy(db, TODAY)
    registers.update(db, EDITOR, "document", ref, {"retention": "7 years"}, today=TODAY)


def test_a_filled_register_is_ok_in_every_clause_and_goes_stale_after_the_review_dates(db):
    _fill(db)
    assert [f for f in _findings(db) if not f.ok] == []
    late = _findings(db, TODAY + timedelta(days=400))
    for clause in ("4.1", "4.2", "5.2", "5.3", "7.5"):
        assert any(f.clause == clause and f.state == STALE for f in late), clause
    assert any(f.clause == "4.3" and f.ok for f in late)


def test_the_findings_name_what_is_missing_or_unapproved(db):
    registers.create(db, EDITOR, "context_issue", {"title": "Regulation", "kind": "external"}, today=TODAY)
    bare = registers.create(db, EDITOR, "interested_party", {"name": "Regulator"}, today=TODAY)
    empty = registers.create(db, EDITOR, "responsibility", {"title": "AI risk owner"}, today=TODAY)
    d = _doc(db)
    got = {(f.clause, f.requirement): f for f in _findings(db)}
    issues = next(f for (c, _), f in got.items() if c == "4.1")
    assert issues.state == MISSING and "internal" in issues.detail
    assert next(f for (c, _), f in got.items() if c == "4.2").refs == (bare["ref"],)
    assert next(f for (c, _), f in got.items() if c == "5.3").refs == (empty["ref"],)
    policy = next(f for (c, _), f in got.items() if c == "5.2")
    assert policy.state == UNAPPROVED and policy.refs == (d["ref"],)
    assert got[("7.5", "documents in use are approved")].state == UNAPPROVED
    assert got[("7.5", "documented information is kept in a register")].state == OK


# -- migration 0008 --------------------------------------------------------------------


def _at_0007_with(path, reference, review_on):
    database = open_database(str(path))
    setup.initialize(database, ADMIN, "Org")
    settings_svc.update_settings(database, ADMIN, {"policy_reference": reference, "policy_review_on": review_on})
    migrate.downgrade(database, "0007")
    database.dispose()


def test_the_old_policy_settings_become_a_draft_ai_policy_document_that_the_trail_accepts(tmp_path):
    path = tmp_path / "aims.db"
    _at_0007_with(path, "POL-AI-01 v2 (SharePoint/Policies)", "2027-03-31")
    database = open_database(str(path))
    try:
        with database.read() as s:
            docs = list(s.exec(select(Document)))
            assert [(d.ref, d.doc_type, d.status, d.location, d.next_review) for d in docs] == [
                ("DOC-001", "ai_policy", "draft", "POL-AI-01 v2 (SharePoint/Policies)", date(2027, 3, 31))]
            result = audit.verify(s)
        assert result.ok, result.problems
        assert [a for a, _ in _events(database, "DOC-001")] == ["create"]
        with sqlite3.connect(path) as c:  # the settings columns stay
            assert c.execute("SELECT policy_reference FROM settings").fetchone()[0].startswith("POL-AI-01")
        registers.update(database, ADMIN, "document", "DOC-001", {"version_label": "2"}, today=TODAY)
        assert documents.approve(database, ADMIN, "DOC-001", today=TODAY)["status"] == "approved"
    finally:
        database.dispose()


def test_no_document_is_made_when_the_policy_settings_were_empty(tmp_path):
    path = tmp_path / "aims.db"
    _at_0007_with(path, "", None)
    database = open_database(str(path))
    try:
        assert registers.listing(database, "document") == []
    finally:
        database.dispose()
