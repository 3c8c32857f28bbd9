"""aims readiness [--format text|json] [--as-of DATE]: clause by clause (4.1 to 10.2),
then control by control, what is in place and what is still missing; exit 3 when
anything is (issue 17)."""

# no "from __future__ import annotations": Typer reads the annotations at run time

from typing import Annotated, Optional

import typer

from . import common
from ..core.readiness import readiness

commands = common.command_group()  # aims readiness

MARK = {"ok": "ok", "missing": "MISSING", "stale": "STALE", "unapproved": "UNAPPROVED"}


@commands.command("readiness")
@common.handle_errors
def readiness_cmd(
    fmt: Annotated[str, typer.Option("--format", "-f", help="text or json")] = "text",
    as_of: Annotated[Optional[str], typer.Option("--as-of", help="As of the end of this day (YYYY-MM-DD), the "
                                                 "register as it was then, instead of today.")] = None,
) -> None:
    """Are we ready for an audit? Clause by clause, then control by control; exit 3 when anything is missing."""
    common.check_format(fmt, ("text", "json"))
    day = common.as_of_day(as_of)
    database = common.open_db()
    common.actor_for(database)
    r = readiness(common.as_of_db(database, day), today=day)
    if fmt == "json":
        common.print_json(r.to_dict())
    else:
        counts = ", ".join(f"{n} {state}" for state, n in r.summary.items() if n)
        typer.echo(f"aims readiness {r.as_of.isoformat()}: "
                   + ("nothing missing" if r.ready else f"{len(r.gaps)} of {len(r.findings)} to close") + f" ({counts})")
        for f in r.findings:
            typer.echo(f"  {f.clause:<8} {MARK.get(f.state, f.state):<10} {common.shown(f.requirement)}")
            if f.detail:
                typer.echo(f"  {'':<8} {'':<10} {common.shown(f.detail)}")
            if not f.ok and f.fix:
                typer.echo(f"  {'':<8} {'':<10} fix: {common.shown(f.fix)}")
    if not r.ready:
        raise typer.Exit(common.EXIT_ATTENTION)
