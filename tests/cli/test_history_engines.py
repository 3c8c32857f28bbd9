"""`--as-of` on every command that has it, and `aims diff`, as real `aims` processes on
both engines (ENGINE_MODULES): SQLite and, with ``--engine postgresql``, PostgreSQL.

The history is written in-process through the services with the audit clock set to
past days: on 2026-05-01 AIS-001 and R-0001 (4x4, control A.6.2.4), appetite 9; on
2026-06-10 R-0001 rescored to 2x2 and relinked to A.7.2, R-0002 added, AIS-001 moved to
validation, the appetite lowered to 3. The commands then read it as of 2026-05-15."""

from __future__ import annotations

import csv
import io
import json
import os
import pwd
import subprocess
import sys
from datetime import date, datetime, timezone

import pytest

from aims_tui.core import audit
from sqlalchemy.engine import make_url

from aims_tui.core.services import controls, criteria, risks, systems, users
from tests.conftest import ADMIN, APPROVER, EDITOR, VIEWER, make_db, where

ME = pwd.getpwuid(os.geteuid()).pw_name

THEN = "2026-05-15"


def aims(db: str, *args: str, code: int | tuple[int, ...] = 0) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in ("AIMS_DEBUG", "AIMS_DB")}
    env.update(AIMS_DB=db, COLUMNS="200")
    done = subprocess.run([sys.executable, "-m", "aims_tui", *args], capture_output=True, text=True, env=env,
                          timeout=120, stdin=subprocess.DEVNULL)
    assert "Traceback" not in done.stderr + done.stdout, done.stderr
    codes = code if isinstance(code, tuple) else (code,)
    assert done.returncode in codes, (args, done.returncode, done.stdout, done.stderr)
    return done


def _at(d: date):
    return lambda: datetime(d.year, d.month, d.day, 12, tzinfo=timezone.utc)


@pytest.fixture(scope="module")
def hist(tmp_path_factory):
    mp = pytest.MonkeyPatch()
    database = None
    try:
        mp.setattr(audit, "utcnow", _at(date(2026, 5, 1)))
        database = make_db(tmp_path_factory.mktemp("hist-engines") / "aims.db")
        # the commands run as this process's login (SQLite) or the URL's role (PostgreSQL): a viewer
        me = (make_url(database.url).username if database.path is None else None) or ME
        if me not in (ADMIN, APPROVER, EDITOR, VIEWER):
            users.add_user(database, ADMIN, me, "viewer")
        systems.create_system(database, EDITOR, {"name": "Chat assistant"}, today=date(2026, 5, 1))
        controls.update_applicability(database, EDITOR, "A.2.2", {"applicable": True, "justification": "in scope"})
        risks.create_risk(database, EDITOR, {"title": "Biased answers", "inherent_likelihood": 4,
                                             "inherent_impact": 4, "system": "AIS-001", "controls": ["A.6.2.4"],
                                             "next_review": "2026-05-20"}, today=date(2026, 5, 1))
        mp.setattr(audit, "utcnow", _at(date(2026, 6, 10)))
        risks.update_risk(database, EDITOR, "R-0001", {"residual_likelihood": 2, "residual_impact": 2,
                                                       "controls": ["A.7.2"], "next_review": "2026-09-01"})
        risks.create_risk(database, EDITOR, {"title": "Prompt injection", "inherent_likelihood": 3,
                                             "inherent_impact": 3}, today=date(2026, 6, 10))
        systems.transition(database, ADMIN, "AIS-001", "validation", override_justification="moved for the test run",
                           today=date(2026, 6, 10))
        criteria.set_criteria(database, ADMIN, {"appetite": 3}, today=date(2026, 6, 10))
        controls.update_applicability(database, EDITOR, "A.2.2", {"justification": "still in scope",
                                                                   "implementation_status": "implemented"})
        controls.add_control(database, ADMIN, {"code": "ORG.1", "title": "Model cards", "justification": "ours"})
        mp.undo()
        yield where(database)
    finally:
        mp.undo()
        if database is not None:
            database.dispose()


def test_risks_list_as_of_a_day_shows_the_risks_scores_and_levels_of_that_day(hist):
    """The case: on 2026-05-15 the register had one risk, 4x4 residual; today two, R-0001 at 2x2."""
    then = json.loads(aims(hist, "risks", "list", "--as-of", THEN, "--format", "json").stdout)
    now = json.loads(aims(hist, "risks", "list", "--format", "json").stdout)
    assert [(r["ref"], r["residual_score"]) for r in then] == [("R-0001", 16)]
    assert [(r["ref"], r["residual_score"]) for r in now] == [("R-0001", 4), ("R-0002", 9)]


