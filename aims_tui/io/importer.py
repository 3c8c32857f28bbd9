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
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import re
import unicodedata
import zipfile
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, time
from itertools import islice
from pathlib import Path
from typing import Any, Callable, Iterable, Sequence

from ..core.db import Database
from ..core.errors import AimsError, ValidationError
from ..core.models import RISK_CATEGORIES, RISK_SOURCES, RISK_STATUSES, TREATMENT_OPTIONS
from ..core.scoring import Matrix, parse_scale_value
from ..core.services.importing import ImportRejected, RiskRow, RowError, import_risks

MAX_BYTES = 20 * 1024 * 1024  # the file on disk
MAX_ROWS = 50_000  # data rows
MAX_XLSX_UNPACKED = 100 * 1024 * 1024  # an .xlsx is a zip: guard against a zip bomb
HEADER_SEARCH_ROWS = 30  # the header is looked for in the first 30 non-blank rows
PREVIEW_ROWS = 5

# ---------------------------------------------------------------------------
# Fields and the names spreadsheets give them
# ---------------------------------------------------------------------------

FIELDS: dict[str, str] = {
    "title": "the risk in a few words (required)",
    "description": "longer text",
    "notes": "extra text added to the description under the column's name (several columns may map here)",
    "system": "AI system ref or name (empty: --system, else organization-wide)",
    "owner": "risk owner: login or display name (empty: you)",
    "category": "Annex C objective: " + ", ".join(RISK_CATEGORIES),
    "source": "Annex C risk source: " + ", ".join(RISK_SOURCES),
    "inherent_likelihood": "1..N, a label such as 'Possible', or 'Low/Medium/High' (required)",
    "inherent_impact": "1..N, a label such as 'Major', or 'Low/Medium/High' (required)",
    "residual_likelihood": "as inherent (empty: same as inherent)",
    "residual_impact": "as inherent (empty: same as inherent)",
    "treatment_option": "mitigate, avoid, transfer or accept (and synonyms)",
    "status": "open, treating, accepted or closed (and synonyms)",
    "review_cadence": "monthly, quarterly, yearly, 90d (empty: the default by level)",
    "next_review": "a date (YYYY-MM-DD, or a spreadsheet date)",
    "controls": "Annex A control codes, comma separated",
    "external_id": "the spreadsheet's own risk ID (keeps re-imports from duplicating)",
    "ignore": "leave this column out",
}
MULTI_FIELDS = {"notes", "ignore"}  # several columns may map to these
FIELD_ALIASES = {
    "likelihood": "inherent_likelihood", "impact": "inherent_impact", "id": "external_id",
    "treatment": "treatment_option", "skip": "ignore", "none": "ignore", "-": "ignore",
    "ai_system": "system", "review_date": "next_review",
}

