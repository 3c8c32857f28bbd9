"""aims users list | add | set-role | deactivate."""

from __future__ import annotations

from typing import Annotated

import typer

from . import common
from ..core.services import users as svc

users = common.command_group("users", help="Users of the database and their roles.")


@users.command("list")
@common.handle_errors
def list_(fmt: common.FormatOpt = "table") -> None:
    """List users and roles."""
    common.check_format(fmt)
    database = common.open_db()
    common.actor_for(database)
    common.print_rows(svc.list_users(database), ["login", "display_name", "role", "active"], fmt,
                      ["LOGIN", "NAME", "ROLE", "ACTIVE"])


@users.command("add")
@common.handle_errors
def add(
    login: Annotated[str, typer.Argument(help="The teammate's OS login name.")],
    role: Annotated[str, typer.Option("--role", help="admin, approver, editor or viewer")] = "editor",
    name: Annotated[str, typer.Option("--name", help="Display name.")] = "",
) -> None:
    """Add a user (admins only)."""
    database = common.open_db()
    actor = common.actor_for(database)
    u = svc.add_user(database, actor, login, role, name)
    typer.echo(f"Added {u['login']} as {u['role']}")


@users.command("set-role")
@common.handle_errors
def set_role(login: str, role: str) -> None:
    """Change a user's role (admins only)."""
    database = common.open_db()
    actor = common.actor_for(database)
    u = svc.set_role(database, actor, login, role)
    typer.echo(f"{u['login']} is now {u['role']}")


@users.command("deactivate")
@common.handle_errors
def deactivate(login: str) -> None:
    """Deactivate a user (admins only); their history stays."""
    database = common.open_db()
    actor = common.actor_for(database)
    svc.deactivate(database, actor, login)
    typer.echo(f"Deactivated {login}")

