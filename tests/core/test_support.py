"""Support records (clause 7), issue 16: training's dates, the gate ``training_expired``
(expired training of a person still active, not renewed) and the readiness findings
for 7.1 to 7.4."""

from __future__ import annotations

from datetime import date

import pytest

from aims_tui.core import checks, reminders, support
from aims_tui.core.errors import ValidationError
from aims_tui.core.services import registers, users

from ..conftest import ADMIN, EDITOR, TODAY
from .helpers import snapshot


def _training(db, **kw):
    data = {"title": "AI risk course", "person": EDITOR, "completed_on": "2025-05-01", "expires_on": "2026-05-01",
            **kw}
    return registers.create(db, EDITOR, "training", data, today=TODAY)


def _gate(db):
    return next(g for g in checks.run_checks(db, today=TODAY).gates if g.id == "training_expired")


def test_training_that_expires_before_it_was_completed_is_refused_naming_the_date(db):
    before = snapshot(db)
    with pytest.raises(ValidationError) as exc:
        _training(db, completed_on="2026-05-01", expires_on="2026-05-01")
    assert exc.value.field == "expires_on" and "not after it was completed" in exc.value.message
    t = _training(db)
    with pytest.raises(ValidationError) as exc:
        registers.update(db, EDITOR, "training", t["ref"], {"completed_on": "2026-06-01"}, today=TODAY)
    assert exc.value.field == "completed_on"
    with pytest.raises(ValidationError) as exc:
        _training(db, completed_on="2026-07-01", expires_on="2027-07-01")
    assert exc.value.field == "completed_on" and "in the future" in exc.value.message
    assert [r["ref"] for r in registers.listing(db, "training")] == [t["ref"]]
    assert snapshot(db) != before


def test_the_gate_names_expired_training_of_an_active_person_and_of_a_person_named_only(db):
    mine = _training(db)
    named = _training(db, person="Dana Smith", kind="awareness", title="AI policy briefing")
    _training(db, expires_on="2027-05-01", title="Still valid")
    _training(db, status="planned", title="Planned", completed_on="")
    g = _gate(db)
    assert not g.passed and [i["ref"] for i in g.items] == [mine["ref"], named["ref"]]
    assert g.items[0]["days_expired"] == (TODAY - date(2026, 5, 1)).days


def test_expired_training_is_not_flagged_once_renewed_superseded_or_its_person_deactivated(db):
    """The case: the gate would otherwise fail forever for a leaver, or after the renewal."""
    renewed = _training(db)
    _training(db, completed_on="2026-05-02", expires_on="2027-05-02")
    assert _gate(db).passed
    registers.update(db, EDITOR, "training", renewed["ref"], {"status": "superseded"}, today=TODAY)
    users.add_user(db, ADMIN, "leo", "editor")
    _training(db, person="leo", title="Data protection")
    assert [i["person"] for i in _gate(db).items] == ["leo"]
    users.deactivate(db, ADMIN, "leo")
    assert _gate(db).passed


def test_a_renewal_for_the_same_competence_under_another_title_counts(db):
    c = registers.create(db, EDITOR, "competence", {"title": "Model risk", "role": "Risk owner"}, today=TODAY)
    _training(db, competence=c["ref"], title="Course 2025")
    assert not _gate(db).passed
    _training(db, competence=c["ref"], title="Course 2026", completed_on="2026-06-01", expires_on="2027-06-01")
    assert _gate(db).passed


def test_training_expiry_is_a_reminder_of_the_person(db):
    t = _training(db, expires_on="2026-06-20")
    found = [i for i in reminders.due_items(db, today=TODAY).items if i.ref == t["ref"]]
    assert [(i.kind, i.owner, i.state) for i in found] == [("training_expires_on", EDITOR, "due_soon")]


# -- readiness ------------------------------------------------------------------------------------
def _findings(db):
    with db.read() as s:
        return support.findings(s, TODAY)


def test_a_fresh_database_shows_every_clause_of_7_missing_with_a_command_to_fix_it(db):
    found = _findings(db)
    assert [(f.clause, f.state) for f in found] == [("7.1", "missing"), ("7.2", "missing"), ("7.2", "missing"),
                                                    ("7.3", "missing"), ("7.4", "missing")]
    assert all(f.fix.startswith("aims ") for f in found)


def test_readiness_of_clause_7_is_ok_when_each_record_is_there_and_current(db):
    registers.create(db, EDITOR, "resource", {"title": "GPU nodes", "type": "infrastructure", "status": "available",
                                              "review_cadence": "yearly"}, today=TODAY)
    c = registers.create(db, EDITOR, "competence", {"title": "Model risk", "role": "Risk owner"}, today=TODAY)
    _training(db, competence=c["ref"], expires_on="2027-05-01")
    _training(db, kind="awareness", title="AI policy briefing", expires_on="")
    registers.create(db, EDITOR, "communication", {"title": "AIMS results to the board", "audience": "Board",
                                                   "review_cadence": "quarterly"}, today=TODAY)
    assert [(f.clause, f.state) for f in _findings(db)] == [("7.1", "ok"), ("7.2", "ok"), ("7.2", "ok"),
                                                            ("7.3", "ok"), ("7.4", "ok")]


def test_readiness_of_clause_7_names_what_is_stale(db):
    res = registers.create(db, EDITOR, "resource", {"title": "Labelling team", "type": "people"}, today=TODAY)
    c = registers.create(db, EDITOR, "competence", {"title": "Model risk", "role": "Risk owner",
                                                    "next_review": "2026-06-01"}, today=TODAY)
    old = _training(db, competence=c["ref"])
    aware = _training(db, kind="awareness", title="AI policy briefing")
    com = registers.create(db, EDITOR, "communication", {"title": "Model cards", "next_review": "2026-06-01"},
                           today=TODAY)
    found = {(f.clause, f.requirement[:10]): f for f in _findings(db)}
    by = [(f.clause, f.state, f.refs) for f in _findings(db)]
    assert by == [("7.1", "stale", (res["ref"],)), ("7.2", "stale", (c["ref"],)), ("7.2", "stale", (old["ref"],)),
                  ("7.3", "stale", (aware["ref"],)), ("7.4", "stale", (com["ref"],))]
    assert found[("7.1", "Resources ")].detail.startswith("1 resources needed or insufficient")
