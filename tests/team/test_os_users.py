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


# -- issue 13: roles that hold, shared folders, the config file ----------------


def test_an_editors_demo_is_refused_as_their_os_user(team: Team):
    """Issue 13: `aims demo` ran for any editor and loaded into the live register."""
    res = team.run("editor", "demo", "--systems", "1")
    assert res.returncode == 1
    assert "loading demo data needs the admin role (you are editor)" in res.stderr
    again = team.run("admin", "demo", "--systems", "1")
    assert again.returncode == 1 and "only into an empty register" in again.stderr


def test_exports_by_different_users_share_one_group_folder(team: Team):
    """Issue 13: exports/ made by the first user was 2755 and theirs, so a teammate's
    export failed with "unexpected error: PermissionError ... .part"."""
    out = team.folder / "exports"
    gid = grp.getgrnam(team.group).gr_gid
    for role in ("editor", "viewer"):
        res = team.run(role, "export", "register", "--format", "csv", "--out", str(out / f"{role}.csv"))
        assert res.returncode == 0, res.stderr
    st = out.stat()
    assert (st.st_gid, oct(st.st_mode & 0o7777)) == (gid, "0o2770")
    assert pwd.getpwuid(st.st_uid).pw_name == team.users["editor"]  # made by the first, usable by all
    for role in ("editor", "viewer"):
        f = (out / f"{role}.csv").stat()
        assert (f.st_gid, oct(f.st_mode & 0o777)) == (gid, "0o640"), role
        assert pwd.getpwuid(f.st_uid).pw_name == team.users[role]


def test_a_folder_a_teammate_cannot_write_in_is_one_line_with_the_fix(team: Team):
    old = team.folder / "old-exports"
    old.mkdir()
    os.chown(old, pwd.getpwnam(team.users["editor"]).pw_uid, grp.getgrnam(team.group).gr_gid)
    os.chmod(old, 0o2755)  # what the first user's umask 022 used to leave
    res = team.run("viewer", "export", "register", "--format", "csv", "--out", str(old / "v.csv"))
    assert res.returncode == 1
    assert f"cannot write in {old}" in res.stderr
    assert f"chgrp {team.group} {old} && chmod 2770 {old}" in res.stderr
    assert "unexpected" not in res.stderr and len(res.stderr.strip().splitlines()) == 1


def test_backups_are_admin_only_group_readable_and_audited(team: Team):
    """Issue 13: backups were 0600 (other admins could not read them), any viewer could make
    one, and none left an audit event."""
    dest = team.folder / "backups" / "nightly.db"
    refused = team.run("viewer", "backup", str(dest))
    assert refused.returncode == 1 and "making a backup needs the admin role (you are viewer)" in refused.stderr
    res = team.run("admin", "backup", str(dest))
    assert res.returncode == 0, res.stderr
    gid = grp.getgrnam(team.group).gr_gid
    folder, f = dest.parent.stat(), dest.stat()
    assert (folder.st_gid, oct(folder.st_mode & 0o7777)) == (gid, "0o2770")
    assert (f.st_gid, oct(f.st_mode & 0o777)) == (gid, "0o640")
    read = team.run("viewer", python=["-c", f"print(open({str(dest)!r}, 'rb').read(15))"])
    assert read.returncode == 0 and "SQLite format 3" in read.stdout, read.stderr
    log = team.run("viewer", "audit", "log", "--limit", "1", "--format", "json")
    (ev,) = json.loads(log.stdout)
    assert (ev["entity"], ev["action"], ev["actor"]) == ("backup", "create", team.users["admin"])


def test_db_check_by_a_user_outside_the_group_is_one_line(team: Team):
    """Issue 13: it printed "unexpected error: PermissionError"."""
    res = team.run("outsider", "db", "check")
    assert res.returncode == 1
    assert "permission denied" in res.stderr and "ask an admin to add you to the database's group" in res.stderr
    assert "unexpected" not in res.stderr and len(res.stderr.strip().splitlines()) == 1


def _runuser(team: Team, login: str, *cmd: str, env: dict[str, str], login_shell: bool = False):
    py = f"{SYS_PYTHON} -S -m aims_tui"
    if login_shell:  # a login shell (reads /etc/profile), as `ssh host` then typing aims
        line = " ".join(f"{k}={v}" for k, v in env.items()) + f" {py} " + " ".join(cmd)
        argv = ["runuser", "-l", login, "-s", "/bin/sh", "-c", f"cd /tmp && {line}"]
    else:  # no login shell, environment cleared, as `ssh host aims ...` or cron
        argv = ["runuser", "-u", login, "--", "env", "-i", *(f"{k}={v}" for k, v in env.items()),
                *py.split(), *cmd]
    return subprocess.run(argv, capture_output=True, text=True, timeout=60, cwd="/tmp")


@pytest.mark.parametrize("login_shell", [False, True], ids=["non-login command", "login shell"])
def test_the_config_file_chooses_the_database_without_a_login_shell(team: Team, login_shell):
    """Issue 13: `ssh host aims` reads no /etc/profile.d, so it had no AIMS_DB and failed with
    "there is no aims database at .../site-packages/data/aims.db". The host's config file is
    read by every aims process (its path moved for the test by AIMS_SYSTEM_CONFIG, which
    changes nothing else)."""
    etc = team.base / f"etc-{int(login_shell)}"
    etc.mkdir()
    cfg = etc / "config.toml"
    cfg.write_text(f'db = "{team.db}"\numask = "007"\n')
    os.chmod(etc, 0o755)
    os.chmod(cfg, 0o644)
    env = {"PATH": "/usr/bin:/bin", "PYTHONPATH": f"{team.runtime}/src:{team.runtime}/site",
           "PYTHONDONTWRITEBYTECODE": "1", config_var(): str(cfg)}
    res = _runuser(team, team.users["editor"], "db", "check", env=env, login_shell=login_shell)
    assert res.returncode == 0, res.stdout + res.stderr
    assert f"Database: {team.db}" in res.stdout
    assert f"Chosen by: system config {cfg}" in res.stdout
    listing = _runuser(team, team.users["viewer"], "risks", "list", "--format", "json", env=env,
                       login_shell=login_shell)
    assert listing.returncode == 0 and json.loads(listing.stdout), listing.stderr


def test_the_users_own_config_file_comes_before_the_hosts(team: Team):
    xdg = team.base / "xdg-viewer"
    (xdg / "aims").mkdir(parents=True)
    (xdg / "aims" / "config.toml").write_text(f'db = "{team.db}"\n')
    for d in (xdg, xdg / "aims"):
        os.chmod(d, 0o755)
    env = {"PATH": "/usr/bin:/bin", "PYTHONPATH": f"{team.runtime}/src:{team.runtime}/site",
           "PYTHONDONTWRITEBYTECODE": "1", "XDG_CONFIG_HOME": str(xdg),
           config_var(): str(team.base / "no-such-config.toml")}
    res = _runuser(team, team.users["viewer"], "db", "check", env=env)
    assert res.returncode == 0, res.stdout + res.stderr
    assert f"Chosen by: user config {xdg / 'aims' / 'config.toml'}" in res.stdout


def config_var() -> str:
    from aims_tui.core.config import SYSTEM_CONFIG_VAR

    return SYSTEM_CONFIG_VAR
