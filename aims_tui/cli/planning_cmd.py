"""Planning (6.1) and treatment effectiveness (8.3) from the command line:

- ``aims criteria show | set --json FILE [--dry-run]``: the risk matrix, appetite, cadences;
- ``aims opportunities add | update | list | show | reviewed | withdraw | restore``;
- ``aims soa list | set CODE``: the Statement of Applicability;
- ``aims controls add CODE | list``: Annex A and the organization's own controls;
- ``aims treatments list RISK | complete R-0001/T1 | effectiveness R-0001/T1``;
- ``aims risks approve-plan R-0001``: an approver approves a risk's treatment plan.
"""

from __future__ import annotations

from typing import Annotated, Any, Optional

import typer

from . import common
from .records_cmd import read_json, record_commands
from .risks_cmd import risks
from ..core.models import IMPLEMENTATION_STATUSES, TREATMENT_EFFECTIVENESS
from ..core.planning import OPPORTUNITY
from ..core.services import controls as controls_svc
from ..core.services import criteria as criteria_svc
from ..core.services import treatments as treatments_svc
from ..core.text import counted

VersionOpt = Annotated[Optional[int], typer.Option("--expect-version",
                                                   help="Refuse if the record is no longer at this version.")]

# -- the risk criteria ----------------------------------------------------------------
criteria = common.command_group("criteria", help="Risk criteria (6.1.1): the matrix, appetite and review cadences.")


@criteria.command("show")
@common.handle_errors
def criteria_show(fmt: common.FormatOpt = "table") -> None:
    """Print the criteria in force (--format json gives what `criteria set --json` takes)."""
    common.check_format(fmt, ("table", "json"))
    database = common.open_db()
    common.actor_for(database)
    c = criteria_svc.get_criteria(database)
    if fmt == "json":
        common.print_json(c)
        return
    typer.echo(f"likelihood (1..{len(c['likelihood_labels'])}): "
               + ", ".join(common.shown(x) for x in c["likelihood_labels"]))
    typer.echo(f"impact (1..{len(c['impact_labels'])}): " + ", ".join(common.shown(x) for x in c["impact_labels"]))
    typer.echo(f"appetite: residual scores up to {c['appetite']} need no acceptance")
    typer.echo("levels (score = likelihood x impact), default review cadence:")
    for b in c["bands"]:
        typer.echo(f"  {common.shown(b['name']):<12} {b['low']:>3}..{b['high']:<3} "
                   f"{common.shown(str(c['cadences'].get(b['name'], '')))}")
    typer.echo(f"version: {c['version']}")


@criteria.command("set")
@common.handle_errors
def criteria_set(
    source: Annotated[str, typer.Option("--json", help="The criteria (some or all keys of `criteria show "
                                                       "--format json`) from this file, or - for stdin.")],
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Say what the change would do; save nothing.")] = False,
    expect_version: VersionOpt = None,
    fmt: common.FormatOpt = "table",
) -> None:
    """Change the risk criteria (admins). Says what the change does: risks that change level,
    go above or below appetite, acceptances to re-confirm, next reviews that move."""
    common.check_format(fmt, ("table", "json"))
    doc: Any = read_json(source)
    if not isinstance(doc, dict):
        common.fail(f"--json {source}: give an object", common.EXIT_USAGE)
    database = common.open_db()
    actor = common.actor_for(database)
    if dry_run:
        imp = criteria_svc.preview_criteria(database, doc)
        if fmt == "json":
            common.print_json({"dry_run": True, "impact": imp.to_dict()})
        else:
            typer.echo("dry run, nothing saved:")
            for line in imp.lines():
                typer.echo(f"  {line}")
        return
    out = criteria_svc.set_criteria(database, actor, doc, expect_version)
    if fmt == "json":
        common.print_json(out)
        return
    imp = out["impact"]
    if not imp["changed"]:
        typer.echo("criteria unchanged (nothing to save)")
        return
    typer.echo(f"criteria saved (version {out['criteria']['version']}): {', '.join(imp['changed'])}")
    typer.echo(f"  {len(imp['level_changes'])} risks changed level; {len(imp['above_appetite'])} went above "
               f"appetite, {len(imp['below_appetite'])} came within it; {len(imp['need_acceptance'])} need an "
               f"acceptance; {len(imp['acceptances_changed'])} acceptances to re-confirm; "
               f"{len(imp['review_moves'])} next reviews brought forward")


# -- opportunities ------------------------------------------------------------------------
opportunities = record_commands(OPPORTUNITY, "opportunities",
                                ["ref", "title", "owner", "status", "due_date", "system", "next_review"],
                                help="Opportunities (6.1.1): what the AIMS could gain, with its benefit.")

