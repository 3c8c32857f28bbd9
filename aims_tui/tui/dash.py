"""What the dashboard shows, and its first read through sqlite3 (issue 15).

The dashboard is the app's first screen: its counts and heat maps are read from the
tallies through the stdlib sqlite3 module (core.fastread) when the database is a
live SQLite file with them, so that the first paint imports no ORM; else through
tui.reads (the ORM path), imported then.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from ..core import fastread
from ..core.db import Database
from ..core.scoring import Matrix


@dataclass
class Dashboard:
    empty: bool
    organization: str
    matrix: Matrix
    stages: dict[str, int]
    inherent: dict[tuple[int, int], int]
    residual: dict[tuple[int, int], int]
    risks_overdue: int = 0
    risks_due_soon: int = 0
    treatments_overdue: int = 0
    treatments_due_soon: int = 0
    unaccepted: int = 0
    my_risks: int = 0
    my_risks_overdue: int = 0
    my_treatments: int = 0
    my_treatments_overdue: int = 0
    soon_days: int = 14
    extra: dict[str, Any] = field(default_factory=dict)


def dashboard(db: Database, login: str, today: date | None = None) -> Dashboard:
    """tui.reads.dashboard: from the tallies through sqlite3 when it can, else through the ORM."""
    fast = fastread.dashboard_counts(db, login, today)
    if fast is not None:
        return Dashboard(inherent={}, residual={}, **fast)
    from . import reads

    return reads.dashboard(db, login, today)


def heat_maps(db: Database, residual: bool, today: date | None = None) -> tuple[Matrix, dict]:
    """tui.reads.heat_maps: from the tallies through sqlite3 when it can, else through the ORM."""
    fast = fastread.heat_map(db, residual)
    if fast is not None:
        return fast
    from . import reads

    return reads.heat_maps(db, residual, today)
