"""Reading the cells of a CSV or XLSX file, bounded in bytes, rows and time.

:func:`read_sheet` returns a :class:`Sheet`: (spreadsheet row number, values)
per row. CSV in any common delimiter and encoding (UTF-8 with or without BOM,
UTF-16 with BOM, Windows-1252); XLSX through openpyxl (cached formula values,
merged cells filled down, the sheet chosen by name or by the best header).
"""

from __future__ import annotations

import csv
import io
import zipfile
from collections import Counter
from dataclasses import dataclass, field
from itertools import islice
from pathlib import Path
from typing import Any, Iterable, Sequence

from ..core.errors import ValidationError
from .import_fields import _fields_of, _text

MAX_BYTES = 20 * 1024 * 1024  # the file on disk
MAX_ROWS = 50_000  # data rows
MAX_XLSX_UNPACKED = 100 * 1024 * 1024  # an .xlsx is a zip: guard against a zip bomb
HEADER_SEARCH_ROWS = 30  # the header is looked for in the first 30 non-blank rows


@dataclass
class Sheet:
    """The cells of one sheet: (spreadsheet row number, values) per row."""

    path: str
    kind: str  # "csv" | "xlsx"
    rows: list[tuple[int, list[Any]]]
    name: str = ""  # the XLSX sheet
    sheets: list[str] = field(default_factory=list)
    encoding: str = ""
    delimiter: str = ""
    formula_cells: set[tuple[int, int]] = field(default_factory=set)  # (row, 0-based column), no cached value

    @property
    def description(self) -> str:
        if self.kind == "csv":
            names = {",": "comma", ";": "semicolon", "\t": "tab", "|": "pipe"}
            return f"CSV, {self.encoding}, {names.get(self.delimiter, repr(self.delimiter))}-delimited"
        return f"XLSX, sheet {self.name!r}" + (f" (of {', '.join(self.sheets)})" if len(self.sheets) > 1 else "")

def _size(n: int) -> str:
    if n >= 1_048_576:
        return f"{n / 1_048_576:.1f} MB".replace(".0 MB", " MB")
    if n >= 1024:
        return f"{n / 1024:.0f} KB"
    return f"{n} bytes"


def _fail(message: str) -> ValidationError:
    return ValidationError("file", message)


def read_sheet(path: str | Path, *, sheet: str | None = None, max_bytes: int = MAX_BYTES,
               max_rows: int = MAX_ROWS) -> Sheet:
    """Read the cells of a CSV or XLSX file (raises ValidationError with a clear message)."""
    p = Path(path)
    try:
        size = p.stat().st_size
    except FileNotFoundError:
        raise _fail(f"{p} does not exist") from None
    except OSError as exc:
        raise _fail(f"cannot read {p}: {exc.strerror}") from None
    if p.is_dir():
        raise _fail(f"{p} is a folder, not a file")
    if size > max_bytes:
        raise _fail(f"{p.name} is {_size(size)}; the import takes files up to "
                    f"{_size(max_bytes)} (split it, or save only the risk sheet)")
    try:
        with p.open("rb") as fh:
            head = fh.read(8)
    except OSError as exc:
        raise _fail(f"cannot read {p}: {exc.strerror}") from None
    suffix = p.suffix.casefold()
    if suffix == ".xls" or head.startswith(b"\xd0\xcf\x11\xe0"):
        raise _fail(f"{p.name} is an old Excel .xls file; save it as .xlsx or CSV and import that")
    if suffix == ".ods":
        raise _fail(f"{p.name} is an OpenDocument spreadsheet; save it as .xlsx or CSV and import that")
    if suffix in (".xlsx", ".xlsm") or head.startswith(b"PK\x03\x04"):
        return _read_xlsx(p, sheet, max_rows)
    if sheet:
        raise ValidationError("--sheet", "only an XLSX file has sheets; leave --sheet out for a CSV file")
    return _read_csv(p, max_rows)


