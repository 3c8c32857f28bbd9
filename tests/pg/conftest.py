"""PostgreSQL-only tests (issue 18's roles, live refresh, db move): a real server, real OS users.

They run with ``--engine postgresql`` on the session's throwaway server (tests/conftest.py's
``pg()``) and skip on SQLite. ``pg_team`` makes real OS users (useradd) who connect by peer
authentication over the server's Unix socket, as the README tells a team to set up: the
sysadmin creates the first admin's login role (CREATEROLE) and a database it owns; the admin
runs ``aims init`` (group roles, grants) and ``aims users add``; each teammate runs aims, or the
plain driver, as themselves.
"""

from __future__ import annotations

import json
import os
import pwd
import shutil
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from ..conftest import on_postgresql, pg
from ..team.test_os_users import SETUP_SCRIPT, SYS_PYTHON, _why_not as _why_not_os_users, build_runtime

NEEDS_PG = "PostgreSQL only: run with --engine postgresql (a throwaway server is started for the run)"


def why_no_server() -> str | None:
    if not on_postgresql():
        return NEEDS_PG
    try:
        import psycopg  # noqa: F401
    except ImportError:
        return "the PostgreSQL driver is not installed: pip install -e '.[test,postgres]'"
    return None


@pytest.fixture(scope="session")
def server():
    """The session's PostgreSQL server; a clear skip when it cannot be started."""
    why = why_no_server()
    if why:
        pytest.skip(why)
    try:
        return pg()
    except Exception as exc:  # noqa: BLE001 - no binaries, no postgres OS user...
        pytest.skip(f"cannot start a PostgreSQL server: {str(exc).splitlines()[0]}")


def plain(server, dbname: str, user: str | None = None):
    """A plain psycopg connection (autocommit), no aims code: the superuser unless ``user``."""
    import psycopg

    return psycopg.connect(server.dsn(dbname, user), autocommit=True)


@dataclass
class PgTeam:
    server: object
    base: Path
    runtime: Path
    dbname: str
    users: dict[str, str] = field(default_factory=dict)  # role -> OS login

    @property
    def peer_url(self) -> str:
        """The URL a teammate uses on the host: no user, no password (peer authentication)."""
        s = self.server
        return f"postgresql+psycopg:///{self.dbname}?host={s.socket_dir}&port={s.port}"

    def env(self, role: str) -> dict:
        lie = self.users["admin"] if role != "admin" else self.users["viewer"]
        return {"PATH": "/usr/bin:/bin", "PYTHONPATH": f"{self.runtime}/src:{self.runtime}/site",
                "PYTHONDONTWRITEBYTECODE": "1", "AIMS_DB": self.peer_url, "COLUMNS": "200",
                "USER": lie, "LOGNAME": lie, "HOME": str(self.base), "LANG": "C.UTF-8"}

    def run(self, role: str, *args: str, python: list[str] | None = None, timeout: float = 120,
            login: str | None = None, env: dict | None = None) -> subprocess.CompletedProcess:
        """``aims ARGS`` (or ``python``) as the OS user of ``role``, whose environment claims
        to be someone else (USER, LOGNAME)."""
        pw = pwd.getpwnam(login or self.users[role])
        cmd = [SYS_PYTHON, "-S", *(python or ["-m", "aims_tui"]), *args]
        return subprocess.run(cmd, user=pw.pw_uid, group=pw.pw_gid, env={**self.env(role), **(env or {})}, cwd=str(self.base),
                              capture_output=True, text=True, timeout=timeout)

    def sql_as(self, role: str, sql: str) -> subprocess.CompletedProcess:
        """One statement with the plain driver (psycopg, no aims code) as ``role``'s OS user, by
        peer authentication. Prints OK and the row count, or the error's class and message."""
        code = ("import sys, psycopg\n"
                f"con = psycopg.connect(host={str(self.server.socket_dir)!r}, port={self.server.port}, "
                f"dbname={self.dbname!r}, autocommit=True)\n"
                "print('AS', con.execute('SELECT session_user').fetchone()[0])\n"
                "try:\n"
                "    cur = con.execute(sys.argv[1])\n"
                "    print('OK', cur.rowcount)\n"
                "except psycopg.Error as exc:\n"
                "    print('ERROR', type(exc).__name__, str(exc).splitlines()[0])\n")
        return self.run(role, sql, python=["-c", code])


def _sh(*cmd: str) -> None:
    subprocess.run(cmd, check=True, capture_output=True, text=True)


@pytest.fixture(scope="module")
def pg_team(server):
    why = _why_not_os_users()
    if why:
        pytest.skip(why)
    tag = str(os.getpid() % 100000)
    roles = ("admin", "editor", "viewer")
    users = {r: f"aimspg_{r}_{tag}" for r in roles}
    base = Path(tempfile.mkdtemp(prefix="aims_pgteam_", dir="/tmp"))
    os.chmod(base, 0o755)
    made: list[str] = []
    hba = server.data_dir / "pg_hba.conf"
    original = hba.read_text()
    dbname = f"team_{tag}"
    try:
        for login in users.values():
            _sh("useradd", "--no-create-home", "--shell", "/usr/sbin/nologin", login)
            made.append(login)
        runtime = build_runtime(base / "rt")
        # the sysadmin's part (README): peer authentication for the team on the socket; the
        # first admin's login role may create roles and owns the register's database
        hba.write_text("".join(f"local all {login} peer\n" for login in users.values()) + original)
        server.reload()
        with plain(server, "postgres") as con:
            con.execute(f'CREATE ROLE "{users["admin"]}" LOGIN CREATEROLE')
            con.execute(f'CREATE DATABASE "{dbname}" OWNER "{users["admin"]}"')
        team = PgTeam(server, base, runtime, dbname, users)
        steps = [["init", "--org", "Team Org"],
                 ["users", "add", users["editor"], "--role", "editor"],
                 ["users", "add", users["viewer"], "--role", "viewer"],
                 ["demo", "--systems", "1", "--risks-per-system", "3"]]
        res = team.run("admin", json.dumps(steps), python=["-c", SETUP_SCRIPT])
        assert res.returncode == 0, (res.stdout, res.stderr)
        team.setup_output = res.stdout  # type: ignore[attr-defined]
        yield team
    finally:
        hba.write_text(original)
        try:
            server.reload()
            server.drop_database(dbname)
        except Exception:  # noqa: BLE001 - the server may be gone already
            pass
        for login in made:
            subprocess.run(["userdel", login], capture_output=True)
        shutil.rmtree(base, ignore_errors=True)
