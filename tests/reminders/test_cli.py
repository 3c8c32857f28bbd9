"""aims reminders, aims check and aims review from the command line: JSON and exit codes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import datetime, timedelta, timezone

import pytest
from typer.testing import CliRunner

from aims_tui.cli import app
from aims_tui.core import audit, identity, reminders
from aims_tui.core.services import reviews

from ..conftest import ADMIN, TODAY, VIEWER
from ..system.context_support import scope_and_policy

runner = CliRunner()
ASOF = ["--as-of", TODAY.isoformat()]


@pytest.fixture
def as_user(monkeypatch):
    def use(login: str):
        monkeypatch.setattr(identity, "os_login", lambda: login)
    use(ADMIN)
    return use


def run(db, *args):
    return runner.invoke(app, [*args, "--db", str(db.path)])


def test_reminders_as_json_follow_the_documented_schema(demo_db, as_user):
    """Schema aims.reminders/1: totals, by_kind, owners with items; overdue first."""
    res = run(demo_db, "reminders", "--format", "json", *ASOF)
    assert res.exit_code == 0, res.output
    data = json.loads(res.stdout)
    assert data["schema"] == "aims.reminders/1" and data["as_of"] == TODAY.isoformat()
    assert set(data) == {"schema", "as_of", "within_days", "owner", "totals", "by_kind", "truncated", "owners"}
    assert data["within_days"] == 14 and data["owner"] is None
    assert set(data["by_kind"]) == set(reminders.KINDS)
    assert data["totals"]["overdue"] == sum(o["overdue"] for o in data["owners"]) > 0
    for o in data["owners"]:
        states = [i["state"] for i in o["items"]]
        assert states == sorted(states, key=lambda s: s != "overdue")
        for i in o["items"]:
            assert set(i) == {"kind", "ref", "title", "owner", "due", "state", "days_overdue", "days_left",
                              "system_ref", "review_subject", "version"}
            assert i["owner"] == o["owner"]
            assert (i["days_overdue"] > 0) == (i["state"] == "overdue")


def test_fail_on_overdue_exits_3_only_when_something_is_overdue(demo_db, as_user):
    """Exit 3 is 'done, but needs attention'; without the flag the exit is 0."""
    assert run(demo_db, "reminders", *ASOF).exit_code == 0
    assert run(demo_db, "reminders", "--fail-on-overdue", *ASOF).exit_code == 3
    idle = run(demo_db, "reminders", "--owner", VIEWER, "--fail-on-overdue", "--format", "json", *ASOF)
    assert idle.exit_code == 0 and json.loads(idle.stdout)["totals"] == {"overdue": 0, "due_soon": 0}
    # a login that is no user is a typo, not an owner with nothing due
    nobody = run(demo_db, "reminders", "--owner", "nobody", "--fail-on-overdue", *ASOF)
    assert nobody.exit_code == 1 and "--owner: nobody is not a user" in nobody.output


def test_mine_means_the_os_login_and_owner_filters_by_login(demo_db, as_user):
    """--mine uses the OS login (never an option); --owner any login; not both."""
    as_user("alice")
    mine = json.loads(run(demo_db, "reminders", "--mine", "-f", "json", *ASOF).stdout)
    assert mine["owner"] == "alice" and {o["owner"] for o in mine["owners"]} <= {"alice"}
    other = json.loads(run(demo_db, "reminders", "--owner", "chen", "-f", "json", *ASOF).stdout)
    assert {o["owner"] for o in other["owners"]} == {"chen"}
    both = run(demo_db, "reminders", "--mine", "--owner", "chen", *ASOF)
    assert both.exit_code == 2 and "not both" in both.stderr


def test_the_text_form_groups_by_owner_with_days_overdue(demo_db, as_user):
    """Readable in a mail: a header, then each owner, Overdue before Due soon."""
    res = run(demo_db, "reminders", "--owner", "alice", *ASOF)
    out = res.stdout
    assert out.startswith(f"aims reminders {TODAY.isoformat()}:")
    assert "alice:" in out and "days overdue" in out
    assert out.index("Overdue") < out.index("Due soon")


def test_within_widens_the_window_and_bad_values_are_usage_errors(demo_db, as_user):
    """--within N overrides settings.due_soon_days; nonsense exits 2."""
    narrow = json.loads(run(demo_db, "reminders", "--within", "0", "-f", "json", *ASOF).stdout)
    wide = json.loads(run(demo_db, "reminders", "--within", "60", "-f", "json", *ASOF).stdout)
    assert wide["totals"]["due_soon"] > narrow["totals"]["due_soon"]
    assert wide["totals"]["overdue"] == narrow["totals"]["overdue"]
    assert run(demo_db, "reminders", "--within", "-1").exit_code == 2
    assert run(demo_db, "reminders", "--format", "xml").exit_code == 2
    assert run(demo_db, "reminders", "--as-of", "15/06/2026").exit_code == 2


def test_check_reports_every_gate_as_json_and_exits_3_on_violations(demo_db, as_user):
    """Schema aims.check/1; the seeded register has overdue items, so it fails."""
    res = run(demo_db, "check", "--format", "json", *ASOF)
    assert res.exit_code == 3, res.output
    data = json.loads(res.stdout)
    assert data["schema"] == "aims.check/1" and data["passed"] is False
    assert [g["id"] for g in data["gates"]] == list(__import__("aims_tui.core.checks", fromlist=["GATES"]).GATES)
    late = next(g for g in data["gates"] if g["id"] == "overdue_beyond_grace")
    assert late["count"] > 0 and all(i["days_overdue"] > data["grace_days"] for i in late["items"])
    text = run(demo_db, "check", *ASOF)
    assert text.exit_code == 3 and "FAIL" in text.stdout


def test_check_passes_with_exit_0_on_a_clean_register(db, as_user, monkeypatch):
    """Nothing above appetite, nothing overdue, no undecided SoA, a scope and an approved AI policy: exit 0.
    The policy is written on the day checked (``--as-of`` reads the register as it was then)."""
    with monkeypatch.context() as m:
        m.setattr(audit, "utcnow", lambda: datetime(TODAY.year, TODAY.month, TODAY.day, 9, tzinfo=timezone.utc))
        scope_and_policy(db, TODAY)
    res = run(db, "check", *ASOF)
    assert res.exit_code == 0, res.output
    assert "all gates pass" in res.stdout


def test_review_from_the_cli_records_and_moves_the_risk_off_the_overdue_list(demo_db, as_user):
    """aims review R-xxxx --outcome still_valid --notes ...: recorded by the OS login."""
    r = reminders.due_items(demo_db, today=TODAY, overdue_only=True)  # the demo keeps a few risks overdue
    item = next(i for i in r.items if i.kind == "risk_review")
    res = run(demo_db, "review", item.ref, "--outcome", "still_valid", "--notes", "Checked with the team",
              "--format", "json")
    assert res.exit_code == 0, res.output
    rv = json.loads(res.stdout)
    assert rv["subject_ref"] == item.ref and rv["reviewer"] == ADMIN and rv["scores"]["residual_score"] >= 1
    assert reviews.list_reviews(demo_db, "risk", item.ref)[-1]["notes"] == "Checked with the team"
    after = reminders.due_items(demo_db, today=TODAY, overdue_only=True, limit=None)
    assert item.ref not in {i.ref for i in after.items if i.kind == "risk_review"}


def test_review_refusals_are_one_line_with_exit_1(demo_db, as_user):
    """Unknown ref, bad outcome, a viewer: one line on stderr, no traceback."""
    for args, who in ((["R-9999", "--outcome", "still_valid"], ADMIN),
                      (["R-0001", "--outcome", "fine"], ADMIN),
                      (["R-0001", "--outcome", "still_valid"], VIEWER)):
        as_user(who)
        res = run(demo_db, "review", *args)
        assert res.exit_code == 1, (args, res.output)
        assert len(res.stderr.strip().splitlines()) == 1 and "Traceback" not in res.stderr


def test_reminders_run_as_a_real_process_with_exit_3(tmp_path):
    """The cron line's shape: a real `python -m aims_tui reminders`, JSON on stdout, exit 3."""
    from aims_tui.core.services import setup
    from aims_tui.core.services.demo import load_demo
    from aims_tui.core.db import open_database

    path = tmp_path / "proc.db"
    db = open_database(str(path))
    me = identity.os_login()
    setup.initialize(db, me, "Proc Org")
    load_demo(db, me, systems=3, risks_per_system=4, seed=3, today=TODAY - timedelta(days=200))
    db.dispose()
    env = {k: v for k, v in os.environ.items() if k != "AIMS_DB"}
    base = [sys.executable, "-m", "aims_tui", "--db", str(path)]
    proc = subprocess.run([*base, "reminders", "--format", "json", "--fail-on-overdue", *ASOF],
                          capture_output=True, text=True, env=env, timeout=120)
    assert proc.returncode == 3, proc.stderr
    data = json.loads(proc.stdout)
    assert data["totals"]["overdue"] > 0
    chk = subprocess.run([*base, "check", "--format", "json", *ASOF], capture_output=True, text=True, env=env,
                         timeout=120)
    assert chk.returncode == 3 and json.loads(chk.stdout)["passed"] is False


def test_quiet_prints_nothing_when_nothing_is_due_for_a_login_banner(demo_db, as_user):
    """--quiet: silent for someone with nothing due, the usual text for someone with items."""
    as_user(VIEWER)
    quiet = run(demo_db, "reminders", "--mine", "--quiet", *ASOF)
    assert quiet.exit_code == 0 and quiet.stdout == ""
    as_user("alice")
    loud = run(demo_db, "reminders", "--mine", "--quiet", *ASOF)
    assert "alice:" in loud.stdout
