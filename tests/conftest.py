"""Shared fixtures: a fresh database with one user per role, on SQLite or PostgreSQL.

``--engine postgresql`` (or ``AIMS_TEST_ENGINE=postgresql``) runs the tests marked ``engines``
(the modules in ENGINE_MODULES, and any test marked ``@pytest.mark.engines``) against a real
PostgreSQL server that the session starts in a temporary folder (tests/pg_server.py) and stops
at the end; every other test is deselected. ``make_db`` and the ``db``/``demo_db`` fixtures then
hand out a fresh database on that server (copied from a migrated template database with the four
users, so each test starts from the same state as on SQLite), and dispose() drops it.
"""

from __future__ import annotations

import atexit
import os
import signal
import sys
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url

from . import pg_server

from aims_tui.core.config import SYSTEM_CONFIG_VAR
from aims_tui.core.db import Database, open_database
from aims_tui.core import identity
from aims_tui.core.services import dbroles, setup, users

# The host's and the tester's own aims config files (/etc/aims/config.toml, ~/.config/aims/)
# must not reach the tests: one with a umask would change this process's umask, and with it
# the mode of every file a later test writes. Tests of the config files set their own.
_NO_CONFIG = Path(__file__).resolve().parent / ".no-such-config"
os.environ[SYSTEM_CONFIG_VAR] = str(_NO_CONFIG / "config.toml")
os.environ["XDG_CONFIG_HOME"] = str(_NO_CONFIG)

ADMIN, APPROVER, EDITOR, VIEWER = "ada", "bob", "eve", "vic"
TODAY = date(2026, 6, 15)


# The tests that run on both engines (with --engine postgresql, only these run): the service,
# concurrency, audit, roles, paging, search, dashboard, reminders, checks and round-trip tests.
ENGINE_MODULES = (
    "tests/core/test_service_contract.py",
    "tests/core/test_audit_chain.py",
    "tests/core/test_concurrent_writers.py",
    "tests/team/test_concurrency.py",
    "tests/team/test_audit_trail.py",
    "tests/team/test_identity_and_roles.py",
    "tests/perf/test_paging.py",
    "tests/perf/test_paging_concurrent.py",
    "tests/perf/test_search.py",
    "tests/perf/test_aggregates.py",
    "tests/perf/test_tallies.py",
    "tests/reminders/test_core.py",
    "tests/io/test_jsonio.py",
    "tests/core/test_history.py", "tests/core/test_history_links_criteria.py", "tests/cli/test_history_engines.py",
    "tests/core/test_history_soa.py",
    "tests/tui3/test_as_of_engines.py",
)

ENGINE = "sqlite"  # set by pytest_configure from --engine / AIMS_TEST_ENGINE
_PG: pg_server.PgServer | None = None
TEMPLATE = "aims_template"


def pytest_addoption(parser):
    parser.addoption("--engine", choices=("sqlite", "postgresql"), default=None,
                     help="the database engine of the tests marked 'engines' (default: AIMS_TEST_ENGINE or sqlite); "
                          "with postgresql only those tests run, on a throwaway server")


def pytest_configure(config):
    global ENGINE
    ENGINE = config.getoption("--engine") or os.environ.get("AIMS_TEST_ENGINE") or "sqlite"
    if ENGINE not in ("sqlite", "postgresql"):
        raise pytest.UsageError(f"AIMS_TEST_ENGINE must be sqlite or postgresql, not {ENGINE!r}")
    config.addinivalue_line("markers", "engines: runs on both engines (SQLite and, with --engine postgresql, PostgreSQL)")
    config.addinivalue_line("markers", "sqlite_only: an engines-module test that is about SQLite itself")


def pytest_collection_modifyitems(config, items):
    root = Path(__file__).resolve().parent.parent
    for item in items:
        rel = Path(str(item.fspath)).resolve().relative_to(root).as_posix()
        if rel in ENGINE_MODULES and not item.get_closest_marker("sqlite_only"):
            item.add_marker(pytest.mark.engines)
    if ENGINE == "postgresql":
        keep = [i for i in items if i.get_closest_marker("engines")]
        drop = [i for i in items if not i.get_closest_marker("engines")]
        if drop:
            config.hook.pytest_deselected(items=drop)
        items[:] = keep


def pytest_collection_finish(session):
    """The app's module holds Python's cycle collector off until its first paint
    (aims_tui/tui/__init__.py); a test session that imported it while collecting
    turns it on again here, so that tests run with it as the app does after start."""
    tui = sys.modules.get("aims_tui.tui")
    if tui is not None:
        tui.start_up_done()


