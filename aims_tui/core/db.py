"""Engine, SQLite pragmas, the read path and the one write path, migrations.

- SQLite runs in WAL mode with a busy timeout and foreign keys on.
- Reads use short sessions that begin DEFERRED.
- Writes go through :meth:`Database.transact`: ``BEGIN IMMEDIATE`` (the write
  lock is taken up front, so a read-then-write cannot fail half way with a
  busy error when two writers upgrade their read locks), retried while another user holds the lock, committed at once.
- A database made by an older aims is upgraded to the newest migration on open.
"""

from __future__ import annotations

import os
import random
import sqlite3
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Callable, Iterator, TypeVar

from sqlalchemy import event, text
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, NoSuchModuleError, OperationalError
from sqlmodel import Session, create_engine

from .errors import DatabaseError
from .permissions import create_db_file

T = TypeVar("T")

PACKAGE_DIR = Path(__file__).resolve().parent.parent
REPO_DIR = PACKAGE_DIR.parent
BUSY_TIMEOUT_MS = 10_000
BUSY_RETRY_SECONDS = 60.0


def data_dir() -> Path:
    """The shipped data folder: the repository's ``data/`` (editable install)."""
    repo = REPO_DIR / "data"
    if (repo / "annex_a.json").exists():
        return repo
    return PACKAGE_DIR / "_shipped"


def default_db_path() -> Path:
    return REPO_DIR / "data" / "aims.db"


def resolve_url(db: str | None = None) -> str:
    """``--db`` (a path or a SQLAlchemy URL), else ``AIMS_DB``, else data/aims.db."""
    value = db or os.environ.get("AIMS_DB") or str(default_db_path())
    if "://" in value:
        return value
    return f"sqlite:///{Path(value).expanduser().resolve()}"


def sqlite_path(url: str) -> Path | None:
    u = make_url(url)
    if u.get_backend_name() != "sqlite" or not u.database or u.database == ":memory:":
        return None
    return Path(u.database)


def _is_busy(exc: BaseException) -> bool:
    msg = str(getattr(exc, "orig", exc)).lower()
    return "database is locked" in msg or "database is busy" in msg or "database table is locked" in msg


def _install_sqlite_events(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn, _record):  # pragma: no cover - exercised by every test
        # We emit BEGIN ourselves (see _on_begin); pysqlite must not.
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        cur.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        mode = cur.execute("PRAGMA journal_mode").fetchone()[0]
        if str(mode).lower() != "wal":
            cur.execute("PRAGMA journal_mode = WAL")
        cur.execute("PRAGMA foreign_keys = ON")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn):
        if conn.get_execution_options().get("aims_write"):
            conn.exec_driver_sql("BEGIN IMMEDIATE")
        else:
            conn.exec_driver_sql("BEGIN")


def _install_postgres_events(engine: Engine) -> None:
    @event.listens_for(engine, "begin")
    def _on_begin(conn):
        if conn.get_execution_options().get("aims_write"):
            # One writer at a time keeps the audit chain linear, as on SQLite.
            conn.exec_driver_sql("SELECT pg_advisory_xact_lock(4242001)")


class Database:
    """An open AIMS database: the read path and the one write path."""

    def __init__(self, url: str):
        self.url = url
        self.backend = make_url(url).get_backend_name()
        self.path = sqlite_path(url)
        kwargs: dict = {}
        if self.backend == "sqlite":
            kwargs["connect_args"] = {"check_same_thread": False, "timeout": BUSY_TIMEOUT_MS / 1000}
        self.engine: Engine = create_engine(url, **kwargs)
        if self.backend == "sqlite":
            _install_sqlite_events(self.engine)
        elif self.backend == "postgresql":
            _install_postgres_events(self.engine)
        self.write_engine: Engine = self.engine.execution_options(aims_write=True)

    # -- paths ---------------------------------------------------------------
    @property
    def is_sqlite(self) -> bool:
        return self.backend == "sqlite"

    # -- read path -----------------------------------------------------------
    @contextmanager
    def read(self) -> Iterator[Session]:
        """A short read-only session. Never write through it."""
        try:
            # Closing (not rolling back) ends the read transaction and detaches what was
            # read with its loaded values intact; a rollback would expire them.
            with Session(self.engine, expire_on_commit=False) as s:
                yield s
        except OperationalError as exc:
            raise DatabaseError(_db_message(exc, self)) from None

    # -- write path ----------------------------------------------------------
    def transact(self, fn: Callable[[Session], T], retry_seconds: float = BUSY_RETRY_SECONDS) -> T:
        """Run ``fn(session)`` in one IMMEDIATE write transaction and commit.

        A busy database (another user committing) is waited for and retried;
        nothing is committed unless ``fn`` returns normally.
        """
        deadline = time.monotonic() + retry_seconds
        delay = 0.02
        while True:
            try:
                with Session(self.write_engine, expire_on_commit=False) as s:
                    s.connection()  # BEGIN IMMEDIATE now: lock errors surface before fn runs
                    result = fn(s)
                    s.commit()
                    return result
            except OperationalError as exc:
                if _is_busy(exc) and time.monotonic() < deadline:
                    time.sleep(delay + random.random() * delay)
                    delay = min(delay * 2, 0.5)
                    continue
                raise DatabaseError(_db_message(exc, self)) from None

    # -- housekeeping --------------------------------------------------------
    def data_version(self) -> int:
        """SQLite's PRAGMA data_version on a dedicated connection (cheap to poll).

        It changes when another connection commits. On other engines, the
        newest audit event id serves the same purpose.
        """
        if self.is_sqlite:
            if not hasattr(self, "_dv_conn"):
                self._dv_conn = sqlite3.connect(str(self.path), check_same_thread=False)
            return int(self._dv_conn.execute("PRAGMA data_version").fetchone()[0]) * 1_000_000_000 + \
                int(self._dv_conn.execute("SELECT coalesce(max(id), 0) FROM audit_event").fetchone()[0])
        with self.engine.connect() as c:
            return int(c.execute(text("SELECT coalesce(max(id), 0) FROM audit_event")).scalar() or 0)

    def dispose(self) -> None:
        if hasattr(self, "_dv_conn"):
            self._dv_conn.close()
            del self._dv_conn
        self.engine.dispose()


