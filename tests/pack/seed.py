"""A seeded register with hostile, long and non-Latin text for the pack tests."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from aims_tui.core.db import Database
from aims_tui.core.services import management, risks, systems
from aims_tui.core.services.demo import load_demo
from tests.conftest import ADMIN, EDITOR, TODAY, make_db

GREEK = "Σύστημα αξιολόγησης πιστοληπτικής ικανότητας"
CYRILLIC = "Система оценки кредитоспособности"
MARKUP = "<b>&amp;</b> R&D <script>alert(1)</script> a <b>bold"
WORD300 = ("Donaudampfschifffahrtsgesellschaftskapitaen" * 8)[:300]
LONG5000 = ("The model is retrained monthly on <b>&amp;</b> customer data & R&D notes. " * 80)[:4700] \
    + " " + WORD300
LONG5000 = LONG5000 + " end-of-long-text"
DECISIONS = "Approve <b>&amp;</b> the budget\nSecond line: retire AIS-001"


def seed(path: Path) -> tuple[Database, str]:
    """Demo data plus: a Greek, a Cyrillic and a markup-named system; a long,
    hostile risk above appetite; an earlier review with an overdue action;
    and the review being exported (decisions and an action)."""
    db = make_db(path)
    load_demo(db, ADMIN, systems=8, risks_per_system=6, seed=7, today=TODAY)
    systems.create_system(db, EDITOR, {"name": GREEK, "purpose": "Βαθμολογεί αιτήσεις δανείων"}, today=TODAY)
    systems.create_system(db, EDITOR, {"name": CYRILLIC, "purpose": "Оценивает заявки"}, today=TODAY)
    hostile = systems.create_system(db, EDITOR, {"name": MARKUP, "purpose": LONG5000, "intended_use": WORD300},
                                    today=TODAY)
    risks.create_risk(db, EDITOR, {"system": hostile["ref"], "title": WORD300, "description": LONG5000,
                                   "inherent_likelihood": 5, "inherent_impact": 5,
                                   "residual_likelihood": 5, "residual_impact": 5}, today=TODAY)
    risks.create_risk(db, EDITOR, {"system": hostile["ref"], "title": "<i>markup</i> & R&D in a title",
                                   "inherent_likelihood": 2, "inherent_impact": 2}, today=TODAY)
    earlier = management.create_review(db, EDITOR, {"held_on": date(2026, 1, 10), "attendees": "Ada"})
    management.add_action(db, EDITOR, earlier["ref"], {"action": "Hire a <ML> validator", "owner": EDITOR,
                                                      "due_date": date(2026, 3, 1)})
    mr = management.create_review(db, EDITOR, {"held_on": TODAY, "period_start": date(2026, 1, 10),
                                               "period_end": TODAY, "attendees": "Ada, Bob <CEO> & Eve",
                                               "decisions": DECISIONS})
    management.add_action(db, EDITOR, mr["ref"], {"action": "Fund the <b>bias</b> audit", "owner": "bob",
                                                 "due_date": date(2026, 9, 30)})
    return db, mr["ref"]
