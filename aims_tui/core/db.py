"""Engine, SQLite pragmas, the read path and the one write path, migrations.

- SQLite runs in WAL mode with a busy timeout and foreign keys on.
- Reads use short sessions that begin DEFERRED.
- Writes go through :meth:`Database.transact`: ``BEGIN IMMEDIATE`` (the write
  lock is taken up front, so a read-then-write cannot fail half way with a
  busy error when two writers upgrade their read locks), retried while another user holds the lock, committed at once.
- A database made by an older aims is upgraded to the newest migration on open.
- Only a file that is an aims database is opened: a 0-byte file, another
  program's SQLite file or a text file is refused in one line and left
  untouched (``init`` alone may turn an empty file into a database).
- A file or folder we may not write is opened read-only (``mode=ro``, or
  ``immutable=1`` when SQLite cannot make the WAL's side files there): reads
  work, writes fail in one line naming the path.
"""

from __future__ import annotations

import os
import random
import re
import sqlite3
import stat
import time
import sys
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Iterator, TypeVar
from urllib.parse import quote

from .errors import DatabaseError
from .permissions import create_db_file

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine
    from sqlmodel import Session

# SQLAlchemy, SQLModel and pydantic are imported when the first session or engine is asked
# for, not with this module: the app draws its first screen on SQLite through the stdlib
# sqlite3 module (core.fastread) and loads the ORM after it (issue 15: importing them cost
# more CPU than the whole of a bare Textual app).

T = TypeVar("T")

PACKAGE_DIR = Path(__file__).resolve().parent.parent
REPO_DIR = PACKAGE_DIR.parent
BUSY_TIMEOUT_MS = 10_000
BUSY_RETRY_SECONDS = 60.0
CHANNEL = "aims_changes"  # PostgreSQL: every committed write NOTIFYs it (see Database.listen)


def _dbapi_error(exc: BaseException) -> bool:
    """Whether ``exc`` is SQLAlchemy's DBAPIError (never, while SQLAlchemy is not loaded)."""
    mod = sys.modules.get("sqlalchemy.exc")
    return mod is not None and isinstance(exc, mod.DBAPIError)


def _plain_sqlite(url: str) -> str | None:
    """The file of a plain ``sqlite:///PATH`` URL (what resolve_url makes of a path), read
    without SQLAlchemy; None for any other URL (SQLAlchemy's make_url reads those)."""
    if url.startswith("sqlite:///") and not any(ch in url for ch in "?#%"):
        path = url[len("sqlite:///"):]
        return path if path and path != ":memory:" else None
    return None


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


def shown_url(url: str) -> str:
    """The URL as it may be shown or logged: the password masked (``***``)."""
    if _plain_sqlite(url) is not None:
        return url
    from sqlalchemy.engine import make_url

    try:
        u = make_url(url)
        return u.render_as_string(hide_password=True) if u.password is not None else url
    except Exception:  # noqa: BLE001 - not a URL SQLAlchemy reads: mask user:password@ by hand
        return re.sub(r"(://[^:/@?#]*):[^@/?#]*@", r"\1:***@", url)


def sqlite_path(url: str) -> Path | None:
    plain = _plain_sqlite(url)
    if plain is not None:
        return Path(plain)
    from sqlalchemy.engine import make_url

    u = make_url(url)
    if u.get_backend_name() != "sqlite" or not u.database or u.database == ":memory:":
        return None
    return Path(u.database)


def writable(path: Path) -> bool:
    """Whether we may write the database at ``path`` in WAL mode: the file, and
    either its folder (SQLite makes ``-wal``/``-shm`` there) or side files that
    are already there and writable. A missing file counts as writable (it is
    about to be created, and creating it says whether we may)."""
    if not path.exists():
        return True
    if not os.access(path, os.W_OK):
        return False
    if os.access(path.parent, os.W_OK | os.X_OK):
        return True
    sides = [Path(f"{path}-wal"), Path(f"{path}-shm")]
    return all(p.exists() and os.access(p, os.W_OK) for p in sides)


