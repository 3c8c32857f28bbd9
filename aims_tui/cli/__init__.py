"""The aims command line (Typer). Thin: parses, calls services, prints.

It is a package rather than one cli.py so that each command group lives in its
own module (users, systems, risks, db, reviews, exports, imports, audit). Every
module makes its commands with :func:`common.command_group`, which also gives
each of them ``--db``. This module lists them, one line each, in ``COMMANDS``:
nothing is imported until a command runs (``aims --version`` and ``aims --help``
load Typer and no more; see ``cli/lazy.py``).
"""

from __future__ import annotations

from typing import Annotated, Optional

import typer

from .. import __version__
from .lazy import Lazy, group_of

# One line per command after `aims`: name, "module:group" in this package, the line `aims --help` shows.
# A group with a name is `aims NAME ...`; a nameless group's commands each get their own line.
COMMANDS = [
    Lazy("init", "setup_cmd:commands", "Create or upgrade the database, load Annex A; the caller becomes the first admin."),
    Lazy("demo", "setup_cmd:commands", "Load a realistic demo register (seeded) into an empty register. Admins only."),
    Lazy("users", "users_cmd:users", "Users of the database and their roles."),
    Lazy("systems", "systems_cmd:systems", "AI systems."),
    Lazy("risks", "risks_cmd:risks", "The risk register."),
    Lazy("reminders", "reviews_cmd:commands",
         "Overdue and due-soon reviews, treatments, actions and acceptances, grouped by owner."),
    Lazy("check", "reviews_cmd:commands", "Policy gates; exit 3 on any violation."),
    Lazy("review", "reviews_cmd:commands", "Record a review of a risk, AI system, impact assessment or SoA entry."),
    Lazy("export", "export_cmd:export_app", "Export the review pack, the register, the SoA, or everything as JSON."),
    Lazy("import", "import_cmd:import_app", "Import risks from a spreadsheet, or a whole register from JSON."),
    Lazy("audit", "audit_cmd:audit_app", "The audit trail: verify it, read it."),
    Lazy("backup", "audit_cmd:commands", "A consistent copy of the database while others work, verified (integrity and "
         "audit chain).\nAdmins only; the copy is 0640 in the database's group; each backup is an audit event."),
    Lazy("db", "db_cmd:dbapp", "Database maintenance."),
    Lazy("context", "context_cmd:context", "Context of the organization (clause 4)."),
]

app = typer.Typer(
    name="aims",
    cls=group_of(COMMANDS),
    help="aims: an ISO/IEC 42001 AI Management System register. With no command, opens the app.",
    no_args_is_help=False,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,  # `aims --help` in Click's plain layout: Rich's would triple its cost (README, Speed)
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
        from .open_cmd import open_app  # deferred: the ORM and Textual load only when the app opens

        open_app(demo)


def main() -> None:
    app(prog_name="aims")
