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
from aims_tui.core.services import registers


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
    "objective": Example(
        valid={"title": "Triage model accuracy", "metric": "accuracy on the holdout set", "target": "93.5",
               "unit": "%", "direction": "at_least", "review_cadence": "monthly"},
        change={"target": 95, "status": "achieved"},
        bad=({"title": "Fewer incidents", "target": "a few"}, "target"),
        typed={"title": "Fewer model incidents", "target": "2", "direction": "at most"},
    ),
    "measurement": Example(
        valid={"objective": "OBJ-001", "measured_on": "2026-05-31", "value": "92.1", "note": "May run"},
        change={"value": 92.4, "note": "May run, recomputed"},
        bad=({"objective": "OBJ-001", "measured_on": "2026-05-31", "value": "high"}, "value"),
        typed={"objective": "OBJ-001", "measured_on": "2026-06-10", "value": "93.5", "note": "June run"},
        setup=lambda db: _objective(db),
    ),
    "resource": Example(
        valid={"title": "GPU capacity for retraining", "type": "infrastructure", "review_cadence": "yearly"},
        change={"status": "available", "description": "Two A100 nodes reserved"},
        bad=({"title": "Budget", "type": "magic"}, "type"),
        typed={"title": "Data labelling team", "type": "people"},
    ),
    "competence": Example(
        valid={"title": "Model risk assessment", "role": "AI risk owner", "level": "expert",
               "review_cadence": "yearly"},
        change={"level": "working", "description": "Scores risks against the matrix"},
        bad=({"title": "Bias testing"}, "role"),
        typed={"title": "Bias testing", "role": "ML engineer"},
    ),
    "training": Example(
        valid={"title": "AI risk course", "person": "eve", "kind": "training", "competence": "CMP-001",
               "completed_on": "2026-01-10", "expires_on": "2027-01-10", "evidence": "LMS certificate 4411"},
        change={"evidence": "HR file 12", "expires_on": "2027-02-01"},
        bad=({"title": "AI risk course", "person": "eve", "completed_on": "2026-05-01", "expires_on": "2026-04-01"},
             "expires_on"),
        typed={"title": "AI policy briefing", "person": "Dana Smith", "kind": "awareness"},
        setup=lambda db: _competence(db),
    ),
    "communication": Example(
        valid={"title": "AIMS performance to the board", "audience": "Board", "reach": "internal",
               "timing": "after each management review", "channel": "board pack", "review_cadence": "quarterly"},
        change={"status": "ongoing", "channel": "board portal"},
        bad=({"title": "Model card", "reach": "sideways"}, "reach"),
        typed={"title": "Model cards published", "audience": "Customers", "reach": "external"},
    ),
}


def _objective(db: Database) -> None:
    registers.create(db, "eve", "objective", {"title": "Triage model accuracy", "target": 93.5, "unit": "%"})


def _competence(db: Database) -> None:
    registers.create(db, "eve", "competence", {"title": "Model risk assessment", "role": "AI risk owner"})
