"""aims impact add | update | list | show | approve: AI system impact assessments
(6.1.4, A.5), JSON in and out, through their own service
(:mod:`aims_tui.core.services.impact`) with the input helpers of every register."""

from __future__ import annotations

from typing import Annotated, Optional

import typer

from . import common
from .records_cmd import Fields, JsonOpt, SetOpt, change_input, echo_saved, record_input
from ..core.models import ImpactAssessment
from ..core.services import impact as svc

IA = Fields("impact assessment", svc.SPECS, aliases={"system_ref": "system"},
            itself=frozenset(ImpactAssessment.__table__.columns.keys()))
# an assessment stays with its AI system: "system" is given when it is recorded only
IA_CHANGE = Fields("impact assessment", {k: v for k, v in svc.SPECS.items() if k != "system"})
COLUMNS = ["ref", "system_ref", "title", "status", "approved_by", "next_review", "version"]
EVERY = ["ref", "system_ref", *(k for k in svc.SPECS if k != "system"), "status", "approved_by", "approved_at",
         "version"]
ExpectOpt = Annotated[Optional[int], typer.Option(
    "--expect-version", help="Refuse if the assessment is no longer at this version.")]

impact = common.command_group("impact", help="AI system impact assessments (6.1.4, A.5).")


@impact.command("add")
@common.handle_errors
def add(sets: SetOpt = None, source: JsonOpt = None, fmt: common.FormatOpt = "table") -> None:
    """Record an impact assessment of an AI system (system=AIS-NNN required; impacts as a JSON list)."""
    common.check_format(fmt, ("table", "json"))
    data = record_input(IA, sets, source, aliases=IA.aliases, itself=IA.itself)
    database = common.open_db()
    actor = common.actor_for(database)
    echo_saved("title", svc.create_assessment(database, actor, data), fmt, "recorded")


@impact.command("update")
@common.handle_errors
def update(ref: Annotated[str, typer.Argument(help="The assessment's ref, e.g. IA-001.")],
           sets: SetOpt = None, source: JsonOpt = None, expect_version: ExpectOpt = None,
           fmt: common.FormatOpt = "table") -> None:
    """Change fields of an impact assessment (an approved one goes back to draft)."""
    common.check_format(fmt, ("table", "json"))
    changes = change_input(IA_CHANGE, sets, source)
    database = common.open_db()
    actor = common.actor_for(database)
    echo_saved("title", svc.update_assessment(database, actor, ref, changes, expect_version), fmt, "updated")


@impact.command("approve")
@common.handle_errors
def approve(ref: Annotated[str, typer.Argument(help="The assessment's ref.")], expect_version: ExpectOpt = None,
            fmt: common.FormatOpt = "table") -> None:
    """Approve an impact assessment (approvers)."""
    common.check_format(fmt, ("table", "json"))
    database = common.open_db()
    actor = common.actor_for(database)
    echo_saved("title", svc.approve_assessment(database, actor, ref, expect_version), fmt, "approved")


@impact.command("list")
@common.handle_errors
def list_(system: Annotated[Optional[str], typer.Option("--system", help="Only this AI system's.")] = None,
          fmt: common.FormatOpt = "table") -> None:
    """List impact assessments (withdrawn ones left out)."""
    common.check_format(fmt)
    database = common.open_db()
    common.actor_for(database)
    common.known_system(database, system)
    rows = svc.list_assessments(database, system)
    cols = COLUMNS if fmt == "table" else list(rows[0]) if rows else EVERY
    common.print_rows(rows, cols, fmt, [c.upper().replace("_", " ") for c in cols] if fmt == "table" else None)


@impact.command("show")
@common.handle_errors
def show(ref: Annotated[str, typer.Argument(help="The assessment's ref.")], fmt: common.FormatOpt = "table") -> None:
    """Show one impact assessment, every field."""
    common.check_format(fmt, ("table", "json"))
    database = common.open_db()
    common.actor_for(database)
    r = svc.get_assessment(database, ref)
    common.print_record(r, EVERY, fmt)
