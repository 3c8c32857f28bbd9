"""The aims command line (Typer). Thin: parses, calls services, prints.

It is a package rather than one cli.py so that each command group lives in its
own module (users, systems, risks, db, reviews, exports, imports, audit).
"""

from __future__ import annotations

from typing import Annotated, Optional

import typer

from .. import __version__
from . import common

app = typer.Typer(
    name="aims",
    help="aims: an ISO/IEC 42001 AI Management System register. With no command, opens the app.",
    no_args_is_help=False,
    add_completion=False,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"aims {__version__}")
        raise typer.Exit(0)


@app.callback(invoke_without_command=True)
def main_callback(
    ctx: typer.Context,
    db: common.DbOpt = None,
    demo: Annotated[bool, typer.Option("--demo", help="Load demo data into an empty database, then open.")] = False,
    version: Annotated[Optional[bool], typer.Option("--version", callback=_version, is_eager=True,
                                                    help="Print the version and exit.")] = None,
) -> None:
    common.state.db = db
    if ctx.invoked_subcommand is None:
        _open_tui(db, demo)


@common.handle_errors
def _open_tui(db: str | None, demo: bool) -> None:
    database = common.open_db(db, create=True)
    login = common.actor_for(database)
    if demo:
        from ..core.queries import risk_count
        from ..core.services.demo import load_demo

        if risk_count(database) == 0:
            counts = load_demo(database, login)
            common.note(f"aims: loaded demo data ({counts['systems']} AI systems, {counts['risks']} risks)")
    from ..tui.app import run

    run(database, login)


from . import (  # noqa: E402  (each module registers its commands on app)
    audit_cmd,
    db_cmd,
    export_cmd,
    import_cmd,
    reviews_cmd,
    risks_cmd,
    setup_cmd,
    systems_cmd,
    users_cmd,
)

for _module in (setup_cmd, users_cmd, systems_cmd, risks_cmd, reviews_cmd, export_cmd, import_cmd,
                audit_cmd, db_cmd):
    _module.register(app)


def main() -> None:
    app(prog_name="aims")