SYNONYMS: dict[str, tuple[str, ...]] = {
    "title": ("title", "risk", "risk title", "risk name", "name", "risk summary", "summary", "short description",
              "risk event", "risk statement", "hazard", "threat", "risk scenario", "scenario", "headline"),
    "description": ("description", "risk description", "details", "detail", "risk details", "long description",
                    "explanation", "narrative"),
    "notes": ("notes", "note", "comments", "comment", "remarks", "cause", "causes", "root cause", "effect",
              "effects", "consequence description", "mitigation", "mitigations", "mitigation plan",
              "treatment plan", "treatment actions", "actions", "action plan", "mitigating actions",
              "existing controls", "current controls", "controls in place", "rationale", "justification"),
    "system": ("system", "ai system", "ai system ref", "system ref", "system name", "ai system name",
               "application", "model", "ai model", "product", "use case", "service", "asset"),
    "owner": ("owner", "risk owner", "owner login", "responsible", "responsible person", "assigned to",
              "assignee", "accountable", "accountable person", "risk manager"),
    "category": ("category", "risk category", "objective", "annex c objective", "risk type", "type", "area",
                 "risk area", "domain", "theme"),
    "source": ("source", "risk source", "annex c source", "origin"),
    "inherent_likelihood": ("likelihood", "probability", "inherent likelihood", "inherent probability",
                            "gross likelihood", "initial likelihood", "frequency", "chance", "l", "p"),
    "inherent_impact": ("impact", "severity", "consequence", "consequences", "inherent impact",
                        "inherent severity", "inherent consequence", "gross impact", "initial impact",
                        "magnitude", "i", "s", "c"),
    "residual_likelihood": ("residual likelihood", "residual probability", "net likelihood",
                            "target likelihood", "post mitigation likelihood", "rl"),
    "residual_impact": ("residual impact", "residual severity", "residual consequence", "net impact",
                        "target impact", "post mitigation impact", "ri"),
    "treatment_option": ("treatment", "treatment option", "risk treatment", "response", "risk response",
                         "treatment strategy", "response strategy", "strategy", "decision"),
    "status": ("status", "risk status", "state"),
    "review_cadence": ("review cadence", "review frequency", "review cycle", "review interval", "cadence"),
    "next_review": ("next review", "next review date", "review date", "review by", "review due", "due date",
                    "next review due"),
    "controls": ("controls", "control", "annex a controls", "annex a control", "linked controls",
                 "iso 42001 controls", "control codes", "control ref", "control refs"),
    "external_id": ("id", "risk id", "ref", "risk ref", "reference", "risk reference", "no", "nr", "number",
                    "risk no", "risk number", "#", "key", "risk key", "identifier"),
    "ignore": ("score", "risk score", "rating", "risk rating", "level", "risk level", "inherent score",
               "residual score", "inherent risk", "residual risk", "inherent rating", "residual rating",
               "rag", "heat", "priority"),
}
_SYN_INDEX = {name: f for f, names in SYNONYMS.items() for name in names}

_LIKELIHOOD_WORDS = {"likelihood", "probability", "frequency", "chance", "occurrence"}
_IMPACT_WORDS = {"impact", "severity", "consequence", "consequences", "magnitude"}
_RESIDUAL_WORDS = {"residual", "net", "post", "target", "after", "remaining"}

TREATMENT_SYNONYMS = {
    "mitigate": "mitigate", "mitigation": "mitigate", "reduce": "mitigate", "reduction": "mitigate",
    "treat": "mitigate", "modify": "mitigate", "control": "mitigate", "minimise": "mitigate",
    "minimize": "mitigate", "change the likelihood": "mitigate", "change the consequences": "mitigate",
    "avoid": "avoid", "avoidance": "avoid", "terminate": "avoid", "eliminate": "avoid", "remove": "avoid",
    "transfer": "transfer", "share": "transfer", "sharing": "transfer", "insure": "transfer",
    "insurance": "transfer", "outsource": "transfer",
    "accept": "accept", "acceptance": "accept", "retain": "accept", "retention": "accept",
    "tolerate": "accept", "take": "accept",
}
STATUS_SYNONYMS = {
    "open": "open", "new": "open", "identified": "open", "active": "open", "raised": "open", "draft": "open",
    "to do": "open", "todo": "open", "not started": "open",
    "treating": "treating", "in treatment": "treating", "in progress": "treating", "mitigating": "treating",
    "ongoing": "treating", "being treated": "treating", "wip": "treating",
    "accepted": "accepted", "tolerated": "accepted", "retained": "accepted",
    "closed": "closed", "resolved": "closed", "done": "closed", "retired": "closed", "complete": "closed",
    "completed": "closed", "mitigated": "closed",
}
CATEGORY_SYNONYMS = {
    "bias": "fairness", "discrimination": "fairness", "equity": "fairness", "fair": "fairness",
    "data protection": "privacy", "gdpr": "privacy", "personal data": "privacy", "confidentiality": "privacy",
    "cyber": "security", "cybersecurity": "security", "cyber security": "security",
    "information security": "security", "infosec": "security",
    "explainability": "transparency", "explicability": "transparency", "interpretability": "transparency",
    "reliability": "robustness", "accuracy": "robustness", "performance": "robustness",
    "resilience": "robustness", "drift": "robustness",
    "data": "data_quality", "data quality": "data_quality", "data integrity": "data_quality",
    "environment": "environmental_impact", "environmental": "environmental_impact",
    "sustainability": "environmental_impact", "energy": "environmental_impact",
    "expertise": "ai_expertise", "skills": "ai_expertise", "competence": "ai_expertise",
    "knowledge": "ai_expertise", "ai expertise": "ai_expertise",
    "governance": "accountability", "oversight": "accountability", "responsibility": "accountability",
    "maintenance": "maintainability", "technical debt": "maintainability",
    "harm": "safety", "physical safety": "safety", "health and safety": "safety",
}


