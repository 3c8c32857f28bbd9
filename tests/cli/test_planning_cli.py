"""The planning commands (issue 16): aims criteria, opportunities, soa, controls,
treatments and risks approve-plan, in-process, with their JSON in and out."""

from __future__ import annotations

import json

import pytest

from aims_tui.core import checks
from aims_tui.core.db import open_database
from aims_tui.core.services import risks

from .test_cli_runner import Cli


@pytest.fixture
def demo_cli(monkeypatch, tmp_path) -> Cli:
    """A demo register with its team (alice editor, bob approver), as test_cli_runner makes it."""
    c = Cli(monkeypatch, tmp_path / "aims.db")
    c("init", "--org", "Acme AI")
    c("demo", "--systems", "6", "--risks-per-system", "4", "--seed", "3", "--with-users")
    return c


def test_criteria_show_as_json_is_what_set_takes_back_and_a_dry_run_saves_nothing(demo_cli: Cli, tmp_path):
    doc = demo_cli.json("criteria", "show")
    assert doc["appetite"] == 9 and [b["name"] for b in doc["bands"]] == ["Low", "Medium", "High", "Critical"]
    doc.pop("version")
    doc["appetite"] = 4
    f = tmp_path / "criteria.json"
    f.write_text(json.dumps(doc))
    out = demo_cli("criteria", "set", "--json", str(f), "--dry-run").stdout
    assert out.startswith("dry run, nothing saved:") and "go above appetite" in out
    assert demo_cli.json("criteria", "show")["appetite"] == 9
    saved = demo_cli.json("criteria", "set", "--json", str(f))
    assert saved["criteria"]["appetite"] == 4 and saved["impact"]["changed"] == ["appetite"]
    assert demo_cli.json("criteria", "show")["appetite"] == 4
    again = demo_cli("criteria", "set", "--json", str(f)).stdout
    assert "criteria unchanged" in again


def test_criteria_set_refuses_a_bad_band_in_one_line_and_an_editor(demo_cli: Cli, tmp_path):
    f = tmp_path / "bad.json"
    f.write_text(json.dumps({"bands": [{"name": "Low", "low": 1, "high": 9}, {"name": "High", "low": 11, "high": 25}]}))
    r = demo_cli("criteria", "set", "--json", str(f), code=1)
    assert r.stderr.strip().startswith("aims: bands:") and len(r.stderr.strip().splitlines()) == 1
    f.write_text(json.dumps({"appetite": 6}))
    r = demo_cli("criteria", "set", "--json", str(f), login="bob", code=None)
    assert r.exit_code != 0 and "admin" in r.stderr


def test_opportunities_are_added_listed_as_json_and_given_back(demo_cli: Cli, tmp_path):
    before = [r["ref"] for r in demo_cli.json("opportunities", "list")]  # the demo's own
    demo_cli("opportunities", "add", "--set", "title=Automate bias testing", "--set", "system=AIS-001",
             "--set", "expected_benefit=Releases sooner", "--set", "due_date=2027-03-01")
    rows = [r for r in demo_cli.json("opportunities", "list") if r["ref"] not in before]
    n = len(before)
    assert [(r["ref"], r["system"], r["status"]) for r in rows] == [(f"OPP-{n + 1:03d}", "AIS-001", "identified")]
    f = tmp_path / "opps.json"
    f.write_text(json.dumps([{**rows[0], "title": "Reuse the eval suite"}]))
    demo_cli("opportunities", "add", "--json", str(f))
    assert [r["ref"] for r in demo_cli.json("opportunities", "list")] == \
        [*before, f"OPP-{n + 1:03d}", f"OPP-{n + 2:03d}"]
    r = demo_cli("opportunities", "add", "--set", "title=x", "--set", "status=maybe", code=1)
    assert "status" in r.stderr


def test_soa_set_needs_a_justification_both_ways_and_soa_list_shows_it(demo_cli: Cli):
    r = demo_cli("soa", "set", "A.8.3", "--applicable", "yes", code=1)
    assert "justification" in r.stderr
    demo_cli("soa", "set", "A.8.3", "--applicable", "yes", "--justification", "We report to customers",
             "--owner", "alice", "--status", "planned")
    entry = next(e for e in demo_cli.json("soa", "list") if e["code"] == "A.8.3")
    assert (entry["applicable"], entry["justification"], entry["owner"], entry["implementation_status"]) == \
        (True, "We report to customers", "alice", "planned")
    assert demo_cli("soa", "set", "A.8.3", "--applicable", "maybe", code=2)


def test_check_reports_a_control_excluded_while_a_risk_still_links_it(demo_cli: Cli):
    """The demo links no excluded control (its gate passes); excluding a linked one fails it."""
    rep = json.loads(demo_cli("check", "--format", "json", code=None).stdout)
    assert next(g for g in rep["gates"] if g["id"] == "excluded_control_still_linked")["passed"]
    db = open_database(str(demo_cli.path))
    try:
        code = next(c for r in demo_cli.json("risks", "list") for c in risks.get_risk(db, r["ref"])["controls"])
    finally:
        db.dispose()
    demo_cli("soa", "set", code, "--applicable", "no", "--justification", "Out of scope now")
    rep = json.loads(demo_cli("check", "--format", "json", code=3).stdout)
    gate = next(g for g in rep["gates"] if g["id"] == "excluded_control_still_linked")
    assert not gate["passed"] and any(code in str(i) for i in gate["items"])
    assert set(checks.GATES) == {g["id"] for g in rep["gates"]}


def test_controls_add_makes_a_custom_control_listed_with_its_description(demo_cli: Cli):
    out = demo_cli("controls", "add", "ORG.1", "--title", "Model register kept",
                   "--description", "Every production model is listed").stdout
    assert out.startswith("ORG.1 added") and "aims soa set ORG.1" in out
    listed = demo_cli.json("controls", "list", "--custom")
    assert listed == [{"code": "ORG.1", "title": "Model register kept", "custom": True,
                       "description": "Every production model is listed"}]
    assert "already exists" in demo_cli("controls", "add", "ORG.1", "--title", "again", code=1).stderr


def test_treatments_complete_records_effectiveness_and_approve_plan_records_the_approver(demo_cli: Cli):
    tr = demo_cli.json("treatments", "list", "R-0001")
    open_t = next(t for t in tr if t["status"] in ("planned", "in_progress"))
    done = demo_cli.json("treatments", "complete", open_t["ref"], "--effectiveness", "effective",
                         "--note", "No leak since")
    assert (done["status"], done["effectiveness"], done["effectiveness_note"]) == ("done", "effective",
                                                                                   "No leak since")
    bad = demo_cli("treatments", "effectiveness", open_t["ref"], "--effectiveness", "great", code=1)
    assert "effectiveness" in bad.stderr
    db = open_database(str(demo_cli.path))
    try:  # a risk whose plan nobody has approved yet (the demo approves those above appetite)
        ref = next(r["ref"] for r in demo_cli.json("risks", "list")
                   if not risks.get_risk(db, r["ref"])["plan_approved_by"])
        out = demo_cli("risks", "approve-plan", ref, login="bob").stdout
        assert out.startswith(f"{ref} treatment plan approved by bob")
        assert risks.get_risk(db, ref)["plan_approved_by"] == "bob"
    finally:
        db.dispose()
    assert "approver" in demo_cli("risks", "approve-plan", "R-0002", login="alice", code=None).stderr
