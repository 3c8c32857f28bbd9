"""File permissions of a shared SQLite database (one host, one group).

The team's layout: a folder owned by a shared group, mode 2770 (setgid, so
every file made in it belongs to the group), and the database with its
``-wal`` and ``-shm`` files mode 0660. Nothing is readable by other users of
the host. SQLite gives the ``-wal`` and ``-shm`` files the mode of the
database file itself (whatever the umask), so the database file is created
0660 up front.
"""

from __future__ import annotations

import grp
import os
import stat
from pathlib import Path
from typing import TYPE_CHECKING

from .errors import DatabaseError, ValidationError

if TYPE_CHECKING:  # pragma: no cover
    from .db import Database

FILE_MODE = 0o660
DIR_MODE = 0o2770
SIDE_SUFFIXES = ("-wal", "-shm", "-journal")


def create_db_file(path: Path) -> bool:
    """Create an empty database file with mode 0660 (not world-readable,
    whatever the umask). Returns False when it already existed."""
    try:
        fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, FILE_MODE)
    except FileExistsError:
        return False
    except OSError as exc:
        raise DatabaseError(f"cannot create {path}: {exc.strerror}") from None
    try:
        os.fchmod(fd, FILE_MODE)
    finally:
        os.close(fd)
    return True


def db_files(path: Path) -> list[Path]:
    """The database file and whichever of its side files exist."""
    out = [path] if path.exists() else []
    out += [Path(f"{path}{sfx}") for sfx in SIDE_SUFFIXES if Path(f"{path}{sfx}").exists()]
    return out


def group_id(group: str) -> int:
    try:
        return grp.getgrnam(group).gr_gid
    except KeyError:
        raise ValidationError("group", f"there is no group '{group}' on this host "
                                       f"(create it first: groupadd {group})") from None


def apply_group(path: Path, group: str) -> list[str]:
    """Give the database folder and files to ``group``: folder 2770, files 0660.

    Returns what was done, one line each. Raises DatabaseError naming the file
    when the caller may not do it (they must own the files and belong to the
    group, or be root).
    """
    gid = group_id(group)
    done: list[str] = []
    folder = path.parent
    try:
        for target, mode in [(folder, DIR_MODE)] + [(f, FILE_MODE) for f in db_files(path)]:
            st = target.stat()
            # only what differs: a teammate who does not own the folder (made by
            # root as the README says) can still run this when it is right
            if st.st_gid != gid:
                os.chown(target, -1, gid)
            if stat.S_IMODE(st.st_mode) != mode:
                os.chmod(target, mode)
            done.append(f"{target}: group {group}, mode {mode:04o}" + (" (setgid)" if mode == DIR_MODE else ""))
    except OSError as exc:
        where = exc.filename or folder
        raise DatabaseError(
            f"cannot give {where} to group {group}: {exc.strerror} (the owner of the files "
            f"who is a member of {group}, or root, must do it)") from None
    return done


def _mode(st: os.stat_result) -> str:
    return oct(stat.S_IMODE(st.st_mode))[2:].rjust(4, "0")


def stored_group(database: "Database") -> str:
    """The shared group recorded in settings ('' when none)."""
    try:
        with database.engine.connect() as c:
            return str(c.exec_driver_sql("SELECT shared_group FROM settings WHERE id = 1").scalar() or "")
    except Exception:  # noqa: BLE001 - no settings yet (a database never initialized)
        return ""