def read_only_connection(path: Path, *, immutable: bool = False,
                         on_immutable: Callable[[], None] | None = None) -> sqlite3.Connection:
    """A read-only pysqlite connection: ``mode=ro`` (it sees what other users
    commit), else ``immutable=1`` where SQLite cannot make the WAL's side files
    (a read-only folder or medium: there is no live WAL to miss there)."""
    base = "file:" + quote(str(path))
    if not immutable:
        con = sqlite3.connect(base + "?mode=ro", uri=True, check_same_thread=False,
                              timeout=BUSY_TIMEOUT_MS / 1000)
        try:
            con.execute("SELECT count(*) FROM sqlite_master").fetchone()
            return con
        except sqlite3.OperationalError as exc:
            con.close()
            low = str(exc).lower()
            if "readonly" not in low and "unable to open" not in low:
                raise
        if on_immutable is not None:
            on_immutable()
    return sqlite3.connect(base + "?immutable=1", uri=True, check_same_thread=False)


SQLITE_HEADER = b"SQLite format 3\x00"
AIMS_TABLES = {"alembic_version", "audit_event", "risk", "settings"}


def inspect_file(path: Path) -> tuple[str, str]:
    """What is at ``path``, without changing it: (kind, detail).

    kind: ``missing``, ``aims``, ``empty`` (0 bytes), ``blank`` (SQLite without
    tables), ``foreign`` (SQLite of another program; detail names some of its
    tables), ``not-sqlite``, ``folder``, ``special`` (not a regular file),
    ``damaged`` (SQLite that cannot be read; detail says why).
    """
    try:
        st = os.stat(path)
    except FileNotFoundError:
        return "missing", ""
    if stat.S_ISDIR(st.st_mode):
        return "folder", ""
    if not stat.S_ISREG(st.st_mode):  # a FIFO would hang, /dev/zero never ends
        return "special", ""
    if st.st_size == 0:
        return "empty", ""
    with open(path, "rb") as fh:
        header = fh.read(len(SQLITE_HEADER))
    if header != SQLITE_HEADER:
        return "not-sqlite", ""
    # immutable=1 makes no -wal/-shm files; only when a WAL file is there (another
    # process has the file open) can tables live in it, and mode=ro reads them
    wal = Path(f"{path}-wal")
    live = wal.exists() and wal.stat().st_size > 0
    try:
        con = read_only_connection(path, immutable=not live)
        try:
            names = {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        finally:
            con.close()
    except sqlite3.DatabaseError as exc:
        return "damaged", _printable((str(exc).splitlines() or [""])[0])
    if not names:
        return "blank", ""
    if AIMS_TABLES <= names or names == {"alembic_version"}:  # the latter: migrated down to base
        return "aims", ""
    return "foreign", ", ".join(sorted(names)[:3]) + (", ..." if len(names) > 3 else "")


def not_aims_message(path: Path, kind: str, detail: str = "") -> str:
    """One line for a file that is not an aims database (it was left untouched)."""
    what = {
        "empty": "is an empty file (0 bytes)",
        "blank": "is an empty SQLite file",
        "foreign": f"is another program's SQLite database (tables: {detail})",
        "not-sqlite": "is not a SQLite file",
        "folder": "is a folder",
        "special": "is not a regular file",
    }.get(kind, "is not an aims database")
    tail = " (only 'aims init' makes a database there)" if kind in ("empty", "blank") else \
        "; check --db and AIMS_DB"
    return f"{path} {what}, not an aims database; left it untouched{tail}"


def _is_busy(exc: BaseException) -> bool:
    msg = str(getattr(exc, "orig", exc)).lower()
    return ("database is locked" in msg or "database is busy" in msg or "database table is locked" in msg
            or "lock timeout" in msg)  # PostgreSQL: lock_timeout (see _install_postgres_events)


def _install_sqlite_events(engine: Engine, read_only: bool = False) -> None:
    from sqlalchemy import event

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn, _record):  # pragma: no cover - exercised by every test
        # We emit BEGIN ourselves (see _on_begin); pysqlite must not.
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        cur.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        mode = cur.execute("PRAGMA journal_mode").fetchone()[0]
        if str(mode).lower() != "wal" and not read_only:
            cur.execute("PRAGMA journal_mode = WAL")
        cur.execute("PRAGMA foreign_keys = ON")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn):
        if conn.get_execution_options().get("aims_write"):
            conn.exec_driver_sql("BEGIN IMMEDIATE")
        else:
            conn.exec_driver_sql("BEGIN")


