"""aims risks list | update."""

from __future__ import annotations

from typing import Annotated, Optional

import typer

from . import common
from ..core.models import RISK_STATUSES
from ..core.queries import RiskFilter, all_risks
from ..core.services.settings import get_matrix
from ..core.search import cap_message, capped
from ..core.services import risks as svc

risks = common.command_group("risks", help="The risk register.")

TABLE = ["ref", "system_ref", "title", "owner", "inherent_score", "inherent_level", "residual_score",
         "residual_level", "status", "next_review", "version"]
TABLE_H = ["REF", "SYSTEM", "TITLE", "OWNER", "INH", "INHERENT", "RES", "RESIDUAL", "STATUS", "NEXT REVIEW", "VER"]
FULL = ["ref", "system_ref", "title", "category", "owner", "inherent_likelihood", "inherent_impact",
        "inherent_score", "inherent_level", "residual_likelihood", "residual_impact", "residual_score",
        "residual_level", "above_appetite", "status", "next_review", "review_state", "version"]


@risks.command("list")
@common.handle_errors
def list_(
    system: Annotated[Optional[str], typer.Option("--system", help="AI system ref ('-' for organization-wide).")] = None,
    owner: Annotated[Optional[str], typer.Option("--owner", help="Owner login.")] = None,
    level: Annotated[Optional[str], typer.Option("--level", help="Residual level (Low, Medium, High, Critical).")] = None,
    status: Annotated[Optional[str], typer.Option("--status", help="open, treating, accepted, closed or active.")] = None,
    overdue: Annotated[bool, typer.Option("--overdue", help="Only risks whose review is overdue.")] = False,
    search: Annotated[str, typer.Option(
        "--search", help="Words in the title, description or ref (the last may be a word start).")] = "",
    fmt: common.FormatOpt = "table",
    as_of: common.AsOfOpt = None,
) -> None:
    """List risks, filtered (as they were at the end of a day with --as-of)."""
    day = common.as_of_day(as_of)
    common.check_format(fmt)
    if status and status not in RISK_STATUSES + ("active",):
        common.fail(f"--status must be one of {', '.join(RISK_STATUSES + ('active',))}", common.EXIT_USAGE)
    database = common.open_db()
    common.actor_for(database)
    common.known_system(database, system)
    common.known_user(database, owner)
    if level:
        m = get_matrix(database)
        try:
            level = m.band(level).name
        except KeyError:
            common.fail(f"--level must be one of {', '.join(m.level_names())}", common.EXIT_USAGE)

    if cap_message(search):
        common.note(f"aims: --search: {cap_message(search)}")
    f = RiskFilter(system=system, owner=owner, level=level, status=status, overdue=overdue,
                   search=capped(search), today=day)
    cols, heads = (TABLE, TABLE_H) if fmt == "table" else (FULL, FULL)
    common.print_rows(all_risks(common.as_of_db(database, day), f), cols, fmt, heads)


@risks.command("update")
@common.handle_errors
def update(
    ref: Annotated[str, typer.Argument(help="Risk reference, e.g. R-0001.")],
    likelihood: Annotated[Optional[int], typer.Option("--likelihood", help="Inherent likelihood.")] = None,
    impact: Annotated[Optional[int], typer.Option("--impact", help="Inherent impact.")] = None,
    residual_likelihood: Annotated[Optional[int], typer.Option("--residual-likelihood")] = None,
    residual_impact: Annotated[Optional[int], typer.Option("--residual-impact")] = None,
    owner: Annotated[Optional[str], typer.Option("--owner", help="New owner login.")] = None,
    status: Annotated[Optional[str], typer.Option("--status", help="open, treating, accepted or closed.")] = None,
    title: Annotated[Optional[str], typer.Option("--title")] = None,
    expect_version: Annotated[Optional[int], typer.Option(
        "--expect-version", help="Refuse if the risk is no longer at this version.")] = None,
    fmt: common.FormatOpt = "table",
) -> None:
    """Update a risk's scores, owner or status."""
    common.check_format(fmt, ("table", "json"))
    changes = {k: v for k, v in {
        "inherent_likelihood": likelihood, "inherent_impact": impact,
        "residual_likelihood": residual_likelihood, "residual_impact": residual_impact,
        "owner": owner, "status": status, "title": title,
    }.items() if v is not None}
    if not changes:
        common.fail("nothing to change: give at least one of --likelihood, --impact, --residual-likelihood, "
                    "--residual-impact, --owner, --status, --title", common.EXIT_USAGE)
    database = common.open_db()
    actor = common.actor_for(database)
    r = svc.update_risk(database, actor, ref, changes, expect_version)
    if fmt == "json":
        common.print_json(r)
    else:
        typer.echo(f"{r['ref']} updated to version {r['version']}: inherent {r['inherent_score']} "
                   f"({r['inherent_level']}), residual {r['residual_score']} ({r['residual_level']}), "
                   f"owner {r['owner']}, status {r['status']}")

