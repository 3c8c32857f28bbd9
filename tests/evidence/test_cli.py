"""aims evidence and aims readiness from the command line (issue 17): exit codes, paths
printed literally, JSON forms, stale evidence in reminders."""

from __future__ import annotations

import json
from datetime import date, timedelta

import pytest

from ..cli.test_cli_runner import Cli


@pytest.fixture
def cli(monkeypatch, tmp_path) -> Cli:
    return Cli(monkeypatch, tmp_path / "aims.db")

TODAY = date.today()


def test_add_a_file_list_it_and_verify_it_unchanged_then_changed(cli, tmp_path):
    cli("init", "--org", "Acme AI")
    f = tmp_path / "access review.pdf"
    f.write_bytes(b"%PDF minutes")
    out = cli("evidence", "add", str(f), "--for", "A.6.2.4", "--title", "Access review", "--shows", "held").stdout
    assert out.startswith("EVD-001 recorded for A.6.2.4 (control): ") and str(f) in out and "12 bytes" in out
    listed = cli.json("evidence", "list", "--for", "A.6.2.4")
    assert [(r["ref"], r["location"], r["for_kind"]) for r in listed] == [("EVD-001", str(f), "control")]
    assert len(listed[0]["sha256"]) == 64
    assert "1 unchanged, 0 to look at" in cli("evidence", "verify").stdout
    f.write_bytes(b"%PDF minutes, edited")
    res = cli("evidence", "verify", code=3)
    assert "EVD-001  changed" in res.stdout
    doc = json.loads(cli("evidence", "verify", "--format", "json", code=3).stdout)
    assert doc["schema"] == "aims.evidence-verify/1" and doc["results"][0]["state"] == "changed"
    cli("evidence", "recapture", "EVD-001")
    cli("evidence", "verify")  # exit 0 again


def test_a_path_with_control_characters_is_printed_escaped(cli, tmp_path):
    cli("init")
    f = tmp_path / "evil\x1b]0;pwned\x07 name.txt"
    f.write_text("x")
    out = cli("evidence", "add", str(f), "--for", "A.2.2", "--title", "Evil").stdout
    assert "\x1b" not in out and "\\x1b]0;pwned\\x07 name.txt" in out
    assert "\x1b" not in cli("evidence", "list").stdout
    shown = cli("evidence", "show", "EVD-001").stdout
    assert "\x1b" not in shown and "\\x1b]0;pwned\\x07 name.txt" in shown
    f.unlink()
    res = cli("evidence", "verify", code=3)
    assert "\x1b" not in res.stdout and "missing" in res.stdout


def test_an_unknown_ref_or_a_missing_file_fails_in_one_line_naming_it(cli, tmp_path):
    cli("init")
    f = tmp_path / "a.txt"
    f.write_text("x")
    res = cli("evidence", "add", str(f), "--for", "R-0404", "--title", "t", code=1)
    assert res.stderr.strip() == "aims: for_ref: R-0404 is neither a control code nor the ref of a record"
    res = cli("evidence", "add", str(tmp_path / "none.txt"), "--for", "A.2.2", "--title", "t", code=1)
    assert res.stderr.count("\n") == 1 and "no such file" in res.stderr
    res = cli("evidence", "add", str(f), "--title", "t", code=2)
    assert "--for" in res.stderr
    assert cli.json("evidence", "list") == []


def test_stale_evidence_is_a_reminder(cli):
    cli("init")
    cli("evidence", "add", "https://wiki.example.com/p", "--for", "A.2.2", "--title", "Policy page",
        "--set", f"next_review={(TODAY - timedelta(days=3)).isoformat()}")
    doc = json.loads(cli("reminders", "--format", "json", code=None).stdout)
    items = [i for o in doc["owners"] for i in o["items"]]
    assert [(i["kind"], i["ref"], i["state"]) for i in items] == [("evidence_next_review", "EVD-001", "overdue")]


def test_readiness_exits_3_on_a_fresh_database_and_prints_its_json_schema(cli):
    cli("init")
    text = cli("readiness", code=3).stdout
    assert text.splitlines()[0].endswith("7 of 8 to close (1 ok, 7 missing)")
    assert "fix: aims context issues add" in text
    doc = json.loads(cli("readiness", "--format", "json", "--as-of", "2026-06-15", code=3).stdout)
    assert doc["schema"] == "aims.readiness/1" and doc["as_of"] == "2026-06-15" and doc["ready"] is False
    assert [c["clause"] for c in doc["clauses"]] == ["4.1", "6.1.2", "6.1.3", "6.1.4", "8.2", "8.4", "9.3", "10.2"]
    res = cli("readiness", "--as-of", "15/06/2026", code=2)
    assert "--as-of: '15/06/2026' is not a date" in res.stderr