WRITE_LOCK_KEY = 4242001  # PostgreSQL: the advisory lock every aims write transaction takes


def _install_postgres_events(engine: Engine) -> None:
    from sqlalchemy import event

    @event.listens_for(engine, "begin")
    def _on_begin(conn):
        if conn.get_execution_options().get("aims_write"):
            # One writer at a time keeps the audit chain linear, as on SQLite (the
            # audit_head row lock in audit.record holds it even for other writers).
            # A lock held too long fails like SQLite's busy timeout, and is retried.
            conn.exec_driver_sql(f"SET LOCAL lock_timeout = {BUSY_TIMEOUT_MS}")
            conn.exec_driver_sql(f"SELECT pg_advisory_xact_lock({WRITE_LOCK_KEY})")


class Database:
    """An open AIMS database: the read path and the one write path."""

    def __init__(self, url: str):
        self.url = url
        if _plain_sqlite(url) is not None:
            self.backend = "sqlite"
        else:
            from sqlalchemy.engine import make_url

            self.backend = make_url(url).get_backend_name()
        self.path = sqlite_path(url)
        self.read_only = self.path is not None and not writable(self.path)
        self._immutable = False
        self._engine: Engine | None = None
        self._write_engine: Engine | None = None
        if self.path is None:  # PostgreSQL, SQLite in memory: a URL or driver problem is said on open
            self._make_engine()

    def _make_engine(self) -> Engine:
        """The SQLAlchemy engine, made (and SQLAlchemy imported) on first use: a SQLite file's
        first screen is read without it (core.fastread)."""
        if self._engine is None:
            from sqlmodel import create_engine

            kwargs: dict = {}
            if self.backend == "sqlite":
                kwargs["connect_args"] = {"check_same_thread": False, "timeout": BUSY_TIMEOUT_MS / 1000}
                if self.read_only:
                    kwargs["creator"] = self._raw_connect
            engine = create_engine(self.url, **kwargs)
            if self.backend == "sqlite":
                _install_sqlite_events(engine, self.read_only)
            elif self.backend == "postgresql":
                _install_postgres_events(engine)
            self._write_engine = engine.execution_options(aims_write=True)
            self._engine = engine
        return self._engine

    @property
    def engine(self) -> Engine:
        return self._make_engine()

    @property
    def write_engine(self) -> Engine:
        self._make_engine()
        assert self._write_engine is not None
        return self._write_engine

    # -- paths ---------------------------------------------------------------
    @property
    def is_sqlite(self) -> bool:
        return self.backend == "sqlite"

    @property
    def where(self) -> str:
        """The database as shown to people: the file, or the URL with its password masked."""
        return str(self.path) if self.path is not None else shown_url(self.url)

    def _raw_connect(self) -> sqlite3.Connection:
        """A pysqlite connection to the file; read-only when we may not write it."""
        assert self.path is not None
        if not self.read_only:
            return sqlite3.connect(str(self.path), check_same_thread=False)
        return read_only_connection(self.path, immutable=self._immutable, on_immutable=self._note_immutable)

    def _note_immutable(self) -> None:
        self._immutable = True

    # -- read path -----------------------------------------------------------
    @contextmanager
    def read(self) -> Iterator[Session]:
        """A short read-only session. Never write through it."""
        from sqlalchemy.exc import DBAPIError
        from sqlmodel import Session

        try:
            # Closing (not rolling back) ends the read transaction and detaches what was
            # read with its loaded values intact; a rollback would expire them.
            with Session(self.engine, expire_on_commit=False) as s:
                yield s
        except DBAPIError as exc:  # OperationalError, and DatabaseError for a damaged page
            raise DatabaseError(_db_message(exc, self)) from None

    # -- write path ----------------------------------------------------------
    def transact(self, fn: Callable[[Session], T], retry_seconds: float = BUSY_RETRY_SECONDS) -> T:
        """Run ``fn(session)`` in one IMMEDIATE write transaction and commit.

        A busy database (another user committing) is waited for and retried;
        nothing is committed unless ``fn`` returns normally.
        """
        if self.read_only:
            raise DatabaseError(read_only_message(self.path))
        from sqlalchemy import text
        from sqlalchemy.exc import DBAPIError
        from sqlmodel import Session

        deadline = time.monotonic() + retry_seconds
        delay = 0.02
        while True:
            try:
                with Session(self.write_engine, expire_on_commit=False) as s:
                    s.connection()  # BEGIN IMMEDIATE now: lock errors surface before fn runs
                    result = fn(s)
                    if self.backend == "postgresql":  # delivered to listeners on commit (live refresh)
                        s.execute(text(f"NOTIFY {CHANNEL}"))
                    s.commit()
                    return result
            except DBAPIError as exc:
                if _is_busy(exc) and time.monotonic() < deadline:
                    time.sleep(delay + random.random() * delay)
                    delay = min(delay * 2, 0.5)
                    continue
                raise DatabaseError(_db_message(exc, self)) from None

    # -- housekeeping --------------------------------------------------------
    def data_version(self) -> int:
        """SQLite's PRAGMA data_version on a dedicated connection (cheap to poll).

        It changes when another connection commits. On PostgreSQL the server's next
        transaction id serves the same purpose; on other engines, the newest audit event id.
        """
        if self.is_sqlite:
            if not hasattr(self, "_dv_conn"):
                self._dv_conn = self._raw_connect()
            return int(self._dv_conn.execute("PRAGMA data_version").fetchone()[0]) * 1_000_000_000 + \
                int(self._dv_conn.execute("SELECT coalesce(max(id), 0) FROM audit_event").fetchone()[0])
        if self.backend == "postgresql":
            # the next transaction id: it moves on with every write anywhere on the server (a
            # write made without aims too), and reading it writes nothing
            with self.engine.connect() as c:
                return int(c.exec_driver_sql("SELECT pg_snapshot_xmax(pg_current_snapshot())::text::bigint").scalar() or 0)
        with self.engine.connect() as c:
            return int(c.exec_driver_sql("SELECT coalesce(max(id), 0) FROM audit_event").scalar() or 0)

    def listen(self, on_change: Callable[[], None], should_stop: Callable[[], bool],
               wait_seconds: float = 0.5, ready: Callable[[], None] | None = None) -> None:
        """PostgreSQL: block on LISTEN (a dedicated connection of its own) and call
        ``on_change()`` once per burst of other commits, until ``should_stop()``.

        Every write of aims NOTIFYs the channel in its transaction, and the server
        delivers that only on commit. ``ready()`` is called once listening. Run it in a
        worker thread; SQLite has no LISTEN: poll :meth:`data_version` there."""
        if self.backend != "postgresql":
            raise DatabaseError("LISTEN/NOTIFY needs PostgreSQL; SQLite is polled (data_version)")
        cargs, cparams = self.engine.dialect.create_connect_args(self.engine.url)
        con = self.engine.dialect.loaded_dbapi.connect(*cargs, **cparams)
        try:
            con.autocommit = True
            con.execute(f"LISTEN {CHANNEL}")
            if ready is not None:
                ready()
            while not should_stop():
                got = False
                for _n in con.notifies(timeout=wait_seconds):
                    got = True
                    break  # the rest of a burst arrives with the next short wait
                if got:
                    for _n in con.notifies(timeout=0.05):
                        pass
                    on_change()
        finally:
            con.close()

    def dispose(self) -> None:
        if hasattr(self, "_dv_conn"):
            self._dv_conn.close()
            del self._dv_conn
        if self._engine is not None:
            self._engine.dispose()


