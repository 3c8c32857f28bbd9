"""aims objectives add | update | list | show | reviewed | withdraw | restore | measure | trend (6.2, 9.1),
and aims measurements (list, show, update, withdraw, restore: the values recorded)."""

# no "from __future__ import annotations": Typer reads the annotations at run time

from typing import Annotated, Optional

import typer

from . import common
from .records_cmd import record_commands
from ..core import objectives as core_objectives
from ..core.objectives import MEASUREMENT, OBJECTIVE, state_text, target_text, value_text
from ..core.services import objectives as objective_services

objectives = record_commands(OBJECTIVE, "objectives",
                             ["ref", "title", "target", "unit", "direction", "owner", "status", "next_review"],
                             help="AI objectives with a metric and a target (6.2); measure and trend (9.1).")
measurements = record_commands(MEASUREMENT, "measurements", ["ref", "objective", "measured_on", "value", "note"],
                               help="Measurements of objectives (9.1): aims objectives measure records one.")


@objectives.command("measure")
@common.handle_errors
def measure(ref: Annotated[str, typer.Argument(help="The objective's ref, e.g. OBJ-001.")],
            value: Annotated[str, typer.Option("--value", help="The value measured, e.g. 93.5.",
                                               show_default=False)],
            on: Annotated[Optional[str], typer.Option("--on", help="The date measured (YYYY-MM-DD; default today).",
                                                      show_default=False)] = None,
            note: Annotated[str, typer.Option("--note", help="What the value rests on.")] = "",
            expect_version: Annotated[Optional[int], typer.Option(
                "--expect-version", help="Refuse if the objective is no longer at this version.")] = None,
            fmt: common.FormatOpt = "table") -> None:
    """Record a measurement of an objective (its next measurement date follows its cadence)."""
    common.check_format(fmt, ("table", "json"))
    database = common.open_db()
    actor = common.actor_for(database)
    r = objective_services.measure(database, actor, ref, value, on, note, expect_version=expect_version)
    if fmt == "json":
        common.print_json(r)
        return
    t = core_objectives.trend(database, ref)
    point = next((p for p in t["measurements"] if p["ref"] == r["ref"]), None)
    state = state_text(point["on_target"]) if point else ""
    typer.echo(f"{r['ref']} recorded: {ref} = {value_text(r['value'], t['unit'])} on "
               f"{r['measured_on'].isoformat()} ({state}; target {target_text(t['direction'], t['target'], t['unit'])})")


@objectives.command("trend")
@common.handle_errors
def trend(ref: Annotated[str, typer.Argument(help="The objective's ref, e.g. OBJ-001.")],
          fmt: common.FormatOpt = "table") -> None:
    """List an objective's measurements in date order, each on or off target, with the
    latest value and the direction of travel."""
    common.check_format(fmt, ("table", "csv", "json"))
    database = common.open_db()
    common.actor_for(database)
    t = core_objectives.trend(database, ref)
    if fmt == "json":
        common.print_json(t)
        return
    rows = [{**p, "state": state_text(p["on_target"])} for p in t["measurements"]]
    if fmt == "csv":
        common.print_rows(rows, ["ref", "measured_on", "value", "state", "note"], "csv")
        return
    typer.echo(f"{t['ref']}: {common.shown(t['title'])}")
    typer.echo(f"target: {common.shown(target_text(t['direction'], t['target'], t['unit']))}"
               + (f" ({common.shown(t['metric'])})" if t["metric"] else ""))
    if not rows:
        typer.echo("no measurements yet (aims objectives measure " + t["ref"] + " --value V)")
        return
    common.print_rows(rows, ["measured_on", "value", "state", "ref", "note"], "table",
                      ["ON", "VALUE", "TARGET", "REF", "NOTE"])
    latest = value_text(t["latest_value"], t["unit"])
    travel = t["travel"] or "no trend yet"
    typer.echo(f"latest: {common.shown(latest)} on {t['latest_on'].isoformat()}: {state_text(t['on_target'])}, "
               f"{travel}")
