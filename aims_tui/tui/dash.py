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

__all__ = ["Dashboard", "dashboard", "dashboard_quick", "heat_map_quick", "heat_maps"]


def dashboard_quick(db: Database, login: str, today: date | None = None) -> Dashboard | None:
    """The dashboard from the tallies through sqlite3, or None (then ``dashboard`` in a worker):
    a few milliseconds at any size, so the first screen may read it before its first paint."""
    fast = fastread.dashboard_counts(db, login, today)
    return None if fast is None else Dashboard(inherent={}, residual={}, **fast)


def dashboard(db: Database, login: str, today: date | None = None) -> Dashboard:
    """tui.reads.dashboard: from the tallies through sqlite3 when it can, else through the ORM."""
    quick = dashboard_quick(db, login, today)
    if quick is not None:
        return quick
    from . import reads

    return reads.dashboard(db, login, today)


def heat_map_quick(db: Database, residual: bool) -> tuple[Matrix, dict] | None:
    """One heat map from the tallies through sqlite3, or None (then ``heat_maps`` in a worker)."""
    return fastread.heat_map(db, residual)


def heat_maps(db: Database, residual: bool, today: date | None = None) -> tuple[Matrix, dict]:
    """tui.reads.heat_maps: from the tallies through sqlite3 when it can, else through the ORM."""
    quick = heat_map_quick(db, residual)
    if quick is not None:
        return quick
    from . import reads

    return reads.heat_maps(db, residual, today)
