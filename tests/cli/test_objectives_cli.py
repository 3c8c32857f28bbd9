"""aims objectives measure / trend and the clause 7 groups (issue 16), in-process as an OS login:
what a user types, what they read, and that a refusal is one line naming the field."""

from __future__ import annotations

import json

import pytest

from .test_cli_runner import Cli


@pytest.fixture
def cli(monkeypatch, tmp_path) -> Cli:
    c = Cli(monkeypatch, tmp_path / "aims.db")
    c("init", "--org", "Acme AI")
    c("users", "add", "vic", "--role", "viewer")
    return c


def test_measure_then_trend_lists_each_value_on_or_off_target_with_latest_and_travel(cli):
    cli("objectives", "add", "--set", "title=Triage accuracy", "--set", "target=93", "--set", "unit=%",
        "--set", "metric=holdout accuracy", "--set", "review_cadence=monthly")
    out = cli("objectives", "measure", "OBJ-001", "--value", "91.2", "--on", "2025-10-31", "--note", "Oct").stdout
    assert out.strip() == "MEA-0001 recorded: OBJ-001 = 91.2 % on 2025-10-31 (off target; target at least 93 %)"
    cli("objectives", "measure", "OBJ-001", "--value", "93.5", "--on", "2025-11-30")
    text = cli("objectives", "trend", "OBJ-001").stdout
    lines = text.splitlines()
    assert lines[0] == "OBJ-001: Triage accuracy" and lines[1] == "target: at least 93 % (holdout accuracy)"
    assert [ln.split()[:3] for ln in lines[4:6]] == [["2025-10-31", "91.2", "off"], ["2025-11-30", "93.5", "on"]]
    assert lines[-1] == "latest: 93.5 % on 2025-11-30: on target, improving"
    data = cli.json("objectives", "trend", "OBJ-001")
    assert (data["latest_value"], data["on_target"], data["travel"]) == (93.5, True, "improving")
    assert [m["value"] for m in data["measurements"]] == [91.2, 93.5]
    listed = cli.json("measurements", "list")
    assert [(m["ref"], m["objective"]) for m in listed] == [("MEA-0001", "OBJ-001"), ("MEA-0002", "OBJ-001")]


def test_a_bad_value_a_future_date_and_a_viewer_are_refused_in_one_line(cli):
    cli("objectives", "add", "--set", "title=Fewer incidents", "--set", "target=2", "--set", "direction=at most")
    bad = cli("objectives", "measure", "OBJ-001", "--value", "1,5", code=1)
    assert bad.output.strip() == "aims: value: '1,5' is not a number"
    later = cli("objectives", "measure", "OBJ-001", "--value", "1", "--on", "2999-01-01", code=1)
    assert "measured_on: 2999-01-01 is in the future" in later.output
    refused = cli("objectives", "measure", "OBJ-001", "--value", "1", login="vic", code=1)
    assert "viewer" in refused.output
    assert cli.json("measurements", "list", login="ada") == []
    empty = cli("objectives", "trend", "OBJ-001").stdout
    assert "no measurements yet" in empty and "target: at most 2" in empty


def test_the_clause_7_groups_record_list_and_show_their_records(cli, tmp_path):
    cli("resources", "add", "--set", "title=GPU nodes", "--set", "type=infrastructure")
    cli("competence", "add", "--set", "title=Model risk", "--set", "role=Risk owner")
    cli("training", "add", "--set", "title=AI risk course", "--set", "person=ada", "--set", "competence=CMP-001",
        "--set", "completed_on=2026-01-10", "--set", "expires_on=2027-01-10")
    cli("communications", "add", "--set", "title=AIMS results to the board", "--set", "audience=Board",
        "--set", "review_cadence=quarterly")
    assert cli.json("resources", "list")[0]["type"] == "infrastructure"
    assert cli.json("training", "show", "TRN-0001")["competence"] == "CMP-001"
    com = cli.json("communications", "show", "COM-001")
    assert com["reach"] == "internal" and com["next_review"]
    items = tmp_path / "training.json"
    items.write_text(json.dumps([{"title": "AI policy briefing", "person": "Dana", "kind": "awareness"},
                                 {"title": "Bad", "person": "Dana", "kind": "lecture"}]))
    bad = cli("training", "add", "--json", str(items), code=1)
    assert "kind: item 2" in bad.output
    assert len(cli.json("training", "list")) == 1
