"""Dashboard aggregates: remembered while nothing changes, fresh after any commit."""

from __future__ import annotations

from aims_tui.core import queries
from aims_tui.core.queries import RiskFilter
from aims_tui.core.services import risks

from ..conftest import EDITOR
from .helpers import replace_register


def test_a_heat_map_is_computed_once_per_state_and_follows_every_commit(reg_db, monkeypatch):
    """Two dashboard draws with no change in between run one aggregate query;
    a risk added through the services (another connection) shows at once."""
    replace_register(reg_db, [dict(rl=2, ri=3, status="open"), dict(rl=2, ri=3, status="closed")])
    calls = []
    real = queries._heat_map
    monkeypatch.setattr(queries, "_heat_map", lambda *a: calls.append(a) or real(*a))
    assert queries.heat_map(reg_db) == {(2, 3): 1}
    assert queries.heat_map(reg_db) == {(2, 3): 1}
    assert len(calls) == 1
    risks.create_risk(reg_db, EDITOR, {"title": "New", "inherent_likelihood": 2, "inherent_impact": 3})
    assert queries.heat_map(reg_db) == {(2, 3): 2}
    assert queries.level_counts(reg_db)["Medium"] == 2
    assert queries.heat_map(reg_db, f=RiskFilter()) == {(2, 3): 3}
    replace_register(reg_db, [])  # a write that bypasses the services is seen too
    assert queries.heat_map(reg_db) == {}