def normalize_header(text: Any) -> str:
    """Casefolded words: "Likelihood (1-5)*" -> "likelihood", "Risk_Owner" -> "risk owner"."""
    s = "" if text is None else str(text)
    s = unicodedata.normalize("NFKC", s).casefold()
    s = re.sub(r"\([^)]*\)|\[[^\]]*\]", " ", s)  # "(1-5)", "[H/M/L]"
    s = s.replace("#", " # ")
    s = re.sub(r"[^\w#]+", " ", s).replace("_", " ")
    return " ".join(s.split())


def field_for(header: Any) -> tuple[str | None, int]:
    """The field a column name maps to, and how sure (2 exact, 1 by words, 0 none)."""
    raw = "" if header is None else str(header)
    n = normalize_header(raw)
    if not n:
        return None, 0
    if n in _SYN_INDEX:
        return _SYN_INDEX[n], 2
    # "Pre-mitigation probability", "Likelihood - residual", "Inherent Risk Impact"
    words = set(n.split())
    residual = bool(words & _RESIDUAL_WORDS)
    if words & _LIKELIHOOD_WORDS and not words & _IMPACT_WORDS:
        return ("residual_likelihood" if residual else "inherent_likelihood"), 1
    if words & _IMPACT_WORDS and not words & _LIKELIHOOD_WORDS:
        return ("residual_impact" if residual else "inherent_impact"), 1
    if "owner" in words:
        return "owner", 1
    if words & {"title", "name"} and "system" not in words and "owner" not in words:
        return "title", 1
    if "description" in words:
        return "description", 1
    if "category" in words:
        return "category", 1
    if words & {"status"}:
        return "status", 1
    return None, 0


def resolve_field_name(name: str) -> str | None:
    """A --map target: a field name, an alias ("likelihood") or a column name ("Probability")."""
    n = name.strip().casefold().replace("-", "_").replace(" ", "_")
    if n in FIELDS:
        return n
    if n in FIELD_ALIASES:
        return FIELD_ALIASES[n]
    f, _ = field_for(name)
    return f


# ---------------------------------------------------------------------------
# Reading cells
# ---------------------------------------------------------------------------


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


def column_letter(index: int) -> str:
    """0 -> A, 25 -> Z, 26 -> AA."""
    s = ""
    n = index + 1
    while n:
        n, r = divmod(n - 1, 26)
        s = chr(65 + r) + s
    return s


def _letter_index(letters: str) -> int | None:
    if not re.fullmatch(r"[A-Za-z]{1,3}", letters):
        return None
    n = 0
    for ch in letters.upper():
        n = n * 26 + (ord(ch) - 64)
    return n - 1


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


# ---------------------------------------------------------------------------
# Header and mapping
# ---------------------------------------------------------------------------


