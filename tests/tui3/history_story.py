"""A known history for the tests of the app as of a past day (issue 19), made through the
services with a moving clock (audit.utcnow), so that its events fall on the days named here;
and set_as_of, the day set in the app as a user does (key D)."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import pytest
from textual.widgets import Input

from aims_tui.core import audit
from aims_tui.core.db import Database
from aims_tui.core.services import acceptances, management, risks

from ..conftest import APPROVER, EDITOR, TODAY, make_db
from ..tui.helpers import settle

MR_DAY = date(2026, 3, 31)


class Clock:
    """A clock the services read (audit.utcnow): set to a day, it moves a second per call."""

    def __init__(self, day: date) -> None:
        self.on(day)

    def on(self, day: date) -> None:
        self.now = datetime(day.year, day.month, day.day, 9, tzinfo=timezone.utc)

    def __call__(self) -> datetime:
        self.now += timedelta(seconds=1)
        return self.now


def clocked_db(path: Path, monkeypatch) -> tuple[Database, Clock]:
    """A new database at `path` and the Clock its writes are stamped with (audit.utcnow, set before
    the database is made), on 5 January 2026, before the first day of a history."""
    clock = Clock(date(2026, 1, 5))
    monkeypatch.setattr(audit, "utcnow", clock)
    return make_db(path), clock


@pytest.fixture
def story(tmp_path, monkeypatch):
    """R-0001 scored 4x5 / 4x4 before the review of 31 March and rescored 2x3 / 2x2 in April;
    R-0002 closed in May; R-0003 added in May and its residual risk accepted in June; a management
    review held on 31 March."""
    db, clock = clocked_db(tmp_path / "story.db", monkeypatch)
    clock.on(date(2026, 2, 2))
    risks.create_risk(db, EDITOR, {"title": "Model drift", "inherent_likelihood": 4, "inherent_impact": 5,
                                   "residual_likelihood": 4, "residual_impact": 4}, today=date(2026, 2, 2))
    risks.create_risk(db, EDITOR, {"title": "Stale training data", "inherent_likelihood": 3,
                                   "inherent_impact": 3}, today=date(2026, 2, 2))
    clock.on(MR_DAY)
    management.create_review(db, EDITOR, {"held_on": MR_DAY.isoformat(), "attendees": "Eve"})
    clock.on(date(2026, 4, 10))
    v = risks.get_risk(db, "R-0001")["version"]
    risks.update_risk(db, EDITOR, "R-0001", {"inherent_likelihood": 2, "inherent_impact": 3,
                                             "residual_likelihood": 2, "residual_impact": 2},
                      expect_version=v)
    clock.on(date(2026, 5, 5))
    v = risks.get_risk(db, "R-0002")["version"]
    risks.update_risk(db, EDITOR, "R-0002", {"status": "closed"}, expect_version=v)
    clock.on(date(2026, 5, 20))
    risks.create_risk(db, EDITOR, {"title": "Prompt injection", "inherent_likelihood": 3,
                                   "inherent_impact": 4}, today=date(2026, 5, 20))
    clock.on(date(2026, 6, 1))
    acceptances.accept_risk(db, APPROVER, "R-0003", "within appetite after the red-team review",
                            expires_on="2026-12-31", today=date(2026, 6, 1))
    clock.on(TODAY)
    yield db
    db.dispose()


async def set_as_of(pilot, text: str) -> None:
    """D, then `text` typed over the day in its dialog (empty: back to today), then Enter."""
    await pilot.press("D")
    await settle(pilot)
    box = pilot.app.screen.query_one("#as-of", Input)
    assert box.has_focus
    await pilot.press("end", "shift+home", "backspace", *text, "enter")
    await settle(pilot)
