"""Read commands work on a read-only database; write commands and exports into a
folder the user may not write fail in one line naming the path (issue 14: on a
read-only folder or medium even `risks list` and `audit verify` refused).

Real permissions: the tests run as root, who may write anything, so every aims
command here runs as the unprivileged OS user ``nobody`` in its own process
(the system's python with a world-readable copy of the test environment, as in
tests/team/test_os_users.py).
"""

from __future__ import annotations

import json
import os
import pwd
import shutil
import sqlite3
import subprocess
import tempfile
from pathlib import Path

import pytest

from aims_tui.core.services import risks, users

from ..conftest import ADMIN, EDITOR, make_db
from ..team.test_os_users import SYS_PYTHON, _why_not, build_runtime

NOBODY = "nobody"


def _reason() -> str | None:
    why = _why_not()
    if why:
        return why
    try:
        pwd.getpwnam(NOBODY)
    except KeyError:
        return "there is no 'nobody' user on this host"
    return None


pytestmark = pytest.mark.skipif(_reason() is not None, reason=str(_reason()))


@pytest.fixture(scope="module")
def base():
    folder = Path(tempfile.mkdtemp(prefix="aims_ro_", dir="/tmp"))
    os.chmod(folder, 0o755)
    build_runtime(folder / "rt")
    yield folder
    for d, _dirs, _files in os.walk(folder):
        os.chmod(d, 0o755)
    shutil.rmtree(folder, ignore_errors=True)


def as_nobody(base: Path, *args: str, db: Path) -> subprocess.CompletedProcess:
    pw = pwd.getpwnam(NOBODY)
    env = {"PATH": "/usr/bin:/bin", "PYTHONPATH": f"{base}/rt/src:{base}/rt/site", "PYTHONDONTWRITEBYTECODE": "1",
           "HOME": str(base), "LANG": "C.UTF-8", "COLUMNS": "200", "AIMS_DB": str(db)}
    return subprocess.run([SYS_PYTHON, "-S", "-m", "aims_tui", *args], user=pw.pw_uid, group=pw.pw_gid,
                          extra_groups=[], env=env, cwd=str(base), capture_output=True, text=True, timeout=120)


def make_register(folder: Path) -> Path:
    """A checkpointed, closed WAL database: no -wal/-shm left, as on a read-only medium."""
    folder.mkdir()
    os.chmod(folder.parent, 0o755)
    path = folder / "aims.db"
    db = make_db(path)
    users.add_user(db, ADMIN, NOBODY, "editor")
    for i in range(3):
        risks.create_risk(db, EDITOR, {"title": f"Risk {i}", "inherent_likelihood": 2, "inherent_impact": 3})
    db.dispose()
    con = sqlite3.connect(path)
    assert con.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    con.close()  # the last connection checkpoints and removes -wal/-shm
    assert sorted(p.name for p in folder.iterdir()) == ["aims.db"]
    return path


@pytest.fixture(params=["read-only folder", "read-only file"])
def ro_db(request, base):
    folder = Path(tempfile.mkdtemp(prefix=request.param.replace(" ", "-"), dir=base)) / "db"
    path = make_register(folder)
    os.chmod(path, 0o444 if request.param == "read-only file" else 0o644)
    os.chmod(folder, 0o555 if request.param == "read-only folder" else 0o777)
    yield path
    os.chmod(folder, 0o755)


def one_line(res: subprocess.CompletedProcess) -> str:
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1, res.stderr
    assert "Traceback" not in res.stderr and "Exception ignored" not in res.stderr
    return lines[0]


