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
    "evidence": Example(
        valid={"title": "Access review minutes, Q2", "location": "https://intranet.example.com/aims/access-q2",
               "for_ref": "A.6.2.4", "shows": "Quarterly access review held", "review_cadence": "yearly"},
        change={"shows": "Quarterly access review held and signed", "status": "superseded"},
        bad=({"title": "Minutes", "location": "https://intranet.example.com/x", "for_ref": "A.99.9"}, "for_ref"),
        typed={"title": "Model card v3", "location": "https://wiki.example.com/model-card-v3",
               "for_ref": "A.6.2.4"},
    ),
}
