"""Page sources for PagedTable over the core read path (keyset windows)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Callable

from ..core import fastread
from ..core.db import Database
from ..core.riskfilter import RiskFilter
from .widgets.paged_table import Window

if TYPE_CHECKING:
    from ..core import windows

# The ORM read path (core.queries, core.windows) is imported on the first read that needs it:
# the register's first window in ref order is read through sqlite3 (core.fastread, issue 15).


@dataclass
class RiskSource:
    """The register under a filter and a sort, read a window at a time."""

    database: Database
    filter: RiskFilter
    sort: str = "ref"
    descending: bool = False

    def fetch(self, *, after: Any = None, before: Any = None, last: bool = False, limit: int = 20) -> Window:
        fast = self._fast(after, before, last, limit)
        if fast is not None:
            return fast
        from ..core import queries

        if last:
            # the last window: read backwards from the end, then put it in order
            p = queries.risk_page(self.database, self.filter, sort=self.sort, descending=not self.descending,
                                  limit=limit)
            rows = list(reversed(p.rows))
            return Window(rows, p.last_key, p.first_key, p.has_more)
        p = queries.risk_page(self.database, self.filter, sort=self.sort, descending=self.descending,
                              after=after, before=before, limit=limit)
        return Window(p.rows, p.first_key, p.last_key, p.has_more)

    def _fast(self, after: Any, before: Any, last: bool, limit: int) -> Window | None:
        """The same window through sqlite3 (None: the ORM path reads it)."""
        if last:
            p = fastread.risk_page(self.database, self.filter, sort=self.sort, descending=not self.descending,
                                   limit=limit)
            return None if p is None else Window(list(reversed(p.rows)), p.last_key, p.first_key, p.has_more)
        p = fastread.risk_page(self.database, self.filter, sort=self.sort, descending=self.descending,
                               after=after, before=before, limit=limit)
        return None if p is None else Window(p.rows, p.first_key, p.last_key, p.has_more)

    def first_window(self, limit: int) -> tuple[Window, int] | None:
        """The first window and the count of the plain register through sqlite3 (a few
        milliseconds at any size), or None: then they are read in a worker (issue 15)."""
        if self.descending or not fastread.applies(self.database) or \
                not fastread.plain_register(self.filter, self.sort):
            return None
        w = self._fast(None, None, False, limit)
        n = None if w is None else fastread.risk_count(self.database, self.filter)
        return None if w is None or n is None else (w, n)

    def count(self) -> int:
        n = fastread.risk_count(self.database, self.filter)
        if n is not None:
            return n
        from ..core import queries

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
    from ..core import windows

    return WindowSource(database, f, windows.system_page, windows.system_count)


def TreatmentSource(database: Database, owner: str | None, include_done: bool = False) -> WindowSource:
    """Treatments of one owner (or everyone), soonest due first, a window at a time."""
    from ..core import windows

    return WindowSource(database, windows.TreatmentFilter(owner, include_done), windows.treatment_page,
                        windows.treatment_count)


def AuditSource(database: Database, f: windows.AuditFilter) -> WindowSource:
    """Audit events, newest first."""
    from ..core import windows

    return WindowSource(database, f, windows.audit_page, windows.audit_count)
