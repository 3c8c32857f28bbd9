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
    Lazy("diff", "diff_cmd:commands", "What changed between two days: risks added, closed, rescored, stage moves, "
         "acceptances given and lapsed."),
    Lazy("review", "reviews_cmd:commands", "Record a review of a risk, AI system, impact assessment or SoA entry."),
    Lazy("export", "export_cmd:export_app", "Export the review pack, the register, the SoA, or everything as JSON."),
    Lazy("import", "import_cmd:import_app", "Import risks from a spreadsheet, or a whole register from JSON."),
    Lazy("audit", "audit_cmd:audit_app", "The audit trail: verify it, read it."),
    Lazy("backup", "audit_cmd:commands", "A consistent copy of the database while others work, verified (integrity and "
         "audit chain).\nAdmins only; the copy is 0640 in the database's group; each backup is an audit event."),
    Lazy("db", "db_cmd:dbapp", "Database maintenance."),
    Lazy("context", "context_cmd:context", "Context of the organization (clause 4)."),
    Lazy("suppliers", "third_parties_cmd:suppliers", 'Suppliers and other third parties, with their assessment (A.10.2, A.10.3).'),
    Lazy("ai-components", "third_parties_cmd:components",
         'Third-party AI components (models, data sets, APIs) used by AI systems (A.10.3).'),
    Lazy("incidents", "third_parties_cmd:incidents", 'Incidents, linked to AI systems, risks and nonconformities.'),
    Lazy("impact", "impact_cmd:impact", 'AI system impact assessments (6.1.4, A.5).'),
    Lazy("nonconformities", "nonconformities_cmd:nonconformities", 'Nonconformities and their corrective action (10.2).'),
    Lazy("audits", "audits_cmd:audits", 'Internal audits (9.2): plan, hold, report; findings become nonconformities.'),
    Lazy("corrective-actions", "audits_cmd:corrective", 'Corrective actions on nonconformities, and their effectiveness (10.2).'),
    Lazy("criteria", "planning_cmd:criteria", 'Risk criteria (6.1.1): the matrix, appetite and review cadences.'),
    Lazy("opportunities", "planning_cmd:opportunities", 'Opportunities (6.1.1): what the AIMS could gain, with its benefit.'),
    Lazy("soa", "planning_cmd:soa", 'The Statement of Applicability (6.1.3).'),
    Lazy("controls", "planning_cmd:controls", "Controls: Annex A and the organization's own."),
    Lazy("treatments", "planning_cmd:treatments", 'Risk treatments: complete them, say whether they worked.'),
    Lazy("objectives", "objectives_cmd:objectives", 'AI objectives with a metric and a target (6.2); measure and trend (9.1).'),
    Lazy("measurements", "objectives_cmd:measurements", 'Measurements of objectives (9.1): aims objectives measure records one.'),
    Lazy("resources", "support_cmd:resources", 'Resources the AIMS needs (7.1).'),
    Lazy("competence", "support_cmd:competence", 'Competences each AIMS role requires (7.2).'),
    Lazy("training", "support_cmd:training", 'Training and awareness of people, with expiry and evidence (7.2, 7.3).'),
    Lazy("communications", "support_cmd:communications", 'Planned communication about the AIMS (7.4); reviewed records it went out.'),
    Lazy("evidence", "evidence_cmd:evidence_app", 'Evidence: files and pages that show a control or record at work.'),
    Lazy("readiness", "readiness_cmd:commands",
         'Are we ready for an audit? Clause by clause, then control by control; exit 3 when anything is missing.'),
    Lazy("documents", "documents_cmd:documents",
         'Documented information (7.5): policies (the AI policy is doc_type ai_policy), procedures, records.'),
    Lazy("responsibilities", "leadership_cmd:responsibilities",
         'AIMS roles and responsibilities (5.3): who holds each, the deputy, what they are accountable for.'),
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
    screen: Annotated[str, typer.Option("--screen", "-s", metavar="SCREEN",
                                        help="Open the app on this screen: dashboard (the default), register, "
                                             "systems, treatments, soa, impact, nonconformities, due, management, "
                                             "import, system, audit, changes, or a register of the management "
                                             "system (e.g. objectives).")] = "dashboard",
    version: Annotated[Optional[bool], typer.Option("--version", callback=_version, is_eager=True,
                                                    help="Print the version and exit.")] = None,
) -> None:
    if ctx.invoked_subcommand is None:
        from .lazy import DB_KEY
        from .open_cmd import open_app  # deferred: the ORM and Textual load only when the app opens

        open_app(demo, ctx.meta.get(DB_KEY), screen)


def main() -> None:
    from . import lazy

    lazy.HOLD_COLLECTOR = True  # this process runs one command (see lazy.HOLD_COLLECTOR)
    app(prog_name="aims")
