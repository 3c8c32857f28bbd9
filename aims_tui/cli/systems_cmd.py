"""aims systems list | add | update | show."""

from __future__ import annotations

from typing import Annotated, Optional

import typer

from . import common
from .records_cmd import Fields, JsonOpt, SetOpt, change_input, echo_saved, record_input
from ..core.models import STAGES, AISystem
from ..core.services import systems as svc

systems = common.command_group("systems", help="AI systems.")

COLUMNS = ["ref", "name", "stage", "ai_role", "eu_ai_act_tier", "business_owner", "technical_owner",
           "next_review", "version"]
HEADERS = ["REF", "NAME", "STAGE", "AI ROLE", "EU AI ACT", "BUSINESS OWNER", "TECH OWNER", "NEXT REVIEW",
           "VER"]


@systems.command("list")
@common.handle_errors
def list_(
    stage: Annotated[Optional[str], typer.Option("--stage", help="Only this stage.")] = None,
    fmt: common.FormatOpt = "table",
    as_of: common.AsOfOpt = None,
) -> None:
    """List AI systems (as they were at the end of a day with --as-of)."""
    common.check_format(fmt)
    day = common.as_of_day(as_of)
    if stage and stage not in STAGES:
        common.fail(f"--stage must be one of {', '.join(STAGES)}", common.EXIT_USAGE)
    database = common.open_db()
    common.actor_for(database)
    common.print_rows(svc.list_systems(common.as_of_db(database, day), stage), COLUMNS + (["purpose", "personal_data", "third_party"]
                                                                    if fmt != "table" else []), fmt,
                      HEADERS + (["purpose", "personal_data", "third_party"] if fmt != "table" else []))



# what a listed system says of itself (ref, stage, dates, version) is not input
SYSTEM = Fields("AI system", svc.SPECS, title_field="name", itself=frozenset(AISystem.__table__.columns.keys()))


@systems.command("add")
@common.handle_errors
def add(sets: SetOpt = None, source: JsonOpt = None, fmt: common.FormatOpt = "table") -> None:
    """Register an AI system (in design): --set name=... (required), purpose, owners, ai_role, tier..."""
    common.check_format(fmt, ("table", "json"))
    data = record_input(SYSTEM, sets, source, itself=SYSTEM.itself)
    database = common.open_db()
    actor = common.actor_for(database)
    echo_saved("name", svc.create_system(database, actor, data), fmt, "registered")


@systems.command("update")
@common.handle_errors
def update(ref: Annotated[str, typer.Argument(help="The AI system's ref, e.g. AIS-001.")],
           sets: SetOpt = None, source: JsonOpt = None,
           expect_version: Annotated[Optional[int], typer.Option(
               "--expect-version", help="Refuse if the system is no longer at this version.")] = None,
           fmt: common.FormatOpt = "table") -> None:
    """Change fields of an AI system (its stage moves in the app, with its gates)."""
    common.check_format(fmt, ("table", "json"))
    changes = change_input(SYSTEM, sets, source)
    database = common.open_db()
    actor = common.actor_for(database)
    echo_saved("name", svc.update_system(database, actor, ref, changes, expect_version), fmt, "updated")


@systems.command("show")
@common.handle_errors
def show(ref: Annotated[str, typer.Argument(help="The AI system's ref.")], fmt: common.FormatOpt = "table") -> None:
    """Show one AI system, every field."""
    common.check_format(fmt, ("table", "json"))
    database = common.open_db()
    common.actor_for(database)
    r = svc.get_system(database, ref)
    common.print_record(r, ["ref", *svc.SPECS, "stage", "version"], fmt)
