"""aims systems list."""

from __future__ import annotations

from typing import Annotated, Optional

import typer

from . import common
from ..core.models import STAGES
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
) -> None:
    """List AI systems."""
    common.check_format(fmt)
    if stage and stage not in STAGES:
        common.fail(f"--stage must be one of {', '.join(STAGES)}", common.EXIT_USAGE)
    database = common.open_db()
    common.actor_for(database)
    common.print_rows(svc.list_systems(database, stage), COLUMNS + (["purpose", "personal_data", "third_party"]
                                                                    if fmt != "table" else []), fmt,
                      HEADERS + (["purpose", "personal_data", "third_party"] if fmt != "table" else []))

