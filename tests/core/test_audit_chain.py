"""The audit trail is hash-chained: edits made behind aims' back are found."""

from __future__ import annotations

import json
import pytest

from aims_tui.core import audit
from aims_tui.core.services import (
    acceptances,
    controls,
    impact,
    management,
    nonconformities,
    reviews,
    risks,
    settings,
    systems,
    treatments,
    users,
)

from ..conftest import ADMIN, APPROVER, EDITOR, TODAY, raw_connect
from .helpers import audit_count


def _verify(db) -> audit.VerifyResult:
    with db.read() as s:
        return audit.verify(s)


@pytest.fixture
def busy_db(db):
    """A database after a working day: every kind of service has written events."""
    users.add_user(db, ADMIN, "zoe", "editor", "Zoë Ünicode")
    settings.update_settings(db, ADMIN, {"organization": "Acme AI", "scope": "All AI systems\nin the EU"})
    s = systems.create_system(db, EDITOR, {"name": "Chatbot", "purpose": "R&D <b>quotes</b> \"x\""})
    r = risks.create_risk(db, EDITOR, {"system": s["ref"], "title": "Prompt injection", "inherent_likelihood": 4,
                                       "inherent_impact": 5, "controls": ["A.6.2.4"]}, today=TODAY)
    systems.transition(db, EDITOR, s["ref"], "validation", today=TODAY)
    t = treatments.add_treatment(db, EDITOR, r["ref"], {"action": "Filter inputs", "due_date": "2026-07-01"})
    treatments.complete_treatment(db, EDITOR, t["id"])
    risks.update_risk(db, EDITOR, r["ref"], {"residual_likelihood": 2})
    acceptances.accept_risk(db, APPROVER, r["ref"], "Benefits outweigh the residual risk", today=TODAY)
    reviews.record_review(db, EDITOR, "risk", r["ref"], {"outcome": "still_valid"}, today=TODAY)
    ia = impact.create_assessment(db, EDITOR, {"system": s["ref"], "impacts": [
        {"description": "Wrong advice", "severity": "high"}]}, today=TODAY)
    impact.approve_assessment(db, APPROVER, ia["ref"])
    controls.update_applicability(db, EDITOR, "A.10.4", {"applicable": False, "justification": "No customers"})
    controls.approve_soa(db, APPROVER)
    nonconformities.create_nonconformity(db, EDITOR, {"title": "Logs missing"}, today=TODAY)
    mr = management.create_review(db, EDITOR, {"held_on": "2026-06-01", "decisions": "Fund audits"})
    management.add_action(db, EDITOR, mr["ref"], {"action": "Train staff"})
    management.sign_off(db, APPROVER, mr["ref"])
    users.deactivate(db, ADMIN, "zoe")
    return db


def test_the_chain_verifies_after_every_kind_of_service(busy_db):
    """Every service's events, with unicode, markup and newlines in the text, chain and verify."""
    result = _verify(busy_db)
    assert result.ok, result.reason
    assert result.count == audit_count(busy_db) >= 20


def test_the_chain_verifies_after_a_demo_load(demo_db):
    """The demo's bulk load writes one event that verifies."""
    result = _verify(demo_db)
    assert result.ok, result.reason


def _json(value):
    """A JSON column as read by the plain driver: text on SQLite, parsed on PostgreSQL."""
    return json.loads(value) if isinstance(value, str) else value


def _raw(db, sql: str, *args) -> None:
    with raw_connect(db) as c:
        c.execute(sql, args)


def _middle_id(db) -> int:
    with raw_connect(db) as c:
        lo, hi = c.execute("SELECT min(id), max(id) FROM audit_event").fetchone()
    return (lo + hi) // 2


@pytest.mark.parametrize("column,value", [
    ("actor", "mallory"),
    ("action", "create"),
    ("entity_ref", "R-9999"),
    ("at", "2020-01-01 00:00:00.000000"),
])
def test_an_update_made_with_sqlite3_is_found_at_the_edited_event(busy_db, column, value):
    """Someone edits an event with the sqlite3 shell: verify names that event."""
    target = _middle_id(busy_db)
    _raw(busy_db, f"UPDATE audit_event SET {column} = ? WHERE id = ?", value, target)
    result = _verify(busy_db)
    assert not result.ok and result.broken_id == target
    assert "edited" in result.reason


def test_an_edited_change_inside_an_event_is_found(busy_db):
    """The field changes are hashed too (canonical JSON, whatever the key order)."""
    target = _middle_id(busy_db)
    with raw_connect(busy_db) as c:
        changes = _json(c.execute("SELECT changes FROM audit_event WHERE id = ?", (target,)).fetchone()[0])
        changes["forged"] = [None, True]
        c.execute("UPDATE audit_event SET changes = ? WHERE id = ?", (json.dumps(changes), target))
    result = _verify(busy_db)
    assert not result.ok and result.broken_id == target


def test_the_same_changes_with_keys_reordered_still_verify(busy_db):
    """Guards the test above: only content counts, not how the JSON was laid out."""
    target = _middle_id(busy_db)
    with raw_connect(busy_db) as c:
        changes = _json(c.execute("SELECT changes FROM audit_event WHERE id = ?", (target,)).fetchone()[0])
        reordered = json.dumps(dict(reversed(list(changes.items()))), indent=1)
        c.execute("UPDATE audit_event SET changes = ? WHERE id = ?", (reordered, target))
    assert _verify(busy_db).ok


def test_a_rehashed_forgery_still_breaks_the_link_to_the_next_event(busy_db):
    """Someone who edits an event and recomputes its hash breaks the next event's prev_hash."""
    target = _middle_id(busy_db)
    with raw_connect(busy_db) as c:
        row = c.execute("SELECT at, actor, entity, entity_ref, action, changes, prev_hash, seal FROM audit_event "
                        "WHERE id = ?", (target,)).fetchone()
        at, _actor, entity, ref, action, changes, prev, seal = row
        forged = audit.event_hash(prev, at, "mallory", entity, ref, action, _json(changes), seal)
        c.execute("UPDATE audit_event SET actor = 'mallory', hash = ? WHERE id = ?", (forged, target))
    result = _verify(busy_db)
    assert not result.ok and result.broken_id == target + 1
    assert "link" in result.reason


@pytest.mark.parametrize("where", ["first", "middle"])
def test_a_delete_made_with_sqlite3_is_found(busy_db, where):
    """Deleting the first event or one in the middle breaks the chain at the next event."""
    with raw_connect(busy_db) as c:
        lo = c.execute("SELECT min(id) FROM audit_event").fetchone()[0]
    target = lo if where == "first" else _middle_id(busy_db)
    _raw(busy_db, "DELETE FROM audit_event WHERE id = ?", target)
    result = _verify(busy_db)
    assert not result.ok
    assert result.broken_id == target + 1


def test_new_events_after_a_verified_chain_keep_verifying(busy_db):
    """Verification reads nothing it writes: new events extend the chain."""
    before = _verify(busy_db)
    systems.create_system(busy_db, EDITOR, {"name": "Later"})
    after = _verify(busy_db)
    assert after.ok and after.count == before.count + 1 and after.head != before.head


def test_deleting_the_newest_events_is_found(busy_db):
    """Was a known limit (xfail): since migration 0002 the audit_head row, kept by an
    insert trigger, records the newest event, so a tail truncation is found."""
    with raw_connect(busy_db) as c:
        hi = c.execute("SELECT max(id) FROM audit_event").fetchone()[0]
    _raw(busy_db, "DELETE FROM audit_event WHERE id >= ?", hi - 2)
    assert not _verify(busy_db).ok
