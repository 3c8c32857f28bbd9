"""The core is headless: importing it never loads Textual or ReportLab."""

from __future__ import annotations

import pkgutil
import subprocess
import sys

import aims_tui.core.services as services_pkg

SERVICE_MODULES = sorted(
    f"aims_tui.core.services.{m.name}" for m in pkgutil.iter_modules(services_pkg.__path__)
)
CORE_MODULES = ["aims_tui.core", "aims_tui.core.db", "aims_tui.core.migrate", "aims_tui.core.queries",
                "aims_tui.core.audit", "aims_tui.core.scoring", "aims_tui.core.schedule",
                "aims_tui.core.lifecycle", "aims_tui.core.identity", "aims_tui.core.models"]

PROBE = """
import importlib, sys
for name in sys.argv[1:]:
    importlib.import_module(name)
heavy = sorted(m for m in sys.modules if m.split('.')[0] in ('textual', 'reportlab'))
print(','.join(heavy))
"""


def _heavy_after_importing(*modules: str) -> str:
    done = subprocess.run([sys.executable, "-c", PROBE, *modules], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def test_the_service_modules_are_all_found():
    """Guards the test below: an empty module list would make it pass vacuously."""
    assert "aims_tui.core.services.risks" in SERVICE_MODULES
    assert len(SERVICE_MODULES) >= 14


def test_importing_the_core_and_every_service_loads_neither_textual_nor_reportlab():
    """The TUI and the PDF pack are imported lazily; a CLI call or a script must stay fast to start."""
    assert _heavy_after_importing(*CORE_MODULES, *SERVICE_MODULES) == ""


def test_the_probe_notices_a_heavy_import():
    """The check itself can fail: importing the TUI does load Textual."""
    assert "textual" in _heavy_after_importing("aims_tui.tui.app")


def test_the_cli_starts_without_textual_or_reportlab():
    """`aims risks list` and friends import the TUI and the PDF pack only when they need them."""
    assert _heavy_after_importing("aims_tui.cli", "aims_tui.cli.common") == ""
