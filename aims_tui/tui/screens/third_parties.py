"""Third parties (A.10) and incidents: their registers, on RecordScreen.

The Incidents screen adds one key: ``r`` raises a nonconformity from the
highlighted incident once it is resolved (one transaction, audited on both).
"""

from __future__ import annotations

from textual.binding import Binding

from ...core.services import incidents
from .records import RecordScreen


class SuppliersScreen(RecordScreen):
    KIND = "supplier"
    COLUMNS = [("Ref", 8), ("Name", None), ("Type", 16, 100), ("Status", 9), ("Outcome", 14, 90),
               ("Owner", 10, 110), ("Next assessment", 15)]
    SHOW = ["ref", "name", "type", "status", "outcome", "owner", "next_assessment"]


class AIComponentsScreen(RecordScreen):
    KIND = "ai_component"
    COLUMNS = [("Ref", 8), ("Name", None), ("Type", 8), ("Supplier", 9), ("AI system", 9), ("Version", 10, 100),
               ("Status", 9)]
    SHOW = ["ref", "name", "type", "supplier", "system", "component_version", "status"]


class IncidentsScreen(RecordScreen):
    KIND = "incident"
    COLUMNS = [("Ref", 8), ("Title", None), ("Severity", 9), ("Status", 10), ("Occurred", 11, 100),
               ("AI system", 9, 90), ("Owner", 10, 110), ("NC", 7)]
    SHOW = ["ref", "title", "severity", "status", "occurred_on", "system", "owner", "nonconformity"]
    EDIT_ACTIONS = RecordScreen.EDIT_ACTIONS | {"raise_nc"}
    BINDINGS = [*RecordScreen.BINDINGS, Binding("r", "raise_nc", "Raise NC")]

    @property
    def HELP(self) -> str:  # type: ignore[override]
        return (super().HELP + " r raises a nonconformity from the highlighted incident once it is resolved "
                "(the two are linked, and both keep an audit event).")

    def action_raise_nc(self) -> None:
        r = self.current
        if not r or not self.allowed(self.kind.role, "raising a nonconformity from an incident"):
            return
        db, login, today = self.database, self.login, self.aims.today
        self.db_write(lambda: incidents.raise_nonconformity(db, login, r["ref"], r["version"], today=today),
                      message=lambda res: f"nonconformity {res['nonconformity']['ref']} raised from {r['ref']}")
