"""The aims CLI as a real process, shared by the CLI tests: ``python -m aims_tui ...`` with
AIMS_DB pointing at the test's database, run as the real OS login of the test run."""

from __future__ import annotations

import os
import pwd
import subprocess
import sys
from pathlib import Path

ME = pwd.getpwuid(os.geteuid()).pw_name  # the OS login the commands run as


def aims(db: Path, *args: str, code: int = 0) -> subprocess.CompletedProcess:
    """Run ``aims ARGS`` on ``db``; it must exit with ``code`` and print no traceback."""
    env = {k: v for k, v in os.environ.items() if k not in ("AIMS_DEBUG", "AIMS_DB")}
    env.update(AIMS_DB=str(db), COLUMNS="200")
    done = subprocess.run([sys.executable, "-m", "aims_tui", *args], capture_output=True, text=True, env=env,
                          timeout=120, stdin=subprocess.DEVNULL)
    assert "Traceback" not in done.stderr + done.stdout, done.stderr
    assert done.returncode == code, (args, done.returncode, done.stdout, done.stderr)
    return done