def test_systems_list_as_of_a_day_shows_the_stage_of_that_day(hist):
    """The case: AIS-001 was in design on 2026-05-15, in validation since 2026-06-10."""
    then = json.loads(aims(hist, "systems", "list", "--as-of", THEN, "--format", "json").stdout)
    assert [(s["ref"], s["stage"]) for s in then] == [("AIS-001", "design")]
    now = json.loads(aims(hist, "systems", "list", "--format", "json").stdout)
    assert [(s["ref"], s["stage"]) for s in now] == [("AIS-001", "validation")]


def test_export_register_as_of_a_day_names_the_controls_linked_that_day(hist):
    """The case: an auditor asks for the register at mid-May: R-0001 with A.6.2.4 (A.7.2 came later)."""
    then = list(csv.DictReader(io.StringIO(
        aims(hist, "export", "register", "--as-of", THEN, "--format", "csv", "--out", "-").stdout)))
    now = list(csv.DictReader(io.StringIO(aims(hist, "export", "register", "--format", "csv", "--out", "-").stdout)))
    assert [(r["ref"], r["residual_score"], r["controls"]) for r in then] == [("R-0001", "16", "A.6.2.4")]
    assert [(r["ref"], r["controls"]) for r in now] == [("R-0001", "A.7.2"), ("R-0002", "")]


def test_export_soa_as_of_a_day_gives_the_entries_and_controls_of_that_day(hist):
    """The case: the SoA at mid-May: A.2.2 included "in scope", not started, and no own control
    yet; since 2026-06-10 it reads "still in scope", implemented, and ORG.1 is listed."""
    def soa(*extra: str) -> dict[str, tuple[str, str]]:
        rows = csv.DictReader(io.StringIO(aims(hist, "export", "soa", *extra, "--format", "csv", "--out", "-").stdout))
        return {r["code"]: (r["justification"], r["implementation_status"]) for r in rows}

    then, now = soa("--as-of", THEN), soa()
    assert then["A.2.2"] == ("in scope", "not_started") and "ORG.1" not in then
    assert now["A.2.2"] == ("still in scope", "implemented") and now["ORG.1"] == ("ours", "not_started")


def test_check_as_of_a_day_uses_the_appetite_of_that_day(hist):
    """The case: the gate "above appetite without acceptance" on 2026-05-15 read appetite 9:
    R-0001 (16) above it; today appetite 3: both risks (4 and 9) above it."""
    def count(*extra: str) -> int:
        rep = json.loads(aims(hist, "check", *extra, "--format", "json", code=(0, 3)).stdout)
        return next(g["count"] for g in rep["gates"] if g["id"] == "unaccepted_above_appetite")

    assert (count("--as-of", THEN), count()) == (1, 2)


def test_readiness_and_reminders_as_of_a_day_report_that_day(hist):
    """The case: R-0001 was due for review on 2026-05-20 then (due soon on 2026-05-15); today on 2026-09-01."""
    r = aims(hist, "readiness", "--as-of", THEN, code=(0, 3))
    assert r.stdout.startswith(f"aims readiness {THEN}")
    rem = aims(hist, "reminders", "--as-of", THEN, "--format", "json").stdout
    got = json.loads(rem)
    assert "R-0001" in json.dumps(got) and "R-0002" not in json.dumps(got)


def test_export_pack_as_of_a_day_writes_a_pdf(hist, tmp_path):
    """The case: the management review's pack as of a past day, on either engine."""
    out = tmp_path / "pack.pdf"
    aims(hist, "export", "pack", "--as-of", THEN, "--out", str(out))
    assert out.read_bytes().startswith(b"%PDF")


def test_diff_of_two_days_names_the_changes_between_them(hist):
    """The case: between 2026-05-15 and 2026-06-30: R-0002 added, R-0001 rescored, AIS-001 moved."""
    d = json.loads(aims(hist, "diff", THEN, "2026-06-30", "--format", "json").stdout)
    assert d["schema"] == "aims.diff/1"
    assert [c["ref"] for c in d["added"]] == ["R-0002"]
    assert [(c["ref"], c["after"]["residual"]) for c in d["rescored"]] == [("R-0001", [2, 2])]
    assert [(c["ref"], c["before"], c["after"]) for c in d["moved_stage"]] == [("AIS-001", "design", "validation")]
