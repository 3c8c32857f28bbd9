"""aims suppliers | ai-components | incidents: add, update, list, show, reviewed,
withdraw, restore (A.10 and incidents); and aims incidents raise-nc REF."""

from __future__ import annotations

from typing import Annotated, Optional

import typer

from . import common
from .records_cmd import record_commands
from ..core.incidents import INCIDENT
from ..core.services import incidents as incident_services
from ..core.suppliers import AI_COMPONENT, SUPPLIER

suppliers = record_commands(SUPPLIER, "suppliers",
                            ["ref", "name", "type", "status", "owner", "assessed_on", "outcome", "risk_level",
                             "next_assessment"],
                            help="Suppliers and other third parties, with their assessment (A.10.2, A.10.3).")
components = record_commands(AI_COMPONENT, "ai-components",
                             ["ref", "name", "type", "supplier", "system", "component_version", "status", "owner"],
                             help="Third-party AI components (models, data sets, APIs) used by AI systems (A.10.3).")
incidents = record_commands(INCIDENT, "incidents",
                            ["ref", "title", "severity", "status", "occurred_on", "system", "owner", "nonconformity"],
                            help="Incidents, linked to AI systems, risks and nonconformities.")


@incidents.command("raise-nc")
@common.handle_errors
def raise_nc(ref: Annotated[str, typer.Argument(help="The incident's ref, e.g. INC-001.")],
             expect_version: Annotated[Optional[int], typer.Option(
                 "--expect-version", help="Refuse if the incident is no longer at this version.")] = None,
             fmt: common.FormatOpt = "table") -> None:
    """Raise a nonconformity from a resolved incident (the two are linked, both audited)."""
    common.check_format(fmt, ("table", "json"))
    database = common.open_db()
    actor = common.actor_for(database)
    out = incident_services.raise_nonconformity(database, actor, ref, expect_version)
    if fmt == "json":
        common.print_json(out)
    else:
        nc = out["nonconformity"]
        typer.echo(f"{nc['ref']} raised from {ref} (aims nonconformities show {nc['ref']}): "
                   f"{common.shown(nc['title'])}")
