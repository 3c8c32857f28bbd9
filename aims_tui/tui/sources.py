"""Page sources for PagedTable over the core read path (keyset windows)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

from ..core import queries, windows
from ..core.db import Database
from .widgets.paged_table import Window


@dataclass
class RiskSource:
    """The register under a filter and a sort, read a window at a time."""

    database: Database
    filter: queries.RiskFilter
    sort: str = "ref"
    descending: bool = False

    def fetch(self, *, after: Any = None, before: Any = None, last: bool = False, limit: int = 20) -> Window:
        if last:
            # the last window: read backwards from the end, then put it in order
            p = queries.risk_page(self.database, self.filter, sort=self.sort, descending=not self.descending,
                                  limit=limit)
            rows = list(reversed(p.rows))
            return Window(rows, p.last_key, p.first_key, p.has_more)
        p = queries.risk_page(self.database, self.filter, sort=self.sort, descending=self.descending,
                              after=after, before=before, limit=limit)
        return Window(p.rows, p.first_key, p.last_key, p.has_more)

    def count(self) -> int:
        return queries.risk_count(self.database, self.filter)


@dataclass
class WindowSource:
    """Any core window function (core.windows: system_page, treatment_page,
    audit_page) with its count, under one filter."""

    database: Database
    filter: Any
    page_fn: Callable[..., windows.Page]
    count_fn: Callable[..., int]

    def fetch(self, *, after: Any = None, before: Any = None, last: bool = False, limit: int = 20) -> Window:
        p = self.page_fn(self.database, self.filter, after=after, before=before, from_end=last, limit=limit)
        return Window(p.rows, p.first_key, p.last_key, p.has_more)

    def count(self) -> int:
        return self.count_fn(self.database, self.filter)


def SystemSource(database: Database, f: windows.SystemFilter) -> WindowSource:
    return WindowSource(database, f, windows.system_page, windows.system_count)


def TreatmentSource(database: Database, owner: str | None, include_done: bool = False) -> WindowSource:
    """Treatments of one owner (or everyone), soonest due first, a window at a time."""
    return WindowSource(database, windows.TreatmentFilter(owner, include_done), windows.treatment_page,
                        windows.treatment_count)


def AuditSource(database: Database, f: windows.AuditFilter) -> WindowSource:
    """Audit events, newest first."""
    return WindowSource(database, f, windows.audit_page, windows.audit_count)
