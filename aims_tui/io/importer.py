"""Risks from a spreadsheet (CSV or XLSX), however untidy, all or nothing.

The steps, each usable on its own (the CLI and the TUI screen share them):

1. :func:`read_sheet` reads the cells: CSV in any common delimiter and encoding
   (UTF-8 with or without BOM, UTF-16 with BOM, Windows-1252), or XLSX through
   openpyxl (cached formula values, merged cells filled down, the sheet chosen
   by name or by the best header). Size and row caps protect the host.
2. :func:`detect_header` finds the header row below any title rows by matching
   known column names (``--header-row`` overrides it).
3. :func:`map_columns` maps columns to risk fields by name and synonyms,
   case-insensitively; ``--map SRC=FIELD`` overrides.
4. :func:`build_rows` turns cells into values ("3 - Possible", "High" onto the
   matrix; treatment, category and status synonyms; dates) and collects every
   bad cell with its row, column and value.
5. :func:`run` hands the rows to ``services.importing.import_risks``: one
   transaction, every row validated before any is written.

:func:`prepare` does 1-4 and returns a :class:`Plan` to show or run.

The steps live in their own modules (this one puts them together and keeps the
names the CLI, the TUI screen and the tests use):
``import_fields`` (names and synonyms), ``import_sheets`` (reading),
``import_columns`` (header and mapping), ``import_rows`` (values).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Callable, Sequence

from ..core.db import Database
from ..core.errors import AimsError, ValidationError
from ..core.services.importing import ImportRejected, RowError, import_risks
from .import_columns import Column, detect_header, find_column, header_at, map_columns, parse_map_options
from .import_maps import MappingSpec, load_mapping, parse_value_maps, save_mapping
from .import_fields import (CATEGORY_SYNONYMS, FIELD_ALIASES, FIELDS, MULTI_FIELDS, PEER_FORMATS, STATUS_SYNONYMS,
                            SYNONYMS,
                            TREATMENT_SYNONYMS, cell_text, column_letter, field_for, normalize_header,
                            resolve_field_name)
from .import_rows import (PREVIEW_ROWS, Plan, RowOptions, build_rows, fold_value, parse_date, source_key,
                          zero_based_columns)
from .import_sheets import (DELIMITERS, HEADER_SEARCH_ROWS, MAX_BYTES, MAX_ROWS, MAX_XLSX_UNPACKED, Sheet,
                            choose_delimiter, decode, read_sheet)
from ..core.services.settings import get_matrix
from sqlmodel import select
from ..core.models import AISystem

# ---------------------------------------------------------------------------
# The whole thing
# ---------------------------------------------------------------------------


def prepare(database: Database, path: str | Path, *, sheet: str | None = None, header_row: int | None = None,
            mapping: Sequence[str] | Sequence[tuple[str, str]] = (), default_system: str | None = None,
            max_bytes: int = MAX_BYTES, max_rows: int = MAX_ROWS, data: Sheet | None = None,
            value_maps: Sequence[str] = (), spec: MappingSpec | None = None, scale_offset: int | None = None,
            default_likelihood: int | None = None, default_impact: int | None = None) -> Plan:
    """Read, find the header, map, and turn cells into values (writes nothing).

    ``mapping`` holds ``SRC=FIELD`` strings or (SRC, FIELD) pairs;
    ``value_maps`` ``COLUMN:VALUE=NEW`` strings; ``spec`` a mapping file's
    content (the other arguments win over it). Passing ``data`` (a Sheet
    already read) skips reading the file again. ``scale_offset`` None: score
    columns that look 0-based are reported in ``Plan.zero_based`` (run refuses
    until the caller says 0 or 1).
    """
    given = MappingSpec(map=parse_map_options([m for m in mapping if isinstance(m, str)])
                        + [m for m in mapping if not isinstance(m, str)],  # type: ignore[misc]
                        values=parse_value_maps(value_maps), header_row=header_row, sheet=sheet,
                        scale_offset=scale_offset, default_likelihood=default_likelihood,
                        default_impact=default_impact, system=default_system)
    spec = (spec or MappingSpec()).merged(given)
    sh = data or read_sheet(path, sheet=spec.sheet, max_bytes=max_bytes, max_rows=max_rows)
    if spec.header_row is not None:
        if spec.header_row < 1:
            raise ValidationError("--header-row", "must be 1 or more (the row number the spreadsheet shows)")
        labels = header_at(sh, spec.header_row)
        hrow = spec.header_row
    else:
        hrow, labels = detect_header(sh)
    cols = map_columns(labels, spec.map, hidden=sh.hidden_columns)
    if not any(c.field == "title" for c in cols):
        shown = ", ".join(repr(" ".join(c.header.split())) for c in cols if c.header.strip()) or "(none)"
        raise ValidationError("--map", f"no column maps to the risk title (row {hrow} was read as the header: "
                              f"{shown}); name it with --map 'COLUMN=title', or give --header-row")
    system = (spec.system or "").strip()
    if system:
        _check_system(database, system)
    matrix = get_matrix(database)
    for name, value, n in (("--default-likelihood", spec.default_likelihood, matrix.n_likelihood),
                           ("--default-impact", spec.default_impact, matrix.n_impact)):
        if value is not None and not 1 <= value <= n:
            raise ValidationError(name, f"must be between 1 and {n}, got {value}")
    vmaps: dict[int, dict[str, str]] = {}
    for col_name, pairs in spec.values.items():
        c = find_column(cols, col_name)
        if c is None:
            shown = ", ".join(repr(c.header) for c in cols if c.header.strip()) or "(none)"
            raise ValidationError("--value-map", f"no column is called {col_name!r}; the columns are: {shown}")
        vmaps.setdefault(c.index, {}).update({fold_value(k): v for k, v in pairs.items()})
    notices: list[str] = []
    headers = {normalize_header(c.header) for c in cols}
    for peer, names in PEER_FORMATS.items():
        if names <= headers:
            notices.append(f"the headers are those of a {peer} export")
    zero = zero_based_columns(sh, hrow, cols) if spec.scale_offset is None else []
    opts = RowOptions(default_system=system, default_likelihood=spec.default_likelihood,
                      default_impact=spec.default_impact, scale_offset=spec.scale_offset or 0, values=vmaps)
    rows, problems, blank = build_rows(sh, hrow, cols, matrix, default_system=system, max_rows=max_rows,
                                       options=opts)
    fields = {c.field for c in cols}
    missing = [f for f in ("inherent_likelihood", "inherent_impact") if f not in fields and
               (spec.default_likelihood if "likelihood" in f else spec.default_impact) is None]
    if missing:
        notices.append(f"no column maps to {' or '.join(f.replace('inherent_', '') for f in missing)}: the risks are "
                       "imported awaiting assessment (aims check lists them until they are scored); or give "
                       "--default-likelihood N --default-impact N, or --map COLUMN=likelihood")
    if opts.totals_rows:
        notices.append(f"{_rows_text(opts.totals_rows)} {'is a totals row' if len(opts.totals_rows) == 1 else 'are totals rows'}: "
                       "left out")
    for c in cols:
        if c.index in sh.hidden_columns and c.header.strip():
            what = (f"not imported (--map '{' '.join(c.header.split())}={field_for(c.header)[0]}' to use it)"
                    if c.how == "hidden" else f"imported as {c.field}" if c.field else "not imported")
            notices.append(f"column {c.label} is hidden in the spreadsheet: {what}")
    hidden_data = sorted(r for r in sh.hidden_rows if r > hrow)
    if hidden_data:
        notices.append(f"{_rows_text(hidden_data)} {'is' if len(hidden_data) == 1 else 'are'} hidden in the "
                       "spreadsheet: imported like the others (delete them from the file to leave them out)")
    plan = Plan(sh, hrow, cols, rows, problems, system, blank, notices=notices,
                zero_based=[c.label for c in zero], spec=spec)
    return plan


def _rows_text(rows: Sequence[int]) -> str:
    shown = ", ".join(str(r) for r in rows[:10]) + (f" and {len(rows) - 10} more" if len(rows) > 10 else "")
    return f"row{'s' if len(rows) != 1 else ''} {shown}"


def zero_based_message(plan: Plan) -> str:
    return (f"{', '.join(plan.zero_based)} hold 0 or less: a 0-based scale (CISO Assistant writes its matrix "
            "indexes 0..4, and -1 for not rated)? Import with --scale-offset 1 to add one to every score "
            "(-1 becomes awaiting assessment), or --scale-offset 0 to read them as written")


def _check_system(database: Database, system: str) -> None:
    with database.read() as s:
        refs = s.exec(select(AISystem.ref).where(AISystem.ref == system)).all() or \
            [r for r, n in s.exec(select(AISystem.ref, AISystem.name)).all()
             if n.casefold().strip() == system.casefold() or r.casefold() == system.casefold()]
    if not refs:
        raise ValidationError("--system", f"no AI system has the ref or name {system!r} (aims systems list)")


def run(database: Database, actor: str, plan: Plan, *, create_missing: bool = False, dry_run: bool = False,
        progress: Callable[[int, int], None] | None = None) -> dict[str, Any]:
    """Import the plan's rows: one transaction, all or nothing (ImportRejected lists every problem)."""
    if plan.zero_based:
        raise ValidationError("--scale-offset", zero_based_message(plan))
    result = import_risks(database, actor, plan.rows, problems=plan.problems, create_missing=create_missing,
                          dry_run=dry_run, source=Path(plan.sheet.path).name, progress=progress)
    result["blank_rows"] = plan.blank_rows
    result["header_row"] = plan.header_row
    result["sheet"] = plan.sheet.description
    result["notices"] = list(plan.notices)
    return result