def _text(value: Any) -> str:
    """A cell as text: numbers without a spurious ".0", dates as ISO, newlines as \\n."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        if value.is_integer() and abs(value) < 1e15:
            return str(int(value))
        return repr(value)
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == time(0) else value.isoformat(sep=" ")
    if isinstance(value, (date, time)):
        return value.isoformat()
    s = str(value).replace("\r\n", "\n").replace("\r", "\n")
    # A text cell guarded against formula injection by an export ("'=x") comes back as written.
    if len(s) > 1 and s[0] == "'" and s[1] in "=+-@":
        s = s[1:]
    return s


def _fields_of(cells: Sequence[Any]) -> set[str]:
    return {f for f in (field_for(_text(c))[0] for c in cells) if f and f not in MULTI_FIELDS}


@dataclass
class Column:
    index: int
    header: str
    field: str | None = None
    how: str = ""  # "auto", "map" (--map), "duplicate" (a second column for the same field)

    @property
    def letter(self) -> str:
        return column_letter(self.index)

    @property
    def label(self) -> str:
        h = " ".join(self.header.split())
        return f"{self.letter} {h!r}" if h else self.letter


def _composite(rows: dict[int, list[Any]], n: int) -> list[str]:
    """A two-row header read as one: the group above ("Residual", merged over two
    columns) prefixed to the names below ("Likelihood", "Impact"); a name that
    only the upper row has (a cell merged down) stands alone."""
    header = [_text(c).strip() for c in rows.get(n, [])]
    above = [_text(c).strip() for c in rows.get(n - 1, [])]
    out: list[str] = []
    group = ""
    for i in range(max(len(header), len(above))):
        h = header[i] if i < len(header) else ""
        a = above[i] if i < len(above) else ""
        if a:
            group = a
        elif not h:
            group = ""
        if not h:
            out.append(a)
        elif not group or group.casefold() == h.casefold():
            out.append(h)
        else:
            out.append(f"{group} {h}")
    return out


def detect_header(sheet: Sheet) -> tuple[int, list[str]]:
    """The header's row number and its labels (see the module doc)."""
    candidates = [(n, cells) for n, cells in sheet.rows if any(_text(c).strip() for c in cells)]
    if not candidates:
        raise _fail(f"{Path(sheet.path).name} has no data")
    by_row = dict(sheet.rows)
    best: tuple[int, int, list[str]] | None = None
    for n, cells in candidates[:HEADER_SEARCH_ROWS]:
        labels = [_text(c) for c in cells]
        score = len(_fields_of(labels))
        comp = _composite(by_row, n)
        comp_fields = _fields_of(comp)
        if len(comp_fields) > score and _has_duplicates(labels):
            labels, score = comp, len(comp_fields)
        if best is None or score > best[0]:
            best = (score, n, labels)
    assert best is not None
    score, n, labels = best
    if score < 2 and "title" not in _fields_of(labels):
        n, cells = candidates[0]
        labels = [_text(c) for c in cells]
    return n, labels


def _has_duplicates(labels: Sequence[str]) -> bool:
    fields = [field_for(h)[0] for h in labels]
    fields = [f for f in fields if f and f not in MULTI_FIELDS]
    return len(fields) != len(set(fields))


def header_at(sheet: Sheet, row: int) -> list[str]:
    by_row = dict(sheet.rows)
    if row not in by_row:
        last = sheet.rows[-1][0] if sheet.rows else 0
        raise ValidationError("--header-row", f"row {row} is not in the sheet (it has rows 1..{last})")
    labels = [_text(c) for c in by_row[row]]
    if not any(h.strip() for h in labels):
        raise ValidationError("--header-row", f"row {row} is empty")
    comp = _composite(by_row, row)
    if _has_duplicates(labels) and len(_fields_of(comp)) > len(_fields_of(labels)):
        return comp
    return labels


def parse_map_options(items: Iterable[str]) -> list[tuple[str, str]]:
    """``--map "Risk Title=title"`` -> [("Risk Title", "title")]; the last '=' splits."""
    out = []
    errors = []
    for item in items:
        if "=" not in item:
            errors.append(("--map", f"{item!r} is not SRC=FIELD (e.g. --map 'Probability=inherent_likelihood')"))
            continue
        src, _, dst = item.rpartition("=")
        if not src.strip() or not dst.strip():
            errors.append(("--map", f"{item!r} is not SRC=FIELD"))
            continue
        out.append((src.strip(), dst.strip()))
    if errors:
        raise ValidationError(errors[0][0], errors[0][1], errors)
    return out


