"""The whole register as one JSON file, lossless, and back into an empty database.

The file::

    {
      "format": "aims-json",
      "format_version": 1,
      "schema_revision": "0001",
      "tables": {
        "acceptance": [ {row}, ... ],
        "ai_system": [ ... ],
        ...
      }
    }

Every table of the schema, every stored column (generated columns such as
``risk.inherent_score`` are derived and left out), rows in primary-key order.
Formatting is fixed (keys sorted, two-space indent, UTF-8 text not escaped, a
trailing newline), so two exports of the same data are byte-identical and an
export diffs cleanly in git. Timestamps are UTC with microseconds
(``2026-06-15T09:00:00.000000+00:00``), dates ``YYYY-MM-DD``.

The export streams row by row from one read snapshot (memory stays flat); the
import reads the file whole, checks it, and writes it with
``services.importing.restore`` in one transaction.
"""

from __future__ import annotations

import json
import re
import sys
from datetime import date, datetime, timezone
from pathlib import Path
from typing import IO, Any, Callable, Iterator

from sqlalchemy import JSON, Boolean, Date, DateTime, Integer, String, select
from sqlalchemy.types import TypeDecorator

from ..core.db import Database, migration_id
from ..core.errors import ValidationError
from ..core.outfile import output_file
from ..core.services.importing import check_records, insertable_columns, record_counts, restore, tables
from .import_sheets import read_bounded

FORMAT = "aims-json"
FORMAT_VERSION = 1
MAX_JSON_BYTES = 2 * 1024 * 1024 * 1024  # an import reads the file whole


def _impl(col_type: Any) -> Any:
    return col_type.impl if isinstance(col_type, TypeDecorator) else col_type


def to_json_value(value: Any) -> Any:
    if isinstance(value, datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=timezone.utc)
        return value.astimezone(timezone.utc).isoformat(timespec="microseconds")
    if isinstance(value, date):
        return value.isoformat()
    return value


def _dump(value: Any, indent: int) -> str:
    """json.dumps with the file's formatting, re-indented to sit at ``indent``."""
    text = json.dumps(value, indent=2, sort_keys=True, ensure_ascii=False)
    return text.replace("\n", "\n" + " " * indent)


def schema_revision(database: Database) -> str:
    return migration_id(database) or ""  # read without Alembic: `export json` need not load it


def iter_table(database: Database, table, session=None) -> Iterator[dict[str, Any]]:
    cols = insertable_columns(table)
    order = list(table.primary_key.columns) or cols
    q = select(*cols).order_by(*order)

    def run(s) -> Iterator[dict[str, Any]]:
        result = s.connection().execute(q)
        for row in result:
            yield {c.name: to_json_value(v) for c, v in zip(cols, row)}

    if session is not None:
        yield from run(session)
    else:
        with database.read() as s:
            yield from run(s)


def write_export(database: Database, out: IO[str], progress: Callable[[str, int], None] | None = None) -> dict[str, int]:
    """Write the export to ``out``; returns rows per table.

    The output equals ``json.dumps(doc, indent=2, sort_keys=True,
    ensure_ascii=False) + "\\n"``, written a row at a time.
    """
    counts: dict[str, int] = {}
    revision = schema_revision(database)
    by_name = sorted(tables(), key=lambda t: t.name)
    with database.read() as s:
        header = {"format": FORMAT, "format_version": FORMAT_VERSION, "schema_revision": revision}
        out.write("{\n")
        for k in sorted(header):
            out.write(f"  {json.dumps(k)}: {json.dumps(header[k], ensure_ascii=False)},\n")
        out.write('  "tables": {')
        for ti, t in enumerate(by_name):
            out.write(("," if ti else "") + f"\n    {json.dumps(t.name)}: [")
            n = 0
            for row in iter_table(database, t, s):
                out.write(("," if n else "") + "\n      " + _dump(row, 6))
                n += 1
            out.write("\n    ]" if n else "]")
            counts[t.name] = n
            if progress is not None:
                progress(t.name, n)
        out.write("\n  }\n" if by_name else "}\n")
        out.write("}\n")
    return counts


def export_json(database: Database, path: str | Path | None) -> dict[str, int]:
    """Export to ``path`` (written to a temporary file, then renamed), or stdout for None / "-"."""
    if path in (None, "-"):
        return write_export(database, sys.stdout)
    p = Path(path)
    if p.is_dir():
        raise ValidationError("--out", f"{p} is a folder; give a file name such as {p / 'aims.json'}")
    # complete or absent (a full disk, /dev/full, a read-only folder: one line naming the path)
    with output_file(p) as fh:
        return write_export(database, fh)


# ---------------------------------------------------------------------------
# Import
# ---------------------------------------------------------------------------


def _from_json(table, col, value: Any, where: str) -> Any:
    t = _impl(col.type)
    if value is None:
        if not col.nullable and not col.primary_key:
            raise ValueError(f"{where}: {col.name} must not be null")
        return None
    if isinstance(t, DateTime):
        if not isinstance(value, str):
            raise ValueError(f"{where}: {col.name} must be a timestamp string")
        try:
            dt = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            raise ValueError(f"{where}: {col.name} {value!r} is not a timestamp") from None
        if dt.tzinfo is None:
            dt = dt.replace(tzinfo=timezone.utc)
        return dt.astimezone(timezone.utc)
    if isinstance(t, Date):
        if not isinstance(value, str):
            raise ValueError(f"{where}: {col.name} must be a date string")
        try:
            return date.fromisoformat(value)
        except ValueError:
            raise ValueError(f"{where}: {col.name} {value!r} is not a date") from None
    if isinstance(t, Boolean):
        if not isinstance(value, bool):
            raise ValueError(f"{where}: {col.name} must be true or false")
        return value
    if isinstance(t, Integer):
        if isinstance(value, bool) or not isinstance(value, int):
            raise ValueError(f"{where}: {col.name} must be a whole number")
        return value
    if isinstance(t, String):  # String and Text
        if not isinstance(value, str):
            raise ValueError(f"{where}: {col.name} must be text")
        return value
    if isinstance(t, JSON):
        return value
    return value


