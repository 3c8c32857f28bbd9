"""Reading the cells of a CSV or XLSX file, bounded in bytes, rows and time.

:func:`read_sheet` returns a :class:`Sheet`: (spreadsheet row number, values)
per row. CSV in any common delimiter and encoding (UTF-8 with or without BOM,
UTF-16 with BOM, Windows-1252); XLSX through openpyxl (cached formula values,
merged cells filled down, the sheet chosen by name or by the best header).
"""

from __future__ import annotations

import csv
import io
import os
import stat
import zipfile
from collections import Counter
from dataclasses import dataclass, field
from itertools import islice
from pathlib import Path
from typing import Any, Iterable, Sequence

from ..core.errors import ValidationError
from .import_fields import _fields_of, _text
import warnings

MAX_BYTES = 20 * 1024 * 1024  # the file on disk
MAX_ROWS = 50_000  # data rows
MAX_XLSX_UNPACKED = 64 * 1024 * 1024  # an .xlsx is a zip: guard against a zip bomb
MAX_XLSX_RATIO = 200  # unpacked / packed; spreadsheets programs save ~5-30
MAX_XLSX_MEMBERS = 10_000
MAX_COLUMNS = 1_000
MAX_XLSX_CELLS = 3_000_000  # 50,000 risks x 60 columns
MAX_MERGED = 20_000
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
    hidden_rows: set[int] = field(default_factory=set)  # row numbers the spreadsheet hides
    hidden_columns: set[int] = field(default_factory=set)  # 0-based columns the spreadsheet hides

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


def read_bounded(path: str | Path, max_bytes: int, what: str = "the import") -> bytes:
    """The bytes of a regular file of at most ``max_bytes``, read once.

    A device (``/dev/zero``), a FIFO, a socket or a folder is refused before a
    byte is read (a FIFO is opened without waiting for a writer), and the read
    stops at ``max_bytes + 1`` whatever the file claims to be.
    """
    p = Path(path)
    try:
        fd = os.open(p, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0))
    except FileNotFoundError:
        raise _fail(f"{p} does not exist") from None
    except IsADirectoryError:
        raise _fail(f"{p} is a folder, not a file") from None
    except OSError as exc:
        raise _fail(f"cannot read {p}: {exc.strerror}") from None
    try:
        st = os.fstat(fd)
        if stat.S_ISDIR(st.st_mode):
            raise _fail(f"{p} is a folder, not a file")
        if not stat.S_ISREG(st.st_mode):
            kind = ("a FIFO (named pipe)" if stat.S_ISFIFO(st.st_mode) else
                    "a device" if stat.S_ISCHR(st.st_mode) or stat.S_ISBLK(st.st_mode) else
                    "a socket" if stat.S_ISSOCK(st.st_mode) else "not a regular file")
            raise _fail(f"{p} is {kind}, not a regular file; save the data to a file and import that")
        if st.st_size > max_bytes:
            raise _fail(f"{p.name} is {_size(st.st_size)}; {what} takes files up to "
                        f"{_size(max_bytes)} (split it, or save only the risk sheet)")
        chunks = []
        left = max_bytes + 1
        while left > 0:
            chunk = os.read(fd, min(left, 1 << 20))
            if not chunk:
                break
            chunks.append(chunk)
            left -= len(chunk)
        data = b"".join(chunks)
    except OSError as exc:
        raise _fail(f"cannot read {p}: {exc.strerror}") from None
    finally:
        os.close(fd)
    if len(data) > max_bytes:  # it grew while we read it
        raise _fail(f"{p.name} is larger than {_size(max_bytes)}; {what} takes files up to {_size(max_bytes)}")
    return data


