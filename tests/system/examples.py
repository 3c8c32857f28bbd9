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
from aims_tui.core.services import systems


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
    "opportunity": Example(
        valid={"title": "Automate bias testing in CI", "expected_benefit": "Releases a week sooner",
               "system": "AIS-001", "due_date": "2026-09-30", "review_cadence": "quarterly"},
        change={"status": "pursuing", "expected_benefit": "Releases two weeks sooner"},
        bad=({"title": "Reuse the fairness toolkit", "status": "maybe"}, "status"),
        typed={"title": "Share model cards with customers", "status": "pursuing"},
        setup=lambda db: _system(db),
    ),
}


def _system(db: Database) -> None:
    systems.create_system(db, "ada", {"name": "Customer chatbot"})
