"""Page sources for PagedTable over the core read path (keyset windows)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..core import queries
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
class TreatmentSource:
    """Treatments of one owner (or everyone), soonest due first, a window at a time."""

    database: Database
    owner: str | None
    include_done: bool = False

    def fetch(self, *, after: Any = None, before: Any = None, last: bool = False, limit: int = 20) -> Window:
        from . import reads

        rows, more = reads.treatment_window(self.database, self.owner, self.include_done, after=after,
                                            before=before, last=last, limit=limit)
        return Window(rows, rows[0]["_key"] if rows else None, rows[-1]["_key"] if rows else None, more)

    def count(self) -> int:
        from . import reads

        return reads.treatment_count(self.database, self.owner, self.include_done)