# -- CSV ----------------------------------------------------------------------

DELIMITERS = (",", ";", "\t", "|")


def decode(data: bytes) -> tuple[str, str]:
    """Text and the encoding it was read in: UTF-8 (BOM or not), UTF-16 with BOM, else Windows-1252."""
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", errors="replace"), "UTF-8 with BOM"
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16"), "UTF-16"
        except UnicodeDecodeError:
            pass
    try:
        return data.decode("utf-8"), "UTF-8"
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252"), "Windows-1252"
    except UnicodeDecodeError:
        return data.decode("latin-1"), "Latin-1"


def _parse_csv(text: str, delimiter: str, limit: int | None = None) -> list[list[str]]:
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=False)
    return list(islice(reader, limit) if limit else reader)


def _header_score(rows: Iterable[Sequence[Any]]) -> int:
    best = 0
    for cells in islice((r for r in rows if any(_text(c) for c in r)), HEADER_SEARCH_ROWS):
        best = max(best, len(_fields_of(cells)))
    return best


def choose_delimiter(text: str) -> str:
    """The delimiter whose parse finds the best header, then csv.Sniffer's guess,
    then the most consistent row width."""
    sample = text[:65536]
    try:
        sniffed = csv.Sniffer().sniff(sample, delimiters="".join(DELIMITERS)).delimiter
    except csv.Error:
        sniffed = ""
    scored = []
    for i, d in enumerate(DELIMITERS):
        try:
            rows = _parse_csv(sample, d, 60)
        except csv.Error:
            continue
        widths = Counter(len(r) for r in rows if any(c.strip() for c in r))
        width, count = widths.most_common(1)[0] if widths else (0, 0)
        consistent = count if width > 1 else 0
        scored.append((_header_score(rows), d == sniffed, consistent, -i, d))
    if not scored:
        return sniffed or ","
    return max(scored)[-1]


def _read_csv(p: Path, max_rows: int) -> Sheet:
    data = p.read_bytes()
    if b"\x00" in data[:8192] and not data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise _fail(f"{p.name} looks like a binary file, not CSV text (save it as CSV or .xlsx)")
    text, encoding = decode(data)
    text = text.replace("\x00", "")
    delimiter = choose_delimiter(text)
    rows: list[tuple[int, list[Any]]] = []
    limit = max_rows + HEADER_SEARCH_ROWS
    try:
        reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=False)
        for n, cells in enumerate(reader, start=1):
            if n > limit and any(c.strip() for c in cells):
                raise _fail(f"{p.name} has more than {max_rows:,} rows; the import takes up to "
                            f"{max_rows:,} risks at a time (split the file)")
            rows.append((n, cells))
    except csv.Error as exc:
        raise _fail(f"{p.name} cannot be read as CSV (record {len(rows) + 1}: {exc})") from None
    return Sheet(str(p), "csv", rows, encoding=encoding, delimiter=delimiter)


# -- XLSX ---------------------------------------------------------------------


