"""aims diff DATE1 DATE2 | aims diff --since-review MR-...: what changed in the register between two days."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Optional

import typer

from . import common
from ..core import history

commands = common.command_group()  # aims diff

TITLES = {"added": "Added", "closed": "Closed", "rescored": "Rescored", "moved_stage": "Moved stage",
          "accepted": "Accepted", "lapsed": "Acceptances lapsed"}


def _scores(v: Any) -> str:
    if isinstance(v, dict) and "residual" in v:
        (il, ii), (rl, ri) = v["inherent"], v["residual"]
        return f"inherent {il}x{ii}, residual {rl}x{ri}"
    return "" if v is None else str(v)


def _local_day(stamp: Any) -> str:
    try:
        return datetime.fromisoformat(str(stamp)).astimezone().date().isoformat()
    except ValueError:
        return ""


def _line(kind: str, c: history.Change) -> str:
    when = c.at.astimezone().date().isoformat() if c.at else ""
    head = f"  {c.ref:<12} {when:<10}  {common.shown(c.title)}"
    if kind == "rescored":
        return f"{head}: {_scores(c.before)} -> {_scores(c.after)}"
    if kind in ("closed", "moved_stage"):
        return f"{head}: {c.before} -> {c.after}"
    if kind == "accepted":
        a = c.after or {}
        line = f"{head}: by {common.shown(str(a.get('accepted_by', '')))}, until {a.get('expires_on') or 'no expiry'}"
        if "revoked_at" in a:
            gone = _local_day(a.get("revoked_at"))
            line += f"; revoked {gone}" + (f" ({common.shown(str(a['revoked_why']))})" if a.get("revoked_why") else "")
        return line
    if kind == "lapsed":
        return f"{head}: expired {(c.before or {}).get('expires_on')}"
    return head


@commands.command("diff")
@common.handle_errors
def diff_cmd(
    first: Annotated[Optional[str], typer.Argument(help="From the end of this day (YYYY-MM-DD).", show_default=False)]
    = None,
    second: Annotated[Optional[str], typer.Argument(help="To the end of this day (YYYY-MM-DD; default today).",
                                                    show_default=False)] = None,
    since_review: Annotated[Optional[str], typer.Option(
        "--since-review", help="From the day management review MR-... was held (to today, or DATE).",
        show_default=False)] = None,
    fmt: Annotated[str, typer.Option("--format", "-f", help="text or json")] = "text",
) -> None:
    """What changed between two days: risks added, closed, rescored, stage moves, acceptances given and lapsed."""
    common.check_format(fmt, ("text", "json"))
    if since_review and second:
        common.fail("give --since-review MR-... [DATE] or DATE1 DATE2, not both", common.EXIT_USAGE)
    if not since_review and not (first or "").strip():
        common.fail("give the day to start from, and the day to end at if not today "
                    "(aims diff 2026-05-01 [2026-06-01]), or --since-review MR-... [DATE]", common.EXIT_USAGE)
    end_text = first if since_review else second
    start_day = None if since_review else common.as_of_day(first, "DATE1")
    end_day = common.as_of_day(end_text, "DATE2" if not since_review else "DATE") or date.today()
    database = common.open_db()
    common.actor_for(database)
    with database.read() as s:
        start = history.review_held_at(s, since_review) if since_review else history.end_of_day(start_day)
        end = history.end_of_day(end_day)
        if end < start:
            common.fail(f"the first date ({start.astimezone().date()}) is after the second ({end_day})",
                        common.EXIT_USAGE)
        d = history.diff(s, start, end)
    if fmt == "json":
        common.print_json(d.to_json())
        return
    counts = ", ".join(f"{len(getattr(d, k))} {TITLES[k].lower()}" for k in d.KINDS)
    typer.echo(f"aims diff {start.astimezone().date()} .. {end_day}: {counts}")
    for k in d.KINDS:
        items = getattr(d, k)
        if items:
            typer.echo("")
            typer.echo(f"{TITLES[k]} ({len(items)})")
            for c in items:
                typer.echo(_line(k, c))
