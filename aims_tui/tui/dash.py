"""What the dashboard shows, and its first read through sqlite3 (issue 15).

The dashboard is the app's first screen: its counts and heat maps are read from the
tallies through the stdlib sqlite3 module (core.fastread) when the database is a
live SQLite file with them, so that the first paint imports no ORM; else through
tui.reads (the ORM path), imported then.
"""

from __future__ import annotations

from datetime import date

from ..core import fastread
from ..core.db import Database
from ..core.scoring import Matrix
from .dash_data import Dashboard

__all__ = ["Dashboard", "dashboard", "heat_maps"]


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
