"""Each command loads only what it uses (issue 15).

Every command runs as a real process; at its exit it writes the top-level
packages in ``sys.modules``. Textual, ReportLab, openpyxl and Alembic are loaded
only by the commands that use them, and ``aims --version`` / ``aims --help``
load Typer and nothing of the ORM (the command list is lazy: cli/lazy.py).
"""

from __future__ import annotations

import json
import os
import pwd
import subprocess
import sys
from pathlib import Path

import pytest
from typer.core import TyperGroup

from aims_tui.cli import COMMANDS
from aims_tui.cli.lazy import load, takes_db

HEAVY = {"textual", "reportlab", "openpyxl", "alembic"}
ORM = {"sqlalchemy", "sqlmodel", "pydantic"}

PROBE = r"""
import atexit, json, os, runpy, sys
def _dump():
    with open(os.environ["AIMS_MODULES_OUT"], "w") as fh:
        json.dump(sorted({m.split(".")[0] for m in sys.modules}), fh)
atexit.register(_dump)
sys.argv = ["aims", *sys.argv[1:]]
runpy.run_module("aims_tui", run_name="__main__")
"""


def loaded(tmp_path: Path, db: Path | None, *args: str, codes: tuple[int, ...] = (0, 3)) -> set[str]:
    out = tmp_path / "modules.json"
    out.unlink(missing_ok=True)
    env = {k: v for k, v in os.environ.items() if k not in ("AIMS_DEBUG", "AIMS_DB")}
    env.update(AIMS_MODULES_OUT=str(out), COLUMNS="120")
    if db is not None:
        env["AIMS_DB"] = str(db)
    done = subprocess.run([sys.executable, "-c", PROBE, *args], capture_output=True, text=True, env=env,
                          timeout=300, stdin=subprocess.DEVNULL)
    assert done.returncode in codes, (args, done.returncode, done.stdout, done.stderr)
    return set(json.loads(out.read_text()))


