"""Cells to values: one :class:`RiskRow` per spreadsheet row, every bad cell named."""

from __future__ import annotations

import hashlib
import json
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any, Sequence

from ..core.models import RISK_CATEGORIES, RISK_SOURCES, RISK_STATUSES, TREATMENT_OPTIONS
from ..core.scoring import Matrix, parse_scale_value
from ..core.services.importing import RiskRow, RowError
from .import_columns import Column
from .import_fields import CATEGORY_SYNONYMS, STATUS_SYNONYMS, TREATMENT_SYNONYMS, TREATMENT_UNDECIDED, _text
from .import_sheets import MAX_ROWS, Sheet, _fail
from dateutil.parser import isoparse, parse

PREVIEW_ROWS = 5

# ---------------------------------------------------------------------------
# Values
# ---------------------------------------------------------------------------


def _fold(s: str) -> str:
    return " ".join(re.sub(r"[-_/]+", " ", s.casefold()).split())


def _scale_hint(labels: Sequence[str]) -> str:
    return f"1-{len(labels)} or one of {', '.join(labels)} (or Low/Medium/High)"


EXCEL_EPOCH = date(1899, 12, 30)
SERIAL_MIN, SERIAL_MAX = 18_264, 109_574  # 1950-01-01 .. 2199-12-31 as spreadsheet serials
# A totals row: its first filled cell says so ("Total", "Grand total:", "Sum (42)", "Average").
_TOTALS = re.compile(r"^(grand |sub ?)?(totals?|sum|average|mean|count)( risks?| of risks)?$")
_DMY = re.compile(r"^\s*(\d{1,2})[./-](\d{1,2})[./-](\d{4})\s*$")