def test_read_commands_work_and_leave_the_file_untouched(base, ro_db):
    """`risks list`, `systems list`, `audit verify`, `reminders`, `check`, an export to a
    writable place: all read (mode=ro; immutable=1 where SQLite cannot make -shm)."""
    before = ro_db.read_bytes()
    listed = as_nobody(base, "risks", "list", "--format", "json", db=ro_db)
    assert listed.returncode == 0, listed.stderr
    assert [r["title"] for r in json.loads(listed.stdout)] == ["Risk 0", "Risk 1", "Risk 2"]
    assert as_nobody(base, "systems", "list", db=ro_db).returncode == 0
    verify = as_nobody(base, "audit", "verify", db=ro_db)
    assert verify.returncode == 0 and "verified" in verify.stdout, verify.stdout + verify.stderr
    for args in (["reminders"], ["check"]):
        res = as_nobody(base, *args, db=ro_db)
        assert res.returncode in (0, 3), res.stderr
    out = ro_db.parent.parent / "out"
    out.mkdir()
    os.chmod(out, 0o777)
    os.chmod(ro_db.parent.parent, 0o755)
    exported = as_nobody(base, "export", "register", "--out", str(out / "r.csv"), db=ro_db)
    assert exported.returncode == 0, exported.stderr
    assert (out / "r.csv").read_text(encoding="utf-8").count("Risk ") == 3
    assert ro_db.read_bytes() == before


def test_a_write_command_fails_in_one_line_naming_the_path(base, ro_db):
    """The editor may edit risks; the file system says no: aims says which file."""
    before = ro_db.read_bytes()
    res = as_nobody(base, "risks", "update", "R-0001", "--title", "Changed", db=ro_db)
    assert res.returncode == 1
    assert one_line(res) == (f"aims: cannot write {ro_db}: the file or its folder is read-only for you "
                             "(read commands still work; ask for write access or use a writable copy)")
    assert ro_db.read_bytes() == before


@pytest.mark.parametrize("args", [["export", "register", "--format", "csv"], ["export", "register", "--format", "xlsx"],
                                  ["export", "soa", "--format", "json"], ["export", "pack"],
                                  ["export", "json", "--out"]],
                         ids=["register csv", "register xlsx", "soa json", "pack", "json"])
def test_an_export_into_a_folder_the_user_may_not_write_fails_in_one_line_and_leaves_nothing(base, args):
    """Before: "unexpected error: PermissionError", sometimes a .part file."""
    db = base / "writable-db" / "aims.db"
    if not db.exists():
        make_register(db.parent)
        os.chmod(db.parent, 0o777)
        os.chmod(db, 0o666)
    locked = base / "locked"
    locked.mkdir(exist_ok=True)
    os.chmod(locked, 0o555)
    target = locked / "export.out"
    full = [*args, str(target)] if args[-1] == "--out" else [*args, "--out", str(target)]
    res = as_nobody(base, *full, db=db)
    assert res.returncode == 1
    line = one_line(res)
    # one line naming the path (the folder, with the fix, when aims checks it before writing)
    assert line.startswith((f"aims: cannot write {target}: Permission denied", f"aims: cannot write in {locked} ")), line
    assert list(locked.iterdir()) == []


def test_a_read_only_database_that_needs_an_upgrade_says_so_and_stays_as_it_was(base):
    """A newer aims meets a file it may not write: no half-applied migration, one clear line."""
    from aims_tui.core import migrate
    from aims_tui.core.db import open_database

    folder = Path(tempfile.mkdtemp(prefix="behind", dir=base)) / "db"
    path = make_register(folder)
    db = open_database(str(path))
    migrate.downgrade(db, "0003")
    db.dispose()
    sqlite3.connect(path).close()  # checkpoint: a plain file again
    os.chmod(path, 0o644)
    os.chmod(folder, 0o555)
    before = path.read_bytes()
    res = as_nobody(base, "risks", "list", db=path)
    assert res.returncode == 1
    assert one_line(res).startswith(f"aims: {path} needs an upgrade to this aims's newest migration ('aims db "
                                    "upgrade'), but the file or its folder is read-only for you")
    assert path.read_bytes() == before
    os.chmod(folder, 0o755)
