"""Real OS users sharing one database (needs root: the users are made with useradd).

The team on one host, for real: a shared group, a setgid folder made by the
sysadmin, an admin who runs `aims init --group`, and teammates who run aims as
themselves. Each runs the CLI in its own process under its own uid, with
USER/LOGNAME/HOME set to lie about who it is.

/root is mode 700, so the test venv's interpreter (under /root/.pyenv) cannot
run as another user. The processes run the system's /usr/bin/python3 (same
minor version) with ``-S`` and a PYTHONPATH pointing at a world-readable
runtime: the test environment's site-packages and the aims_tui sources,
hard-linked (copied across file systems) into a temp folder. That takes well
under a second; a fresh venv with pip took over a minute here.
"""

from __future__ import annotations

import grp
import json
import os
import pwd
import shutil
import subprocess
import sys
import sysconfig
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import pytest

import aims_tui

SYS_PYTHON = "/usr/bin/python3"
REPO = Path(aims_tui.__file__).resolve().parent.parent


def _why_not() -> str | None:
    if os.geteuid() != 0:
        return "creating real OS users (useradd) needs root; run the suite as root to test real logins"
    for tool in ("useradd", "userdel", "groupadd", "groupdel"):
        if shutil.which(tool) is None:
            return f"{tool} is not installed"
    if not os.access(SYS_PYTHON, os.X_OK):
        return f"{SYS_PYTHON} is missing (needed to run aims as another user)"
    out = subprocess.run([SYS_PYTHON, "-c", "import sys; print(sys.version_info[:2])"],
                         capture_output=True, text=True)
    if out.stdout.strip() != str(tuple(sys.version_info[:2])):
        return f"{SYS_PYTHON} is Python {out.stdout.strip()}, the tests run {sys.version_info[:2]}: " \
               "compiled packages would not load"
    return None


pytestmark = pytest.mark.skipif(_why_not() is not None, reason=str(_why_not()))


def _link(src: str, dst: str) -> None:
    try:
        os.link(src, dst)
    except OSError:
        shutil.copy2(src, dst)


def build_runtime(dest: Path) -> Path:
    """site-packages + aims_tui sources in a folder every user can read."""
    purelib = Path(sysconfig.get_paths()["purelib"])
    shutil.copytree(purelib, dest / "site", copy_function=_link, ignore=shutil.ignore_patterns(
        "pip", "pip-*", "setuptools", "setuptools-*", "_distutils_hack", "*.pth", "__editable__*",
        "aims_tui"))
    # __pycache__ comes along: without it every run would compile everything (seconds)
    shutil.copytree(REPO / "aims_tui", dest / "src" / "aims_tui", copy_function=_link)
    shutil.copytree(REPO / "data", dest / "src" / "data", copy_function=_link,
                    ignore=shutil.ignore_patterns("*.db", "*.db-*"))
    for d, _dirs, _files in os.walk(dest):
        os.chmod(d, 0o755)
    return dest


@dataclass
class Team:
    base: Path
    runtime: Path
    group: str
    folder: Path
    db: Path
    users: dict[str, str] = field(default_factory=dict)  # role -> login

    def run(self, role: str, *args: str, env: dict | None = None, timeout: float = 60,
            python: list[str] | None = None) -> subprocess.CompletedProcess:
        """Run ``aims ARGS`` as the OS user of ``role``, who claims to be the admin."""
        login = self.users[role]
        pw = pwd.getpwnam(login)
        in_group = [grp.getgrnam(self.group).gr_gid] if role != "outsider" else []
        lie = self.users["admin"] if role != "admin" else self.users["viewer"]
        environment = {
            "PATH": "/usr/bin:/bin", "PYTHONPATH": f"{self.runtime}/src:{self.runtime}/site",
            "PYTHONDONTWRITEBYTECODE": "1", "AIMS_DB": str(self.db), "COLUMNS": "200",
            "USER": lie, "LOGNAME": lie, "HOME": str(self.base), "LANG": "C.UTF-8",
            **(env or {}),
        }
        cmd = [SYS_PYTHON, "-S", *(python or ["-m", "aims_tui"]), *args]
        return subprocess.run(cmd, user=pw.pw_uid, group=pw.pw_gid,
                              extra_groups=in_group, env=environment, cwd=str(self.base),
                              capture_output=True, text=True, timeout=timeout)


