"""The risk register and the Statement of Applicability as CSV, XLSX or JSON.

- UTF-8, a header row, a stable column order (the ``*_COLUMNS`` tuples);
- rows in reference order (risks) or Annex A order (controls);
- text cells that a spreadsheet would run as a formula (``=``, ``+``, ``-``,
  ``@``...) are neutralised with :func:`aims_tui.io.safe.spreadsheet_safe`
  in CSV and XLSX; numbers stay numbers; JSON keeps the text as it is;
- the register is read a batch at a time with the keyset-paged read path.
"""

from __future__ import annotations

import csv
import io
import json
import tempfile
from collections import defaultdict
from datetime import date, datetime
from pathlib import Path
from typing import Any, BinaryIO, Iterable, Iterator, TextIO

from sqlmodel import select

from ..core import evidence, queries
from ..core.db import Database
from ..core.models import Control, Risk, RiskControl
from ..core.outfile import OutputError, output_file
from ..core.schedule import today as _today
from ..core.services import controls as controls_service
from .safe import spreadsheet_safe

FORMATS = ("csv", "xlsx", "json")
KINDS = ("register", "soa")

REGISTER_COLUMNS = (
    "ref", "system_ref", "title", "description", "category", "source", "owner",
    "inherent_likelihood", "inherent_impact", "inherent_score", "inherent_level",
    "residual_likelihood", "residual_impact", "residual_score", "residual_level", "above_appetite",
    "treatment_option", "status", "review_cadence", "next_review", "review_state", "controls",
    "created_at", "updated_at", "closed_at", "version",
)
SOA_COLUMNS = (
    "code", "title", "group", "group_title", "custom", "applicable", "justification",
    "implementation_status", "owner", "review_cadence", "next_review", "approved_by", "approved_at", "version",
    # what supports the control (issue 17): refs separated by spaces, and how much evidence is current
    "risks", "treatments", "evidence", "current_evidence",
)


def register_rows(db: Database, today: date | None = None, batch: int = 1000) -> Iterator[dict[str, Any]]:
    """Every risk in reference order with its computed level, one query per batch for the extra fields."""
    pending: list[dict[str, Any]] = []
    for row in queries.all_risks(db, queries.RiskFilter(today=today), batch=batch):
        pending.append(row)
        if len(pending) >= batch:
            yield from _complete(db, pending)
            pending = []
    if pending:
        yield from _complete(db, pending)


