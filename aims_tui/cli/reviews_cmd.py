"""aims reminders | check | review: what is due, the policy gates, recording a review."""

from __future__ import annotations

from typing import Annotated, Optional

import typer

from . import common
from ..core import reminders
from ..core.reminders import KIND_LABELS
from ..core.checks import run_checks
from ..core.services.reviews import record_review, review_subject_of

commands = common.command_group()  # aims reminders, aims check, aims review
REMINDER_FORMATS = ("text", "json")
LimitOpt = Annotated[int, typer.Option("--limit", help="List at most this many items (0: all); counts are always complete.")]


@commands.command("reminders")
@common.handle_errors
def reminders_cmd(
    within: Annotated[Optional[int], typer.Option("--within", help="Due-soon window in days (default: the settings, 14).")] = None,
    mine: Annotated[bool, typer.Option("--mine", help="Only what you (the OS login) own.")] = False,
    owner: Annotated[Optional[str], typer.Option("--owner", help="Only what this login owns.")] = None,
    fmt: Annotated[str, typer.Option("--format", "-f", help="text or json")] = "text",
    fail_on_overdue: Annotated[bool, typer.Option("--fail-on-overdue", help="Exit 3 when anything is overdue.")] = False,
    limit: LimitOpt = 500,
    as_of: Annotated[Optional[str], typer.Option("--as-of", help="Compute for this date instead of today, over "
                                                 "the register as it was at the end of that day.")] = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Print nothing when nothing is due (for login banners).")] = False,
) -> None:
    """Overdue and due-soon reviews, treatments, actions and acceptances, grouped by owner."""
    common.check_format(fmt, REMINDER_FORMATS)
    if mine and owner:
        common.fail("give --mine or --owner, not both", common.EXIT_USAGE)
    if within is not None and not 0 <= within <= 3650:
        common.fail("--within must be between 0 and 3650 days", common.EXIT_USAGE)
    if limit < 0:
        common.fail("--limit must be 0 or more", common.EXIT_USAGE)
    day = common.as_of_day(as_of, future=True)
    database = common.open_db()
    login = common.actor_for(database)
    common.known_user(database, owner)
    who = login if mine else owner
    r = reminders.due_items(common.as_of_db(database, day), today=day, within=within, owner=who, limit=limit or None)
    if fmt == "json":
        common.print_json(r.to_dict())
    elif not (quiet and r.overdue == 0 and r.due_soon == 0):
        _print_reminders(r, mine)
    if fail_on_overdue and r.overdue:
        raise typer.Exit(common.EXIT_ATTENTION)


def _print_reminders(r, mine: bool) -> None:
    whose = "your" if mine else (f"{common.shown(r.owner)}'s" if r.owner else "all")
    head = (f"aims reminders {r.as_of.isoformat()}: {r.overdue} overdue, {r.due_soon} due within "
            f"{r.within_days} days ({whose} items)")
    typer.echo(head)
    if not r.groups:
        typer.echo("Nothing is due.")
        return
    for g in r.groups:
        typer.echo("")
        typer.echo(f"{common.shown(g.owner) or '(no owner)'}: {g.overdue} overdue, {g.due_soon} due soon")
        for state, label in (("overdue", "Overdue"), ("due_soon", "Due soon")):
            rows = [i for i in g.items if i.state == state]
            if not rows:
                continue
            typer.echo(f"  {label}")
            for i in rows:
                when = (f"{i.days_overdue} day{'s' if i.days_overdue != 1 else ''} overdue" if state == "overdue"
                        else ("due today" if i.days_left == 0 else f"in {i.days_left} day{'s' if i.days_left != 1 else ''}"))
                typer.echo(f"    {i.ref:<14} {KIND_LABELS[i.kind]:<26} {i.due.isoformat()}  {when:<18} {common.shown(i.title)}")
        if g.more:
            typer.echo(f"  ... and {g.more} more (use --limit 0 to list all)")


