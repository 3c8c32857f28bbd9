"""Leadership (clause 5) on RecordScreen: the AIMS roles and responsibilities (5.3)."""

from __future__ import annotations

from .records import RecordScreen


class ResponsibilitiesScreen(RecordScreen):
    KIND = "responsibility"
    COLUMNS = [("Ref", 8), ("Role or responsibility", None), ("Held by", 10), ("Deputy", 10, 90),
               ("Status", 8), ("Next review", 11)]
    SHOW = ["ref", "title", "holder", "deputy", "status", "next_review"]
