"""A typo in --db or AIMS_DB must not quietly start a new register."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from aims_tui.cli import app


@pytest.mark.parametrize("args", [["risks", "list"], ["users", "list"], ["systems", "list"],
                                  ["reminders"], ["check"], ["audit", "verify"]])
def test_a_command_on_a_missing_database_is_refused_and_creates_nothing(tmp_path, monkeypatch, args):
    """Before: `aims risks list --db typo.db` created typo.db and made the caller its admin."""
    monkeypatch.setattr("aims_tui.core.identity.os_login", lambda: "ada")
    target = tmp_path / "typo.db"
    result = CliRunner().invoke(app, [*args, "--db", str(target)])
    assert result.exit_code == 1
    assert "no aims database" in result.stderr and "aims init" in result.stderr
    assert "Traceback" not in result.output
    assert not target.exists()


def test_init_still_creates_the_database(tmp_path, monkeypatch):
    """The commands that start a register keep doing so."""
    monkeypatch.setattr("aims_tui.core.identity.os_login", lambda: "ada")
    target = tmp_path / "new.db"
    result = CliRunner().invoke(app, ["init", "--db", str(target)])
    assert result.exit_code == 0, result.output
    assert target.exists()
    listed = CliRunner().invoke(app, ["users", "list", "--db", str(target), "--format", "json"])
    assert listed.exit_code == 0 and '"ada"' in listed.stdout
