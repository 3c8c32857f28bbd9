"""The aims command line (Typer). Thin: parses, calls services, prints.

It is a package rather than one cli.py so that each command group lives in its
own module (users, systems, risks, db, reviews, exports, imports, audit). Every
module makes its commands with :func:`common.command_group`, which also gives
each of them ``--db``; this module only adds the groups to the app.
"""

from __future__ import annotations

from typing import Annotated, Optional

import typer

from .. import __version__
from . import (
    audit_cmd,
    audits_cmd,
    common,
    context_cmd,
    db_cmd,
    documents_cmd,
    evidence_cmd,
    export_cmd,
    impact_cmd,
    import_cmd,
    nonconformities_cmd,
    leadership_cmd,
    planning_cmd,
    objectives_cmd,
    readiness_cmd,
    reviews_cmd,
    risks_cmd,
    setup_cmd,
    support_cmd,
    systems_cmd,
    third_parties_cmd,
    users_cmd,
)
from ..core.queries import risk_count
from ..core.services.demo import load_demo

app = typer.Typer(
    name="aims",
    cls=common.AimsGroup,
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
    demo: Annotated[bool, typer.Option("--demo", help="Load demo data into an empty database, then open.")] = False,
    version: Annotated[Optional[bool], typer.Option("--version", callback=_version, is_eager=True,
                                                    help="Print the version and exit.")] = None,
) -> None:
    if ctx.invoked_subcommand is None:
        _open_tui(demo)


@common.handle_errors
def _open_tui(demo: bool) -> None:
    database = common.open_db(create=True)
    login = common.actor_for(database)
    if demo:
        if risk_count(database) == 0:
            counts = load_demo(database, login)
            common.note(f"aims: loaded demo data ({counts['systems']} AI systems, {counts['risks']} risks)")
    from ..tui.app import run  # deferred: Textual loads only when the TUI starts

    run(database, login)


# Every module makes its commands with common.command_group; a group with a name
# is `aims NAME ...`, one without puts its commands at the top level.
for _group in (setup_cmd.commands, users_cmd.users, systems_cmd.systems, risks_cmd.risks, reviews_cmd.commands,
               export_cmd.export_app, import_cmd.import_app, audit_cmd.audit_app, audit_cmd.commands, db_cmd.dbapp,
               context_cmd.context, third_parties_cmd.suppliers, third_parties_cmd.components,
               third_parties_cmd.incidents, impact_cmd.impact, nonconformities_cmd.nonconformities,
               audits_cmd.audits, audits_cmd.corrective,
               planning_cmd.criteria, planning_cmd.opportunities, planning_cmd.soa,
               planning_cmd.controls, planning_cmd.treatments,
               objectives_cmd.objectives, objectives_cmd.measurements, support_cmd.resources, support_cmd.competence,
               support_cmd.training, support_cmd.communications,
               evidence_cmd.evidence_app, readiness_cmd.commands):
    app.add_typer(_group)
app.add_typer(documents_cmd.documents)
app.add_typer(leadership_cmd.responsibilities)


def main() -> None:
    app(prog_name="aims")
