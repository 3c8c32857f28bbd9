"""aims nonconformities add | update | list | show (10.2), JSON in and out.

Nonconformities keep their own service (:mod:`aims_tui.core.services.nonconformities`);
the input helpers are those of every register (:mod:`.records_cmd`). New incidents
go to ``aims incidents``; nonconformities of kind "incident" recorded before it
stay as they are, and ``aims incidents raise-nc`` makes one from a resolved incident.
"""

from __future__ import annotations

from typing import Annotated, Optional

import typer

from . import common
from .records_cmd import Fields, JsonOpt, SetOpt, change_input, echo_saved, record_input
from ..core.models import Nonconformity
from ..core.services import nonconformities as svc

NC = Fields("nonconformity", svc.SPECS, aliases={"system_ref": "system"},
            itself=frozenset(Nonconformity.__table__.columns.keys()) | {"internal_audit"})  # derived: the audit's ref
COLUMNS = ["ref", "kind", "title", "severity", "status", "owner", "system_ref", "due_date"]
EVERY = ["ref", *svc.SPECS, "system_ref", "version"]

nonconformities = common.command_group("nonconformities", help="Nonconformities and their corrective action (10.2).")


@nonconformities.command("add")
@common.handle_errors
def add(sets: SetOpt = None, source: JsonOpt = None, fmt: common.FormatOpt = "table") -> None:
    """Record a nonconformity (title required; kind, severity, system, owner, due date...)."""
    common.check_format(fmt, ("table", "json"))
    data = record_input(NC, sets, source, aliases=NC.aliases, itself=NC.itself)
    database = common.open_db()
    actor = common.actor_for(database)
    echo_saved("title", svc.create_nonconformity(database, actor, data), fmt, "recorded")


@nonconformities.command("update")
@common.handle_errors
def update(ref: Annotated[str, typer.Argument(help="The nonconformity's ref, e.g. NC-001.")],
           sets: SetOpt = None, source: JsonOpt = None,
           expect_version: Annotated[Optional[int], typer.Option(
               "--expect-version", help="Refuse if the record is no longer at this version.")] = None,
           fmt: common.FormatOpt = "table") -> None:
    """Change fields of a nonconformity (closing it needs a root cause)."""
    common.check_format(fmt, ("table", "json"))
    changes = change_input(NC, sets, source, aliases=NC.aliases)
    database = common.open_db()
    actor = common.actor_for(database)
    echo_saved("title", svc.update_nonconformity(database, actor, ref, changes, expect_version), fmt, "updated")


@nonconformities.command("list")
@common.handle_errors
def list_(fmt: common.FormatOpt = "table") -> None:
    """List nonconformities (withdrawn ones left out)."""
    common.check_format(fmt)
    database = common.open_db()
    common.actor_for(database)
    rows = svc.list_nonconformities(database)
    cols = COLUMNS if fmt == "table" else list(rows[0]) if rows else EVERY
    common.print_rows(rows, cols, fmt, [c.upper().replace("_", " ") for c in cols] if fmt == "table" else None)


@nonconformities.command("show")
@common.handle_errors
def show(ref: Annotated[str, typer.Argument(help="The nonconformity's ref.")],
         fmt: common.FormatOpt = "table") -> None:
    """Show one nonconformity, every field."""
    common.check_format(fmt, ("table", "json"))
    database = common.open_db()
    common.actor_for(database)
    r = svc.get_nonconformity(database, ref)
    common.print_record(r, EVERY, fmt)