@commands.command("check")
@common.handle_errors
def check_cmd(
    fmt: Annotated[str, typer.Option("--format", "-f", help="text or json")] = "text",
    as_of: Annotated[Optional[str], typer.Option("--as-of", help="Check the register as it was at the end of this "
                                                 "day instead of today.")] = None,
) -> None:
    """Policy gates; exit 3 on any violation."""
    common.check_format(fmt, REMINDER_FORMATS)
    day = common.as_of_day(as_of)
    database = common.open_db()
    common.actor_for(database)
    rep = run_checks(common.as_of_db(database, day), today=day)
    if fmt == "json":
        common.print_json(rep.to_dict())
    else:
        typer.echo(f"aims check {rep.as_of.isoformat()}: "
                   + ("all gates pass" if rep.passed else f"{rep.violations} violation(s)"))
        for g in rep.gates:
            typer.echo(f"  {'PASS' if g.passed else 'FAIL'}  {g.description}" + ("" if g.passed else f": {g.count}"))
            for it in g.items[:20]:
                extra = f" ({it['days_overdue']} days overdue)" if "days_overdue" in it else ""
                owner = f" [{common.shown(it['owner']) or 'no owner'}]" if "owner" in it else ""
                typer.echo(f"        {it['ref']:<14} {common.shown(it.get('title', ''))}{owner}{extra}")
            if g.count > min(20, len(g.items)):
                typer.echo(f"        ... and {g.count - min(20, len(g.items))} more (--format json lists up to 50)")
    if not rep.passed:
        raise typer.Exit(common.EXIT_ATTENTION)


@commands.command("review")
@common.handle_errors
def review_cmd(
    ref: Annotated[str, typer.Argument(help="R-0001 (risk), AIS-001 (AI system), IA-001 (impact assessment) "
                                            "or a control code such as A.6.2.4 (its SoA entry).")],
    outcome: Annotated[str, typer.Option("--outcome", help="still_valid, rescored, escalated or closed.")],
    notes: Annotated[str, typer.Option("--notes", help="What was looked at and found.")] = "",
    likelihood: Annotated[Optional[int], typer.Option("--likelihood", help="New inherent likelihood (rescored).")] = None,
    impact: Annotated[Optional[int], typer.Option("--impact", help="New inherent impact (rescored).")] = None,
    residual_likelihood: Annotated[Optional[int], typer.Option("--residual-likelihood")] = None,
    residual_impact: Annotated[Optional[int], typer.Option("--residual-impact")] = None,
    kind: Annotated[str, typer.Option("--kind", help="periodic, verification_validation, significant_change or approval.")] = "periodic",
    reviewed_on: Annotated[Optional[str], typer.Option("--reviewed-on", help="Date of the review (default today).")] = None,
    next_review: Annotated[Optional[str], typer.Option("--next-review", help="Override the next date (default: from the cadence).")] = None,
    expect_version: Annotated[Optional[int], typer.Option("--expect-version", help="Refuse if the record changed.")] = None,
    fmt: Annotated[str, typer.Option("--format", "-f", help="text or json")] = "text",
) -> None:
    """Record a review of a risk, AI system, impact assessment or SoA entry."""
    common.check_format(fmt, REMINDER_FORMATS)
    ref = ref.strip()
    subject = review_subject_of(ref)
    if subject != "applicability":
        ref = ref.upper()  # r-0007 means R-0007
    data = {"outcome": outcome, "notes": notes, "kind": kind, "reviewed_on": reviewed_on,
            "next_review": next_review, "inherent_likelihood": likelihood, "inherent_impact": impact,
            "residual_likelihood": residual_likelihood, "residual_impact": residual_impact}
    data = {k: v for k, v in data.items() if v is not None}
    database = common.open_db()
    actor = common.actor_for(database)
    rv = record_review(database, actor, subject, ref, data, expect_version)
    if fmt == "json":
        common.print_json(rv)
    else:
        sc = rv.get("scores") or {}
        score = (f", residual {sc['residual_score']} ({sc['residual_level']})" if "residual_score" in sc else "")
        typer.echo(f"{rv['subject_ref']}: review recorded ({rv['outcome']}{score}); "
                   f"next review {rv['next_review'].isoformat()}")