SETUP_SCRIPT = """
import json, sys
from aims_tui.cli import app
for args in json.loads(sys.argv[1]):
    try:
        app(args, prog_name="aims")
    except SystemExit as exc:
        if exc.code:
            raise
"""


def _sh(*cmd: str) -> None:
    subprocess.run(cmd, check=True, capture_output=True, text=True)


@pytest.fixture(scope="session")
def team():
    tag = str(os.getpid() % 100000)
    group = f"aims_t_grp_{tag}"
    roles = ("admin", "editor", "viewer", "unknown", "outsider")
    users = {r: f"aims_t_{r}_{tag}" for r in roles}
    base = Path(tempfile.mkdtemp(prefix="aims_team_", dir="/tmp"))
    os.chmod(base, 0o755)
    made: list[str] = []
    try:
        _sh("groupadd", group)
        for role, login in users.items():
            extra = [] if role == "outsider" else ["-G", group]
            _sh("useradd", "--no-create-home", "--shell", "/usr/sbin/nologin", *extra, login)
            made.append(login)
        runtime = build_runtime(base / "rt")
        # the sysadmin's part (README "team setup"): a folder of the group, setgid 2770
        folder = base / "aims"
        folder.mkdir()
        os.chown(folder, 0, grp.getgrnam(group).gr_gid)
        os.chmod(folder, 0o2770)
        t = Team(base, runtime, group, folder, folder / "aims.db", users)
        # the first admin's part: four aims commands, run in one process of the
        # admin's (a process start costs seconds on a loaded machine)
        steps = [["init", "--group", group, "--org", "Team Org"],
                 ["users", "add", users["editor"], "--role", "editor"],
                 ["users", "add", users["viewer"], "--role", "viewer"],
                 ["demo", "--systems", "1", "--risks-per-system", "3"]]
        res = t.run("admin", json.dumps(steps), python=["-c", SETUP_SCRIPT])
        assert res.returncode == 0, (res.stdout, res.stderr)
        yield t
    finally:
        for login in made:
            subprocess.run(["userdel", login], capture_output=True)
        subprocess.run(["groupdel", group], capture_output=True)
        shutil.rmtree(base, ignore_errors=True)


def test_the_first_admin_is_the_os_user_who_ran_init_not_who_user_claims(team: Team):
    """Issue 6: `aims init` made its caller admin; USER/LOGNAME said otherwise."""
    res = team.run("admin", "users", "list", "--format", "json")
    assert res.returncode == 0, res.stderr
    roles = {u["login"]: u["role"] for u in json.loads(res.stdout)}
    assert roles[team.users["admin"]] == "admin"
    assert (roles[team.users["editor"]], roles[team.users["viewer"]]) == ("editor", "viewer")
    assert [login for login, role in roles.items() if role == "admin"] == [team.users["admin"]]


def test_a_viewer_cannot_write_through_the_cli_even_claiming_to_be_the_admin(team: Team):
    """Issue 6: the viewer's process has USER=LOGNAME=<admin>; the OS says viewer."""
    res = team.run("viewer", "risks", "update", "R-0001", "--title", "Hacked")
    assert res.returncode == 1
    assert "editing a risk needs the editor role (you are viewer)" in res.stderr
    assert "Traceback" not in res.stderr
    listing = team.run("viewer", "risks", "list", "--format", "json")
    assert listing.returncode == 0, listing.stderr
    assert "Hacked" not in listing.stdout


