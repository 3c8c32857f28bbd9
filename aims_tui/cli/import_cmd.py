"""aims import risks | json."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any, Optional

import typer

from . import common
from ..core.services.importing import ImportRejected, grouped
from ..io import importer
from ..core import audit, identity
from ..core.db import resolve_url, sqlite_path
from ..io import jsonio
from sqlmodel import select
from ..core.models import User

import_app = common.command_group("import", help="Import risks from a spreadsheet, or a whole register from JSON.")


@import_app.command("risks")
@common.handle_errors
def import_risks(
    file: Annotated[Path, typer.Argument(help="A .csv or .xlsx file.", show_default=False)],
    sheet: Annotated[Optional[str], typer.Option("--sheet", help="XLSX sheet name (else the sheet with the "
                                                 "best header).")] = None,
    header_row: Annotated[Optional[int], typer.Option("--header-row", help="Row number of the header (else "
                                                      "found by its column names).")] = None,
    mapping: Annotated[Optional[list[str]], typer.Option(
        "--map", help="SRC=FIELD: map a column (header or letter) to a field, or to 'ignore' or 'notes'. "
                      "Repeatable.")] = None,
    system: Annotated[Optional[str], typer.Option("--system", help="AI system (ref or name) for rows "
                                                  "without one.")] = None,
    create_missing: Annotated[bool, typer.Option("--create-missing", help="Add unknown owners as editors "
                                                 "(needs admin) and unknown AI systems in design.")] = False,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Show what would be created; write nothing.")] = False,
    fmt: Annotated[str, typer.Option("--format", "-f", help="text or json")] = "text",
    value_map: Annotated[Optional[list[str]], typer.Option(
        "--value-map", help="COLUMN:VALUE=NEW: read a value of a column as another (e.g. 'Domain:Bias=fairness'). "
                            "Repeatable.")] = None,
    mapping_file: Annotated[Optional[Path], typer.Option("--mapping", help="A mapping file (JSON or TOML) saved "
                                                         "with --save-map; the options given here win.")] = None,
    save_map: Annotated[Optional[Path], typer.Option("--save-map", help="Write the mappings and options of this "
                                                     "command to FILE (JSON) for next time.")] = None,
    scale_offset: Annotated[Optional[int], typer.Option("--scale-offset", help="Add N to every numeric score "
                                                        "(1 for a 0-based export such as CISO Assistant's).")] = None,
    zero_based: Annotated[bool, typer.Option("--zero-based", help="Scores are 0-based (same as --scale-offset 1).")] = False,
    default_likelihood: Annotated[Optional[int], typer.Option("--default-likelihood", help="Likelihood for rows "
                                                              "without one (else they await assessment).")] = None,
    default_impact: Annotated[Optional[int], typer.Option("--default-impact", help="Impact for rows without one.")] = None,
) -> None:
    """Import risks from a spreadsheet: all rows or none."""
    common.check_format(fmt, ("text", "json"))
    if zero_based:
        scale_offset = 1 if scale_offset is None else scale_offset
    spec = importer.load_mapping(mapping_file) if mapping_file else None
    database = common.open_db()
    actor = common.actor_for(database)
    plan = importer.prepare(database, file, sheet=sheet, header_row=header_row, mapping=mapping or [],
                            default_system=system, value_maps=value_map or [], spec=spec,
                            scale_offset=scale_offset, default_likelihood=default_likelihood,
                            default_impact=default_impact)
    if save_map:
        importer.save_mapping(plan.spec, save_map)
        common.note(f"aims: saved the mapping to {save_map} (reuse it with --mapping {save_map})")
    try:
        result = importer.run(database, actor, plan, create_missing=create_missing, dry_run=dry_run)
    except ImportRejected as exc:
        if fmt == "json":
            common.print_json({"ok": False, "problems": [
                {"row": p.row, "column": p.column, "value": p.value, "message": p.message} for p in exc.problems],
                "mapping": _mapping(plan)})
        else:
            _print_plan(plan, err=True)
            for line in grouped(exc.problems):
                typer.echo(f"aims: {common.shown(line)}", err=True)
        common.fail(exc.summary)
        return
    if fmt == "json":
        result["mapping"] = _mapping(plan)
        result.pop("lock_seconds", None)
        result.pop("lock_cpu_seconds", None)
        common.print_json(result)
        return
    _print_plan(plan, err=not dry_run)
    _print_result(result)


def _mapping(plan) -> list[dict[str, Any]]:
    return [{"column": c.letter, "header": c.header, "field": c.field, "how": c.how}
            for c in plan.columns if c.header.strip() or c.field]


def _print_plan(plan, *, err: bool) -> None:
    echo = lambda s="": typer.echo(common.shown(s), err=err)  # noqa: E731  (cells and headers of the file)
    echo(f"{Path(plan.sheet.path).name}: {plan.sheet.description}; header in row {plan.header_row}")
    echo("Columns:")
    width = max([len(lbl) for lbl, _ in plan.mapping()] + [8])
    for c in plan.columns:
        if not (c.header.strip() or c.field):
            continue
        target = c.field or {"duplicate": "(not imported: another column has this field)",
                             "replaced": "(not imported: --map gave its field to another column)",
                             "ignored": "(ignored by --map)",
                             "hidden": "(not imported: hidden in the spreadsheet)"}.get(c.how, "(not imported)")
        echo(f"  {c.label.ljust(width)}  -> {target}")
    for n in plan.notices:
        echo(f"Note: {n}")


def _print_result(result: dict[str, Any]) -> None:
    created, skipped = result["created"], result["skipped"]
    dry = result["dry_run"]
    if dry and created:
        common.print_rows(created, ["row", "ref", "title", "system_ref", "owner", "inherent_likelihood",
                                    "inherent_impact", "inherent_level", "residual_likelihood",
                                    "residual_impact", "residual_level", "treatment_option", "status"],
                          "table", ["ROW", "REF", "TITLE", "SYSTEM", "OWNER", "L", "I", "INHERENT", "RL", "RI",
                                    "RESIDUAL", "TREATMENT", "STATUS"])
    refs = f" ({created[0]['ref']}..{created[-1]['ref']})" if created else ""
    verb = "Would import" if dry else "Imported"
    line = f"{verb} {len(created)} risk{'s' if len(created) != 1 else ''}{refs}"
    if skipped:
        shown = ", ".join(f"row {s['row']} = {s['ref']}" for s in skipped[:10])
        more = f", and {len(skipped) - 10} more" if len(skipped) > 10 else ""
        line += f"; skipped {len(skipped)} already imported ({shown}{more})"
    if result.get("awaiting_assessment"):
        n = result["awaiting_assessment"]
        line += f"; {n} awaiting assessment (no likelihood or impact: aims check lists them until scored)"
    if result.get("blank_rows"):
        line += f"; {result['blank_rows']} blank row{'s' if result['blank_rows'] != 1 else ''} left out"
    typer.echo(common.shown(line))
    if result["users_created"]:
        who = ", ".join(f"{u['login']} ({u['display_name']})" for u in result["users_created"])
        typer.echo(f"{'Would add' if dry else 'Added'} users as editors: {common.shown(who)}")
    if result["systems_created"]:
        what = ", ".join(f"{s['ref']} {s['name']}" for s in result["systems_created"])
        typer.echo(f"{'Would register' if dry else 'Registered'} AI systems in design: {common.shown(what)}")
    if dry:
        typer.echo("Dry run: nothing was written.")


@import_app.command("json")
@common.handle_errors
def import_json(
    file: Annotated[Path, typer.Argument(help="A file written by 'aims export json'.", show_default=False)],
) -> None:
    """Restore a whole register from JSON into an EMPTY database (ids, versions, audit trail as they were)."""
    # The file is read and checked first: a bad file creates no database.
    records = jsonio.read_checked(file)
    target = sqlite_path(resolve_url(common.choose_db()))
    new_file = target is not None and not Path(target).exists()
    database = common.open_db(create=True)
    try:
        counts = jsonio.import_json(database, file, records=records)
    except BaseException:
        if new_file:  # nothing left behind: the database this command created goes again
            database.dispose()
            for suffix in ("", "-wal", "-shm", "-journal"):
                Path(f"{target}{suffix}").unlink(missing_ok=True)
        raise
    with database.read() as s:
        check = audit.verify(s)


        login = identity.acting_login(database)
        is_user = s.exec(select(User.id).where(User.login == login, User.active == True)).first()  # noqa: E712
    where = database.where
    total = sum(counts.values())
    typer.echo(f"Imported {total} records ({len(counts)} tables) into {where}; "
               f"the audit trail verifies ({check.count} events)")
    if not is_user:
        common.note(f"aims: note: {login} is not a user of the imported register; an admin of it must add you")
