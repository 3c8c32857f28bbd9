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

from ...core.roles import EDIT

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
    Entry("changes", "C", "Changes since the last review",
          "Added, closed, rescored, moved stage, accepted, lapsed since the last management review",
          P + "changes:ChangesScreen", pushed=True),
]


# The registers of the management system (clauses 4 to 10): no key of their own, each opened
# from the M screen or the command palette. Add one with
# Entry(id, "", title, help, "module:Class", group="system").
SCREENS += [
    # in the order of the clauses (readiness first: what is still missing)
    Entry("readiness", "", "Readiness", "Are we ready for an audit? Clause by clause, control by control",
          P + "readiness:ReadinessScreen", pushed=True, group="system"),
    Entry("context_issues", "", "Context issues", "Internal and external issues (4.1)",
          P + "context:ContextIssuesScreen", pushed=True, group="system"),
    Entry("interested_parties", "", "Interested parties", "Parties, their needs and expectations (4.2)",
          P + "context:InterestedPartiesScreen", pushed=True, group="system"),
    Entry("responsibilities", "", "Roles and responsibilities", "Who holds which AIMS role (5.3)",
          P + "leadership:ResponsibilitiesScreen", pushed=True, group="system"),
    Entry("documents", "", "Documents", "Documented information, the AI policy first (5.2, 7.5)",
          P + "documents:DocumentsScreen", pushed=True, group="system"),
    Entry("criteria", "", "Risk criteria", "The risk matrix, appetite and review cadences (6.1.1)",
          P + "planning:CriteriaScreen", pushed=True, group="system"),
    Entry("opportunities", "", "Opportunities", "Opportunities and their expected benefit (6.1.1)",
          P + "planning:OpportunitiesScreen", pushed=True, group="system"),
    Entry("objectives", "", "Objectives", "AI objectives, targets and their trend (6.2, 9.1)",
          P + "objectives:ObjectivesScreen", pushed=True, group="system"),
    Entry("measurements", "", "Measurements", "Dated values of the objectives' metrics (9.1)",
          P + "objectives:MeasurementsScreen", pushed=True, group="system"),
    Entry("resources", "", "Resources", "People, infrastructure, data, tooling, budget (7.1)",
          P + "support:ResourcesScreen", pushed=True, group="system"),
    Entry("competence", "", "Competences", "Competences each AIMS role requires (7.2)",
          P + "support:CompetenceScreen", pushed=True, group="system"),
    Entry("training", "", "Training and awareness", "Who was trained, when it expires, the evidence (7.2, 7.3)",
          P + "support:TrainingScreen", pushed=True, group="system"),
    Entry("communications", "", "Communications", "What is communicated, to whom, when, how (7.4)",
          P + "support:CommunicationsScreen", pushed=True, group="system"),
    Entry("evidence", "", "Evidence", "Files and pages that show controls and records at work",
          P + "evidence:EvidenceScreen", pushed=True, group="system"),
    Entry("incidents", "", "Incidents", "Incidents, linked to systems, risks and nonconformities (8.1, A.8.4)",
          P + "third_parties:IncidentsScreen", pushed=True, group="system"),
    Entry("suppliers", "", "Suppliers", "Suppliers and third parties, with their assessment (A.10.2, A.10.3)",
          P + "third_parties:SuppliersScreen", pushed=True, group="system"),
    Entry("ai_components", "", "AI components", "Third-party models, data sets and APIs used by AI systems (A.10.3)",
          P + "third_parties:AIComponentsScreen", pushed=True, group="system"),
    Entry("audit_programmes", "", "Audit programmes", "Internal audit programmes and their approval (9.2)",
          P + "internal_audits:AuditProgrammesScreen", pushed=True, group="system"),
    Entry("internal_audits", "", "Internal audits", "Audits, auditors, results; f raises a finding (9.2)",
          P + "internal_audits:InternalAuditsScreen", pushed=True, group="system"),
    Entry("corrective_actions", "", "Corrective actions", "Actions on nonconformities, effectiveness (10.2)",
          P + "internal_audits:CorrectiveActionsScreen", pushed=True, group="system"),
]


def registers() -> list[Entry]:
    return [e for e in SCREENS if e.group == "system"]


def available(role: str | None = None) -> list[Entry]:
    """The screens offered to a role (all of them when no role is given)."""
    return [e for e in SCREENS if role is None or not e.roles or role in e.roles]


def entry(screen_id: str) -> Entry | None:
    return next((e for e in SCREENS if e.id == screen_id), None)
