"""Every top-level screen, in one place: its key, its command palette entry.

Add a screen with one line: ``Entry(id, key, title, help, "module:Class")``.
The class is imported when first opened and constructed as
``Class(database, login)`` (plus ``today=`` when it takes one).
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from typing import Callable

from textual.screen import Screen

from ...core.identity import EDIT

P = "aims_tui.tui.screens."


@dataclass(frozen=True)
class Entry:
    id: str
    key: str
    title: str
    help: str
    target: str  # "module:Class"
    pushed: bool = False  # opened above the current screen (its Escape pops back to it)
    roles: tuple[str, ...] = ()  # offered only to these roles (empty: to everyone)
    group: str = ""  # "system": a register of the management system, listed on the M screen (key "")

    def load(self) -> Callable[..., Screen]:
        module, _, name = self.target.partition(":")
        return getattr(importlib.import_module(module), name)


SCREENS: list[Entry] = [
    Entry("dashboard", "1", "Dashboard", "Systems per stage, heat maps, what is due", P + "dashboard:DashboardScreen"),
    Entry("register", "2", "Risk register", "Every risk: filter, search, sort, edit", P + "register:RegisterScreen"),
    Entry("systems", "3", "AI systems", "The inventory and the life cycle", P + "systems:SystemsScreen"),
    Entry("treatments", "4", "My actions", "Treatments you own (or everyone's)", P + "treatments:TreatmentsScreen"),
    Entry("soa", "5", "Statement of Applicability", "Every Annex A control", P + "soa:SoaScreen"),
    Entry("impact", "6", "Impact assessments", "AI system impact assessments", P + "impact:ImpactScreen"),
    Entry("nonconformities", "7", "Nonconformities", "Incidents and audit findings", P + "nonconformities:NonconformitiesScreen"),
    Entry("due", "8", "Due", "Reviews and actions due or overdue", P + "due:DueScreen", pushed=True),
    Entry("management", "9", "Management reviews", "Management reviews and the pack", P + "management:ManagementScreen",
          pushed=True),
    Entry("import", "0", "Import", "Import a risk spreadsheet", P + "import_screen:ImportScreen",
          pushed=True, roles=EDIT),
    Entry("system", "M", "Management system", "Every register of clauses 4 to 10, and readiness",
          P + "management_system:ManagementSystemScreen"),
    Entry("audit", "l", "Audit trail", "Every recorded change, newest first", P + "audit_trail:AuditTrailScreen",
          pushed=True),
]


# The registers of the management system (clauses 4 to 10): no key of their own, each opened
# from the M screen or the command palette. Add one with
# Entry(id, "", title, help, "module:Class", group="system").
SCREENS += [
    Entry("context_issues", "", "Context issues", "Internal and external issues (4.1)",
          P + "context:ContextIssuesScreen", pushed=True, group="system"),
    Entry("evidence", "", "Evidence", "Files and pages that show controls and records at work",
          P + "evidence:EvidenceScreen", pushed=True, group="system"),
    Entry("readiness", "", "Readiness", "Are we ready for an audit? Clause by clause, control by control",
          P + "readiness:ReadinessScreen", pushed=True, group="system"),
]


def registers() -> list[Entry]:
    return [e for e in SCREENS if e.group == "system"]


def available(role: str | None = None) -> list[Entry]:
    """The screens offered to a role (all of them when no role is given)."""
    return [e for e in SCREENS if role is None or not e.roles or role in e.roles]


def entry(screen_id: str) -> Entry | None:
    return next((e for e in SCREENS if e.id == screen_id), None)
