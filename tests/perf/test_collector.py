"""Python's cycle collector around a command's start (issue 15): a command's own process loads
the command's modules with the collector held and freezes what they made; a test's CliRunner
in this process does not (a freeze here would keep what earlier tests left for the collector)."""

from __future__ import annotations

import gc
import os
import subprocess
import sys
from pathlib import Path

from typer.testing import CliRunner

from aims_tui.cli import app

from .test_import_hygiene import db  # noqa: F401 - the module's demo database

PROBE = r"""
import gc, runpy, sys
seen = []
import aims_tui.cli.lazy as lazy
real_import = lazy.importlib.import_module
def spy(name, *a, **k):
    if name.startswith("aims_tui.cli."):
        seen.append(gc.isenabled())  # while the command's module loads
    return real_import(name, *a, **k)
lazy.importlib.import_module = spy
sys.argv = ["aims", *sys.argv[1:]]
try:
    runpy.run_module("aims_tui", run_name="__main__")
except SystemExit:
    pass
print("RESULT", seen, gc.isenabled(), gc.get_freeze_count() > 0)
"""


def test_a_command_s_process_loads_its_command_with_the_collector_held_then_frozen_and_on(db):  # noqa: F811
    env = {k: v for k, v in os.environ.items() if k not in ("AIMS_DEBUG", "AIMS_DB")}
    env["AIMS_DB"] = str(db)
    for args in (["check"], ["reminders"], ["risks", "list"]):
        done = subprocess.run([sys.executable, "-c", PROBE, *args], capture_output=True, text=True, env=env,
                              timeout=300, stdin=subprocess.DEVNULL)
        line = [x for x in done.stdout.splitlines() if x.startswith("RESULT")]
        assert line == ["RESULT [False] True True"], (args, done.stdout[-2000:], done.stderr[-2000:])


def test_a_command_run_by_a_test_s_cli_runner_freezes_nothing(db: Path, monkeypatch):  # noqa: F811
    calls: list[str] = []
    monkeypatch.setattr(gc, "freeze", lambda: calls.append("freeze"))
    monkeypatch.setattr(gc, "disable", lambda: calls.append("disable"))
    result = CliRunner().invoke(app, ["reminders", "--db", str(db)])
    assert result.exit_code in (0, 3), result.output
    assert calls == [] and gc.isenabled()