DAMAGE_SIGNS = ("file is not a database", "malformed", "could not decode", "database corrupt",
                "database disk image")


def damaged_message(where: object, detail: str = "") -> str:
    """One line: the file is damaged, what to run, where to go back to."""
    why = f" ({detail})" if detail else ""
    return (f"{where} is damaged{why}: run 'aims db check --db {where}' to see the damage, "
            "and restore your newest backup (see 'aims backup' in the README)")


def read_only_message(path: object) -> str:
    return (f"cannot write {path}: the file or its folder is read-only for you "
            "(read commands still work; ask for write access or use a writable copy)")


def db_error_message(exc: BaseException, where: object) -> str:
    """A database driver error as one line a person can act on (no data from the file)."""
    raw = str(getattr(exc, "orig", exc))
    msg = (raw.splitlines() or [""])[0]
    low = msg.lower()
    if _is_busy(exc):
        return "the database is busy (another user is writing); try again in a moment"
    if any(sign in low for sign in DAMAGE_SIGNS):
        # "Could not decode to UTF-8 column 'title' with text '...'" would print the damaged bytes
        detail = msg.split(" with text ")[0] if "could not decode" in low else msg
        return damaged_message(where, _printable(detail))
    if "readonly" in low or "read-only" in low:
        return read_only_message(where)
    if "permission denied for" in low:
        return denied_message(msg)
    if "disk i/o error" in low or "database or disk is full" in low:
        return (f"cannot use {where}: {_printable(msg)} (a full disk, a quota or a failing device; "
                "free some space and try again)")
    return f"database error: {_printable(msg)}"


