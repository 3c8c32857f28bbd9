"""A list filtered by an AI system or a login that does not exist says so in one line naming
the option and the value (exit 1, as `aims systems show AIS-999`), instead of printing
`(none)` as if that system or owner had nothing."""

from __future__ import annotations

import pytest

from .test_cli_runner import Cli


@pytest.fixture
def cli(monkeypatch, tmp_path) -> Cli:
    c = Cli(monkeypatch, tmp_path / "aims.db")
    c("init", "--org", "Acme AI")
    c("demo", "--systems", "2", "--risks-per-system", "2", "--seed", "3")
    return c


@pytest.mark.parametrize("command", [["risks", "list"], ["impact", "list"]])
def test_an_unknown_system_in_a_list_filter_is_one_line_naming_it(cli, command):
    """The case: `aims risks list --system AIS-999` printed (none) and exit 0."""
    r = cli(*command, "--system", "AIS-999", code=1)
    assert r.output.strip().splitlines() == ["aims: --system: AI system AIS-999 not found"]
    assert cli(*command, "--system", "AIS-001", "--format", "json").stdout.strip() != "[]"


@pytest.mark.parametrize("command", [["risks", "list"], ["reminders"]])
def test_an_unknown_owner_in_a_list_filter_is_one_line_naming_it(cli, command):
    """The case: `aims risks list --owner nobody` printed (none) and exit 0."""
    r = cli(*command, "--owner", "nobody", code=1)
    assert r.output.strip().splitlines() == [
        "aims: --owner: nobody is not a user of this database (aims users list shows them)"]


def test_known_filters_still_list_and_organization_wide_and_a_deactivated_owner_pass(cli):
    rows = cli.json("risks", "list", "--system", "AIS-001", "--owner", "alice")
    assert rows and {(r["system_ref"], r["owner"]) for r in rows} == {("AIS-001", "alice")}
    cli("risks", "list", "--system", "-")
    cli("users", "deactivate", "dana")
    cli("risks", "list", "--owner", "dana")  # a deactivated user's records are still listed by owner
