"""One acceptance in force per risk (6.1.3): a new acceptance of an accepted risk supersedes
the earlier one in the same transaction (audited); undo puts the earlier one back; a revocation
leaves the risk's status as what remains in force says; the diff of two days agrees."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pytest
from sqlmodel import select

from aims_tui.core import audit, checks, history
from aims_tui.core.errors import ValidationError
from aims_tui.core.models import Acceptance
from aims_tui.core.services import acceptances, risks
from tests.conftest import APPROVER, EDITOR, TODAY

from .helpers import audit_events

pytestmark = pytest.mark.engines

WHY = "benefits outweigh the residual risk"


def _risk(db) -> str:
    return risks.create_risk(db, EDITOR, {"title": "High residual", "inherent_likelihood": 5,
                                          "inherent_impact": 5}, today=TODAY)["ref"]


def _in_force(db, ref) -> list[int]:
    return [a["id"] for a in acceptances.list_acceptances(db, ref, today=TODAY) if not a["revoked"]]


def _unaccepted(db) -> list[str]:
    gate = next(g for g in checks.run_checks(db, today=TODAY).gates if g.id == "unaccepted_above_appetite")
    return [i.get("ref") for i in gate.items]


def test_accepting_an_accepted_risk_supersedes_the_earlier_acceptance_with_an_event(db):
    """Seen in a walk: R-0017 accepted until 2027-06-30, accepted again: two acceptances in force,
    no word of it. Now the earlier one is revoked in the same transaction, saying by which."""
    ref = _risk(db)
    first = acceptances.accept_risk(db, APPROVER, ref, WHY, expires_on="2027-06-30", today=TODAY)
    assert first["superseded"] == []
    second = acceptances.accept_risk(db, APPROVER, ref, "renewed after the annual review", today=TODAY)
    assert [(a["id"], str(a["expires_on"])) for a in second["superseded"]] == [(first["id"], "2027-06-30")]
    assert _in_force(db, ref) == [second["id"]]
    assert risks.get_risk(db, ref)["status"] == "accepted"
    ev = audit_events(db, ref)
    assert [e["action"] for e in ev[:2]] == ["revoke_acceptance", "accept"]
    assert ev[0]["changes"]["acceptance"] == [first["id"], None]
    assert ev[0]["changes"]["reason"] == [None, f"superseded by acceptance {second['id']}"]
    assert ev[1]["changes"]["superseded"] == [None, [first["id"]]]


def test_an_expired_acceptance_is_not_superseded_it_stays_as_it_was(db):
    ref = _risk(db)
    old = acceptances.accept_risk(db, APPROVER, ref, WHY, expires_on="2026-07-01", today=TODAY)
    later = date(2026, 8, 1)
    new = acceptances.accept_risk(db, APPROVER, ref, WHY, today=later)
    assert new["superseded"] == []
    assert [a["revoked"] for a in acceptances.list_acceptances(db, ref, today=later)] == [False, False]
    assert old["id"] != new["id"]


def test_undo_of_a_superseding_acceptance_puts_the_earlier_one_back_and_the_risk_stays_accepted(db):
    """Seen in a walk: ctrl+z after the second acceptance set R-0017 `open` although the first
    was still valid (and `aims check` did not list it). Now the first is back in force."""
    ref = _risk(db)
    first = acceptances.accept_risk(db, APPROVER, ref, WHY, expires_on="2027-06-30", today=TODAY)
    second = acceptances.accept_risk(db, APPROVER, ref, "renewed after the annual review", today=TODAY)
    out = acceptances.undo_acceptance(db, APPROVER, second["id"], [a["id"] for a in second["superseded"]],
                                      today=TODAY)
    assert [a["id"] for a in out["reinstated"]] == [first["id"]]
    assert _in_force(db, ref) == [first["id"]]
    assert risks.get_risk(db, ref)["status"] == "accepted"
    assert ref not in _unaccepted(db)
    ev = audit_events(db, ref)
    assert [e["action"] for e in ev[:2]] == ["reinstate_acceptance", "revoke_acceptance"]
    assert ev[1]["changes"] == {"acceptance": [second["id"], None], "reason": [None, "undone"]}  # no status change
    assert ev[0]["changes"]["acceptance"] == [None, first["id"]]


def test_undo_of_the_only_acceptance_opens_the_risk(db):
    ref = _risk(db)
    acc = acceptances.accept_risk(db, APPROVER, ref, WHY, today=TODAY)
    acceptances.undo_acceptance(db, APPROVER, acc["id"], today=TODAY)
    assert risks.get_risk(db, ref)["status"] == "open"
    assert audit_events(db, ref)[0]["changes"]["status"] == ["accepted", "open"]
    assert ref in _unaccepted(db)


def test_undo_of_the_acceptance_of_a_risk_being_treated_puts_it_back_to_treating(db):
    """Accepting a risk in treatment made it ``accepted``; ctrl+z used to leave it ``open``,
    losing the status it had: it is ``treating`` again, and the event says so."""
    ref = _risk(db)
    risks.update_risk(db, EDITOR, ref, {"status": "treating"})
    acc = acceptances.accept_risk(db, APPROVER, ref, WHY, today=TODAY)
    assert acc["status_before"] == "treating"
    assert risks.get_risk(db, ref)["status"] == "accepted"
    acceptances.undo_acceptance(db, APPROVER, acc["id"], today=TODAY, status_before=acc["status_before"])
    assert risks.get_risk(db, ref)["status"] == "treating"
    assert audit_events(db, ref)[0]["changes"]["status"] == ["accepted", "treating"]


def test_undo_of_an_acceptance_no_longer_in_force_is_refused_naming_it(db):
    ref = _risk(db)
    first = acceptances.accept_risk(db, APPROVER, ref, WHY, today=TODAY)
    acceptances.accept_risk(db, APPROVER, ref, "renewed after the annual review", today=TODAY)
    with pytest.raises(ValidationError) as exc:
        acceptances.undo_acceptance(db, APPROVER, first["id"], today=TODAY)
    assert exc.value.field == "acceptance" and "no longer in force" in exc.value.message


def test_revoking_keeps_the_status_that_what_remains_in_force_says(db):
    """Two acceptances in force (a database from before the rule): revoking the newer leaves the
    older one current and valid, so the risk stays accepted; revoking that one too opens it."""
    ref = _risk(db)
    a1 = acceptances.accept_risk(db, APPROVER, ref, WHY, today=TODAY)
    a2 = acceptances.accept_risk(db, APPROVER, ref, WHY, today=TODAY)

    def legacy(s):  # as such a database holds them: both in force (audited: PostgreSQL refuses it otherwise)
        row = s.get(Acceptance, a1["id"])
        row.revoked = False
        s.add(row)
        s.flush()
        audit.record(s, APPROVER, "risk", ref, "reinstate_acceptance",
                     {"acceptance": [None, a1["id"]], "reason": [None, "a database from before the rule"]})

    db.transact(legacy)
    assert sorted(_in_force(db, ref)) == [a1["id"], a2["id"]]
    acceptances.revoke_acceptance(db, APPROVER, a2["id"], "model changed", today=TODAY)
    assert risks.get_risk(db, ref)["status"] == "accepted"
    assert "status" not in audit_events(db, ref)[0]["changes"]
    acceptances.revoke_acceptance(db, APPROVER, a1["id"], "model changed", today=TODAY)
    assert risks.get_risk(db, ref)["status"] == "open"
    assert audit_events(db, ref)[0]["changes"]["status"] == ["accepted", "open"]


def test_the_risk_as_of_a_moment_between_supersede_and_undo_has_the_acceptances_of_then(db, monkeypatch):
    """The history takes the supersede and the undo's reinstatement back: each moment's rows."""
    now = [datetime(2026, 6, 15, 9, tzinfo=timezone.utc)]
    monkeypatch.setattr(audit, "utcnow", lambda: now[0])
    ref = _risk(db)
    first = acceptances.accept_risk(db, APPROVER, ref, WHY, today=TODAY)
    now[0] += timedelta(hours=1)
    t1 = now[0]
    now[0] += timedelta(hours=1)
    second = acceptances.accept_risk(db, APPROVER, ref, WHY, today=TODAY)
    now[0] += timedelta(hours=1)
    t2 = now[0]
    now[0] += timedelta(hours=1)
    acceptances.undo_acceptance(db, APPROVER, second["id"], [first["id"]], today=TODAY)

    def revoked(at):
        rows = history.rows_as_of(db, "acceptance", at)
        return {r["id"]: bool(r["revoked"]) for r in rows}

    assert revoked(t1) == {first["id"]: False}
    assert revoked(t2) == {first["id"]: True, second["id"]: False}
    with db.read() as s:
        assert {a.id: a.revoked for a in s.exec(select(Acceptance))} == {first["id"]: False, second["id"]: True}


def test_the_diff_leaves_out_an_acceptance_taken_back_by_undo_and_marks_a_superseded_one(db, monkeypatch):
    """Seen in a walk: `aims diff` listed an undone acceptance as `accepted by root, until ...`."""
    now = [datetime(2026, 6, 15, 9, tzinfo=timezone.utc)]
    monkeypatch.setattr(audit, "utcnow", lambda: now[0])
    ref = _risk(db)
    other = _risk(db)
    start = now[0]
    now[0] += timedelta(minutes=5)
    first = acceptances.accept_risk(db, APPROVER, ref, WHY, expires_on="2027-06-30", today=TODAY)
    now[0] += timedelta(minutes=5)
    second = acceptances.accept_risk(db, APPROVER, ref, "renewed after the annual review", today=TODAY)
    now[0] += timedelta(minutes=5)
    undone = acceptances.accept_risk(db, APPROVER, other, WHY, today=TODAY)
    now[0] += timedelta(minutes=5)
    acceptances.undo_acceptance(db, APPROVER, undone["id"], today=TODAY)
    now[0] += timedelta(minutes=5)
    with db.read() as s:
        d = history.diff(s, start, now[0])
    got = [(c.ref, c.after["id"], c.after.get("revoked_why")) for c in d.accepted]
    assert got == [(ref, first["id"], f"superseded by acceptance {second['id']}"), (ref, second["id"], None)]
    assert "revoked_at" not in d.accepted[1].after