def _read_xlsx(p: Path, sheet: str | None, max_rows: int) -> Sheet:
    try:
        with zipfile.ZipFile(p) as zf:
            unpacked = sum(i.file_size for i in zf.infolist())
    except (zipfile.BadZipFile, OSError):
        raise _fail(f"{p.name} is not a valid .xlsx file (it is not a zip archive)") from None
    if unpacked > MAX_XLSX_UNPACKED:
        raise _fail(f"{p.name} unpacks to {unpacked / 1_048_576:.0f} MB; the import takes up to "
                    f"{MAX_XLSX_UNPACKED / 1_048_576:.0f} MB (save only the risk sheet)")
    import warnings

    from openpyxl import load_workbook

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # openpyxl warns about unsupported extensions
            wb = load_workbook(p, data_only=True)
    except Exception as exc:  # noqa: BLE001 - openpyxl raises many kinds on a broken file
        raise _fail(f"{p.name} cannot be read as .xlsx ({type(exc).__name__}: {exc})") from None
    names = list(wb.sheetnames)
    worksheets = [ws for ws in wb.worksheets]
    if sheet:
        chosen = [ws for ws in worksheets if ws.title.casefold() == sheet.strip().casefold()]
        if not chosen:
            raise ValidationError("--sheet", f"{p.name} has no sheet {sheet!r}; its sheets are: "
                                  + ", ".join(repr(n) for n in names))
        ws = chosen[0]
        rows = _sheet_rows(ws, max_rows, p)
    else:
        # The sheet whose header names the most known columns (ties: the first).
        best = None
        for i, ws_ in enumerate(worksheets):
            rows_ = _sheet_rows(ws_, max_rows, p)
            score = _header_score(cells for _, cells in rows_)
            if best is None or score > best[0]:
                best = (score, ws_, rows_)
        if best is None:
            raise _fail(f"{p.name} has no worksheet")
        _, ws, rows = best
    out = Sheet(str(p), "xlsx", rows, name=ws.title, sheets=names)
    wb.close()
    out.formula_cells = _formulas_without_values(p, out)
    return out


def _sheet_rows(ws, max_rows: int, p: Path) -> list[tuple[int, list[Any]]]:
    # The real extent: formatting alone can push max_row to 1,048,576.
    cells = getattr(ws, "_cells", None)
    if cells is not None:
        used = [(r, c) for (r, c), cell in cells.items() if cell.value is not None]
        last_row = max((r for r, _ in used), default=0)
        last_col = max((c for _, c in used), default=0)
    else:  # pragma: no cover - a worksheet type without _cells
        last_row, last_col = ws.max_row, ws.max_column
    if last_row > max_rows + HEADER_SEARCH_ROWS:
        raise _fail(f"{p.name} (sheet {ws.title!r}) has {last_row:,} rows; the import takes up to "
                    f"{max_rows:,} risks at a time (split the file)")
    grid: list[list[Any]] = [[None] * last_col for _ in range(last_row)]
    if last_row and last_col:
        for r, row in enumerate(ws.iter_rows(min_row=1, max_row=last_row, max_col=last_col,
                                             values_only=True)):
            grid[r] = list(row)
    # Merged cells: the value sits in the top-left cell only. A vertical merge
    # (a system or category spanning several risks) is filled down its first column.
    for rng in getattr(ws.merged_cells, "ranges", ()):
        if rng.min_row > last_row or rng.min_col > last_col:
            continue
        value = grid[rng.min_row - 1][rng.min_col - 1]
        for r in range(rng.min_row + 1, min(rng.max_row, last_row) + 1):
            if grid[r - 1][rng.min_col - 1] is None:
                grid[r - 1][rng.min_col - 1] = value
    return [(i + 1, row) for i, row in enumerate(grid)]


def _formulas_without_values(p: Path, sheet: Sheet) -> set[tuple[int, int]]:
    """Cells holding a formula whose value was never saved (a file written by a
    program that does not calculate, e.g. a script): there is nothing to import."""
    if not any(v is None for _, row in sheet.rows for v in row):
        return set()
    from openpyxl import load_workbook

    out: set[tuple[int, int]] = set()
    try:
        wb = load_workbook(p, read_only=True, data_only=False)
    except Exception:  # noqa: BLE001
        return out
    try:
        ws = wb[sheet.name]
        values = {n: row for n, row in sheet.rows}
        for row in ws.iter_rows():
            for cell in row:
                v = getattr(cell, "value", None)
                if isinstance(v, str) and v.startswith("=") or getattr(cell, "data_type", "") == "f":
                    r, c = cell.row, cell.column - 1
                    cached = values.get(r)
                    if cached is not None and (c >= len(cached) or cached[c] is None):
                        out.add((r, c))
    finally:
        wb.close()
    return out


