"""A consistent copy of a live SQLite database, verified before it is kept.

SQLite's online backup API, in one step: the copy reads one snapshot while
other users go on committing (stack-notes.md: 0.06 s for 30 MB; copying in
small steps restarts on every commit of another connection, and ``cp`` of a
WAL database is not a copy at all). The copy is written next to the target
under a temporary name, switched to a single self-contained file (journal
mode DELETE), checked with ``PRAGMA integrity_check`` and the audit chain,
and only then moved into place, so a failed backup never leaves a half file
under the name asked for.
"""

from __future__ import annotations

import os
import sqlite3
import time
from dataclasses import dataclass
from pathlib import Path

from . import permissions
from .db import BUSY_TIMEOUT_MS, Database, integrity_check
from .errors import DatabaseError
from sqlalchemy import create_engine
from . import audit

BACKUP_MODE = 0o640  # the owner writes, the database's group reads, nobody else


@dataclass
class BackupResult:
    path: Path
    size: int
    seconds: float
    integrity: str
    audit_ok: bool
    audit_message: str
    events: int
    last_id: int
    head: str

    @property
    def anchor(self) -> str:
        """``ID:HASH`` of the newest audit event, for ``aims audit verify --anchor``."""
        return f"{self.last_id}:{self.head}"


def _verify_copy(path: Path) -> tuple[str, "object"]:
    engine = create_engine(f"sqlite:///{path}")
    try:
        rows = integrity_check(engine)
        integrity = "ok" if rows == ["ok"] else "; ".join(rows[:5])
        with engine.connect() as conn:
            result = audit.verify(conn)
    finally:
        engine.dispose()
    return integrity, result


def backup(database: Database, dest: str | Path, *, force: bool = False) -> BackupResult:
    """Copy ``database`` to ``dest``; refuse an existing file unless ``force``.

    The copy is mode 0640 in the database folder's group (teammates who may
    read the database may read its backups); a missing folder is made like the
    database's (setgid 2770 when that one is group-shared). Who may make one,
    and its audit event, are the service's (``services.backups``).

    Raises DatabaseError when the copy cannot be made or fails the integrity
    check (nothing is left behind). A copy whose audit chain does not verify
    is kept (it is a faithful copy of what is there) and reported in the result.
    """
    if not database.is_sqlite or database.path is None:
        raise DatabaseError("aims backup copies a SQLite database file; for PostgreSQL use pg_dump")
    src_path = database.path
    if not src_path.exists():
        raise DatabaseError(f"there is no database at {src_path}")
    dest = Path(dest).expanduser().absolute()
    if dest.is_dir():
        raise DatabaseError(f"{dest} is a folder; give a file name, e.g. {dest / 'aims-backup.db'}")
    if dest.resolve() == src_path.resolve():
        raise DatabaseError("the backup cannot replace the database itself")
    if dest.exists() and not force:
        raise DatabaseError(f"{dest} already exists; add --force to replace it")
    if dest.parent.exists() and not dest.parent.is_dir():
        raise DatabaseError(f"{dest.parent} is not a folder")
    permissions.prepare_folder(dest.parent, src_path)

    tmp = dest.parent / f".{dest.name}.{os.getpid()}.partial"
    started = time.monotonic()
    try:
        try:
            fd = os.open(tmp, os.O_CREAT | os.O_EXCL | os.O_WRONLY, BACKUP_MODE)
            os.fchmod(fd, 0o600)  # private until it is verified
            os.close(fd)
        except OSError as exc:
            raise DatabaseError(f"cannot write in {dest.parent}: {exc.strerror} (ask its owner to run: "
                                f"chmod 2770 {dest.parent})") from None
        src = sqlite3.connect(str(src_path), timeout=BUSY_TIMEOUT_MS / 1000)
        dst = sqlite3.connect(str(tmp))
        try:
            src.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            src.backup(dst)  # one step (pages=-1): one consistent snapshot
            dst.execute("PRAGMA journal_mode = DELETE")  # one self-contained file
            dst.commit()
        except sqlite3.Error as exc:
            raise DatabaseError(f"backup failed: {exc}") from None
        finally:
            dst.close()
            src.close()
        seconds = time.monotonic() - started
        integrity, result = _verify_copy(tmp)
        if integrity != "ok":
            raise DatabaseError(f"the copy failed the integrity check ({integrity}); nothing was written. "
                                "Run: aims db check")
        fd = os.open(tmp, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
        permissions.share_file(tmp, src_path, BACKUP_MODE)
        if force:
            os.replace(tmp, dest)
        else:
            _move_no_clobber(tmp, dest)
    finally:
        if tmp.exists():
            tmp.unlink()
    return BackupResult(
        path=dest, size=dest.stat().st_size, seconds=seconds, integrity=integrity,
        audit_ok=result.ok, audit_message=result.message(), events=result.count,
        last_id=result.last_id, head=result.head,
    )


def _move_no_clobber(tmp: Path, dest: Path) -> None:
    """Move ``tmp`` to ``dest`` unless ``dest`` exists (even if made meanwhile)."""
    exists = DatabaseError(f"{dest} already exists; add --force to replace it")
    try:
        os.link(tmp, dest)
    except FileExistsError:
        raise exists from None
    except OSError:  # a file system without hard links: claim the name, then replace
        try:
            os.close(os.open(dest, os.O_CREAT | os.O_EXCL | os.O_WRONLY, BACKUP_MODE))
        except FileExistsError:
            raise exists from None
        os.replace(tmp, dest)
        return
    os.unlink(tmp)
