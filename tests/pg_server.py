"""A throwaway PostgreSQL server for the tests (no mocks: the real postgres binaries).

``PgServer`` runs ``initdb`` into a fresh temporary folder, starts ``postgres`` with its
Unix socket in that folder (no TCP unless ``tcp=True``, then loopback on a free port),
fsync off, and stops it and removes the folder on ``stop()``. As root the server runs as
the ``postgres`` OS user (``runuser``): PostgreSQL refuses to run as root.

- ``url(name)``: a ``postgresql+psycopg://`` URL for database ``name`` as the superuser.
- ``create_database(name, template=None)`` / ``drop_database(name)``.
- ``new_database(template=None)``: a fresh uniquely named database (the tests make one per
  test, from a migrated template, so that each starts from a migrated schema quickly).
- ``psql(sql, dbname)``: run SQL as the superuser with the plain driver (psycopg).
- ``data_dir`` / ``socket_dir`` / ``port`` / ``superuser``; ``reload()`` after editing
  ``pg_hba.conf`` (e.g. peer authentication for the roles tests).

Find the binaries with ``pg_bindir()``: ``AIMS_PG_BINDIR``, else ``pg_config --bindir``, else
the newest ``/usr/lib/postgresql/*/bin``.
"""

from __future__ import annotations

import glob
import itertools
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path

SERVER_USER = "postgres"  # the OS user that runs the server when the tests run as root


def pg_bindir() -> Path | None:
    """Where initdb and pg_ctl are, or None when PostgreSQL is not installed."""
    env = os.environ.get("AIMS_PG_BINDIR")
    if env and (Path(env) / "initdb").exists():
        return Path(env)
    cands = sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=lambda p: int(Path(p).parent.name)
                   if Path(p).parent.name.isdigit() else 0)
    for c in reversed(cands):
        if (Path(c) / "initdb").exists():
            return Path(c)
    exe = shutil.which("pg_config")
    if exe:
        out = subprocess.run([exe, "--bindir"], capture_output=True, text=True).stdout.strip()
        if out and (Path(out) / "initdb").exists():
            return Path(out)
    found = shutil.which("initdb")
    return Path(found).parent if found else None


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class PgServer:
    def __init__(self, *, tcp: bool = False, bindir: Path | None = None, base: Path | None = None):
        found = bindir or pg_bindir()
        if found is None:
            raise RuntimeError("PostgreSQL is not installed (no initdb found; set AIMS_PG_BINDIR)")
        self.bindir = found
        self.tcp = tcp
        self.port = free_port()
        self.as_root = os.geteuid() == 0
        self.run_as = SERVER_USER if self.as_root else pwd.getpwuid(os.geteuid()).pw_name
        # A folder every OS user can enter (the socket lives here; the roles tests connect
        # as other OS users). tmp_path is 0700 and root's, so it cannot be used.
        self.base = Path(tempfile.mkdtemp(prefix="aims-pg-", dir=base))
        os.chmod(self.base, 0o755)
        self.data_dir = self.base / "data"
        self.socket_dir = self.base / "sock"
        self.log = self.base / "server.log"
        self.superuser = "aims_super"
        self._names = itertools.count(1)
        self.started = False

    # -- running the binaries ------------------------------------------------
    def _cmd(self, *args: str) -> list[str]:
        cmd = [str(self.bindir / args[0]), *args[1:]]
        return ["runuser", "-u", SERVER_USER, "--", *cmd] if self.as_root else cmd

    def _run(self, *args: str) -> None:
        proc = subprocess.run(self._cmd(*args), capture_output=True, text=True)
        if proc.returncode != 0:
            tail = self.log.read_text()[-2000:] if self.log.exists() else ""
            raise RuntimeError(f"{args[0]} failed ({proc.returncode}): {proc.stderr.strip()}\n{tail}")

    def start(self) -> "PgServer":
        self.socket_dir.mkdir(mode=0o777)
        os.chmod(self.socket_dir, 0o777)  # whatever the umask
        if self.as_root:
            pw = pwd.getpwnam(SERVER_USER)
            for p in (self.base, self.socket_dir):
                os.chown(p, pw.pw_uid, pw.pw_gid)
        self._run("initdb", "-D", str(self.data_dir), "-U", self.superuser, "--auth=trust",
                  "-E", "UTF8", "--locale=C.UTF-8", "--no-sync")  # a UTF-8 ctype: search folds every script
        opts = [f"-k {self.socket_dir}", f"-p {self.port}", "-c fsync=off", "-c synchronous_commit=off",
                "-c full_page_writes=off", "-c max_connections=200", "-c shared_buffers=64MB",
                "-c listen_addresses=" + ("127.0.0.1" if self.tcp else "''")]
        self._run("pg_ctl", "-D", str(self.data_dir), "-l", str(self.log), "-w", "-t", "60",
                  "-o", " ".join(opts), "start")
        self.started = True
        return self

    def reload(self) -> None:
        self._run("pg_ctl", "-D", str(self.data_dir), "reload")

    def stop(self) -> None:
        if self.started:
            try:
                self._run("pg_ctl", "-D", str(self.data_dir), "-m", "immediate", "-w", "stop")
            finally:
                self.started = False
        shutil.rmtree(self.base, ignore_errors=True)

    # -- connecting ----------------------------------------------------------
    @property
    def host(self) -> str:
        return "127.0.0.1" if self.tcp else str(self.socket_dir)

    def url(self, dbname: str, user: str | None = None) -> str:
        who = user or self.superuser
        return f"postgresql+psycopg://{who}@/{dbname}?host={self.socket_dir}&port={self.port}"

    def dsn(self, dbname: str = "postgres", user: str | None = None) -> str:
        return f"host={self.socket_dir} port={self.port} dbname={dbname} user={user or self.superuser}"

    def psql(self, sql: str, dbname: str = "postgres", user: str | None = None) -> list[tuple]:
        """Run one statement with the plain driver (autocommit); its rows, if any."""
        import psycopg

        with psycopg.connect(self.dsn(dbname, user), autocommit=True) as con:
            cur = con.execute(sql)  # type: ignore[arg-type]
            return cur.fetchall() if cur.description else []

    def create_database(self, name: str, template: str | None = None) -> str:
        tmpl = f" TEMPLATE {template}" if template else ""
        self.psql(f'CREATE DATABASE "{name}"{tmpl}')
        return self.url(name)

    def drop_database(self, name: str) -> None:
        self.psql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    def new_database(self, template: str | None = None, prefix: str = "t") -> tuple[str, str]:
        """A fresh database: (name, url)."""
        name = f"{prefix}{os.getpid()}_{next(self._names)}"
        return name, self.create_database(name, template)

    def __enter__(self) -> "PgServer":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()
