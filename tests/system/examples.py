"""One example per kind of core.catalog: what the generic tests (service contract,
CLI, the app's screens) record, change and refuse. A new kind adds one line here;
``test_every_kind_has_an_example`` fails until it does.

``valid``: a record a person could enter (links by ref: ``setup`` creates what they name).
``change``: a valid change of it.  ``bad``: (input, the field the refusal must name).
``typed``: what the Pilot test types into the new-record form, by field (a list's label
for a choice); it must make a valid record.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable

from aims_tui.core.db import Database


@dataclass(frozen=True)
class Example:
    valid: dict[str, Any]
    change: dict[str, Any]
    bad: tuple[dict[str, Any], str]
    typed: dict[str, str]
    setup: Callable[[Database], None] = field(default=lambda db: None)


EXAMPLES: dict[str, Example] = {
    "context_issue": Example(
        valid={"title": "EU AI Act applies from 2026", "kind": "external", "review_cadence": "yearly"},
        change={"status": "monitoring", "effect": "High-risk systems need conformity assessment"},
        bad=({"title": "Regulation", "kind": "sideways"}, "kind"),
        typed={"title": "Skills shortage in ML ops", "kind": "internal"},
    ),
    "interested_party": Example(
        valid={"name": "Job applicants", "kind": "external", "needs": "Fair screening; a person to appeal to",
               "review_cadence": "yearly"},
        change={"addressed": "Human review of every rejection (AIS-002)", "status": "monitoring"},
        bad=({"name": "Regulator", "kind": "sideways"}, "kind"),
        typed={"name": "Works council", "kind": "internal", "needs": "Consulted before monitoring tools go live"},
    ),
    "document": Example(
        valid={"title": "AI policy", "doc_type": "ai_policy", "version_label": "1.0",
               "location": "https://intranet.example/policies/ai-policy.pdf", "review_cadence": "yearly",
               "retention": "7 years after retirement"},
        change={"version_label": "1.1", "location": "docs/ai-policy-1.1.md"},
        bad=({"title": "AI policy", "status": "approved"}, "status"),
        typed={"title": "Model release procedure", "doc_type": "procedure", "version_label": "0.3"},
    ),
    "responsibility": Example(
        valid={"title": "AIMS owner", "accountable_for": "The AIMS meets its objectives; reports to the board",
               "review_cadence": "yearly"},
        change={"accountable_for": "The AIMS and its internal audit programme", "status": "ended"},
        bad=({"title": "AI risk owner for AIS-003", "assigned_on": "2026/13/01"}, "assigned_on"),
        typed={"title": "AI risk owner for AIS-003", "accountable_for": "Risks of the hiring model"},
    ),
}