@pytest.fixture(scope="module")
def db(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("hygiene") / "aims.db"
    env = {k: v for k, v in os.environ.items() if k not in ("AIMS_DEBUG", "AIMS_DB")}
    env["AIMS_DB"] = str(path)
    for args in (["init"], ["demo", "--systems", "2", "--risks-per-system", "3"]):
        subprocess.run([sys.executable, "-m", "aims_tui", *args], check=True, capture_output=True, env=env,
                       stdin=subprocess.DEVNULL, timeout=300)
    return path


@pytest.mark.parametrize("args", [["--version"], ["--help"], ["-h"]])
def test_version_and_help_load_typer_but_no_orm_no_services_and_no_rich(tmp_path, args):
    """`aims --version` loaded the ORM and every service (0.5 s before printing one line)."""
    mods = loaded(tmp_path, None, *args)
    assert "typer" in mods
    assert not mods & (HEAVY | ORM | {"rich"}), sorted(mods & (HEAVY | ORM | {"rich"}))
    assert not (tmp_path / "aims.db").exists()


@pytest.mark.parametrize("args", [
    ["risks", "list", "--format", "json"], ["reminders"], ["check"], ["systems", "list"], ["users", "list"],
    ["audit", "verify"], ["export", "register", "--format", "csv", "--out", "{tmp}/r.csv"],
    ["export", "json", "--out", "{tmp}/all.json"], ["context", "issues", "list"], ["risks", "--help"],
])
def test_commands_that_neither_draw_nor_write_documents_load_no_textual_reportlab_openpyxl_or_alembic(
        tmp_path, db, args):
    """Every command paid for the whole stack it did not use (the cost of `aims reminders` in cron)."""
    mods = loaded(tmp_path, db, *[a.format(tmp=tmp_path) for a in args])
    assert not mods & HEAVY, sorted(mods & HEAVY)


def test_the_pack_loads_reportlab_but_not_textual_openpyxl_or_alembic(tmp_path, db):
    """The pack is the one command that needs ReportLab."""
    mods = loaded(tmp_path, db, "export", "pack", "--out", str(tmp_path / "pack.pdf"))
    assert "reportlab" in mods
    assert not mods & {"textual", "openpyxl", "alembic"}


def test_an_xlsx_export_loads_openpyxl_but_not_reportlab_textual_or_alembic(tmp_path, db):
    """openpyxl loads for the spreadsheet export only."""
    mods = loaded(tmp_path, db, "export", "register", "--format", "xlsx", "--out", str(tmp_path / "r.xlsx"))
    assert "openpyxl" in mods
    assert not mods & {"textual", "reportlab", "alembic"}


@pytest.mark.parametrize("entry", COMMANDS, ids=[e.name for e in COMMANDS])
def test_each_line_of_the_command_list_is_the_help_of_the_command_it_loads(entry):
    """`aims --help` prints the list's lines without loading the commands: they must not drift from the real ones."""
    command = load(entry)
    assert command.name == entry.name
    assert (command.short_help or command.help or "").strip() == entry.help
    assert isinstance(command, TyperGroup) or takes_db(command)  # --db on every command, as before


APP_PROBE = r"""
import asyncio, json, sys
from aims_tui.core.db import open_database
from aims_tui.tui.app import AimsApp
from textual.widgets import DataTable

first = {}
by_screen = {}  # each screen's first call: the dashboard's counts, the register's first rows
painted = AimsApp.first_paint

def first_paint(self):  # what the app has loaded when its first screen has its data on screen
    first.setdefault("modules", sorted(sys.modules))
    first.setdefault("screen", type(self.screen).__name__)
    by_screen.setdefault(type(self.screen).__name__.lower(), sorted(sys.modules))
    return painted(self)

AimsApp.first_paint = first_paint

async def main():
    app = AimsApp(open_database(sys.argv[1]), sys.argv[2])
    async with app.run_test(size=(160, 50)) as pilot:
        if sys.argv[3] == "register":
            app.goto("register")
        # until the screen asked for has shown its own data (the dashboard may paint first when
        # the register is asked for at once: the register's rows are waited for, not the first paint)
        for _ in range(2000):
            await pilot.pause(0.01)
            if first and any(name.startswith(sys.argv[3]) for name in by_screen):
                break
        rows = app.screen.query_one(DataTable).row_count if sys.argv[3] == "register" else -1
        at_rows = sorted(sys.modules)
        for _ in range(500):  # the ORM is loaded after the first paint
            await pilot.pause(0.02)
            if "aims_tui.core.queries" in sys.modules and app.role:
                break
        later = sorted(sys.modules)
    print(json.dumps({"rows": rows, "first": first, "at_rows": at_rows, "later": later}))

asyncio.run(main())
"""


def _app_modules(db: Path, screen: str) -> dict:
    login = pwd.getpwuid(os.geteuid()).pw_name
    done = subprocess.run([sys.executable, "-c", APP_PROBE, str(db), login, screen], capture_output=True,
                          text=True, timeout=300, stdin=subprocess.DEVNULL)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


def _tops(mods: list[str]) -> set[str]:
    return {m.split(".")[0] for m in mods}


@pytest.mark.parametrize("screen", ["dashboard", "register"])
def test_the_apps_first_paint_loads_no_sqlalchemy_sqlmodel_pydantic_or_models_and_the_orm_comes_after(
        tmp_path, db, screen):
    """The first paint imported SQLModel, pydantic and our 20 tables (more CPU than a whole bare
    Textual app): on SQLite the dashboard's counts and the register's first rows are read through
    sqlite3, and the ORM is imported once they are on screen."""
    seen = _app_modules(db, screen)
    first = seen["first"]
    assert first, "the app never said its first screen was painted"
    mods = set(first["modules"])
    assert not _tops(first["modules"]) & (ORM | HEAVY - {"textual"}), sorted(_tops(first["modules"]) & ORM)
    assert not {m for m in mods if m.startswith("aims_tui.core.models") or m.startswith("aims_tui.core.services")}
    if screen == "register":
        assert seen["rows"] > 0
    assert {"sqlmodel", "pydantic"} <= _tops(seen["later"])  # loaded after the first paint, for the keys
    assert "aims_tui.core.queries" in seen["later"]


def test_the_app_reaches_the_registers_first_rows_without_dialogs_services_or_document_libraries(tmp_path, db):
    """The app imported every dialog, the demo loader and the write services before its first rows:
    what its first screens do not show now loads when a key asks for it."""
    seen = _app_modules(db, "register")
    mods = set(seen["at_rows"])
    assert seen["rows"] > 0
    assert not {m.split(".")[0] for m in mods} & HEAVY - {"textual"}
    for deferred in ("aims_tui.tui.dialogs.risk_editor", "aims_tui.tui.dialogs.risk_filter",
                     "aims_tui.tui.dialogs.system_editor", "aims_tui.tui.screens.first_run",
                     "aims_tui.tui.screens.audit_trail", "aims_tui.core.services.demo",
                     "aims_tui.core.services.risks",
                     "aims_tui.tui.dialogs.as_of", "aims_tui.tui.screens.changes",  # issue 19: keys D, C
                     "textual.widgets._text_area", "aims_tui.tui.widgets.typed_area"):  # only the forms' text
        assert deferred not in mods, deferred


COMMAND_PROBE = r"""
import json, os, runpy, sys
import aims_tui.tui.app as app_module

def run(database, login, screen="dashboard"):  # what `aims` has loaded when it hands the register to the app
    with open(os.environ["AIMS_MODULES_OUT"], "w") as fh:
        json.dump({"login": login, "screen": screen, "modules": sorted(sys.modules)}, fh)

app_module.run = run
sys.argv = ["aims", *sys.argv[1:]]
runpy.run_module("aims_tui", run_name="__main__")
"""


def _opening(tmp_path: Path, db: Path, *args: str) -> tuple[dict, str]:
    out = tmp_path / "opened.json"
    env = {k: v for k, v in os.environ.items() if k not in ("AIMS_DEBUG", "AIMS_DB")}
    env.update(AIMS_MODULES_OUT=str(out), AIMS_DB=str(db))
    done = subprocess.run([sys.executable, "-c", COMMAND_PROBE, *args], capture_output=True, text=True, env=env,
                          timeout=300, stdin=subprocess.DEVNULL)
    assert done.returncode == 0, done.stderr
    return json.loads(out.read_text()), done.stderr


def test_the_aims_command_hands_a_known_users_register_to_the_app_without_the_orm(tmp_path, db):
    """The app drew its first screen without the ORM, but `aims` itself imported the CLI's helpers,
    the setup service and SQLAlchemy to find the database and the user before starting it: on an
    existing SQLite register whose user is known, it opens through sqlite3 reads alone."""
    seen, said = _opening(tmp_path, db)
    assert seen["login"] == pwd.getpwuid(os.geteuid()).pw_name and said == "" and seen["screen"] == "dashboard"
    mods = set(seen["modules"])
    assert not {"sqlalchemy", "sqlmodel", "alembic"} & _tops(seen["modules"]), sorted(_tops(seen["modules"]))
    assert not {m for m in mods if m.startswith(("aims_tui.core.models", "aims_tui.core.services",
                                                 "aims_tui.cli.common"))}


def test_a_new_register_still_goes_the_full_way_and_says_it_was_created(tmp_path):
    """The quick way applies only to an existing register and a known user: a new file is created,
    Annex A loaded and the caller made its admin, as before."""
    new = tmp_path / "new" / "aims.db"
    seen, said = _opening(tmp_path, new)
    assert new.exists() and "created" in said and "is its admin" in said
    assert "sqlalchemy" in _tops(seen["modules"])


def test_aims_screen_register_hands_the_register_to_the_app_the_same_quick_way(tmp_path, db):
    """`aims --screen register` (issue 15: the register's first rows at Textual's own speed) opens
    on the register through the same sqlite3 reads: no ORM before the app."""
    seen, said = _opening(tmp_path, db, "--screen", "register")
    assert seen["screen"] == "register" and said == ""
    assert not {"sqlalchemy", "sqlmodel", "alembic"} & _tops(seen["modules"]), sorted(_tops(seen["modules"]))
