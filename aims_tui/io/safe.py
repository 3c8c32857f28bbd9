"""Make user text safe for spreadsheets (CSV and XLSX formula injection)."""

from __future__ import annotations

from typing import Any

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_safe(value: Any) -> Any:
    """Prefix a text cell that a spreadsheet would run as a formula with a quote.

    Numbers stay numbers (a negative number is not text); only strings change.
    """
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value