def check(database: "Database", group: str | None = None) -> list[str]:
    """Warnings about unsafe permissions of a SQLite database, one line each.

    - the database or its -wal/-shm/-journal files readable or writable by everyone;
    - the folder writable by everyone (anyone could replace the database);
    - when a shared group is set (``aims init --group``, stored in settings):
      the folder not owned by the group, not setgid or open to others, and a
      file not owned by the group or not group-writable.
    """
    if not database.is_sqlite or database.path is None:
        return []
    path = database.path
    group = stored_group(database) if group is None else group
    warnings: list[str] = []
    for f in db_files(path):
        st = f.stat()
        if st.st_mode & stat.S_IROTH or st.st_mode & stat.S_IWOTH:
            what = "readable and writable" if st.st_mode & stat.S_IWOTH and st.st_mode & stat.S_IROTH else (
                "writable" if st.st_mode & stat.S_IWOTH else "readable")
            warnings.append(f"{f} is {what} by every user of this host (mode {_mode(st)}); "
                            f"run: chmod o-rwx {f}")
    folder = path.parent
    fst = folder.stat()
    if fst.st_mode & stat.S_IWOTH and not fst.st_mode & stat.S_ISVTX:
        warnings.append(f"{folder} is writable by every user (mode {_mode(fst)}): anyone could replace "
                        f"the database; run: chmod o-w {folder}")
    if group:
        try:
            gid = grp.getgrnam(group).gr_gid
        except KeyError:
            warnings.append(f"the shared group '{group}' (settings) does not exist on this host")
            return warnings
        if fst.st_gid != gid:
            warnings.append(f"{folder} belongs to group {_group_name(fst.st_gid)}, not {group}; "
                            f"run: chgrp {group} {folder}")
        if not fst.st_mode & stat.S_ISGID:
            warnings.append(f"{folder} is not setgid, so new -wal/-shm files may not belong to {group}; "
                            f"run: chmod 2770 {folder}")
        if fst.st_mode & (stat.S_IROTH | stat.S_IXOTH):
            warnings.append(f"{folder} is open to users outside {group} (mode {_mode(fst)}); "
                            f"run: chmod 2770 {folder}")
        for f in db_files(path):
            st = f.stat()
            if st.st_gid != gid:
                warnings.append(f"{f} belongs to group {_group_name(st.st_gid)}, not {group}; "
                                f"run: chgrp {group} {f}")
            if (st.st_mode & 0o060) != 0o060:
                warnings.append(f"{f} is not readable and writable by group {group} (mode {_mode(st)}); "
                                f"run: chmod 0660 {f}")
    return warnings


def _group_name(gid: int) -> str:
    try:
        return grp.getgrgid(gid).gr_name
    except KeyError:
        return str(gid)


# -- folders and files aims makes next to a shared database ------------------


def _shared(db_path: Path) -> tuple[int, bool]:
    """(gid, group-shared?) of the database's folder: shared when setgid or group-writable."""
    st = db_path.parent.stat()
    return st.st_gid, bool(st.st_mode & stat.S_ISGID or st.st_mode & 0o070 == 0o070)


def prepare_folder(folder: Path, db_path: Path | None) -> None:
    """Create ``folder`` (and missing parents) the way the database folder is:
    its group and, when that folder is group-shared, setgid 2770, so that every
    teammate can write in it. An existing folder is left as it is, but one a
    teammate cannot write in is one line naming the path and the fix."""
    folder = Path(folder)
    gid, shared = _shared(db_path) if db_path is not None and db_path.parent.exists() else (None, False)
    missing = []
    p = folder
    while not p.exists():
        missing.append(p)
        p = p.parent
    for made in reversed(missing):
        try:
            made.mkdir()
            if shared and gid is not None:
                if made.stat().st_gid != gid:
                    os.chown(made, -1, gid)
                os.chmod(made, DIR_MODE)
        except FileExistsError:
            continue
        except OSError as exc:
            raise DatabaseError(f"cannot create the folder {made}: {exc.strerror} (create it as someone who may "
                                f"write in {made.parent}: mkdir -m 2770 {made}"
                                + (f" && chgrp {_group_name(gid)} {made})" if shared and gid is not None else ")")
                                ) from None
    if not os.access(folder, os.W_OK | os.X_OK):
        st = folder.stat()
        fix = (f"chgrp {_group_name(gid)} {folder} && chmod 2770 {folder}" if shared and gid is not None
               else f"chmod u+w {folder}")
        raise DatabaseError(f"cannot write in {folder} (owner {_user_name(st.st_uid)}, group "
                            f"{_group_name(st.st_gid)}, mode {_mode(st)}); its owner or root must run: {fix}")


def share_file(path: Path, db_path: Path | None, mode: int = 0o640) -> None:
    """Give a file aims made (a backup, an export) the database folder's group and
    ``mode`` (0640: the group may read it, nobody else)."""
    if db_path is not None and db_path.parent.exists():
        gid, shared = _shared(db_path)
        if shared and path.stat().st_gid != gid:
            try:
                os.chown(path, -1, gid)
            except OSError:
                pass  # not a member of the group: the folder's setgid gave the file its group anyway
    os.chmod(path, mode)


def _user_name(uid: int) -> str:
    import pwd  # POSIX only: imported where it is used, so the module loads elsewhere too

    try:
        return pwd.getpwuid(uid).pw_name
    except KeyError:
        return str(uid)
