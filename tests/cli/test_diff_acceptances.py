"""`aims diff` and acceptances taken back (seen in a walk: an acceptance undone with ctrl+z was
still listed as `accepted by root, until 2027-12-02`), as a real `aims` process."""

from __future__ import annotations

import json
from datetime import date, datetime, timezone

import pytest

from aims_tui.core import audit
from aims_tui.core.services import acceptances, risks, users
from tests.conftest import ADMIN, APPROVER, EDITOR, make_db

from .processes import ME, aims

DAY = date(2026, 6, 10)


def _at(hour: int, day: date = DAY):
    return lambda: datetime(day.year, day.month, day.day, hour, tzinfo=timezone.utc)


def test_diff_leaves_out_an_undone_acceptance_and_says_a_superseded_one_was_revoked(tmp_path):
    path = tmp_path / "aims.db"
    mp = pytest.MonkeyPatch()
    try:
        mp.setattr(audit, "utcnow", _at(9, date(2026, 5, 20)))  # the risks exist before the window
        db = make_db(path)
        if ME not in (ADMIN, APPROVER, EDITOR, "vic"):
            users.add_user(db, ADMIN, ME, "viewer")
        for title in ("Biased answers", "Prompt injection"):
            risks.create_risk(db, EDITOR, {"title": title, "inherent_likelihood": 5, "inherent_impact": 5}, today=DAY)
        mp.setattr(audit, "utcnow", _at(10))
        first = acceptances.accept_risk(db, APPROVER, "R-0001", "within appetite after review",
                                        expires_on="2027-06-30", today=DAY)
        mp.setattr(audit, "utcnow", _at(11))
        second = acceptances.accept_risk(db, APPROVER, "R-0001", "renewed after the annual review",
                                         expires_on="2027-12-02", today=DAY)
        mp.setattr(audit, "utcnow", _at(12))
        undone = acceptances.accept_risk(db, APPROVER, "R-0002", "accepted by mistake here", today=DAY)
        acceptances.undo_acceptance(db, APPROVER, undone["id"], today=DAY)
        db.dispose()
    finally:
        mp.undo()
    js = json.loads(aims(path, "diff", "2026-06-01", "2026-06-30", "--format", "json").stdout)
    assert [(c["ref"], c["after"]["id"], c["after"].get("revoked_why")) for c in js["accepted"]] == [
        ("R-0001", first["id"], f"superseded by acceptance {second['id']}"), ("R-0001", second["id"], None)]
    text = aims(path, "diff", "2026-06-01", "2026-06-30").stdout
    assert "R-0002" not in text  # taken back by undo: not an acceptance given
    assert f"until 2027-06-30; revoked 2026-06-10 (superseded by acceptance {second['id']})" in text
    assert "until 2027-12-02\n" in text
