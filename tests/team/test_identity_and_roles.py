"""Who is acting comes from the OS; what they may do is checked in the services."""

from __future__ import annotations

import inspect
import os
import pwd
import subprocess
import sys

import pytest
from typer.testing import CliRunner

from aims_tui.cli import app
from aims_tui.core import audit, identity
from aims_tui.core.errors import PermissionDenied, UnknownUser
from aims_tui.core.services import (
    acceptances,
    controls,
    impact,
    management,
    nonconformities,
    reviews,
    risks,
    settings,
    systems,
    treatments,
    users,
)

from ..conftest import ADMIN, APPROVER, EDITOR, VIEWER, acting_as

ROLE_OF = {ADMIN: "admin", APPROVER: "approver", EDITOR: "editor", VIEWER: "viewer"}
RANK = ["viewer", "editor", "approver", "admin"]


def test_the_login_is_the_effective_uids_name_whatever_user_and_logname_say(monkeypatch):
    """Issue 6: `USER=ada aims ...` must not make anyone ada."""
    real = pwd.getpwuid(os.geteuid()).pw_name
    for var in ("USER", "LOGNAME", "USERNAME", "LNAME", "SUDO_USER", "AIMS_USER"):
        monkeypatch.setenv(var, "ada")
    monkeypatch.setenv("HOME", "/nonexistent")
    assert identity.os_login() == real


def test_a_fresh_process_with_user_and_logname_set_still_acts_as_its_os_login(tmp_path):
    """The same, across a real process start (nothing read from env at import)."""
    env = {**os.environ, "USER": "ada", "LOGNAME": "ada", "HOME": str(tmp_path)}
    (tmp_path / ".aimsrc").write_text("login = ada\n")
    out = subprocess.run([sys.executable, "-c", "from aims_tui.core.identity import os_login; print(os_login())"],
                         env=env, capture_output=True, text=True, check=True).stdout.strip()
    assert out == pwd.getpwuid(os.geteuid()).pw_name


def test_no_command_has_an_option_that_names_who_is_acting():
    """Identity is never an option: no --user, --as, --login, --actor on a writing command."""
    import typer.main

    group = typer.main.get_command(app)
    suspicious = []

    def walk(cmd, path):
        for p in cmd.params:
            for opt in getattr(p, "opts", []):
                if opt in ("--user", "--as", "--login", "--actor-login", "--whoami", "--identity") or (
                        opt == "--actor" and path != "aims audit log"):
                    suspicious.append(f"{path} {opt}")
        for name, sub in getattr(cmd, "commands", {}).items():
            walk(sub, f"{path} {name}")

    walk(group, "aims")
    assert suspicious == []


def test_an_unknown_login_is_refused_naming_an_admin_to_ask(db, monkeypatch):
    """Issue 6: a teammate not yet added gets told who can add them, and how."""
    res = CliRunner().invoke(app, ["risks", "list", "--db", acting_as(db, "newbie", monkeypatch)])
    assert res.exit_code == 1
    if db.path is None:  # PostgreSQL: a role that is no user's has no grants; the server refuses it
        assert "the database server refused your role: permission denied for table" in res.stderr
        assert "aims users add YOUR_LOGIN --role" in res.stderr and "Traceback" not in res.stderr
        return
    assert "'newbie' is not a user of this AIMS database" in res.stderr
    assert f"ask an admin ({ADMIN})" in res.stderr
    assert "aims users add newbie --role" in res.stderr
    assert "Traceback" not in res.stderr


def test_a_deactivated_user_is_refused_like_an_unknown_one(db):
    users.deactivate(db, ADMIN, EDITOR)
    with pytest.raises(UnknownUser, match=ADMIN):
        risks.create_risk(db, EDITOR, {"title": "x", "inherent_likelihood": 1, "inherent_impact": 1})


def test_a_viewers_write_through_the_cli_is_refused_and_nothing_is_written(db, monkeypatch):
    """Issue 6: roles are enforced whatever the face (here the CLI)."""
    s = systems.create_system(db, EDITOR, {"name": "Chatbot"})
    ref = risks.create_risk(db, EDITOR, {"system": s["ref"], "title": "Leak", "inherent_likelihood": 2,
                                         "inherent_impact": 2})["ref"]
    with db.read() as sess:
        before = audit.verify(sess).count
    as_viewer = acting_as(db, VIEWER, monkeypatch)
    res = CliRunner().invoke(app, ["risks", "update", ref, "--impact", "5", "--db", as_viewer])
    assert res.exit_code == 1
    assert "editing a risk needs the editor role (you are viewer)" in res.stderr
    res = CliRunner().invoke(app, ["users", "add", "zed", "--role", "admin", "--db", as_viewer])
    assert res.exit_code == 1 and "admin role" in res.stderr
    assert risks.get_risk(db, ref)["inherent_impact"] == 2
    with db.read() as sess:
        assert audit.verify(sess).count == before


