"""Finding the header row and mapping columns onto risk fields."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable, Sequence

from ..core.errors import ValidationError
from .import_fields import (FIELD_ALIASES, FIELDS, MULTI_FIELDS, _fields_of, _letter_index, _text, column_letter, field_for,
                            resolve_field_name)
from .import_sheets import HEADER_SEARCH_ROWS, Sheet, _fail

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


def map_columns(headers: Sequence[str], overrides: Sequence[tuple[str | int, str]] = (),
                hidden: set[int] | frozenset[int] = frozenset()) -> list[Column]:
    """Columns with the field each maps to; overrides name a column by header, letter or index.

    A column the spreadsheet hides is not mapped by its name (a hidden "Description"
    must not win over the visible "Risk Description"); ``--map`` can still name it."""
    cols = [Column(i, h) for i, h in enumerate(headers)]
    taken: dict[str, tuple[int, int]] = {}  # field -> (certainty, column index)
    for c in cols:
        f, sure = field_for(c.header)
        if not f:
            continue
        if c.index in hidden:
            c.how = "hidden"
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




def find_column(cols: Sequence[Column], name: str) -> Column | None:
    """A column named by its header, its letter or the field it maps to."""
    norm = " ".join(name.casefold().split())
    for c in cols:
        if c.header.strip() and " ".join(c.header.casefold().split()) == norm:
            return c
    key = name.strip().casefold().replace("-", "_").replace(" ", "_")
    target = key if key in FIELDS else FIELD_ALIASES.get(key)  # a field's own name, not a synonym
    for c in cols:
        if target and c.field == target:
            return c
    idx = _letter_index(name.strip())
    if idx is not None and idx < len(cols):
        return cols[idx]
    return None
