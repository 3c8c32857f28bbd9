"""aims export pack | register | soa | json."""

from __future__ import annotations

import sys
from datetime import date
from pathlib import Path
from typing import Annotated, Optional

import typer

from . import common
from ..io import exports
from ..reports import build_pack, default_exports_dir, slug
from ..core.outfile import target_path
from ..core.services.settings import get_settings
from ..io import jsonio

export_app = common.command_group("export", help="Export the review pack, the register, the SoA, or everything as JSON.")


@export_app.command("pack")
@common.handle_errors
def pack_command(
    out: Annotated[Optional[Path], typer.Option("--out", help="PDF to write (default: exports/ named with the "
                                                "organization and date).", show_default=False)] = None,
    as_of: Annotated[Optional[str], typer.Option("--as-of", help="Date the figures are taken at (YYYY-MM-DD; "
                                                 "default today). Same database + as-of = same bytes.",
                                                 show_default=False)] = None,
    since: Annotated[Optional[str], typer.Option("--since", help="Start of the review period (default: the "
                                                 "previous management review, else a year before as-of).",
                                                 show_default=False)] = None,
    review: Annotated[Optional[str], typer.Option("--review", help="Management review (MR-2026-01) whose "
                                                  "decisions and actions fill the 9.3.3 page.",
                                                  show_default=False)] = None,
) -> None:
    """The management review pack (ISO/IEC 42001 9.3) as a PDF."""
    as_of_d = common.as_of_day(as_of) or date.today()
    since_d = common.as_of_day(since, "--since")
    database = common.open_db()
    login = common.actor_for(database)

    common.prepare_out_folder(database, out.parent if out is not None else default_exports_dir())
    # The figures, heat maps and lists of the pack: the register as it was at the end of that day.
    res = build_pack(common.as_of_db(database, as_of_d) if as_of else database, out, as_of=as_of_d, since=since_d,
                     generated_by=login, review_ref=review)
    common.share_out_file(database, res.path)
    typer.echo(f"wrote {res.path} ({res.pages} pages)")
    typer.echo(f"data digest (SHA-256): {res.digest}")


def _export(kind: str, fmt: str, out: Path | None, day: date | None = None) -> None:
    if fmt not in exports.FORMATS:
        typer.echo(f"aims: --format must be one of {', '.join(exports.FORMATS)}", err=True)
        raise typer.Exit(common.EXIT_USAGE)
    database = common.open_db()
    common.actor_for(database)
    if out is not None and str(out) == "-":
        if fmt == "xlsx":
            common.fail("xlsx cannot be written to stdout: give --out FILE.xlsx", common.EXIT_USAGE)
        exports.export(common.as_of_db(database, day), kind, fmt, sys.stdout, today=day)
        return
    if out is None or out.is_dir():  # --out naming a folder: the default name in it
        org = get_settings(database).get("organization", "")
        out = target_path(out, default_exports_dir(), f"{kind}-{slug(org)}-{(day or date.today()).isoformat()}.{fmt}")
    common.prepare_out_folder(database, out.parent)
    n = exports.export(common.as_of_db(database, day), kind, fmt, out, today=day)
    common.share_out_file(database, out)
    typer.echo(f"wrote {out} ({n} rows)")


FormatOpt = Annotated[str, typer.Option("--format", "-f", help="csv, xlsx or json")]
OutOpt = Annotated[Optional[Path], typer.Option("--out", help="File to write, or - for stdout (csv, json); "
                                                "default: exports/ named with the organization and date.",
                                                show_default=False)]


@export_app.command("register")
@common.handle_errors
def register_command(fmt: FormatOpt = "csv", out: OutOpt = None, as_of: common.AsOfOpt = None) -> None:
    """The full risk register (UTF-8, header row, formula-safe cells); as it was at the end of a day with --as-of."""
    _export("register", fmt, out, common.as_of_day(as_of))


@export_app.command("soa")
@common.handle_errors
def soa_command(fmt: FormatOpt = "csv", out: OutOpt = None, as_of: common.AsOfOpt = None) -> None:
    """The Statement of Applicability (UTF-8, header row, formula-safe cells); as it was at the end of a day with --as-of."""
    _export("soa", fmt, out, common.as_of_day(as_of))


@export_app.command("json")
@common.handle_errors
def export_json(
    out: Annotated[str, typer.Option("--out", "-o", help="File to write ('-' for standard output).")] = "-",
) -> None:
    """Everything, lossless, in a stable order and format (two exports of the same data are identical)."""
    database = common.open_db()
    common.actor_for(database)
    counts = jsonio.export_json(database, None if out == "-" else out)
    if out != "-":
        common.note(f"aims: wrote {sum(counts.values())} records ({len(counts)} tables) to {out}")
