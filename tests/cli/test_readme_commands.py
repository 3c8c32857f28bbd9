"""Every example in README.md's "Commands" block runs as written, in order, on a fresh database."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

from typer.testing import CliRunner

from aims_tui.cli import app

README = Path(__file__).resolve().parents[2] / "README.md"
def opens_the_app(args: list[str]) -> bool:
    """`aims` with options and no command (--demo, --screen X) opens the TUI."""
    from aims_tui.cli import COMMANDS

    names = {c.name for c in COMMANDS}
    return not (names & set(args)) and not {"--version", "--help", "-h"} & set(args)


def commands_block() -> list[list[str]]:
    text = README.read_text(encoding="utf-8")
    section = text.split("## Commands", 1)[1]
    block = re.search(r"```sh\n(.*?)```", section, re.S).group(1)
    out = []
    for line in block.splitlines():
        words = shlex.split(line, comments=True)
        if words:
            assert words[0] == "aims", line
            out.append(words[1:])
    return out


def test_the_readme_lists_the_commands_of_the_cli_contract():
    """Every command of the CLI contract has an example in the README."""
    firsts = {" ".join(c[:2]) if c and c[0] in ("users", "systems", "risks", "db") else (c[0] if c else "")
              for c in commands_block()}
    for needed in ("", "--demo", "--version", "init", "demo", "users list", "users add", "users set-role",
                   "users deactivate", "systems list", "risks list", "risks update", "db upgrade", "db check"):
        assert needed in firsts, needed


def test_every_readme_command_example_works_in_order(monkeypatch, tmp_path):
    """The README is the user's first contact: each example must exit 0 when run top to bottom."""
    monkeypatch.setattr("aims_tui.core.identity.os_login", lambda: "ada")
    monkeypatch.setenv("AIMS_DB", str(tmp_path / "aims.db"))
    runner = CliRunner()
    ran = 0
    for args in commands_block():
        if opens_the_app(args):
            continue  # opens the TUI (checked by hand in tmux)
        result = runner.invoke(app, args)
        assert result.exit_code == 0, (args, result.output)
        ran += 1
    assert ran >= 12


def _sh_blocks(text: str) -> list[str]:
    return re.findall(r"```sh\n(.*?)```", text, re.S)


def test_ci_runs_exactly_the_readmes_test_command():
    """`.ci/run` and the README must not drift apart: CI runs the README's test command."""
    text = README.read_text(encoding="utf-8")
    test_cmd = next(b.strip() for b in _sh_blocks(text) if "pytest" in b)
    ci = (README.parent / ".ci" / "run").read_text(encoding="utf-8")
    assert test_cmd in ci.splitlines()
    run_cmd = next(b.strip() for b in _sh_blocks(text) if "aims --demo" in b)
    assert run_cmd.startswith("python3 -m venv .venv && .venv/bin/pip install") and run_cmd.endswith("--demo")


def test_ci_runs_the_readmes_lint_command_after_the_tests():
    """The guard rails (ruff, the import contracts, mypy) run in CI as the README documents them,
    after the tests."""
    text = README.read_text(encoding="utf-8")
    lint_cmd = next(b.strip() for b in _sh_blocks(text) if "lint-imports" in b)
    ci = (README.parent / ".ci" / "run").read_text(encoding="utf-8").splitlines()
    test_cmd = next(b.strip() for b in _sh_blocks(text) if "pytest" in b)
    assert lint_cmd in ci
    assert ci.index(test_cmd) < ci.index(lint_cmd)