# -- the Statement of Applicability ---------------------------------------------------------
soa = common.command_group("soa", help="The Statement of Applicability (6.1.3).")
SOA_FULL = ["code", "title", "custom", "applicable", "justification", "implementation_status", "owner",
            "review_cadence", "next_review", "approved_by", "approved_at", "version"]
SOA_TABLE = ["code", "title", "applicable", "implementation_status", "owner", "approved_by", "justification"]


def _yes_no(value: Any) -> str:
    return "undecided" if value is None else ("yes" if value else "no")


@soa.command("list")
@common.handle_errors
def soa_list(fmt: common.FormatOpt = "table") -> None:
    """Every control: applicable or not, why, how far implemented, who owns it."""
    common.check_format(fmt)
    database = common.open_db()
    common.actor_for(database)
    rows = controls_svc.list_soa(database)
    if fmt == "table":
        rows = [{**r, "applicable": _yes_no(r["applicable"])} for r in rows]
        common.print_rows(rows, SOA_TABLE, fmt, ["CODE", "TITLE", "APPLIES", "STATUS", "OWNER", "APPROVED",
                                                 "JUSTIFICATION"])
    else:
        common.print_rows(rows, SOA_FULL, fmt)


@soa.command("set")
@common.handle_errors
def soa_set(
    code: Annotated[str, typer.Argument(help="The control's code, e.g. A.6.2.4 or ORG.1.")],
    applicable: Annotated[Optional[str], typer.Option("--applicable", help="yes or no.")] = None,
    justification: Annotated[Optional[str], typer.Option(
        "--justification", help="Why it is included or excluded (needed either way).")] = None,
    owner: Annotated[Optional[str], typer.Option("--owner", help="Owner login.")] = None,
    status: Annotated[Optional[str], typer.Option(
        "--status", help="Implementation: " + ", ".join(IMPLEMENTATION_STATUSES) + ".")] = None,
    expect_version: VersionOpt = None,
    fmt: common.FormatOpt = "table",
) -> None:
    """Decide an SoA entry: applicable or not, and why."""
    common.check_format(fmt, ("table", "json"))
    changes: dict[str, Any] = {}
    if applicable is not None:
        if applicable.strip().lower() not in ("yes", "no"):
            common.fail("--applicable: write yes or no", common.EXIT_USAGE)
        changes["applicable"] = applicable.strip().lower() == "yes"
    for key, value in (("justification", justification), ("owner", owner), ("implementation_status", status)):
        if value is not None:
            changes[key] = value
    if not changes:
        common.fail("nothing to change: give --applicable, --justification, --owner or --status", common.EXIT_USAGE)
    database = common.open_db()
    actor = common.actor_for(database)
    r = controls_svc.update_applicability(database, actor, code, changes, expect_version)
    if fmt == "json":
        common.print_json(r)
    else:
        typer.echo(f"{r['code']} applicable: {_yes_no(r['applicable'])} (version {r['version']}): "
                   f"{common.shown(r['justification'] or '')}")


# -- controls -------------------------------------------------------------------------------
controls = common.command_group("controls", help="Controls: Annex A and the organization's own.")


@controls.command("add")
@common.handle_errors
def controls_add(
    code: Annotated[str, typer.Argument(help="A code outside Annex A, e.g. ORG.1.")],
    title: Annotated[str, typer.Option("--title", help="What the control is called.")],
    description: Annotated[str, typer.Option("--description", help="What it asks.")] = "",
    justification: Annotated[str, typer.Option(
        "--justification", help="Why it is included in the SoA (else `aims check` asks for one).")] = "",
    fmt: common.FormatOpt = "table",
) -> None:
    """Add an organization's own control (admins); it joins the SoA as applicable."""
    common.check_format(fmt, ("table", "json"))
    database = common.open_db()
    actor = common.actor_for(database)
    r = controls_svc.add_control(database, actor, {"code": code, "title": title, "description": description,
                                                   "justification": justification})
    if fmt == "json":
        common.print_json(r)
        return
    typer.echo(f"{r['code']} added: {common.shown(r['title'])}")
    if not r["justification"]:
        typer.echo(f"  give its justification: aims soa set {r['code']} --applicable yes --justification TEXT")


