"""Shared fixtures: a fresh database with one user per role."""

from __future__ import annotations

import os
from datetime import date
from pathlib import Path

import pytest

from aims_tui.core.config import SYSTEM_CONFIG_VAR
from aims_tui.core.db import Database, open_database
from aims_tui.core.services import setup, users

# The host's and the tester's own aims config files (/etc/aims/config.toml, ~/.config/aims/)
# must not reach the tests: one with a umask would change this process's umask, and with it
# the mode of every file a later test writes. Tests of the config files set their own.
_NO_CONFIG = Path(__file__).resolve().parent / ".no-such-config"
os.environ[SYSTEM_CONFIG_VAR] = str(_NO_CONFIG / "config.toml")
os.environ["XDG_CONFIG_HOME"] = str(_NO_CONFIG)

ADMIN, APPROVER, EDITOR, VIEWER = "ada", "bob", "eve", "vic"
TODAY = date(2026, 6, 15)


def make_db(path: Path) -> Database:
    db = open_database(str(path))
    setup.initialize(db, ADMIN, "Test Org")
    users.add_user(db, ADMIN, APPROVER, "approver")
    users.add_user(db, ADMIN, EDITOR, "editor")
    users.add_user(db, ADMIN, VIEWER, "viewer")
    return db


@pytest.fixture
def db(tmp_path: Path):
    database = make_db(tmp_path / "aims.db")
    yield database
    database.dispose()


@pytest.fixture
def demo_db(tmp_path: Path):
    from aims_tui.core.services.demo import load_demo

    database = make_db(tmp_path / "demo.db")
    load_demo(database, ADMIN, systems=8, risks_per_system=6, seed=7, today=TODAY)
    yield database
    database.dispose()