def read_sheet(path: str | Path, *, sheet: str | None = None, max_bytes: int = MAX_BYTES,
               max_rows: int = MAX_ROWS) -> Sheet:
    """Read the cells of a CSV or XLSX file (raises ValidationError with a clear message)."""
    p = Path(path)
    data = read_bounded(p, max_bytes)
    head = data[:8]
    suffix = p.suffix.casefold()
    if suffix == ".xls" or head.startswith(b"\xd0\xcf\x11\xe0"):
        raise _fail(f"{p.name} is an old Excel .xls file; save it as .xlsx or CSV and import that")
    if suffix == ".ods":
        raise _fail(f"{p.name} is an OpenDocument spreadsheet; save it as .xlsx or CSV and import that")
    if suffix in (".xlsx", ".xlsm") or head.startswith(b"PK\x03\x04"):
        return _read_xlsx(p, data, sheet, max_rows)
    if sheet:
        raise ValidationError("--sheet", "only an XLSX file has sheets; leave --sheet out for a CSV file")
    return _read_csv(p, data, max_rows)


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


def _read_csv(p: Path, data: bytes, max_rows: int) -> Sheet:
    if b"\x00" in data[:8192] and not data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise _fail(f"{p.name} looks like a binary file, not CSV text (save it as CSV or .xlsx)")
    text, encoding = decode(data)
    text = text.replace("\x00", "")
    delimiter = choose_delimiter(text)
    rows: list[tuple[int, list[Any]]] = []
    limit = max_rows + HEADER_SEARCH_ROWS
    # Strict: a quote that is never closed, or text after a closing quote, is an
    # error naming the row (a lenient reader swallows the rows below into one cell).
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    n = 0
    while True:
        line = reader.line_num + 1
        try:
            cells = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            why = ("a quoted cell starts here and its closing quote is missing"
                   if "end of data" in str(exc) else f"the quotes are not as CSV writes them ({exc})")
            raise _fail(f"{p.name} cannot be read as CSV: row {n + 1} (line {line}): {why}; "
                        "nothing was imported") from None
        n += 1
        if n > limit and any(c.strip() for c in cells):
            raise _fail(f"{p.name} has more than {max_rows:,} rows; the import takes up to "
                        f"{max_rows:,} risks at a time (split the file)")
        rows.append((n, cells))
    return Sheet(str(p), "csv", rows, encoding=encoding, delimiter=delimiter)


# -- XLSX ---------------------------------------------------------------------


