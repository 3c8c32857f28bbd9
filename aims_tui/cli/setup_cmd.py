"""aims init, aims demo."""

from __future__ import annotations

from typing import Annotated, Optional

import typer

from . import common


def register(app: typer.Typer) -> None:
    @app.command("init")
    @common.handle_errors
    def init(
        org: Annotated[Optional[str], typer.Option("--org", help="Organization name.")] = None,
        db: common.DbOpt = None,
    ) -> None:
        """Create or upgrade the database, load Annex A; the caller becomes the first admin."""
        from ..core import identity
        from ..core.services import setup

        database = common.open_db(db)
        login = identity.os_login()
        result = setup.initialize(database, login, org or "")
        where = database.path or database.url
        typer.echo(f"Database: {where}")
        typer.echo(f"Organization: {result['organization']}")
        if result["first_admin"]:
            typer.echo(f"First admin: {login}")
        typer.echo(f"Annex A controls added: {result['controls_added']}")

    @app.command("demo")
    @common.handle_errors
    def demo(
        systems: Annotated[int, typer.Option("--systems", min=1, help="AI systems to create.")] = 8,
        risks_per_system: Annotated[int, typer.Option("--risks-per-system", min=0, help="Risks per system.")] = 6,
        seed: Annotated[int, typer.Option("--seed", help="Random seed (same seed, same data).")] = 42,
        db: common.DbOpt = None,
    ) -> None:
        """Load a realistic demo register (seeded)."""
        from ..core.services.demo import load_demo

        database = common.open_db(db)
        login = common.actor_for(database)
        counts = load_demo(database, login, systems=systems, risks_per_system=risks_per_system, seed=seed)
        typer.echo("Loaded demo data: " + ", ".join(f"{v} {k.replace('_', ' ')}" for k, v in counts.items()))
