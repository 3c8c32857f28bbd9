"""File permissions of a shared SQLite database (one host, one group)."""

from __future__ import annotations

from .db import Database


def check(database: Database) -> list[str]:
    """Warnings about unsafe permissions (filled in by the team-setup work)."""
    return []
