"""The README's example of internal audits and corrective actions runs as written, in
order, on a fresh database, and leaves what it says (issue 16)."""

from __future__ import annotations

import json
import re
import shlex
from pathlib import Path

from typer.testing import CliRunner

from aims_tui.cli import app

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
