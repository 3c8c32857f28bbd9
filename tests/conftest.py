"""Shared fixtures: a fresh database with one user per role."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from aims_tui.core.db import Database, open_database
from aims_tui.core.services import setup, users

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
    load_demo(database, ADMIN, systems=8, risks_per_system=6, seed=7, today=TODAY, with_users=True)
    yield database
    database.dispose()
