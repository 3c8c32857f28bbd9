"""`--as-of` and `aims diff` as real `aims` processes, over a history written in the past.

The history is written in-process through the services with the audit clock set
to past days (2026-05-01 and 2026-06-10); the commands then run as processes of
the real OS login (a viewer of the database)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import date, datetime, timezone
from pathlib import Path

import pytest

from aims_tui.core import audit
from aims_tui.core.services import management, risks, systems, users
from tests.conftest import ADMIN, EDITOR, make_db

from .processes import ME, aims


def _at(d: date):
    return lambda: datetime(d.year, d.month, d.day, 12, tzinfo=timezone.utc)


@pytest.fixture(scope="module")
def history_db(tmp_path_factory) -> Path:
    """AIS-001 and R-0001 (4x4) on 2026-05-01; on 2026-06-10 R-0001 rescored to 2x2,
    R-0002 added, AIS-001 moved to validation; management review MR on 2026-05-20."""
    path = tmp_path_factory.mktemp("hist-cli") / "aims.db"
    mp = pytest.MonkeyPatch()
    try:
        mp.setattr(audit, "utcnow", _at(date(2026, 5, 1)))
        db = make_db(path)
        if ME not in (ADMIN, "bob", EDITOR, "vic"):
            users.add_user(db, ADMIN, ME, "viewer")
        systems.create_system(db, EDITOR, {"name": "Chat assistant"}, today=date(2026, 5, 1))
        risks.create_risk(db, EDITOR, {"title": "Biased answers", "inherent_likelihood": 4, "inherent_impact": 4,
                                       "system": "AIS-001"}, today=date(2026, 5, 1))
        mp.setattr(audit, "utcnow", _at(date(2026, 5, 20)))
        mr = management.create_review(db, ADMIN, {"held_on": "2026-05-20"})
        mp.setattr(audit, "utcnow", _at(date(2026, 6, 10)))
        risks.update_risk(db, EDITOR, "R-0001", {"residual_likelihood": 2, "residual_impact": 2})
        risks.create_risk(db, EDITOR, {"title": "Prompt injection", "inherent_likelihood": 3, "inherent_impact": 3},
                          today=date(2026, 6, 10))
        systems.transition(db, ADMIN, "AIS-001", "validation", override_justification="moved for the test run",
                           today=date(2026, 6, 10))
        db.dispose()
    finally:
        mp.undo()
    (path.parent / "mr").write_text(mr["ref"])
    return path


def test_risks_list_as_of_a_day_shows_the_register_of_that_day(history_db):
    """The case: the register on 2026-05-15 had one risk, scored 4x4 residual; today it has two, R-0001 at 2x2."""
    then = json.loads(aims(history_db, "risks", "list", "--as-of", "2026-05-15", "--format", "json").stdout)
    now = json.loads(aims(history_db, "risks", "list", "--format", "json").stdout)
    assert [(r["ref"], r["residual_score"], r["version"]) for r in then] == [("R-0001", 16, 1)]
    assert [(r["ref"], r["residual_score"]) for r in now] == [("R-0001", 4), ("R-0002", 9)]


def test_systems_list_as_of_a_day_shows_the_stage_of_that_day(history_db):
    """The case: AIS-001 was in design on 2026-05-15 and moved to validation on 2026-06-10."""
    then = json.loads(aims(history_db, "systems", "list", "--as-of", "2026-05-15", "--format", "json").stdout)
    now = json.loads(aims(history_db, "systems", "list", "--format", "json").stdout)
    assert [(s["ref"], s["stage"]) for s in then] == [("AIS-001", "design")]
    assert [(s["ref"], s["stage"]) for s in now] == [("AIS-001", "validation")]
    before = aims(history_db, "systems", "list", "--as-of", "2026-04-30", "--format", "json").stdout
    assert json.loads(before) == []


def test_export_register_as_of_a_day_writes_the_rows_of_that_day(history_db):
    """The case: an auditor asks for the register as it stood at the end of May."""
    out = aims(history_db, "export", "register", "--as-of", "2026-05-31", "--format", "csv", "--out", "-").stdout
    lines = out.strip().splitlines()
    assert len(lines) == 2 and lines[1].startswith("R-0001,AIS-001,Biased answers")
    head = lines[0].split(",")
    assert lines[1].split(",")[head.index("residual_score")] == "16"


def test_check_and_readiness_run_over_the_register_of_that_day(history_db):
    """The case: the gates as they stood on a past day; exit 0 or 3, a report dated that day."""
    done = aims(history_db, "check", "--as-of", "2026-05-15", "--format", "json", code=3)
    assert json.loads(done.stdout)["as_of"] == "2026-05-15"
    r = subprocess.run([sys.executable, "-m", "aims_tui", "readiness", "--as-of", "2026-05-15"], capture_output=True,
                       text=True, env={**os.environ, "AIMS_DB": str(history_db)}, timeout=120)
    assert r.returncode in (0, 3) and r.stdout.startswith("aims readiness 2026-05-15"), r.stderr


def test_diff_of_two_days_names_the_changes_between_them(history_db):
    """The case: what changed from mid-May to the end of June: R-0002 added, R-0001 rescored, AIS-001 moved."""
    js = json.loads(aims(history_db, "diff", "2026-05-15", "2026-06-30", "--format", "json").stdout)
    assert js["schema"] == "aims.diff/1"
    assert [c["ref"] for c in js["added"]] == ["R-0002"]
    assert [(c["ref"], c["before"]["residual"], c["after"]["residual"]) for c in js["rescored"]] == \
        [("R-0001", [4, 4], [2, 2])]
    assert [(c["ref"], c["before"], c["after"]) for c in js["moved_stage"]] == [("AIS-001", "design", "validation")]
    assert js["closed"] == [] and js["accepted"] == [] and js["lapsed"] == []
    text = aims(history_db, "diff", "2026-05-15", "2026-06-30").stdout
    assert text.splitlines()[0] == ("aims diff 2026-05-15 .. 2026-06-30: 1 added, 0 closed, 1 rescored, "
                                    "1 moved stage, 0 accepted, 0 acceptances lapsed")
    assert "  AIS-001      2026-06-10  Chat assistant: design -> validation" in text
    empty = json.loads(aims(history_db, "diff", "2026-05-02", "2026-05-31", "--format", "json").stdout)
    assert empty["counts"] == {k: 0 for k in empty["counts"]}


def test_diff_since_a_management_review_starts_at_the_day_it_was_held(history_db):
    """The case: "what changed since the last management review" for the next one."""
    mr = (history_db.parent / "mr").read_text()
    js = json.loads(aims(history_db, "diff", "--since-review", mr, "--format", "json").stdout)
    assert js["from"].startswith("2026-05-2")
    assert [c["ref"] for c in js["added"]] == ["R-0002"]


def test_bad_dates_and_unknown_reviews_are_one_line_errors(history_db):
    """The case: a typo in a date or a review ref must say which and exit 2 (usage) or 1 (not found)."""
    bad = aims(history_db, "risks", "list", "--as-of", "30/06/2026", code=2)
    assert bad.stderr.strip().splitlines() == ["aims: --as-of: '30/06/2026' is not a date (use YYYY-MM-DD, e.g. 2026-06-15)"]
    assert "DATE2" in aims(history_db, "diff", "2026-05-01", "2026-02-30", code=2).stderr
    assert aims(history_db, "diff", code=2).stderr.strip().startswith("aims: give the day to start from")
    assert "is after" in aims(history_db, "diff", "2026-06-30", "2026-05-01", code=2).stderr
    unknown = aims(history_db, "diff", "--since-review", "MR-1999-09", code=1)
    assert unknown.stderr.strip() == "aims: --since-review: there is no management review MR-1999-09"
