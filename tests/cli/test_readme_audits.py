"""The README's example of internal audits and corrective actions runs as written, in
order, on a fresh database, and leaves what it says (issue 16)."""

from __future__ import annotations

import json
import re
from datetime import date, timedelta
import shlex
from pathlib import Path

from typer.testing import CliRunner

from aims_tui.cli import app
from aims_tui.core.services import nonconformities

from ..conftest import EDITOR, make_db

README = Path(__file__).resolve().parents[2] / "README.md"


def _block() -> list[list[str]]:
    section = README.read_text(encoding="utf-8").split("### Internal audits and corrective actions", 1)[1]
    block = re.search(r"```sh\n(.*?)```", section, re.S).group(1)
    return [shlex.split(line, comments=True)[1:] for line in block.splitlines() if line.strip()]


def test_the_readme_example_of_audits_and_corrective_actions_runs_in_order(monkeypatch, tmp_path):
    monkeypatch.setattr("aims_tui.core.identity.os_login", lambda: "ada")
    monkeypatch.setenv("AIMS_DB", str(tmp_path / "aims.db"))
    runner = CliRunner()
    assert runner.invoke(app, ["init", "--org", "Acme AI"]).exit_code == 0
    out = ""
    for args in _block():
        result = runner.invoke(app, args)
        assert result.exit_code == 0, (args, result.output)
        out = result.output
    [ca] = json.loads(out)
    assert (ca["ref"], ca["nonconformity"], ca["status"], ca["effective"]) == ("CA-001", "NC-001", "done", True)
    closed = runner.invoke(app, ["audits", "show", "IAU-001", "--format", "json"])
    assert json.loads(closed.output)["status"] == "reported"


def test_the_finding_command_refuses_a_bad_severity_in_one_line(monkeypatch, tmp_path):
    monkeypatch.setattr("aims_tui.core.identity.os_login", lambda: "ada")
    monkeypatch.setenv("AIMS_DB", str(tmp_path / "aims.db"))
    runner = CliRunner()
    runner.invoke(app, ["init"])
    runner.invoke(app, ["audits", "add", "--set", "title=SoA audit"])
    result = runner.invoke(app, ["audits", "finding", "IAU-001", "--title", "Gap", "--severity", "huge"])
    assert result.exit_code == 1
    assert "severity" in result.stderr and "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_an_overdue_nonconformity_fails_aims_check_and_is_in_aims_reminders(monkeypatch, tmp_path):
    """10.2 at the command line: the gate and the reminder both name NC-001."""
    db = make_db(tmp_path / "aims.db")
    past = (date.today() - timedelta(days=3)).isoformat()
    nonconformities.create_nonconformity(db, EDITOR, {"title": "Logs lost", "due_date": past, "owner": EDITOR})
    db.dispose()
    monkeypatch.setattr("aims_tui.core.identity.os_login", lambda: "ada")
    monkeypatch.setenv("AIMS_DB", str(tmp_path / "aims.db"))
    runner = CliRunner()
    check = runner.invoke(app, ["check", "--format", "json"])
    assert check.exit_code == 3
    gate = next(g for g in json.loads(check.output)["gates"] if g["id"] == "nonconformity_overdue")
    assert (gate["passed"], [i["ref"] for i in gate["items"]]) == (False, ["NC-001"])
    rem = runner.invoke(app, ["reminders", "--format", "json"])
    items = [i for o in json.loads(rem.output)["owners"] for i in o["items"]]
    assert [(i["kind"], i["ref"], i["days_overdue"]) for i in items] == [("nonconformity", "NC-001", 3)]
