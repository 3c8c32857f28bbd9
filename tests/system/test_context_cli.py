"""The commands of clauses 4, 5 and 7.5 (issue 16): aims context scope show | set, aims
context parties, aims documents (approve; an approved document changed says it returns to
draft), aims responsibilities; refusals are one line naming the role or the field."""

from __future__ import annotations

import json

import pytest

from ..cli.test_cli_runner import Cli


@pytest.fixture
def cli(monkeypatch, tmp_path) -> Cli:
    c = Cli(monkeypatch, tmp_path / "aims.db")
    c("init", "--org", "Acme AI")
    c("users", "add", "bob", "--role", "approver")
    c("users", "add", "eve", "--role", "editor")
    return c


def test_an_admin_sets_the_scope_from_text_or_a_file_and_anyone_reads_it(cli, tmp_path):
    assert "not set" in cli("context", "scope", "show").stderr
    assert "scope set (15 characters" in cli("context", "scope", "set", "--text", "Every AI system").stdout
    assert cli("context", "scope", "show", login="eve").stdout.strip() == "Every AI system"
    f = tmp_path / "scope.txt"
    f.write_text("Every AI system we build or buy\nexcept research prototypes\n", encoding="utf-8")
    cli("context", "scope", "set", "--file", str(f), login="ada")
    got = cli.json("context", "scope", "show")
    assert got["scope"] == "Every AI system we build or buy\nexcept research prototypes"
    assert "scope unchanged" in cli("context", "scope", "set", "--file", str(f)).stdout
    trail = cli.json("audit", "log", "--entity", "scope")
    assert [(e["actor"], e["action"]) for e in trail] == [("ada", "update"), ("ada", "update")]
    assert trail[0]["changes"]["scope"][0] == "Every AI system"


def test_a_non_admin_setting_the_scope_gets_one_line_naming_the_admin_role(cli):
    r = cli("context", "scope", "set", "--text", "Everything", login="bob", code=1)
    assert r.stderr.strip() == "aims: setting the AIMS scope needs the admin role (you are approver)"
    assert cli.json("context", "scope", "show")["scope"] == ""


@pytest.mark.parametrize("args", [[], ["--text", "x", "--file", "y"]])
def test_scope_set_wants_exactly_one_of_text_and_file(cli, args):
    r = cli("context", "scope", "set", *args, code=2)
    assert "--text TEXT or --file FILE" in r.stderr


def test_a_document_is_added_approved_by_an_approver_and_returned_to_draft_by_a_change(cli):
    cli("documents", "add", "--set", "title=AI policy", "--set", "doc_type=ai_policy", "--set", "version_label=1.0",
        "--set", "location=https://intranet.example/ai-policy.pdf", "--set", "review_cadence=yearly", login="eve")
    r = cli("documents", "approve", "DOC-001", login="eve", code=1)
    assert "approving a document needs the approver role (you are editor)" in r.stderr
    assert "DOC-001 approved by bob" in cli("documents", "approve", "DOC-001", login="bob").stdout
    shown = cli.json("documents", "show", "DOC-001")
    assert (shown["status"], shown["approved_by"]) == ("approved", "bob")
    assert shown["location"] == "https://intranet.example/ai-policy.pdf"
    r = cli("documents", "update", "DOC-001", "--set", "version_label=1.1", login="eve")
    assert "returns it to draft" in r.stderr and "aims documents approve DOC-001" in r.stderr
    assert cli.json("documents", "show", "DOC-001")["status"] == "draft"
    r = cli("documents", "update", "DOC-001", "--set", "retention=7 years", login="eve")
    assert r.stderr == ""


def test_approved_cannot_be_set_from_the_command_line(cli):
    r = cli("documents", "add", "--set", "title=Policy", "--set", "status=approved", code=1)
    assert r.stderr.startswith("aims: status:") and "aims documents approve" in r.stderr
    assert cli.json("documents", "list") == []


def test_parties_and_responsibilities_go_in_as_json_and_come_out_the_same(cli, tmp_path):
    parties = [{"name": "Customers", "kind": "external", "needs": "Fair decisions", "review_cadence": "yearly"},
               {"name": "Works council", "kind": "internal", "needs": "Consulted first"}]
    f = tmp_path / "p.json"
    f.write_text(json.dumps(parties), encoding="utf-8")
    cli("context", "parties", "add", "--json", str(f))
    listed = cli.json("context", "parties", "list")
    assert [(p["ref"], p["name"], p["kind"]) for p in listed] == [("IP-001", "Customers", "external"),
                                                                  ("IP-002", "Works council", "internal")]
    cli("responsibilities", "add", "--set", "title=AIMS owner", "--set", "holder=ada", "--set", "deputy=bob",
        "--set", "accountable_for=The AIMS and its results")
    role = cli.json("responsibilities", "show", "ROLE-001")
    assert (role["holder"], role["deputy"], role["status"]) == ("ada", "bob", "active")
    r = cli("responsibilities", "update", "ROLE-001", "--set", "deputy=ada", code=1)
    assert r.stderr.startswith("aims: deputy:")
    table = cli("responsibilities", "list").stdout
    assert "AIMS owner" in table and "HOLDER" in table
