"""aims init, aims demo."""

from __future__ import annotations

from typing import Annotated, Optional

import typer

from . import common
from ..core import identity, permissions
from ..core.services import dbroles, settings, setup
from ..core.services.demo import DEMO_USERS, load_demo
from ..core.db import resolve_url, sqlite_path

commands = common.command_group()  # aims init, aims demo


@commands.command("init")
@common.handle_errors
def init(
    org: Annotated[Optional[str], typer.Option("--org", help="Organization name.")] = None,
    group: Annotated[Optional[str], typer.Option(
        "--group", help="Shared OS group of the team: the folder becomes setgid 2770 to it, the "
                        "database files 0660.")] = None,
) -> None:
    """Create or upgrade the database, load Annex A; the caller becomes the first admin."""
    if group is not None:
        if sqlite_path(resolve_url(common.chosen_db())) is None:
            common.fail("--group applies to a SQLite database file (PostgreSQL has its own roles)",
                        common.EXIT_USAGE)
        permissions.group_id(group)  # refuse an unknown group before creating anything
    database = common.open_db(create=True, adopt=True)
    login = identity.acting_login(database)
    result = setup.initialize(database, login, org or "")
    where = database.where
    typer.echo(f"Database: {where}")
    typer.echo(f"Organization: {common.shown(result['organization'])}")
    if result["first_admin"]:
        typer.echo(f"First admin: {login}")
    typer.echo(f"Annex A controls added: {result['controls_added']}")
    if not database.is_sqlite:
        for line in dbroles.apply_roles(database):
            typer.echo(f"Roles: {line}")
    if group is not None:
        for line in permissions.apply_group(database.path, group):
            typer.echo(f"Permissions: {line}")
        settings.update_settings(database, login, {"shared_group": group})
        typer.echo(f"Shared group: {group} (teammates must be members; umask 007 recommended)")


@commands.command("demo")
@common.handle_errors
def demo(
    systems: Annotated[int, typer.Option("--systems", min=1, help="AI systems to create.")] = 8,
    risks_per_system: Annotated[int, typer.Option("--risks-per-system", min=0, help="Risks per system.")] = 6,
    seed: Annotated[int, typer.Option("--seed", help="Random seed (same seed, same data).")] = 42,
    with_users: Annotated[bool, typer.Option(
        "--with-users", hidden=True,
        help="Kept for scripts: the demo team is always added now.")] = False,
) -> None:
    """Load a realistic demo register (seeded) into an empty register. Admins only."""
    # The demo team (alice, bob the approver, chen, dana) is added as users: the demo's
    # records name them as owners and approvers (README, "The demo").
    database = common.open_db(create=True)
    login = common.actor_for(database)
    counts = load_demo(database, login, systems=systems, risks_per_system=risks_per_system, seed=seed)
    typer.echo("Loaded demo data: " + ", ".join(f"{v} {k.replace('_', ' ')}" for k, v in counts.items()))
    typer.echo("Demo users: " + ", ".join(f"{u} ({r})" for u, _n, r in DEMO_USERS))
