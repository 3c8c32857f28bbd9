"""Faster `db` for the core tests: the shared fixture's database is made once per worker
(migrations, Annex A, the four users) and copied for each test, instead of rebuilt each time.

Same content as tests/conftest.py's `db` (it is made by the same make_db); the copy is taken
after the template is closed, so its WAL is checkpointed into the file.

And the history tests' fixtures: `clock`, the services' clock stepped by the test, and `past`,
the `db` whose past-moment views (core.history) are closed after the test.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from aims_tui.core import audit, history
from aims_tui.core.db import open_database

from ..conftest import make_db, on_postgresql
from .helpers import START, Clock


@pytest.fixture(scope="session")
def _template_db(tmp_path_factory) -> Path:
    if on_postgresql():
        return Path("/nonexistent")  # the server keeps its own template (tests/conftest.py)
    path = tmp_path_factory.mktemp("template") / "aims.db"
    make_db(path).dispose()
    assert not path.with_name("aims.db-wal").exists() or path.with_name("aims.db-wal").stat().st_size == 0
    return path


@pytest.fixture
def db(tmp_path: Path, _template_db: Path):
    if on_postgresql():  # the shared fixture's copy of the server's template database
        database = make_db(tmp_path / "aims.db")
        yield database
        database.dispose()
        return
    target = tmp_path / "aims.db"
    shutil.copyfile(_template_db, target)
    database = open_database(str(target))
    yield database
    database.dispose()


@pytest.fixture
def clock(monkeypatch) -> Clock:
    c = Clock(START)
    monkeypatch.setattr(audit, "utcnow", c)
    return c


@pytest.fixture
def past(db):
    yield db
    history.close(db)