@controls.command("list")
@common.handle_errors
def controls_list(custom: Annotated[bool, typer.Option("--custom", help="Only the organization's own.")] = False,
                  fmt: common.FormatOpt = "table") -> None:
    """List the controls (Annex A and custom)."""
    common.check_format(fmt)
    database = common.open_db()
    common.actor_for(database)
    rows = [r for r in controls_svc.list_soa(database) if r["custom"] or not custom]
    cols = ["code", "title", "custom", "description"] if fmt != "table" else ["code", "title", "custom"]
    common.print_rows(rows, cols, fmt, ["CODE", "TITLE", "CUSTOM"] if fmt == "table" else None)


# -- treatments -----------------------------------------------------------------------------
treatments = common.command_group("treatments", help="Risk treatments: complete them, say whether they worked.")
EFF_HELP = "Did it work: " + ", ".join(TREATMENT_EFFECTIVENESS) + "."


@treatments.command("list")
@common.handle_errors
def treatments_list(risk: Annotated[str, typer.Argument(help="The risk's ref, e.g. R-0001.")],
                    fmt: common.FormatOpt = "table") -> None:
    """A risk's treatments (its plan)."""
    common.check_format(fmt)
    database = common.open_db()
    common.actor_for(database)
    rows = [{**t, "ref": f"{t['risk_ref']}/T{t['id']}"} for t in treatments_svc.list_treatments(database, risk)]
    cols = ["ref", "action", "owner", "due_date", "status", "effectiveness"]
    full = cols + ["control", "effectiveness_note", "completed_at", "version"]
    common.print_rows(rows, cols if fmt == "table" else full, fmt,
                      [c.upper().replace("_", " ") for c in cols] if fmt == "table" else None)


def _echo_treatment(t: dict, fmt: str, said: str) -> None:
    if fmt == "json":
        common.print_json(t)
        return
    eff = f"; effectiveness: {t['effectiveness'].replace('_', ' ')}" if t.get("effectiveness") else \
        "; effectiveness not recorded yet (aims treatments effectiveness ...)"
    typer.echo(f"{t['risk_ref']}/T{t['id']} {said} (version {t['version']}){eff}")


@treatments.command("complete")
@common.handle_errors
def treatments_complete(
    ref: Annotated[str, typer.Argument(help="The treatment, e.g. R-0001/T1.")],
    effectiveness: Annotated[Optional[str], typer.Option("--effectiveness", help=EFF_HELP)] = None,
    note: Annotated[str, typer.Option("--note", help="What shows it (or why not).")] = "",
    expect_version: VersionOpt = None,
    fmt: common.FormatOpt = "table",
) -> None:
    """Mark a treatment done, and (8.3) whether it worked."""
    common.check_format(fmt, ("table", "json"))
    database = common.open_db()
    actor = common.actor_for(database)
    tid = treatments_svc.get_treatment(database, ref)["id"]
    t = treatments_svc.complete_treatment(database, actor, tid, expect_version, effectiveness=effectiveness,
                                          note=note)
    _echo_treatment(t, fmt, "done")


@treatments.command("effectiveness")
@common.handle_errors
def treatments_effectiveness(
    ref: Annotated[str, typer.Argument(help="The treatment, e.g. R-0001/T1.")],
    effectiveness: Annotated[str, typer.Option("--effectiveness", help=EFF_HELP)],
    note: Annotated[str, typer.Option("--note", help="What shows it (or why not).")] = "",
    expect_version: VersionOpt = None,
    fmt: common.FormatOpt = "table",
) -> None:
    """Record whether a done treatment worked (8.3)."""
    common.check_format(fmt, ("table", "json"))
    database = common.open_db()
    actor = common.actor_for(database)
    tid = treatments_svc.get_treatment(database, ref)["id"]
    t = treatments_svc.record_effectiveness(database, actor, tid, effectiveness, note, expect_version)
    _echo_treatment(t, fmt, "judged")


# -- treatment plan approval (on `aims risks`) ---------------------------------------------------
@risks.command("approve-plan")
@common.handle_errors
def approve_plan(ref: Annotated[str, typer.Argument(help="The risk's ref, e.g. R-0001.")],
                 expect_version: VersionOpt = None, fmt: common.FormatOpt = "table") -> None:
    """Approve a risk's treatment plan (approvers); a treatment added or changed later marks it changed."""
    common.check_format(fmt, ("table", "json"))
    database = common.open_db()
    actor = common.actor_for(database)
    r = treatments_svc.approve_plan(database, actor, ref, expect_version)
    if fmt == "json":
        common.print_json(r)
        return
    typer.echo(f"{r['ref']} treatment plan approved by {r['plan_approved_by']} "
               f"({counted(len(r['treatments']), 'treatment')}: "
               f"{', '.join('T' + str(t['id']) for t in r['treatments'])})")


__all__ = ["criteria", "opportunities", "soa", "controls", "treatments"]