def read_export(path: str | Path) -> dict[str, list[dict[str, Any]]]:
    """Read and check an export file; returns {table: [rows with Python values]}."""
    p = Path(path)
    # A regular file, read once and bounded (a FIFO or /dev/zero is refused before a byte is read).
    data = read_bounded(p, MAX_JSON_BYTES, "the JSON import")
    try:
        doc = json.loads(data.decode("utf-8"))
    except UnicodeDecodeError:
        raise ValidationError("file", f"{p.name} is not UTF-8 text (is it an aims JSON export?)") from None
    except json.JSONDecodeError as exc:
        raise ValidationError("file", f"{p.name} is not valid JSON (line {exc.lineno}, column {exc.colno}: "
                              f"{exc.msg})") from None
    except RecursionError:
        raise ValidationError("file", f"{p.name} is nested too deeply to be an aims JSON export "
                              "(an export is 4 levels deep); nothing was imported") from None
    return parse_export(doc, p.name)


def parse_export(doc: Any, name: str = "the file") -> dict[str, list[dict[str, Any]]]:
    if not isinstance(doc, dict) or doc.get("format") != FORMAT:
        raise ValidationError("format", f"{name} is not an aims JSON export (no \"format\": \"{FORMAT}\")")
    version = doc.get("format_version")
    if not isinstance(version, int) or isinstance(version, bool):
        raise ValidationError("format_version", f"{name} has no format_version")
    if version > FORMAT_VERSION:
        raise ValidationError("format_version", f"{name} is format version {version}, made by a newer aims; "
                              f"this aims reads version {FORMAT_VERSION} (upgrade aims)")
    if version < 1:
        raise ValidationError("format_version", f"{name} has an unknown format version {version}")
    raw = doc.get("tables")
    if not isinstance(raw, dict):
        raise ValidationError("tables", f"{name} has no \"tables\" object")
    by_name = {t.name: t for t in tables()}
    errors: list[tuple[str, str]] = []
    for tname in sorted(set(raw) - set(by_name)):
        errors.append(("tables", f"unknown table {tname!r} (made by another version of aims?)"))
    out: dict[str, list[dict[str, Any]]] = {}
    for tname, rows in sorted(raw.items()):
        if tname not in by_name:
            continue
        table = by_name[tname]
        if not isinstance(rows, list):
            errors.append((tname, "must be a list of records"))
            continue
        cols = {c.name: c for c in insertable_columns(table)}
        converted = []
        for i, row in enumerate(rows, start=1):
            where = f"{tname} record {i}"
            if not isinstance(row, dict):
                errors.append((tname, f"record {i} is not an object"))
                continue
            unknown = sorted(set(row) - set(cols))
            if unknown:
                errors.append((tname, f"record {i} has unknown field(s): {', '.join(unknown)}"))
                continue
            rec = {}
            for cname, value in row.items():
                try:
                    rec[cname] = _from_json(table, cols[cname], value, where)
                except ValueError as exc:
                    errors.append((tname, str(exc)))
            converted.append(rec)
            if len(errors) > 50:
                break
        out[tname] = converted
        if len(errors) > 50:
            break
    if errors:
        raise ValidationError(errors[0][0], errors[0][1], errors[:50])
    return out


def import_json(database: Database, path: str | Path,
                progress: Callable[[int, int], None] | None = None,
                records: dict[str, list[dict[str, Any]]] | None = None) -> dict[str, int]:
    """Restore an export into an empty database (refused otherwise); returns rows per table.
    ``records``: the file already read by :func:`read_checked`."""
    if records is None:
        try:
            records = read_export(path)
        except ValidationError as exc:
            hint = _revision_hint(database, path)
            if hint:
                exc.errors.append(("schema_revision", hint))
            raise
    return restore(database, records, progress=progress)


def read_checked(path: str | Path) -> dict[str, list[dict[str, Any]]]:
    """Read an export and check it as the services would (before any database is
    opened or created): all problems at once, nothing written."""
    records = read_export(path)
    check_records(records)
    return records


def _revision_hint(database: Database, path: str | Path) -> str:
    """When the file's schema differs from the database's, say so (it explains unknown fields)."""
    if not Path(path).is_file():  # a FIFO or a device: never opened (it could wait for ever)
        return ""
    try:
        with Path(path).open("r", encoding="utf-8") as fh:
            head = fh.read(400)
        m = re.search(r'"schema_revision":\s*"([^"]*)"', head)
    except (OSError, UnicodeDecodeError):
        return ""
    mine = schema_revision(database)
    if m and m.group(1) != mine:
        return (f"the file was exported at schema revision {m.group(1)}, this database is at {mine}: "
                "export again with the same aims version, or upgrade aims")
    return ""


def is_empty(database: Database) -> bool:
    with database.read() as s:
        return not record_counts(s)
