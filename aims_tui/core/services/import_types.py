"""The rows and problems of an import (shared by the check, the write and the faces)."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from typing import Any, Iterable

from ..errors import ValidationError

# ---------------------------------------------------------------------------
# Problems, named by row, column and value
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class RowError:
    """One problem in an import file. ``row`` is the row number a spreadsheet
    shows (1-based; 0 for the file as a whole)."""

    row: int
    column: str
    value: str
    message: str

    @property
    def where(self) -> str:
        if self.row <= 0:
            return f"column {self.column}" if self.column else "file"
        return f"row {self.row}, column {self.column}" if self.column else f"row {self.row}"

    def __str__(self) -> str:
        shown = self.value if len(self.value) <= 60 else self.value[:57] + "..."
        shown = shown.replace("\r", " ").replace("\n", " ")
        val = f" value {shown!r}" if self.value != "" else " (empty)"
        return f"{self.where}:{val}: {self.message}"


class ImportRejected(ValidationError):
    """The file has problems; nothing was written. ``problems`` lists all of them."""

    def __init__(self, problems: Iterable[RowError]):
        self.problems = sorted(set(problems), key=lambda e: (e.row, e.column, e.message))
        n_rows = len({e.row for e in self.problems if e.row > 0})
        summary = (f"{len(self.problems)} problem{'s' if len(self.problems) != 1 else ''}"
                   + (f" in {n_rows} row{'s' if n_rows != 1 else ''}" if n_rows else "")
                   + "; nothing was imported")
        super().__init__("file", summary, [(e.where, _tail(e)) for e in self.problems])
        self.summary = summary


def grouped(problems: Iterable[RowError], shown_rows: int = 8) -> list[str]:
    """One line per distinct problem (column, value, message), naming its rows:
    1,411 cells with the same unknown category are one line, not 1,411."""
    groups: dict[tuple[str, str, str], list[int]] = {}
    for e in problems:
        groups.setdefault((e.column, e.value, e.message), []).append(e.row)
    out = []
    for (column, value, message), rows in groups.items():
        rows = sorted(set(rows))
        if len(rows) == 1:
            out.append(str(RowError(rows[0], column, value, message)))
            continue
        listed = ", ".join(str(r) for r in rows[:shown_rows])
        more = f" and {len(rows) - shown_rows} more" if len(rows) > shown_rows else ""
        tail = _tail(RowError(rows[0], column, value, message))
        out.append(f"rows {listed}{more} ({len(rows)} rows), column {column}: {tail}")
    return out


def _tail(e: RowError) -> str:
    return str(e)[len(e.where) + 1:].strip()


@dataclass
class RiskRow:
    """One spreadsheet row, already parsed by the reader.

    ``data`` holds fields of ``risks.SPECS``; ``owner`` and ``system`` are the
    text of the file (a login or a display name; a ref or a name), resolved
    here. ``columns`` names the column each field came from (for messages),
    ``raw`` the cell text, ``failed`` the fields the reader already reported.
    """

    row: int
    data: dict[str, Any]
    columns: dict[str, str] = field(default_factory=dict)
    raw: dict[str, str] = field(default_factory=dict)
    failed: set[str] = field(default_factory=set)


def slug_login(text_: str) -> str:
    """A login for an owner known only by name: "Alice Martin" -> "alice.martin"."""
    t = unicodedata.normalize("NFKD", text_).encode("ascii", "ignore").decode("ascii").lower()
    t = t.split("@")[0] if "@" in t else t
    t = re.sub(r"[^a-z0-9_.-]+", ".", t).strip(".-")
    t = re.sub(r"\.{2,}", ".", t)
    if t and not re.match(r"[a-z_]", t):
        t = "u" + t
    return t[:32].rstrip(".-")