def check_zip(p: Path, data: bytes, max_unpacked: int = MAX_XLSX_UNPACKED) -> None:
    """Refuse a zip bomb before openpyxl parses a byte: the sizes the archive
    declares (which bound what zipfile will inflate) and their ratio."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            infos = zf.infolist()
    except (zipfile.BadZipFile, OSError, ValueError):
        raise _fail(f"{p.name} is not a valid .xlsx file (it is not a zip archive)") from None
    if len(infos) > MAX_XLSX_MEMBERS:
        raise _fail(f"{p.name} holds {len(infos):,} parts; an .xlsx of a risk register holds a few dozen")
    unpacked = sum(i.file_size for i in infos)
    packed = sum(i.compress_size for i in infos) or 1
    if unpacked > max_unpacked:
        raise _fail(f"{p.name} unpacks to {_size(unpacked)}; the import takes up to {_size(max_unpacked)} "
                    "unpacked (save only the risk sheet)")
    if unpacked > 4 * 1_048_576 and unpacked / packed > MAX_XLSX_RATIO:
        raise _fail(f"{p.name} unpacks to {_size(unpacked)} from {_size(packed)} ({unpacked // packed:,} "
                    "times): not a spreadsheet a program saved; refused")
    _count_cells(p, data, infos)


def _count_cells(p: Path, data: bytes, infos: list) -> None:
    """Bound openpyxl's work (its time grows with cells and merged ranges) before it
    starts: the worksheets are streamed once through zlib and their cells counted."""
    cells = merged = 0
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        for info in infos:
            if not (info.filename.startswith("xl/worksheets/") and info.filename.endswith(".xml")):
                continue
            tail = b""
            with zf.open(info) as fh:
                while True:
                    chunk = fh.read(1 << 20)
                    if not chunk:
                        break
                    buf = tail + chunk
                    cells += buf.count(b"<c ") + buf.count(b"<c>") - tail.count(b"<c ") - tail.count(b"<c>")
                    merged += buf.count(b"<mergeCell ") - tail.count(b"<mergeCell ")
                    tail = buf[-16:]
                    if cells > MAX_XLSX_CELLS:
                        raise _fail(f"{p.name} holds more than {MAX_XLSX_CELLS:,} cells; the import reads up "
                                    "to that (save only the risk sheet, or split it)")
                    if merged > MAX_MERGED:
                        raise _fail(f"{p.name} has more than {MAX_MERGED:,} merged cell ranges; unmerge them "
                                    "or save the sheet as CSV")


def _read_xlsx(p: Path, data: bytes, sheet: str | None, max_rows: int) -> Sheet:
    check_zip(p, data)

    from openpyxl import load_workbook  # deferred: openpyxl loads only for an XLSX file

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # openpyxl warns about unsupported extensions
            wb = load_workbook(io.BytesIO(data), data_only=True)
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
    out.hidden_rows, out.hidden_columns = _hidden(ws, rows)
    wb.close()
    out.formula_cells = _formulas_without_values(data, out)
    return out


def _hidden(ws, rows: list[tuple[int, list[Any]]]) -> tuple[set[int], set[int]]:
    """Rows (numbers) and columns (0-based) the spreadsheet hides, among those that hold data."""
    width = max((len(r) for _, r in rows), default=0)
    cols: set[int] = set()
    for dim in getattr(ws, "column_dimensions", {}).values():
        if getattr(dim, "hidden", False) and dim.min:
            cols.update(c - 1 for c in range(dim.min, min(dim.max or dim.min, width) + 1))
    hidden_rows = {n for n, dim in getattr(ws, "row_dimensions", {}).items()
                   if getattr(dim, "hidden", False) and n <= len(rows)}
    return hidden_rows, {c for c in cols if c < width}


def _percent_format(fmt: Any) -> bool:
    return isinstance(fmt, str) and "%" in fmt.replace("\\%", "").replace('"%"', "")


def _sheet_rows(ws, max_rows: int, p: Path) -> list[tuple[int, list[Any]]]:
    # The real extent: formatting alone can push max_row to 1,048,576.
    cells = getattr(ws, "_cells", {})
    used = [(rc, cell) for rc, cell in cells.items() if cell.value is not None]
    last_row = max((r for (r, _), _ in used), default=0)
    last_col = max((c for (_, c), _ in used), default=0)
    if last_row > max_rows + HEADER_SEARCH_ROWS:
        raise _fail(f"{p.name} (sheet {ws.title!r}) has {last_row:,} rows; the import takes up to "
                    f"{max_rows:,} risks at a time (split the file)")
    if last_col > MAX_COLUMNS:
        raise _fail(f"{p.name} (sheet {ws.title!r}) uses {last_col:,} columns; the import reads up to "
                    f"{MAX_COLUMNS} (delete the columns to the right of the register)")
    grid: list[list[Any]] = [[None] * last_col for _ in range(last_row)]
    for (r, c), cell in used:
        value = cell.value
        # A probability typed as 60 % is stored as 0.6 in a percent cell: read it as shown.
        if isinstance(value, (int, float)) and not isinstance(value, bool) and \
                _percent_format(getattr(cell, "number_format", "")):
            value = f"{value * 100:.10g}%"
        grid[r - 1][c - 1] = value
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


def _formulas_without_values(data: bytes, sheet: Sheet) -> set[tuple[int, int]]:
    """Cells holding a formula whose value was never saved (a file written by a
    program that does not calculate, e.g. a script): there is nothing to import."""
    if not any(v is None for _, row in sheet.rows for v in row):
        return set()
    from openpyxl import load_workbook  # deferred: openpyxl loads only for an XLSX file

    out: set[tuple[int, int]] = set()
    try:
        wb = load_workbook(io.BytesIO(data), read_only=True, data_only=False)
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


