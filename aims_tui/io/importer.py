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
from .import_columns import Column, detect_header, header_at, map_columns, parse_map_options
from .import_fields import (CATEGORY_SYNONYMS, FIELD_ALIASES, FIELDS, MULTI_FIELDS, STATUS_SYNONYMS, SYNONYMS,
                            TREATMENT_SYNONYMS, cell_text, column_letter, field_for, normalize_header,
                            resolve_field_name)
from .import_rows import PREVIEW_ROWS, Plan, build_rows, parse_date, source_key
from .import_sheets import (DELIMITERS, HEADER_SEARCH_ROWS, MAX_BYTES, MAX_ROWS, MAX_XLSX_UNPACKED, Sheet,
                            choose_delimiter, decode, read_sheet)

# ---------------------------------------------------------------------------
# The whole thing
# ---------------------------------------------------------------------------


def prepare(database: Database, path: str | Path, *, sheet: str | None = None, header_row: int | None = None,
            mapping: Sequence[str] | Sequence[tuple[str, str]] = (), default_system: str | None = None,
            max_bytes: int = MAX_BYTES, max_rows: int = MAX_ROWS, data: Sheet | None = None) -> Plan:
    """Read, find the header, map, and turn cells into values (writes nothing).

    ``mapping`` holds ``SRC=FIELD`` strings or (SRC, FIELD) pairs. Passing
    ``data`` (a Sheet already read) skips reading the file again.
    """
    from ..core.services.settings import get_matrix

    overrides = parse_map_options([m for m in mapping if isinstance(m, str)]) + \
        [m for m in mapping if not isinstance(m, str)]  # type: ignore[misc]
    sh = data or read_sheet(path, sheet=sheet, max_bytes=max_bytes, max_rows=max_rows)
    if header_row is not None:
        if header_row < 1:
            raise ValidationError("--header-row", "must be 1 or more (the row number the spreadsheet shows)")
        labels = header_at(sh, header_row)
        hrow = header_row
    else:
        hrow, labels = detect_header(sh)
    cols = map_columns(labels, overrides)
    if not any(c.field == "title" for c in cols):
        shown = ", ".join(repr(" ".join(c.header.split())) for c in cols if c.header.strip()) or "(none)"
        raise ValidationError("--map", f"no column maps to the risk title (row {hrow} was read as the header: "
                              f"{shown}); name it with --map 'COLUMN=title', or give --header-row")
    system = (default_system or "").strip()
    if system:
        _check_system(database, system)
    rows, problems, blank = build_rows(sh, hrow, cols, get_matrix(database), default_system=system,
                                       max_rows=max_rows)
    return Plan(sh, hrow, cols, rows, problems, system, blank)


def _check_system(database: Database, system: str) -> None:
    from sqlmodel import select

    from ..core.models import AISystem

    with database.read() as s:
        refs = s.exec(select(AISystem.ref).where(AISystem.ref == system)).all() or \
            [r for r, n in s.exec(select(AISystem.ref, AISystem.name)).all()
             if n.casefold().strip() == system.casefold() or r.casefold() == system.casefold()]
    if not refs:
        raise ValidationError("--system", f"no AI system has the ref or name {system!r} (aims systems list)")


def run(database: Database, actor: str, plan: Plan, *, create_missing: bool = False, dry_run: bool = False,
        progress: Callable[[int, int], None] | None = None) -> dict[str, Any]:
    """Import the plan's rows: one transaction, all or nothing (ImportRejected lists every problem)."""
    result = import_risks(database, actor, plan.rows, problems=plan.problems, create_missing=create_missing,
                          dry_run=dry_run, source=Path(plan.sheet.path).name, progress=progress)
    result["blank_rows"] = plan.blank_rows
    result["header_row"] = plan.header_row
    result["sheet"] = plan.sheet.description
    return result


def import_file(database: Database, actor: str, path: str | Path, *, sheet: str | None = None,
                header_row: int | None = None, mapping: Sequence[str] = (), default_system: str | None = None,
                create_missing: bool = False, dry_run: bool = False,
                progress: Callable[[int, int], None] | None = None) -> dict[str, Any]:
    """prepare + run: what ``aims import risks`` does."""
    plan = prepare(database, path, sheet=sheet, header_row=header_row, mapping=mapping,
                   default_system=default_system)
    return run(database, actor, plan, create_missing=create_missing, dry_run=dry_run, progress=progress)


__all__ = ["AimsError", "CATEGORY_SYNONYMS", "Column", "DELIMITERS", "FIELD_ALIASES", "FIELDS",
           "HEADER_SEARCH_ROWS", "ImportRejected", "MAX_BYTES", "MAX_ROWS", "MAX_XLSX_UNPACKED", "MULTI_FIELDS",
           "PREVIEW_ROWS", "Plan", "RowError", "STATUS_SYNONYMS", "SYNONYMS", "Sheet", "TREATMENT_SYNONYMS",
           "build_rows", "cell_text", "choose_delimiter", "column_letter", "decode", "detect_header", "field_for",
           "header_at", "import_file", "map_columns", "normalize_header", "parse_date", "parse_map_options",
           "prepare", "read_sheet", "resolve_field_name", "run", "source_key"]