def map_columns(headers: Sequence[str], overrides: Sequence[tuple[str | int, str]] = ()) -> list[Column]:
    """Columns with the field each maps to; overrides name a column by header, letter or index."""
    cols = [Column(i, h) for i, h in enumerate(headers)]
    taken: dict[str, tuple[int, int]] = {}  # field -> (certainty, column index)
    for c in cols:
        f, sure = field_for(c.header)
        if not f:
            continue
        if f in MULTI_FIELDS:
            c.field, c.how = f, "auto"
            continue
        if f in taken and taken[f][0] >= sure:
            c.how = "duplicate"
            continue
        if f in taken:
            prev = cols[taken[f][1]]
            prev.field, prev.how = None, "duplicate"
        taken[f] = (sure, c.index)
        c.field, c.how = f, "auto"
    errors: list[tuple[str, str]] = []
    mapped_by_option: dict[str, str] = {}
    for src, dst in overrides:
        target = resolve_field_name(dst)
        if target is None:
            errors.append(("--map", f"{dst!r} is not a field; the fields are: {', '.join(FIELDS)}"))
            continue
        if isinstance(src, int):  # a column index (the TUI's mapping)
            hits = [cols[src]] if 0 <= src < len(cols) else []
            src = column_letter(src)
        else:
            norm = " ".join(src.casefold().split())
            hits = [c for c in cols if " ".join(c.header.casefold().split()) == norm and c.header.strip()]
        if not hits:
            idx = _letter_index(src)
            hits = [cols[idx]] if idx is not None and idx < len(cols) else []
        if not hits:
            shown = ", ".join(repr(c.header) for c in cols if c.header.strip()) or "(none)"
            errors.append(("--map", f"no column is called {src!r}; the columns are: {shown} "
                           "(or name a column by its letter: A, B, ...)"))
            continue
        if target not in MULTI_FIELDS and target in mapped_by_option and mapped_by_option[target] != src:
            errors.append(("--map", f"both {mapped_by_option[target]!r} and {src!r} are mapped to {target}"))
            continue
        mapped_by_option[target] = src
        for c in hits:
            if target not in MULTI_FIELDS:
                for other in cols:
                    if other.field == target and other is not c:
                        other.field, other.how = None, "replaced"
            c.field, c.how = (None if target == "ignore" else target), "map"
            if target == "ignore":
                c.how = "ignored"
    if errors:
        raise ValidationError(errors[0][0], errors[0][1], errors)
    return cols


# ---------------------------------------------------------------------------
# Values
# ---------------------------------------------------------------------------


def _fold(s: str) -> str:
    return " ".join(re.sub(r"[-_/]+", " ", s.casefold()).split())


def _scale_hint(labels: Sequence[str]) -> str:
    return f"1-{len(labels)} or one of {', '.join(labels)} (or Low/Medium/High)"


_DMY = re.compile(r"^\s*(\d{1,2})[./-](\d{1,2})[./-](\d{4})\s*$")