def test_an_unknown_login_is_refused_with_the_admin_to_ask(team: Team):
    """Issue 6: a member of the group who was never added."""
    res = team.run("unknown", "risks", "list")
    assert res.returncode == 1
    assert f"'{team.users['unknown']}' is not a user of this AIMS database" in res.stderr
    assert f"ask an admin ({team.users['admin']})" in res.stderr


@pytest.mark.parametrize("args", [("risks", "list"), (), ("init",)])
def test_a_login_outside_the_group_cannot_even_open_the_database(team: Team, args):
    """Before: `aims` (the app) and `aims init` died with "unexpected error: PermissionError"
    when the shared folder (2770) belonged to a group the user is not in."""
    res = team.run("outsider", *args)
    assert res.returncode == 1
    assert "permission denied" in res.stderr.lower()
    assert "ask an admin to add you to the database's group" in res.stderr
    assert "unexpected" not in res.stderr and "Traceback" not in res.stderr


def test_an_editors_change_is_recorded_under_their_os_login(team: Team):
    """The audit trail names the OS login, not what USER says."""
    res = team.run("editor", "risks", "update", "R-0002", "--title", "Renamed by the editor")
    assert res.returncode == 0, res.stderr
    log = team.run("viewer", "audit", "log", "--entity", "R-0002", "--limit", "1", "--format", "json")
    assert log.returncode == 0, log.stderr
    (event,) = json.loads(log.stdout)
    assert event["actor"] == team.users["editor"]
    assert event["changes"]["title"][1] == "Renamed by the editor"


def test_files_made_by_different_users_stay_in_the_group_and_private(team: Team):
    """After the admin, the editor and the viewer have each opened the database
    (each may have created -wal/-shm), `aims db check` run by the viewer, while
    its own connection holds those files, finds nothing to report; the trail verifies."""
    assert team.run("editor", "risks", "update", "R-0003", "--impact", "4").returncode == 0
    res = team.run("viewer", "db", "check")
    assert res.returncode == 0, res.stdout + res.stderr
    assert "Permissions" not in res.stdout
    verify = team.run("viewer", "audit", "verify")
    assert verify.returncode == 0, verify.stdout
    gid = grp.getgrnam(team.group).gr_gid
    for f in team.folder.iterdir():
        assert f.stat().st_gid == gid, f
        assert f.stat().st_mode & 0o007 == 0, f


async def test_a_second_users_open_app_shows_a_change_made_by_the_first_within_2_seconds(team: Team):
    """Issue 6: the viewer has the register open (the app in this process, polling
    as it does by default); the editor, as their own OS user in another process,
    renames a risk through the CLI. The viewer's screen shows the new title within
    2 seconds of the editor's command returning."""
    import asyncio
    import time

    from aims_tui.core.db import open_database
    from aims_tui.tui.app import AimsApp
    from aims_tui.tui.screens.register import RegisterScreen

    title = f"Renamed while the viewer watched {os.getpid()}"
    database = open_database(str(team.db), upgrade=False)
    app = AimsApp(database, team.users["viewer"])  # the default poll, about once a second
    try:
        async with app.run_test(size=(120, 30)) as pilot:
            await pilot.pause(0.3)
            await pilot.press("2")
            for _ in range(100):
                await pilot.pause(0.05)
                if isinstance(app.screen, RegisterScreen) and app.screen.pager.rows:
                    break
            assert isinstance(app.screen, RegisterScreen)

            def on_screen() -> bool:
                table = app.screen.pager.table
                return any(title in str(cell) for r in range(table.row_count) for cell in table.get_row_at(r))

            assert not on_screen()
            res = await asyncio.to_thread(team.run, "editor", "risks", "update", "R-0001", "--title", title)
            assert res.returncode == 0, res.stderr
            committed = time.monotonic()
            while not on_screen() and time.monotonic() - committed < 15.0:  # behaviour, not speed (the benchmark times it)
                await pilot.pause(0.05)
            assert on_screen(), "the viewer's register never showed the editor's change"
    finally:
        database.dispose()