def import_file(database: Database, actor: str, path: str | Path, *, sheet: str | None = None,
                header_row: int | None = None, mapping: Sequence[str] = (), default_system: str | None = None,
                create_missing: bool = False, dry_run: bool = False,
                progress: Callable[[int, int], None] | None = None, **options: Any) -> dict[str, Any]:
    """prepare + run: what ``aims import risks`` does (``options``: those of :func:`prepare`)."""
    plan = prepare(database, path, sheet=sheet, header_row=header_row, mapping=mapping,
                   default_system=default_system, **options)
    return run(database, actor, plan, create_missing=create_missing, dry_run=dry_run, progress=progress)


__all__ = ["AimsError", "CATEGORY_SYNONYMS", "Column", "DELIMITERS", "FIELD_ALIASES", "FIELDS",
           "HEADER_SEARCH_ROWS", "ImportRejected", "MAX_BYTES", "MAX_ROWS", "MAX_XLSX_UNPACKED", "MULTI_FIELDS",
           "PREVIEW_ROWS", "Plan", "RowError", "STATUS_SYNONYMS", "SYNONYMS", "Sheet", "TREATMENT_SYNONYMS",
           "build_rows", "cell_text", "choose_delimiter", "column_letter", "decode", "detect_header", "field_for",
           "header_at", "import_file", "load_mapping", "MappingSpec", "save_mapping", "zero_based_message", "map_columns",
           "normalize_header", "parse_date", "parse_map_options",
           "prepare", "read_sheet", "resolve_field_name", "run", "source_key"]
