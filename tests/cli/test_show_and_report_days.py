"""Rules the CLI keeps in one place (aims_tui/cli/common.py), checked through each command
that uses them: ``show`` prints one record as ``key: value`` lines or JSON, and the reports
(reminders, check, readiness) refuse an ``--as-of`` that is not a date with the same line."""

from __future__ import annotations

import json

import pytest

from .test_cli_runner import Cli


@pytest.fixture
def cli(monkeypatch, tmp_path) -> Cli:
    return Cli(monkeypatch, tmp_path / "aims.db")


@pytest.mark.parametrize("command", ["reminders", "check", "readiness"])
def test_a_report_refuses_an_as_of_that_is_not_a_date_in_one_line(cli, command):
    """The case: readiness parsed --as-of by itself, reminders and check by a helper of their
    own; a user of any of them gets the same one line and exit 2, and no database is opened."""
    r = cli(command, "--as-of", "30/06/2026", code=2)
    assert r.output.strip().splitlines() == ["aims: --as-of: '30/06/2026' is not a date (use YYYY-MM-DD, e.g. 2026-06-15)"]
    assert not cli.path.exists()


@pytest.mark.parametrize("command", ["reminders", "check", "readiness"])
def test_a_report_as_of_an_empty_day_is_computed_for_today(cli, command):
    """``--as-of ''`` (an unset variable in a script) means today, as no --as-of does."""
    cli("init", "--org", "Acme AI")
    given = json.loads(cli(command, "--as-of", "", "--format", "json", code=None).stdout)
    plain = json.loads(cli(command, "--format", "json", code=None).stdout)
    assert given == plain


def test_show_prints_each_field_on_its_own_line_with_typed_text_escaped_and_json_alike(cli):
    """Five show commands print a record the same way: ``key: value`` per field, user text
    with its control characters escaped, or the same record as JSON."""
    cli("init", "--org", "Acme AI")
    cli("systems", "add", "--set", "name=Invoice OCR\x1b[31m", "--set", "business_owner=eve")
    cli("nonconformities", "add", "--set", "title=Late review")
    for args, key, value in [(("systems", "show", "AIS-001"), "name", "Invoice OCR"),
                             (("nonconformities", "show", "NC-001"), "title", "Late review")]:
        text = cli(*args).stdout.splitlines()
        record = cli.json(*args)
        line = next(x for x in text if x.startswith(f"{key}: "))
        assert line.startswith(f"{key}: {value}") and "\x1b" not in line
        assert [x.split(":")[0] for x in text][0] == "ref" and f"ref: {record['ref']}" in text
        assert record[key].startswith(value)
