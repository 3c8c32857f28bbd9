"""The records that only the app could create before issue 16 (AI systems, impact
assessments, nonconformities) and the A.10 and incident registers, from the command
line: --set and --json in, JSON out, one line naming the field on a refusal, a stale
--expect-version refused, and what ``list --format json`` prints taken back by ``add``."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from .test_cli_runner import Cli, _one_line


@pytest.fixture
def cli(monkeypatch, tmp_path) -> Cli:
    return Cli(monkeypatch, tmp_path / "aims.db")


def _init(cli) -> None:
    cli("init", "--org", "Acme AI")
    cli("users", "add", "eve", "--role", "editor")
    cli("users", "add", "bob", "--role", "approver")
    cli("users", "add", "vic", "--role", "viewer")


def test_systems_add_update_show_with_set_and_json(cli, tmp_path):
    """A script registers an inventory without the app: add with --set and with a
    listed system given back as --json, update at the version it read."""
    _init(cli)
    r = json.loads(cli("systems", "add", "--set", "name=Invoice OCR", "--set", "business_owner=eve",
                       "--format", "json", login="eve").stdout)
    assert r["ref"] == "AIS-001" and r["stage"] == "design" and r["business_owner"] == "eve"
    out = cli("systems", "update", "AIS-001", "--set", "purpose=Reads supplier invoices",
              "--expect-version", "1").stdout
    assert out.startswith("AIS-001 updated (version 2)")
    listed = cli.json("systems", "list")
    (tmp_path / "one.json").write_text(json.dumps(listed[0]), encoding="utf-8")
    again = json.loads(cli("systems", "add", "--json", str(tmp_path / "one.json"), "--format", "json").stdout)
    assert again["ref"] == "AIS-002" and again["purpose"] == "Reads supplier invoices"
    shown = cli.json("systems", "show", "AIS-001")
    assert shown["purpose"] == "Reads supplier invoices" and shown["version"] == 2


def test_a_stale_system_update_and_a_bad_field_are_one_line_naming_what_is_wrong(cli):
    _init(cli)
    cli("systems", "add", "--set", "name=Chatbot")
    cli("systems", "update", "AIS-001", "--set", "purpose=first", "--expect-version", "1")
    r = cli("systems", "update", "AIS-001", "--set", "purpose=second", "--expect-version", "1", code=1)
    assert "version 2" in _one_line(r.stderr)
    assert cli.json("systems", "show", "AIS-001")["purpose"] == "first"
    r = cli("systems", "add", "--set", "name=X", "--set", "ai_role=overlord", code=1)
    assert "ai_role" in _one_line(r.stderr)
    r = cli("systems", "add", "--set", "nmae=X", code=2)
    assert "nmae" in _one_line(r.stderr)
    r = cli("systems", "add", "--set", "name=Y", login="vic", code=1)
    assert "viewer" in _one_line(r.stderr)
    assert [s["ref"] for s in cli.json("systems", "list")] == ["AIS-001"]


def test_impact_add_update_list_show_and_approve(cli, tmp_path):
    """An impact assessment recorded, listed, given back as JSON and approved by an approver;
    a change after approval sends it back to draft."""
    _init(cli)
    cli("systems", "add", "--set", "name=Credit scoring")
    ia = json.loads(cli("impact", "add", "--set", "system=AIS-001", "--set", "title=Scoring IA",
                        "--set", 'impacts=[{"description": "Unfair refusals", "severity": "high"}]',
                        "--format", "json", login="eve").stdout)
    assert ia["ref"] == "IA-001" and ia["system_ref"] == "AIS-001" and ia["impacts"][0]["severity"] == "high"
    r = cli("impact", "approve", "IA-001", login="eve", code=1)
    assert "approver" in _one_line(r.stderr)
    assert cli("impact", "approve", "IA-001", "--expect-version", "1", login="bob").stdout.startswith(
        "IA-001 approved (version 2)")
    assert cli.json("impact", "show", "IA-001")["status"] == "approved"
    cli("impact", "update", "IA-001", "--set", "mitigations=Human review of refusals", login="eve")
    assert cli.json("impact", "show", "IA-001")["status"] == "draft"
    listed = cli.json("impact", "list", "--system", "AIS-001")
    (tmp_path / "ia.json").write_text(json.dumps(listed[0]), encoding="utf-8")
    copy = json.loads(cli("impact", "add", "--json", str(tmp_path / "ia.json"), "--format", "json").stdout)
    assert copy["ref"] == "IA-002" and copy["system_ref"] == "AIS-001" and copy["impacts"] == listed[0]["impacts"]
    r = cli("impact", "add", "--set", "system=AIS-404", "--set", "title=x", code=1)
    assert "system" in _one_line(r.stderr) and "AIS-404" in r.stderr
    r = cli("impact", "add", "--set", "system=AIS-001", "--set", "impacts=[not json", code=2)
    assert "impacts" in _one_line(r.stderr)
    r = cli("impact", "update", "IA-001", "--set", "system=AIS-002", code=2)
    assert "system" in _one_line(r.stderr)


def test_nonconformities_add_update_list_show(cli, tmp_path):
    _init(cli)
    cli("systems", "add", "--set", "name=Chatbot")
    nc = json.loads(cli("nonconformities", "add", "--set", "title=Logs not kept", "--set", "kind=audit_finding",
                        "--set", "severity=major", "--set", "system=AIS-001", "--format", "json").stdout)
    assert nc["ref"] == "NC-001" and nc["system_ref"] == "AIS-001" and nc["kind"] == "audit_finding"
    r = cli("nonconformities", "update", "NC-001", "--set", "status=closed", code=1)
    assert "root_cause" in _one_line(r.stderr)
    cli("nonconformities", "update", "NC-001", "--set", "status=closed", "--set", "root_cause=No log rotation",
        "--expect-version", "1")
    shown = cli.json("nonconformities", "show", "NC-001")
    assert shown["status"] == "closed" and shown["closed_on"] is not None
    listed = cli.json("nonconformities", "list")
    (tmp_path / "nc.json").write_text(json.dumps(listed[0]), encoding="utf-8")
    copy = json.loads(cli("nonconformities", "add", "--json", str(tmp_path / "nc.json"), "--format", "json").stdout)
    assert copy["ref"] == "NC-002" and copy["system_ref"] == "AIS-001" and copy["root_cause"] == "No log rotation"
    r = cli("nonconformities", "add", "--set", "title=x", "--set", "severity=huge", code=1)
    assert "severity" in _one_line(r.stderr)


def test_suppliers_are_assessed_and_an_unassessed_active_one_fails_aims_check(cli):
    """The A.10.3 gate: an active supplier with no assessment fails `aims check` (exit 3)
    until an assessment is recorded."""
    _init(cli)
    cli("suppliers", "add", "--set", "name=Acme Models", "--set", "status=active", "--set", "review_cadence=yearly")
    r = cli("check", "--format", "json", code=3)
    gate = next(g for g in json.loads(r.stdout)["gates"] if g["id"] == "supplier_not_assessed")
    assert gate["count"] == 1 and gate["items"][0]["ref"] == "SUP-001"
    r = cli("suppliers", "update", "SUP-001", "--set", "outcome=acceptable_with_conditions", code=1)
    assert "conditions" in _one_line(r.stderr)
    s = json.loads(cli("suppliers", "update", "SUP-001", "--set", "outcome=acceptable", "--format", "json").stdout)
    assert s["assessed_on"] is not None and s["next_assessment"] is not None
    r = cli("check", "--format", "json", code=3)  # a fresh register fails other gates (scope, policy)
    gate = next(g for g in json.loads(r.stdout)["gates"] if g["id"] == "supplier_not_assessed")
    assert gate["count"] == 0


def test_incidents_raise_nc_links_the_two_and_is_refused_twice(cli):
    _init(cli)
    cli("incidents", "add", "--set", "title=Chatbot leaked an order", "--set", "severity=high",
        "--set", "status=resolved", "--set", "owner=eve")
    out = json.loads(cli("incidents", "raise-nc", "INC-001", "--expect-version", "1", "--format", "json").stdout)
    assert out["nonconformity"]["ref"] == "NC-001" and out["incident"]["nonconformity"] == "NC-001"
    assert cli.json("nonconformities", "show", "NC-001")["owner"] == "eve"
    r = cli("incidents", "raise-nc", "INC-001", code=1)
    assert "NC-001" in _one_line(r.stderr)
    r = cli("ai-components", "add", "--set", "name=Embeddings", "--set", "supplier=SUP-404", code=1)
    assert "supplier" in _one_line(r.stderr)


def test_a_script_records_a_system_an_incident_from_stdin_and_raises_its_nc_as_real_processes(tmp_path):
    """The scripted path end to end, as separate processes: JSON on stdin in, JSON out."""
    db = tmp_path / "aims.db"
    env = {k: v for k, v in os.environ.items() if k not in ("AIMS_DEBUG", "AIMS_DB")}
    env.update(AIMS_DB=str(db), COLUMNS="200")

    def aims(*args: str, stdin: str = "", code: int = 0) -> subprocess.CompletedProcess:
        done = subprocess.run([sys.executable, "-m", "aims_tui", *args], capture_output=True, text=True, env=env,
                              input=stdin, timeout=120)
        assert "Traceback" not in done.stderr + done.stdout, done.stderr
        assert done.returncode == code, (args, done.returncode, done.stdout, done.stderr)
        return done

    aims("init", "--org", "Acme AI")
    aims("systems", "add", "--set", "name=Chatbot")
    inc = json.loads(aims("incidents", "add", "--json", "-", "--format", "json",
                          stdin=json.dumps({"title": "Wrong refund promised", "system": "AIS-001",
                                            "status": "resolved", "severity": "medium"})).stdout)
    assert inc["ref"] == "INC-001" and inc["system"] == "AIS-001" and inc["resolved_on"] is not None
    out = json.loads(aims("incidents", "raise-nc", "INC-001", "--format", "json").stdout)
    assert out["nonconformity"]["system_ref"] == "AIS-001" and out["nonconformity"]["severity"] == "minor"
    bad = aims("incidents", "add", "--json", "-", stdin='{"title": "x", "severity": "apocalyptic"}', code=1)
    assert bad.stderr.count("\n") == 1 and "severity" in bad.stderr
    assert [i["ref"] for i in json.loads(aims("incidents", "list", "--format", "json").stdout)] == ["INC-001"]