def parse_date(value: Any) -> date:
    """A spreadsheet date, YYYY-MM-DD, an unambiguous D.M.YYYY or a date with a month name."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool) or \
            isinstance(value, str) and re.fullmatch(r"\s*\d{5}(\.0+)?\s*", value):
        # A date serial in a General cell (days since 1899-12-30, as Excel and LibreOffice count)
        n = float(value)
        if SERIAL_MIN <= n <= SERIAL_MAX:
            return EXCEL_EPOCH + timedelta(days=int(n))
        raise ValueError("is a number, not a date; write it as YYYY-MM-DD")
    s = _text(value).strip()

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
    notices: list[str] = field(default_factory=list)  # about the whole file, each said once
    zero_based: list[str] = field(default_factory=list)  # score columns that look 0-based (unresolved)
    spec: Any = None  # the MappingSpec used (import_maps), for --save-map

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


SCORE_FIELDS = ("inherent_likelihood", "inherent_impact", "residual_likelihood", "residual_impact")


@dataclass
class RowOptions:
    """How cells become values beyond the column mapping."""

    default_system: str = ""
    default_likelihood: int | None = None  # for rows without a likelihood (else: awaiting assessment)
    default_impact: int | None = None
    scale_offset: int = 0  # added to numeric scores (1: a 0-based export such as CISO Assistant's)
    values: dict[int, dict[str, str]] = field(default_factory=dict)  # column index -> {folded value: new}
    totals_rows: list[int] = field(default_factory=list)  # filled in: rows left out as totals


def fold_value(text: str) -> str:
    return " ".join(str(text).casefold().split())


def _is_totals(cells: Sequence[Any], mapped: Sequence[Column], title_col: Column | None) -> bool:
    first = next((_text(c).strip() for c in cells if _text(c).strip()), "")
    words = " ".join(re.sub(r"[^\w ]+|\d+", " ", first.casefold()).split())
    if _TOTALS.match(words):
        return True
    # No title, and every filled mapped cell a number: sums under the score columns.
    if title_col is not None and not _text(cells[title_col.index] if title_col.index < len(cells) else "").strip():
        filled = [cells[c.index] for c in mapped if c.index < len(cells) and _text(cells[c.index]).strip()]
        return bool(filled) and all(isinstance(v, (int, float)) and not isinstance(v, bool) or
                                    re.fullmatch(r"\s*-?\d+([.,]\d+)?\s*", _text(v)) for v in filled) \
            and any(c.field in SCORE_FIELDS for c in mapped
                    if c.index < len(cells) and _text(cells[c.index]).strip())
    return False


def build_rows(sheet: Sheet, header_row: int, columns: Sequence[Column], matrix: Matrix, *,
               default_system: str = "", max_rows: int = MAX_ROWS,
               options: RowOptions | None = None) -> tuple[list[RiskRow], list[RowError], int]:
    """Cells to values; returns rows, the problems found, and how many rows were blank."""
    opts = options or RowOptions(default_system=default_system)
    default_system = opts.default_system or default_system
    mapped = [c for c in columns if c.field]
    problems: list[RowError] = []
    rows: list[RiskRow] = []
    blank = 0
    defaults = {"inherent_likelihood": opts.default_likelihood, "inherent_impact": opts.default_impact}
    id_col = next((c for c in mapped if c.field == "external_id"), None)
    title_col = next((c for c in mapped if c.field == "title"), None)
    for rownum, cells in sheet.rows:
        if rownum <= header_row:
            continue
        texts = {c.index: (_text(cells[c.index]) if c.index < len(cells) else "") for c in mapped}
        for idx, vmap in opts.values.items():  # --value-map: the cell as the file means it
            if idx in texts and fold_value(texts[idx]) in vmap:
                texts[idx] = vmap[fold_value(texts[idx])]
        formula_gaps = [c for c in mapped if (rownum, c.index) in sheet.formula_cells and c.field != "ignore"]
        # Blank as far as the import goes: nothing but an ID or ignored columns (a template's
        # pre-numbered empty rows, a totals row under the Score column).
        if not any(texts[c.index].strip() for c in mapped if c.field not in ("ignore", "external_id")) \
                and not formula_gaps:
            blank += 1
            continue
        if _is_totals(cells, mapped, title_col):
            opts.totals_rows.append(rownum)
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
                    if opts.values.get(c.index) and fold_value(_text(raw_cell)) in opts.values[c.index]:
                        raw_cell = t  # value-mapped: read the new text
                    number = _number(raw_cell if isinstance(raw_cell, (int, float)) else t)
                    if opts.scale_offset and number is not None:
                        # a 0-based index (CISO Assistant: -1 = not rated)
                        raw_cell = None if number < 0 else number + opts.scale_offset
                        t = "" if raw_cell is None else str(raw_cell)
                    if not t.strip():
                        value = defaults.get(f)
                    else:
                        value = parse_scale_value(raw_cell if isinstance(raw_cell, (int, float)) else t, labels)
                        if value is None:
                            kind = "likelihood" if "likelihood" in f else "impact"
                            raise ValueError(f"is not on the {kind} scale: use {_scale_hint(labels)}")
                elif f == "treatment_option" and value and fold_value(value) in TREATMENT_UNDECIDED:
                    value = ""  # no option chosen yet: the default, and the risk stays open
                elif f == "treatment_option" and value:
                    value = _choice(value, TREATMENT_OPTIONS, TREATMENT_SYNONYMS) or _bad(
                        f"is not a treatment option ({', '.join(TREATMENT_OPTIONS)}); translate it "
                        f"(--value-map '{c.header.strip() or c.letter}:{value}=OPTION'), or if the column describes "
                        f"actions, map it to notes: --map '{c.header.strip() or c.letter}=notes'")
                elif f == "status" and value:
                    value = _choice(value, RISK_STATUSES, STATUS_SYNONYMS) or _bad(
                        f"is not a status ({', '.join(RISK_STATUSES)})")
                elif f == "category" and value:
                    value = _choice(value, RISK_CATEGORIES, CATEGORY_SYNONYMS) or _bad(
                        f"is not an Annex C objective ({', '.join(RISK_CATEGORIES)}); translate it "
                        f"(--value-map '{c.header.strip() or c.letter}:{value}=OBJECTIVE'), fix the cell or "
                        f"leave the column out: --map '{c.header.strip() or c.letter}=ignore'")
                elif f == "source" and value:
                    value = _choice(value, RISK_SOURCES, {}) or _bad(
                        f"is not an Annex C risk source ({', '.join(RISK_SOURCES)}); translate it "
                        f"(--value-map '{c.header.strip() or c.letter}:{value}=SOURCE'), fix the cell or "
                        f"leave the column out: --map '{c.header.strip() or c.letter}=ignore'")
                elif f == "controls" and value:
                    # "A.6.2.4 A.7.2", "A.6.2.4; A.7.2", one per line: codes have no spaces
                    value = ", ".join(c for c in re.split(r"[\s,;]+", value) if c)
                elif f == "next_review" and value:
                    raw_cell = cells[c.index] if c.index < len(cells) else None
                    value = parse_date(raw_cell if isinstance(raw_cell, (date, datetime, int, float))
                                       and not isinstance(raw_cell, bool) else value)
            except ValueError as exc:
                problems.append(RowError(rownum, c.label, t, str(exc)))
                r.failed.add(f)
                continue
            if f == "external_id":
                continue
            if value in ("", None) and f not in ("title", "inherent_likelihood", "inherent_impact"):
                continue
            r.data[f] = value
        for f, v in defaults.items():  # --default-likelihood / --default-impact, column or not
            if v is not None and r.data.get(f) in (None, "") and f not in r.failed:
                r.data[f] = v
                r.columns.setdefault(f, "--default-" + f.split("_")[1])
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


def _number(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return float(value)
    m = re.fullmatch(r"\s*(-?\d+)(\.0+)?\s*", str(value or ""))
    return float(m.group(1)) if m else None


def zero_based_columns(sheet: Sheet, header_row: int, columns: Sequence[Column]) -> list[Column]:
    """Score columns whose numbers start at 0 (or hold -1): a 0-based matrix index."""
    out = []
    for c in columns:
        if c.field not in SCORE_FIELDS:
            continue
        nums = [n for n in (_number(cells[c.index]) for r, cells in sheet.rows
                            if r > header_row and c.index < len(cells)) if n is not None]
        if nums and min(nums) <= 0:
            out.append(c)
    return out


def _bad(message: str) -> str:
    raise ValueError(message)


