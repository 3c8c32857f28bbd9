"""aims audits (internal audits, 9.2) and aims corrective-actions (10.2).

- ``aims audits add | update | list | show | withdraw | restore``: internal audits;
- ``aims audits finding REF --title TEXT --severity S [--description TEXT]``: a
  finding of the audit becomes a nonconformity of kind audit_finding;
- ``aims audits programmes add | ... | reviewed | approve REF``: audit programmes;
- ``aims corrective-actions add | update | list | show | withdraw | restore``.
"""

# no "from __future__ import annotations": Typer reads the annotations at run time

from typing import Annotated, Optional

import typer

from . import common
from .records_cmd import record_commands
from ..core.improvement import AUDIT_PROGRAMME, CORRECTIVE_ACTION, INTERNAL_AUDIT
from ..core.services import internal_audits

audits = record_commands(INTERNAL_AUDIT, "audits",
                         ["ref", "title", "area", "auditor", "planned_on", "held_on", "status", "programme"],
                         help="Internal audits (9.2): plan, hold, report; findings become nonconformities.")
programmes = record_commands(AUDIT_PROGRAMME, "programmes",
                             ["ref", "period", "title", "owner", "status", "approved_by", "next_review"],
                             help="Internal audit programmes (9.2).", path="audits programmes")
audits.add_typer(programmes)
corrective = record_commands(CORRECTIVE_ACTION, "corrective-actions",
                             ["ref", "nonconformity", "action", "owner", "due_date", "status",
                              "effectiveness_review_due", "effective"],
                             help="Corrective actions on nonconformities, and their effectiveness (10.2).")


@audits.command("finding")
@common.handle_errors
def finding(ref: Annotated[str, typer.Argument(help="The internal audit's ref, e.g. IAU-001.")],
            title: Annotated[str, typer.Option("--title", help="What was found.")],
            severity: Annotated[str, typer.Option("--severity", help="minor, major or critical.")] = "minor",
            description: Annotated[str, typer.Option("--description", help="The evidence and detail.")] = "",
            owner: Annotated[Optional[str], typer.Option(
                "--owner", help="Who corrects it (default: the audited area's owner).")] = None,
            due: Annotated[Optional[str], typer.Option("--due", help="Due date, YYYY-MM-DD.")] = None,
            fmt: common.FormatOpt = "table") -> None:
    """Raise a finding of an internal audit as a nonconformity (kind audit_finding)."""
    common.check_format(fmt, ("table", "json"))
    data = {"title": title, "severity": severity}
    if description:
        data["description"] = description
    if owner is not None:
        data["owner"] = owner
    if due is not None:
        data["due_date"] = due
    database = common.open_db()
    actor = common.actor_for(database)
    nc = internal_audits.raise_finding(database, actor, ref, data)
    if fmt == "json":
        common.print_json(nc)
    else:
        typer.echo(f"{nc['ref']} raised from {ref} ({nc['severity']}): {common.shown(nc['title'])}")


@programmes.command("approve")
@common.handle_errors
def approve(ref: Annotated[str, typer.Argument(help="The programme's ref, e.g. APG-001.")],
            expect_version: Annotated[Optional[int], typer.Option("--expect-version")] = None) -> None:
    """Approve an audit programme (an approver)."""
    database = common.open_db()
    actor = common.actor_for(database)
    r = internal_audits.approve_programme(database, actor, ref, expect_version)
    typer.echo(f"{ref} approved by {r['approved_by']} on {common.cell(r['approved_on'])}")