def denied_message(msg: str) -> str:
    """PostgreSQL refused the connection's role (the server holds aims' roles there)."""
    return (f"the database server refused your role: {_printable(msg)} (on PostgreSQL the server holds "
            "aims' roles: an admin of the register must add you, 'aims users add YOUR_LOGIN --role ROLE', "
            "and a viewer can only read)")


def _printable(msg: str) -> str:
    return "".join(ch if ch.isprintable() else "?" for ch in msg)[:200]


def _db_message(exc: BaseException, db: Database) -> str:
    msg = str(getattr(exc, "orig", exc)).splitlines()[0] if str(getattr(exc, "orig", exc)) else ""
    if _is_busy(exc):
        return "the database is busy (another user is writing); try again in a moment"
    if any(sign in msg.lower() for sign in DAMAGE_SIGNS + ("readonly", "disk i/o error", "disk is full")):
        return db_error_message(exc, db.where)
    if "permission denied for" in msg.lower():
        return denied_message(msg)
    if "unable to open" in msg.lower():
        where = db.where
        return f"cannot write the database {where}: {msg} (check the folder and file permissions)"
    return f"database error: {msg}"


def _connect(url: str) -> Database:
    """The engine for a URL, or one line saying what is missing."""
    try:
        return Database(url)
    except ModuleNotFoundError as exc:
        extra = " (pip install -e '.[postgres]')" if url.startswith("postgres") else ""
        raise DatabaseError(f"the driver for {url.split('://')[0]} is not installed: {exc.name}{extra}") from None
    except Exception as exc:
        from sqlalchemy.exc import ArgumentError, NoSuchModuleError

        if not isinstance(exc, (NoSuchModuleError, ArgumentError)):
            raise
        raise DatabaseError(f"cannot use the database URL {shown_url(url)!r}: {str(exc).splitlines()[0]} "
                            f"(use a file path, sqlite:///PATH or postgresql+psycopg://...)") from None


MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations" / "versions"


def newest_migration_id() -> str:
    """The newest revision id, read from the file names (``000N_name.py`` has
    revision ``000N``; a test checks this equals Alembic's head)."""
    ids = [p.name.split("_", 1)[0] for p in MIGRATIONS_DIR.glob("[0-9][0-9][0-9][0-9]_*.py")]
    return max(ids) if ids else ""


def migration_id(database: "Database") -> str | None:
    """The database's migration (Alembic's version table, read without importing Alembic;
    a SQLite file through sqlite3, without SQLAlchemy)."""
    if database.is_sqlite and database.path is not None and database._engine is None:
        con = database._raw_connect()
        try:
            row = con.execute("SELECT version_num FROM alembic_version").fetchone()
        finally:
            con.close()
        return None if row is None else str(row[0])
    with database.engine.connect() as c:
        return c.exec_driver_sql("SELECT version_num FROM alembic_version").scalar()