def _db_message(exc: BaseException, db: Database) -> str:
    msg = str(getattr(exc, "orig", exc)).splitlines()[0]
    if _is_busy(exc):
        return "the database is busy (another user is writing); try again in a moment"
    if "file is not a database" in msg.lower() or "malformed" in msg.lower():
        return f"{db.path or db.url} is not a readable aims database: {msg} (restore it from a backup)"
    if "unable to open" in msg.lower() or "readonly" in msg.lower():
        where = db.path or db.url
        return f"cannot write the database {where}: {msg} (check the folder and file permissions)"
    return f"database error: {msg}"


def _connect(url: str) -> Database:
    """The engine for a URL, or one line saying what is missing."""
    try:
        return Database(url)
    except ModuleNotFoundError as exc:
        extra = " (pip install -e '.[postgres]')" if url.startswith("postgres") else ""
        raise DatabaseError(f"the driver for {url.split('://')[0]} is not installed: {exc.name}{extra}") from None
    except (NoSuchModuleError, ArgumentError) as exc:
        raise DatabaseError(f"cannot use the database URL {url!r}: {str(exc).splitlines()[0]} "
                            f"(use a file path, sqlite:///PATH or postgresql+psycopg://...)") from None


MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations" / "versions"


def newest_migration_id() -> str:
    """The newest revision id, read from the file names (``000N_name.py`` has
    revision ``000N``; a test checks this equals Alembic's head)."""
    ids = [p.name.split("_", 1)[0] for p in MIGRATIONS_DIR.glob("[0-9][0-9][0-9][0-9]_*.py")]
    return max(ids) if ids else ""


def at_newest_migration(database: "Database") -> bool:
    """A cheap check on open (no Alembic import): is the database at head?"""
    try:
        with database.engine.connect() as c:
            current = c.exec_driver_sql("SELECT version_num FROM alembic_version").scalar()
    except DBAPIError:
        return False
    return current == newest_migration_id()


def integrity_check(database: Database) -> list[str]:
    """SQLite's own check of the file: ``["ok"]`` when sound, else its first findings.
    A file damaged beyond reading gives its one-line error instead."""
    try:
        with database.engine.connect() as c:
            return [str(r[0]) for r in c.exec_driver_sql("PRAGMA integrity_check")]
    except DBAPIError as exc:
        return [str(getattr(exc, "orig", exc)).splitlines()[0]]


def open_database(db: str | None = None, *, upgrade: bool = True) -> Database:
    """Open (creating if needed) and upgrade the database named by --db/AIMS_DB."""
    url = resolve_url(db)
    try:
        path = sqlite_path(url)
    except ArgumentError:
        raise DatabaseError(f"cannot read the database URL {url!r} "
                            f"(use a file path, sqlite:///PATH or postgresql+psycopg://...)") from None
    if path is not None:
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise DatabaseError(f"cannot create the folder {path.parent}: {exc.strerror}") from None
        try:
            exists = path.exists()
        except PermissionError:  # a shared folder (mode 2770) of a group we are not in
            exists = None
        if exists is None or (exists and not os.access(path, os.R_OK)):
            raise DatabaseError(f"cannot open {path}: permission denied; ask an admin to add you to the "
                                "database's group (see 'Team setup' in the README)")
        if not exists:
            # 0660 whatever the umask; SQLite gives -wal/-shm the same mode.
            create_db_file(path)
    database = _connect(url)
    try:
        if upgrade and not at_newest_migration(database):
            # Deferred on purpose: migrate loads Alembic (slow to import), and a database
            # already at the newest migration never needs it. migrate does not import this
            # module at run time, so this is no circle.
            from . import migrate

            migrate.upgrade_if_needed(database)
    except DBAPIError as exc:  # OperationalError, and DatabaseError for a file that is not SQLite
        database.dispose()
        raise DatabaseError(_db_message(exc, database)) from None
    return database