def parse_date(value: Any) -> date:
    """A spreadsheet date, YYYY-MM-DD, an unambiguous D.M.YYYY or a date with a month name."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    s = _text(value).strip()
    from dateutil.parser import isoparse, parse

    try:
        d = isoparse(s)
        return d.date() if isinstance(d, datetime) else d
    except (ValueError, OverflowError):
        pass
    m = _DMY.match(s)
    if m:
        a, b, y = int(m.group(1)), int(m.group(2)), int(m.group(3))
        if a > 12 >= b:
            return date(y, b, a)
        if b > 12 >= a:
            return date(y, a, b)
        if a == b:
            return date(y, a, b)
        raise ValueError("is ambiguous (day/month or month/day?); write it as YYYY-MM-DD")
    if re.search(r"[A-Za-z]{3,}", s):
        try:
            return parse(s, dayfirst=True).date()
        except (ValueError, OverflowError):
            pass
    raise ValueError("is not a date; write it as YYYY-MM-DD")


def _choice(value: str, choices: Sequence[str], synonyms: dict[str, str]) -> str | None:
    f = _fold(value)
    if f.replace(" ", "_") in choices:
        return f.replace(" ", "_")
    return synonyms.get(f)


def source_key(external_id: str, title: str, description: str, system: str) -> str:
    """The key that keeps a re-import from duplicating (see the README).

    With an ID column: ``id:`` and the ID as written (trimmed, casefolded).
    Without one: ``content:`` and a SHA-256 of the title, description and
    system as written, with case and spacing folded, so the same rows in
    another file (a CSV saved from the XLSX, rows in another order) match.
    """
    if external_id.strip():
        key = " ".join(external_id.split()).casefold()
        if len(key) <= 150:
            return "id:" + key
        return "id:sha256:" + hashlib.sha256(key.encode("utf-8")).hexdigest()
    parts = [" ".join(unicodedata.normalize("NFC", x).split()).casefold() for x in (title, description, system)]
    return "content:" + hashlib.sha256(json.dumps(parts, ensure_ascii=False).encode("utf-8")).hexdigest()


@dataclass
class Plan:
    """What an import would do: the sheet, the header, the mapping and the rows."""

    sheet: Sheet
    header_row: int
    columns: list[Column]
    rows: list[RiskRow]
    problems: list[RowError]
    default_system: str = ""
    blank_rows: int = 0

    def mapping(self) -> list[tuple[str, str]]:
        """(column label, field or "") for every column with a header or a field."""
        return [(c.label, c.field or "") for c in self.columns if c.header.strip() or c.field]

    def preview(self, n: int = PREVIEW_ROWS) -> list[tuple[int, list[str]]]:
        """The first ``n`` data rows as text (row number, cells)."""
        out = []
        for rownum, cells in self.sheet.rows:
            if rownum <= self.header_row or not any(_text(c).strip() for c in cells):
                continue
            out.append((rownum, [_text(c) for c in cells]))
            if len(out) >= n:
                break
        return out


def build_rows(sheet: Sheet, header_row: int, columns: Sequence[Column], matrix: Matrix, *,
               default_system: str = "", max_rows: int = MAX_ROWS) -> tuple[list[RiskRow], list[RowError], int]:
    """Cells to values; returns rows, the problems found, and how many rows were blank."""
    mapped = [c for c in columns if c.field]
    problems: list[RowError] = []
    rows: list[RiskRow] = []
    blank = 0
    id_col = next((c for c in mapped if c.field == "external_id"), None)
    title_col = next((c for c in mapped if c.field == "title"), None)
    for rownum, cells in sheet.rows:
        if rownum <= header_row:
            continue
        texts = {c.index: (_text(cells[c.index]) if c.index < len(cells) else "") for c in mapped}
        formula_gaps = [c for c in mapped if (rownum, c.index) in sheet.formula_cells and c.field != "ignore"]
        # Blank as far as the import goes: nothing but an ID or ignored columns (a template's
        # pre-numbered empty rows, a totals row under the Score column).
        if not any(texts[c.index].strip() for c in mapped if c.field not in ("ignore", "external_id")) \
                and not formula_gaps:
            blank += 1
            continue
        if len(rows) >= max_rows:
            raise _fail(f"{Path(sheet.path).name} has more than {max_rows:,} risks; the import takes up to "
                        f"{max_rows:,} at a time (split the file)")
        r = RiskRow(rownum, {})
        notes: list[str] = []
        for c in formula_gaps:
            problems.append(RowError(rownum, c.label, "",
                                     "is a formula whose value was never calculated and saved; open the file "
                                     "in a spreadsheet program and save it, or type the value"))
            r.failed.add(c.field or "")
        for c in mapped:
            f = c.field
            assert f is not None
            t = texts[c.index]
            if f == "notes":
                if t.strip():
                    name = " ".join(c.header.split()) or c.letter
                    notes.append(f"{name}: {t.strip()}")
                continue
            if f == "ignore" or f in r.failed:
                continue
            r.columns[f] = c.label
            r.raw[f] = t
            value: Any = t.strip() if f != "description" else t.strip("\n ").rstrip()
            try:
                if f in ("inherent_likelihood", "residual_likelihood", "inherent_impact", "residual_impact"):
                    labels = matrix.likelihood_labels if "likelihood" in f else matrix.impact_labels
                    raw_cell = cells[c.index] if c.index < len(cells) else None
                    if not t.strip():
                        value = None
                    else:
                        value = parse_scale_value(raw_cell if isinstance(raw_cell, (int, float)) else t, labels)
                        if value is None:
                            kind = "likelihood" if "likelihood" in f else "impact"
                            raise ValueError(f"is not on the {kind} scale: use {_scale_hint(labels)}")
                elif f == "treatment_option" and value:
                    value = _choice(value, TREATMENT_OPTIONS, TREATMENT_SYNONYMS) or _bad(
                        f"is not a treatment option ({', '.join(TREATMENT_OPTIONS)}); if the column describes "
                        f"actions, map it to notes: --map '{c.header.strip() or c.letter}=notes'")
                elif f == "status" and value:
                    value = _choice(value, RISK_STATUSES, STATUS_SYNONYMS) or _bad(
                        f"is not a status ({', '.join(RISK_STATUSES)})")
                elif f == "category" and value:
                    value = _choice(value, RISK_CATEGORIES, CATEGORY_SYNONYMS) or _bad(
                        f"is not an Annex C objective ({', '.join(RISK_CATEGORIES)}); fix the cell or "
                        f"leave the column out: --map '{c.header.strip() or c.letter}=ignore'")
                elif f == "source" and value:
                    value = _choice(value, RISK_SOURCES, {}) or _bad(
                        f"is not an Annex C risk source ({', '.join(RISK_SOURCES)}); fix the cell or "
                        f"leave the column out: --map '{c.header.strip() or c.letter}=ignore'")
                elif f == "controls" and value:
                    # "A.6.2.4 A.7.2", "A.6.2.4; A.7.2", one per line: codes have no spaces
                    value = ", ".join(c for c in re.split(r"[\s,;]+", value) if c)
                elif f == "next_review" and value:
                    raw_cell = cells[c.index] if c.index < len(cells) else None
                    value = parse_date(raw_cell if isinstance(raw_cell, (date, datetime)) else value)
            except ValueError as exc:
                problems.append(RowError(rownum, c.label, t, str(exc)))
                r.failed.add(f)
                continue
            if f == "external_id":
                continue
            if value in ("", None) and f not in ("title", "inherent_likelihood", "inherent_impact"):
                continue
            r.data[f] = value
        if default_system and not r.data.get("system"):
            r.data["system"] = default_system
            r.columns["system"] = "--system"
            r.raw["system"] = default_system
        ext = r.raw.get("external_id", "") if id_col else ""
        # The key reads the description column only (not the notes columns added below).
        r.data["source_key"] = source_key(ext, str(r.data.get("title", "")), str(r.data.get("description", "")),
                                          str(r.data.get("system", "")))
        if notes:
            desc = str(r.data.get("description") or "")
            r.data["description"] = "\n\n".join([desc] + notes if desc else notes)
            r.columns.setdefault("description", "notes")
        if ext.strip():
            r.columns["source_key"], r.raw["source_key"] = id_col.label, ext  # type: ignore[union-attr]
        else:
            r.columns["source_key"] = title_col.label if title_col else "title"
            r.raw["source_key"] = str(r.data.get("title", ""))
        rows.append(r)
    return rows, problems, blank


def _bad(message: str) -> str:
    raise ValueError(message)


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


__all__ = ["AimsError", "ImportRejected", "Plan", "RowError", "Sheet", "build_rows", "detect_header",
           "import_file", "map_columns", "prepare", "read_sheet", "run", "FIELDS"]
