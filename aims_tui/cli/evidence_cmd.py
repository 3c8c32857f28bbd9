"""aims evidence add | list | verify | recapture | update | show | reviewed | withdraw | restore.

``add PATH --for REF --title TEXT [--shows TEXT]`` records a file (hashed) or a
URL for a control or any record; ``verify`` reads every file again and exits 3
when one changed, went missing or cannot be read. Files are never copied,
uploaded or given to a shell; paths are printed with control characters escaped.
"""

# no "from __future__ import annotations": Typer reads the annotations at run time

import os
from typing import Annotated, Any, Optional

import typer

from . import common
from .records_cmd import JsonOpt, SetOpt, parse_sets, read_json, record_commands
from ..core import evidence as ev
from ..core.services import evidence as evidence_service
from ..core.services import registers

COLUMNS = ["ref", "for_ref", "title", "location", "status", "captured_on", "next_review"]

evidence_app = record_commands(ev.EVIDENCE, "evidence", COLUMNS,
                               help="Evidence: files and pages that show a control or record at work.")
# add and list take more than the generic ones: replaced here
evidence_app.registered_commands = [c for c in evidence_app.registered_commands
                                    if c.callback is None or c.callback.__name__ not in ("add", "list_", "show")]
SHOWN = ["ref", "title", "location", "for_ref", "for_kind", "shows", "captured_by", "captured_on", "sha256", "size",
         "status", "review_cadence", "next_review", "last_reviewed", "version"]


@evidence_app.command("add")
@common.handle_errors
def add(path: Annotated[Optional[str], typer.Argument(
            help="The file (its SHA-256 is recorded; it stays where it is) or a URL.", show_default=False)] = None,
        for_ref: Annotated[Optional[str], typer.Option(
            "--for", help="The control code (A.6.2.4) or record ref (R-0001, AIS-001, CTX-001...) it supports.",
            show_default=False)] = None,
        title: Annotated[Optional[str], typer.Option("--title", help="A short name.", show_default=False)] = None,
        shows: Annotated[str, typer.Option("--shows", help="What it shows.")] = "",
        sets: SetOpt = None, source: JsonOpt = None, fmt: common.FormatOpt = "table") -> None:
    """Record evidence: a file (hashed) or a URL, for a control or a record."""
    common.check_format(fmt, ("table", "json"))
    extra = parse_sets(ev.EVIDENCE, sets)
    database = common.open_db()
    actor = common.actor_for(database)
    if source:
        doc: Any = read_json(source)
        items = doc if isinstance(doc, list) else [doc]
        if path or for_ref or title or extra or not all(isinstance(i, dict) for i in items):
            common.fail("--json: give objects, and no PATH, --for, --title or --set with it", common.EXIT_USAGE)
        rows = registers.create_many(database, actor, ev.EVIDENCE, [{"captured_by": actor, **i} for i in items])
    else:
        missing = [name for name, v in (("PATH", path), ("--for", for_ref), ("--title", title)) if not v]
        if missing:
            common.fail(f"give {', '.join(missing)} (aims evidence add PATH --for REF --title TEXT)",
                        common.EXIT_USAGE)
        rows = [evidence_service.add(database, actor, path or "", for_ref or "", title or "", shows=shows,
                                     extra=extra)]
    if fmt == "json":
        common.print_json(rows if source else rows[0])
        return
    for r in rows:
        what = f"SHA-256 {r['sha256'][:16]}…, {r['size']} bytes" if r["sha256"] else "a URL"
        link = os.readlink(r["location"]) if r["sha256"] and os.path.islink(r["location"]) else ""
        typer.echo(f"{r['ref']} recorded for {r['for_ref']} ({r['for_kind'].replace('_', ' ')}): "
                   f"{common.shown(r['location'])}" + (f" (symlink to {common.shown(link)})" if link else "")
                   + f" ({what})")


@evidence_app.command("list")
@common.handle_errors
def list_(for_ref: Annotated[Optional[str], typer.Option(
              "--for", help="Only the evidence of this control or record.", show_default=False)] = None,
          all_: Annotated[bool, typer.Option("--all", help="Withdrawn ones too.")] = False,
          fmt: common.FormatOpt = "table") -> None:
    """List evidence (of one control or record with --for)."""
    common.check_format(fmt)
    database = common.open_db()
    common.actor_for(database)
    where = None
    if for_ref:
        with database.read() as s:
            _kind, ref = ev.resolve(s, for_ref, "--for")
        where = {"for_ref": ref}
    rows = registers.listing(database, ev.EVIDENCE, include_withdrawn=all_, where=where)
    cols = COLUMNS if fmt == "table" else ["ref", *ev.EVIDENCE.specs, "for_kind", "sha256", "size",
                                           "last_reviewed", "status", "version"]
    cols = list(dict.fromkeys(cols))
    common.print_rows(rows, cols, fmt, [c.upper().replace("_", " ") for c in cols] if fmt == "table" else None)


@evidence_app.command("verify")
@common.handle_errors
def verify(fmt: Annotated[str, typer.Option("--format", "-f", help="text or json")] = "text") -> None:
    """Read every evidence file again: exit 3 when one changed, is missing or cannot be read."""
    common.check_format(fmt, ("text", "json"))
    database = common.open_db()
    common.actor_for(database)
    results = evidence_service.verify(database)
    bad = [r for r in results if r.state != ev.OK]
    if fmt == "json":
        common.print_json({"schema": "aims.evidence-verify/1", "files": len(results), "problems": len(bad),
                           "results": [r.to_dict() for r in results]})
    else:
        for r in results:
            typer.echo(f"{r.ref}  {r.state.replace('_', ' '):<11} {r.detail}")
        typer.echo(f"{len(results)} file(s) checked: {len(results) - len(bad)} unchanged, {len(bad)} to look at"
                   + ("" if not bad else " (aims evidence recapture REF takes a changed file as the new version)"))
    if bad:
        raise typer.Exit(common.EXIT_ATTENTION)


@evidence_app.command("recapture")
@common.handle_errors
def recapture(ref: Annotated[str, typer.Argument(help="The evidence's ref, e.g. EVD-001.")],
              expect_version: Annotated[Optional[int], typer.Option("--expect-version")] = None) -> None:
    """Take the file as it is now as the evidence (its new SHA-256, captured today)."""
    database = common.open_db()
    actor = common.actor_for(database)
    r = evidence_service.recapture(database, actor, ref, expect_version)
    typer.echo(f"{ref} recaptured: SHA-256 {r['sha256'][:16]}…, {r['size']} bytes, on {r['captured_on']}")


@evidence_app.command("show")
@common.handle_errors
def show(ref: Annotated[str, typer.Argument(help="The evidence's ref, e.g. EVD-001.")],
         fmt: common.FormatOpt = "table") -> None:
    """Show one evidence record, every field (its SHA-256 and size too)."""
    common.check_format(fmt, ("table", "json"))
    database = common.open_db()
    common.actor_for(database)
    r = registers.show(database, ev.EVIDENCE, ref)
    common.print_record(r, SHOWN, fmt)
