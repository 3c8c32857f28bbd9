"""The app as of a past day (key D) on both engines (ENGINE_MODULES): the risk opened on
that day names the controls linked then, and its level follows the risk criteria of then.

The history: on 2026-02-02 R-0001 (3x3, Medium by the default bands) linked to A.6.2.4; on
2026-04-10 relinked to A.7.2 and the criteria changed so that 8-14 is High."""

from __future__ import annotations

from datetime import date

import pytest
from textual.widgets import DataTable, Input, Static

from aims_tui.core import history
from aims_tui.core.services import criteria, risks

from ..conftest import ADMIN, EDITOR
from ..tui.helpers import settle
from .formkeys import make_app
from .history_story import clocked_db, set_as_of


@pytest.fixture
def linked(tmp_path, monkeypatch):
    db, clock = clocked_db(tmp_path / "linked.db", monkeypatch)
    clock.on(date(2026, 2, 2))
    risks.create_risk(db, EDITOR, {"title": "Model drift", "inherent_likelihood": 3, "inherent_impact": 3,
                                   "controls": ["A.6.2.4"]}, today=date(2026, 2, 2))
    clock.on(date(2026, 4, 10))
    risks.update_risk(db, EDITOR, "R-0001", {"controls": ["A.7.2"]})
    bands = [{"name": "Low", "low": 1, "high": 4}, {"name": "Medium", "low": 5, "high": 7},
             {"name": "High", "low": 8, "high": 14}, {"name": "Critical", "low": 15, "high": 25}]
    criteria.set_criteria(db, ADMIN, {"bands": bands}, today=date(2026, 4, 10))
    yield db
    history.close(db)
    db.dispose()


def _residual(app) -> str:
    t = app.screen.query_one(DataTable)
    labels = [str(c.label) for c in t.ordered_columns]
    return dict(zip(labels, (str(c) for c in t.get_row_at(0))))["Residual"]


async def test_a_risk_opened_on_a_past_date_names_the_controls_and_level_of_that_day(linked):
    """The case: the manager looks at 31 March: R-0001 was Medium 9 and treated by A.6.2.4; today it
    is High 9 (the bands changed in April) and treated by A.7.2."""
    app = make_app(linked, EDITOR)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await pilot.press("2")
        await settle(pilot)
        assert _residual(app) == "High 9"
        await set_as_of(pilot, "2026-03-31")
        assert _residual(app) == "Medium 9"
        await pilot.press("enter")
        await settle(pilot)
        editor = app.screen
        assert type(editor).__name__ == "RiskEditor"
        assert "as it was on 2026-03-31 (read only)" in str(editor.query_one("#editor-title", Static).render())
        assert editor.query_one("#controls", Input).value == "A.6.2.4"
        await pilot.press("escape")
        await settle(pilot)
        await pilot.press("D")
        await settle(pilot)
        await pilot.press("escape")  # back to today
        await settle(pilot)
        assert _residual(app) == "High 9"
        await pilot.press("enter")
        await settle(pilot)
        assert app.screen.query_one("#controls", Input).value == "A.7.2"