def at_newest_migration(database: "Database") -> bool:
    """A cheap check on open (no Alembic import): is the database at head?"""
    try:
        current = migration_id(database)
    except sqlite3.Error:
        return False
    except Exception as exc:
        if _dbapi_error(exc):
            return False
        raise
    return current == newest_migration_id()


def integrity_check(database: Database | Engine) -> list[str]:
    """SQLite's own check of the file: ``["ok"]`` when sound, else its first findings.
    A file damaged beyond reading gives its one-line error instead. Takes an open
    database or a bare engine (the backup checks its copy without opening it as ours)."""
    from sqlalchemy.exc import DBAPIError

    engine = database.engine if isinstance(database, Database) else database
    try:
        with engine.connect() as c:
            return [str(r[0]) for r in c.exec_driver_sql("PRAGMA integrity_check")]
    except DBAPIError as exc:
        return [str(getattr(exc, "orig", exc)).splitlines()[0]]


def open_database(db: str | None = None, *, upgrade: bool = True, create: bool = True,
                  adopt: bool = False, damaged_ok: bool = False) -> Database:
    """Open and upgrade the database named by --db/AIMS_DB.

    ``create``: a missing SQLite file is created (else refused). ``adopt``: an
    existing empty file (0 bytes, or SQLite without tables) becomes the
    database (``aims init`` only). Any other file that is not an aims database
    is refused and left untouched. ``damaged_ok``: open a damaged file anyway
    (``aims db check`` reports the damage).
    """
    url = resolve_url(db)
    try:
        path = sqlite_path(url)
    except Exception as exc:
        from sqlalchemy.exc import ArgumentError

        if not isinstance(exc, ArgumentError):
            raise
        raise DatabaseError(f"cannot read the database URL {shown_url(url)!r} "
                            f"(use a file path, sqlite:///PATH or postgresql+psycopg://...)") from None
    if path is not None:
        try:
            exists = path.exists()
        except PermissionError:  # a shared folder (mode 2770) of a group we are not in
            exists = None
        if exists is None or (exists and not os.access(path, os.R_OK)):
            raise DatabaseError(f"cannot open {path}: permission denied; ask an admin to add you to the "
                                "database's group (see 'Team setup' in the README)")
        if exists:
            kind, detail = inspect_file(path)
            if kind == "damaged" and not damaged_ok:
                raise DatabaseError(damaged_message(path, detail))
            if kind not in ("aims", "damaged") and not (adopt and kind in ("empty", "blank")):
                raise DatabaseError(not_aims_message(path, kind, detail))
        elif not create:
            raise DatabaseError(f"there is no aims database at {path}; create it with 'aims init' "
                                "(or check --db and AIMS_DB)")
        else:
            try:  # only a command that may create a database makes its folder
                path.parent.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise DatabaseError(f"cannot create the folder {path.parent}: {exc.strerror}") from None
            # 0660 whatever the umask; SQLite gives -wal/-shm the same mode.
            create_db_file(path)
    database = _connect(url)
    try:
        if upgrade and not at_newest_migration(database):
            # Deferred on purpose: migrate loads Alembic (slow to import), and a database
            # already at the newest migration never needs it. migrate does not import this
            # module at run time, so this is no circle.
            from . import migrate

            if database.read_only and migrate.is_known(migrate.current_revision(database)):
                database.dispose()
                raise DatabaseError(f"{path} needs an upgrade to this aims's newest migration ('aims db "
                                    "upgrade'), but the file or its folder is read-only for you; ask someone "
                                    "who may write it to upgrade it, or use the aims it was made with")

            migrate.upgrade_if_needed(database)
    except Exception as exc:  # OperationalError, and DatabaseError for a file that is not SQLite
        if not (_dbapi_error(exc) or isinstance(exc, sqlite3.Error)):
            raise
        database.dispose()
        raise DatabaseError(_db_message(exc, database)) from None
    return database