def pytest_unconfigure(config):
    _stop_pg()


def _stop_pg() -> None:
    global _PG
    if _PG is not None:
        _PG.stop()
        _PG = None


def on_postgresql() -> bool:
    return ENGINE == "postgresql"


def pg() -> pg_server.PgServer:
    """The session's PostgreSQL server (started on first use, with the migrated template database)."""
    global _PG
    if _PG is None:
        # A session ended by SIGTERM (a timeout, ^C of xdist) still stops its server.
        atexit.register(_stop_pg)
        if signal.getsignal(signal.SIGTERM) is signal.SIG_DFL:
            signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
        server = pg_server.PgServer().start()
        try:
            url = server.create_database(TEMPLATE)
            _make_db(url).dispose()
        except BaseException:
            server.stop()
            raise
        _PG = server
    return _PG


@pytest.fixture(scope="session")
def pg_server_session() -> pg_server.PgServer:
    """The running PostgreSQL server (skips on --engine sqlite)."""
    if not on_postgresql():
        pytest.skip("needs --engine postgresql")
    return pg()


def blank_db(path: Path) -> str:
    """Where a test may make a database of its own (``open_database`` migrates it): the file
    ``path`` on SQLite; on PostgreSQL a new empty database on the server (dropped at the end)."""
    if on_postgresql():
        return pg().new_database(prefix="b")[1]
    return str(path)


def where(database: Database) -> str:
    """What ``--db`` takes for this database: its file on SQLite, its URL on PostgreSQL."""
    return str(database.path) if database.path is not None else database.url


class _PgRaw:
    """A plain psycopg connection that takes SQLite's ``?`` placeholders (the tests'
    tampering SQL is written once for both engines)."""

    def __init__(self, url: str):
        import psycopg
        from sqlalchemy.engine import make_url

        self.con = psycopg.connect(make_url(url).set(drivername="postgresql").render_as_string(hide_password=False))

    def execute(self, sql: str, params: tuple | list = ()):
        return self.con.execute(sql.replace("?", "%s"), tuple(params))  # type: ignore[arg-type]

    def executemany(self, sql: str, rows):
        with self.con.cursor() as cur:
            cur.executemany(sql.replace("?", "%s"), rows)  # type: ignore[arg-type]

    def commit(self) -> None:
        self.con.commit()

    def close(self) -> None:
        self.con.close()

    def __enter__(self):
        return self

    def __exit__(self, exc_type, *_):
        if exc_type is None:
            self.con.commit()
        self.con.close()


def raw_connect(database: Database):
    """A plain driver connection (no aims code) to the database: sqlite3 or psycopg."""
    import sqlite3

    if database.path is not None:
        return sqlite3.connect(str(database.path))
    return _PgRaw(database.url)


def _drop_on_dispose(database: Database, name: str) -> Database:
    dispose = database.dispose

    def dispose_and_drop() -> None:
        dispose()
        if _PG is not None:
            _PG.drop_database(name)

    database.dispose = dispose_and_drop  # type: ignore[method-assign]
    return database


def make_db(path: Path) -> Database:
    """A database with the org and one user per role: the file ``path`` on SQLite; on
    PostgreSQL a fresh database copied from the template (``path`` is not used)."""
    if on_postgresql():
        server = pg()
        name, url = server.new_database(template=TEMPLATE)
        return _drop_on_dispose(open_database(url), name)
    return _make_db(str(path))


def _make_db(where: str) -> Database:
    db = open_database(where)
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


def acting_as(db, login: str, monkeypatch) -> str:
    """The --db of a process acting as ``login``: on SQLite the OS login (monkeypatched); on
    PostgreSQL identity comes from the connection (issue 18), so a URL with ``login``'s role."""
    monkeypatch.setattr(identity, "os_login", lambda: login)
    if db.path is not None:
        return where(db)
    with db.engine.connect() as c:
        if c.exec_driver_sql("SELECT 1 FROM pg_roles WHERE rolname = %(n)s", {"n": login}).first() is None:
            c.exec_driver_sql(f'CREATE ROLE "{login}" LOGIN')
            c.commit()
    dbroles.apply_roles(db)  # the server holds the roles: each user's role gets its group's grants
    return make_url(db.url).set(username=login).render_as_string(hide_password=False)
