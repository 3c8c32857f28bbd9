"""Evidence (issue 17): files and pages linked to controls and records, on RecordScreen.

A path is shown as it is (control characters escaped by ``render.lit``); the file
is never opened here: its SHA-256 is read by core when the record is saved.
"""

from __future__ import annotations

from .records import RecordScreen


class EvidenceScreen(RecordScreen):
    KIND = "evidence"
    COLUMNS = [("Ref", 8), ("For", 10), ("Title", None), ("File or URL", 30, 100), ("Status", 10),
               ("Next review", 11, 90)]
    SHOW = ["ref", "for_ref", "title", "location", "status", "next_review"]
    FORM = ["title", "location", "for_ref", "shows", "captured_by", "captured_on", "status", "review_cadence",
            "next_review"]