def _cases(db_, ref: str, sys_ref: str) -> list:
    """(what, lowest role allowed, call(actor)) for writes across every service module."""
    return [
        ("add user", "admin", lambda a: users.add_user(db_, a, "zed", "editor")),
        ("set role", "admin", lambda a: users.set_role(db_, a, EDITOR, "approver")),
        ("deactivate", "admin", lambda a: users.deactivate(db_, a, EDITOR)),
        ("settings", "admin", lambda a: settings.update_settings(db_, a, {"organization": "Evil"})),
        ("custom control", "admin", lambda a: controls.add_control(db_, a, {"code": "X.1", "title": "t"})),
        ("approve SoA", "approver", lambda a: controls.approve_soa(db_, a)),
        ("accept risk", "approver", lambda a: acceptances.accept_risk(db_, a, ref, "fine")),
        ("delete risk", "approver", lambda a: risks.delete_risk(db_, a, ref)),
        ("create system", "editor", lambda a: systems.create_system(db_, a, {"name": "S"})),
        ("update system", "editor", lambda a: systems.update_system(db_, a, sys_ref, {"name": "T"})),
        ("transition", "editor", lambda a: systems.transition(db_, a, sys_ref, "validation")),
        ("create risk", "editor", lambda a: risks.create_risk(db_, a, {"title": "R", "inherent_likelihood": 1,
                                                                         "inherent_impact": 1})),
        ("update risk", "editor", lambda a: risks.update_risk(db_, a, ref, {"title": "T"})),
        ("treatment", "editor", lambda a: treatments.add_treatment(db_, a, ref, {"action": "Do"})),
        ("review", "editor", lambda a: reviews.record_review(db_, a, "risk", ref, {})),
        ("impact", "editor", lambda a: impact.create_assessment(db_, a, {"system": sys_ref})),
        ("nonconformity", "editor", lambda a: nonconformities.create_nonconformity(db_, a, {"title": "N"})),
        ("management review", "editor", lambda a: management.create_review(db_, a, {})),
        ("SoA entry", "editor", lambda a: controls.update_applicability(db_, a, "A.2.2", {"applicable": True,
                                                                                          "justification": "Needed"})),
    ]


def test_every_service_refuses_a_role_below_the_one_it_needs_and_writes_nothing(db):
    """Issue 6: roles live in the services, so the TUI, the CLI and importers
    get the same answer. Each write is tried by every role below its minimum."""
    s = systems.create_system(db, EDITOR, {"name": "Chatbot"})
    ref = risks.create_risk(db, EDITOR, {"system": s["ref"], "title": "Leak", "inherent_likelihood": 2,
                                         "inherent_impact": 2})["ref"]
    with db.read() as sess:
        before = audit.verify(sess).count
    tried = 0
    for what, lowest, call in _cases(db, ref, s["ref"]):
        for actor, role in ROLE_OF.items():
            if RANK.index(role) >= RANK.index(lowest):
                continue
            with pytest.raises(PermissionDenied) as info:
                call(actor)
            assert f"needs the {lowest} role (you are {role})" in str(info.value), what
            tried += 1
    assert tried >= 30
    with db.read() as sess:
        assert audit.verify(sess).count == before


def test_every_writing_service_checks_the_role_inside_its_transaction():
    """A guard for new services: each function that opens a write transaction
    calls identity.require (or bootstraps the first admin), itself or through a
    helper of the same module (create_risk -> _create)."""
    import ast
    import importlib
    import pkgutil

    import aims_tui.core.services as pkg

    missing = []
    for info in pkgutil.iter_modules(pkg.__path__):
        mod = importlib.import_module(f"{pkg.__name__}.{info.name}")
        tree = ast.parse(inspect.getsource(mod))
        funcs = {fn.name: fn for fn in tree.body if isinstance(fn, ast.FunctionDef)}

        def checks(name: str, seen: set[str]) -> bool:
            if name in seen or name not in funcs:
                return False
            seen.add(name)
            src = ast.unparse(funcs[name])
            if "require(" in src or "bootstrap_admin(" in src:
                return True
            called = {n.func.id for n in ast.walk(funcs[name])
                      if isinstance(n, ast.Call) and isinstance(n.func, ast.Name)}
            return any(checks(c, seen) for c in called)

        for name, fn in funcs.items():
            if "transact(" in ast.unparse(fn) and not checks(name, set()):
                missing.append(f"{mod.__name__}.{name}")
    assert sorted(missing) == sorted(NO_ROLE_TO_CHECK)


# Writes that have no user to check, and why.
NO_ROLE_TO_CHECK = {
    "aims_tui.core.services.restoring.restore": "a JSON import goes only into an empty database (no users yet)",
    "aims_tui.core.services.dbroles.apply_roles": "PostgreSQL's grants, no record: the server checks it (CREATEROLE, "
                                                  "ownership of the tables)",
}