def _complete(db: Database, rows: list[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    ids = [r["id"] for r in rows]
    with db.read() as s:
        extra = {r[0]: r[1:] for r in s.exec(select(
            Risk.id, Risk.description, Risk.source, Risk.treatment_option, Risk.review_cadence,
            Risk.created_at, Risk.updated_at, Risk.closed_at).where(Risk.id.in_(ids)))}
        links: dict[int, list[str]] = defaultdict(list)
        for rid, code in s.exec(select(RiskControl.risk_id, Control.code)
                                .join(Control, Control.id == RiskControl.control_id)
                                .where(RiskControl.risk_id.in_(ids)).order_by(Control.sort_key)):
            links[rid].append(code)
    for r in rows:
        desc, source, option, cadence, created, updated, closed = extra.get(r["id"], ("",) * 7)
        yield {
            **{k: r.get(k) for k in REGISTER_COLUMNS if k in r},
            "system_ref": r.get("system_ref") or "",
            "description": desc, "source": source, "treatment_option": option, "review_cadence": cadence,
            "controls": " ".join(links.get(r["id"], [])),
            "created_at": created, "updated_at": updated, "closed_at": closed,
        }


def soa_rows(db: Database, today: date | None = None) -> list[dict[str, Any]]:
    """Every SoA entry with the refs of its linked risks, treatments and evidence."""
    links = evidence.control_links(db, today or _today())
    rows = controls_service.list_soa(db)
    for r in rows:
        got = links.get(r["code"])
        r["risks"] = " ".join(ref for ref, _, _ in got.risks) if got else ""
        r["treatments"] = " ".join(ref for ref, _, _ in got.treatments) if got else ""
        r["evidence"] = " ".join(ref for ref, _, _ in got.evidence) if got else ""
        r["current_evidence"] = got.current_evidence() if got else 0
    return rows


def rows_for(db: Database, kind: str, today: date | None = None) -> tuple[tuple[str, ...], Iterable[dict]]:
    if kind == "register":
        return REGISTER_COLUMNS, register_rows(db, today)
    if kind == "soa":
        return SOA_COLUMNS, soa_rows(db, today)
    raise ValueError(f"unknown export {kind!r}: use one of {', '.join(KINDS)}")


# ---------------------------------------------------------------------------
# Cell values
# ---------------------------------------------------------------------------

def text_value(value: Any) -> str:
    """A value as CSV text (dates ISO, booleans yes/no, None empty)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def csv_cell(value: Any) -> Any:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return value  # a number is written as a number, never quoted as text
    return spreadsheet_safe(text_value(value))


def xlsx_cell(value: Any) -> Any:
    if value is None:
        return None
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, (int, float)):
        return value
    if isinstance(value, datetime):
        return value.replace(tzinfo=None)  # Excel has no time zones; stored as UTC
    if isinstance(value, date):
        return value
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE  # deferred: openpyxl loads only for XLSX

    return spreadsheet_safe(ILLEGAL_CHARACTERS_RE.sub("\ufffd", str(value)))  # XML cannot hold them


def json_value(value: Any) -> Any:
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    return value


# ---------------------------------------------------------------------------
# Writers
# ---------------------------------------------------------------------------

def write_csv(columns: tuple[str, ...], rows: Iterable[dict], out: TextIO) -> int:
    w = csv.writer(out, lineterminator="\n")
    w.writerow(columns)
    n = 0
    for r in rows:
        w.writerow([csv_cell(r.get(c)) for c in columns])
        n += 1
    return n


def write_json(columns: tuple[str, ...], rows: Iterable[dict], out: TextIO) -> int:
    out.write("[")
    n = 0
    for r in rows:
        out.write(",\n  " if n else "\n  ")
        out.write(json.dumps({c: json_value(r.get(c)) for c in columns}, ensure_ascii=False))
        n += 1
    out.write("\n]\n" if n else "]\n")
    return n


def write_xlsx(columns: tuple[str, ...], rows: Iterable[dict], path: Path | BinaryIO, sheet: str) -> int:
    # deferred: openpyxl (slow to import) loads only when an XLSX is written
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    wb = Workbook(write_only=True)
    fixed = datetime(2000, 1, 1)
    wb.properties.created = fixed
    wb.properties.modified = fixed
    ws = wb.create_sheet(sheet)
    bold = Font(bold=True)
    header = []
    for c in columns:
        cell = WriteOnlyCell(ws, value=c)
        cell.font = bold
        header.append(cell)
    ws.append(header)
    n = 0
    try:
        for r in rows:
            ws.append([xlsx_cell(r.get(c)) for c in columns])
            n += 1
        wb.save(path)
    except OSError:
        _abandon(ws)
        raise
    return n


def _abandon(ws: Any) -> None:
    """Close the suspended writers that openpyxl leaves behind when a write fails
    (collected later, they print "Exception ignored" tracebacks) and remove the
    sheet's temporary file."""
    writer = getattr(ws, "_writer", None)
    for gen in (getattr(ws, "_rows", None), getattr(writer, "xf", None)):
        try:
            if gen is not None:
                gen.close()
        except Exception:  # noqa: BLE001 - the same full disk again; the caller reports it once
            pass
    spool = getattr(writer, "out", None)
    if isinstance(spool, str):
        Path(spool).unlink(missing_ok=True)


def export(db: Database, kind: str, fmt: str, out: Path | TextIO, today: date | None = None) -> int:
    """Write the register or the SoA to ``out`` (a path, or a text stream for csv/json). Returns rows."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r}: use one of {', '.join(FORMATS)}")
    columns, rows = rows_for(db, kind, today)
    if fmt == "xlsx":
        if not isinstance(out, Path):
            raise ValueError("xlsx needs a file (--out PATH)")
        # Built in memory, then written: openpyxl's zip writer, failing half way on a
        # full disk, would print "Exception ignored" tracebacks when collected.
        buf = io.BytesIO()
        try:
            n = write_xlsx(columns, rows, buf, "Risk register" if kind == "register" else "Statement of Applicability")
        except OSError as exc:  # openpyxl spools each sheet to a temporary file first
            raise OutputError(f"cannot write {out}: {exc.strerror or exc} (while building the workbook in "
                              f"{tempfile.gettempdir()})") from None
        # complete or absent: a full disk or an unwritable folder is one line naming the path
        with output_file(out, binary=True) as fh:
            fh.write(buf.getvalue())
        return n
    writer = write_csv if fmt == "csv" else write_json
    if isinstance(out, Path):
        with output_file(out) as fh:
            return writer(columns, rows, fh)
    return writer(columns, rows, out)
