"""A register with a known history (issue 19): every change written through the
services on its own day, with the services' clock set to that day.

As of 2026-06-15 (TODAY), month by month:

- 2026-01-05: AI system S; risk A residual 4×4=16 (above the appetite of 9) and
  risk B 2×2=4, both due for review on 2026-03-01.
- 2026-02-10: A rescored to 2×2=4 (no longer above appetite).
- 2026-02-15: management review MR held (the last one before the pack's).
- 2026-03-03: risk C 5×5=25 (its title is markup) (above appetite, review due 2026-12-01); its treatment
  due 2026-04-01; risk D 1×1=1 (deleted on 2026-04-15); nonconformity N raised on 2026-03-10.
- 2026-03-20: objective O (at least 90 %) measured 80 (off target).
- 2026-04-20: N closed.
- 2026-05-10: C's treatment done; O measured 95 (on target).
- 2026-06-01: A and B reviewed (next reviews 2026-09-01).
"""

from __future__ import annotations

from datetime import date, datetime, timezone
from pathlib import Path

from aims_tui.core import audit
from aims_tui.core.db import Database
from aims_tui.core.services import management, nonconformities, objectives, registers, reviews, risks, systems
from aims_tui.core.services import treatments
from tests.conftest import ADMIN, EDITOR, make_db

MARKUP_TITLE = "<b>Bias</b> & drift in R&D <script>x</script>"


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 1, 1, 9, 0, tzinfo=timezone.utc)

    def __call__(self) -> datetime:
        return self.now

    def day(self, d: date) -> date:
        self.now = datetime(d.year, d.month, d.day, 9, 0, tzinfo=timezone.utc)
        return d


def seed_history(path: Path, monkeypatch) -> tuple[Database, dict[str, str]]:
    clock = Clock()
    monkeypatch.setattr(audit, "utcnow", clock)
    db = make_db(path)
    refs: dict[str, str] = {}
    d = clock.day(date(2026, 1, 5))
    s = systems.create_system(db, EDITOR, {"name": "Loan scoring", "purpose": "scores loans"}, today=d)
    a = risks.create_risk(db, EDITOR, {"system": s["ref"], "title": "Stale consent records", "inherent_likelihood": 5,
                                       "inherent_impact": 4, "residual_likelihood": 4, "residual_impact": 4,
                                       "next_review": date(2026, 3, 1)}, today=d)
    b = risks.create_risk(db, EDITOR, {"system": s["ref"], "title": "Stale training data", "inherent_likelihood": 2,
                                       "inherent_impact": 2, "residual_likelihood": 2, "residual_impact": 2,
                                       "next_review": date(2026, 3, 1)}, today=d)
    d = clock.day(date(2026, 2, 10))
    risks.update_risk(db, EDITOR, a["ref"], {"residual_likelihood": 2, "residual_impact": 2})
    d = clock.day(date(2026, 2, 15))
    mr = management.create_review(db, EDITOR, {"held_on": d, "attendees": "Ada"})
    d = clock.day(date(2026, 3, 3))
    c = risks.create_risk(db, EDITOR, {"system": s["ref"], "title": MARKUP_TITLE,
                                       "inherent_likelihood": 5, "inherent_impact": 5, "residual_likelihood": 5,
                                       "residual_impact": 5, "next_review": date(2026, 12, 1)}, today=d)
    gone = risks.create_risk(db, EDITOR, {"system": s["ref"], "title": "Duplicate entry", "inherent_likelihood": 1,
                                          "inherent_impact": 1, "residual_likelihood": 1, "residual_impact": 1,
                                          "next_review": date(2026, 12, 1)}, today=d)
    t = treatments.add_treatment(db, EDITOR, c["ref"], {"action": "Add drift alerts", "due_date": date(2026, 4, 1)})
    d = clock.day(date(2026, 3, 10))
    n = nonconformities.create_nonconformity(db, EDITOR, {"title": "Unreviewed release", "raised_on": d}, today=d)
    d = clock.day(date(2026, 3, 20))
    registers.create(db, EDITOR, "objective", {"title": "Holdout accuracy", "target": 90, "unit": "%"}, today=d)
    objectives.measure(db, EDITOR, "OBJ-001", 80, d, today=d)
    d = clock.day(date(2026, 4, 15))
    risks.delete_risk(db, ADMIN, gone["ref"])
    d = clock.day(date(2026, 4, 20))
    nonconformities.update_nonconformity(db, EDITOR, n["ref"], {"status": "closed", "root_cause": "no gate"},
                                         today=d)
    d = clock.day(date(2026, 5, 10))
    treatments.complete_treatment(db, EDITOR, t["id"])
    objectives.measure(db, EDITOR, "OBJ-001", 95, d, today=d)
    d = clock.day(date(2026, 6, 1))
    for r in (a, b):
        reviews.record_review(db, EDITOR, "risk", r["ref"], {"outcome": "still_valid", "next_review": date(2026, 9, 1)},
                              today=d)
    refs.update(system=s["ref"], a=a["ref"], b=b["ref"], c=c["ref"], nc=n["ref"], mr=mr["ref"])
    return db, refs
