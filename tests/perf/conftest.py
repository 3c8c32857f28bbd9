from __future__ import annotations

import pytest

from aims_tui.core import queries
from aims_tui.core.services import systems

from ..conftest import EDITOR, make_db, on_postgresql


@pytest.fixture(scope="module")
def reg_db(tmp_path_factory):
    """One database per module with three AI systems; tests replace its risks."""
    database = make_db(tmp_path_factory.mktemp("perf") / "aims.db")
    for name in ("Chatbot", "Scoring", "Vision"):
        systems.create_system(database, EDITOR, {"name": name})
    yield database
    database.dispose()


@pytest.fixture(params=["few", "walk", "walk-then-sort"])
def read_mode(request, monkeypatch):
    """Each way risk_page reads a filtered window: matches read and sorted
    (few matches), the sort index walked, and the walk given up at once."""
    if on_postgresql() and request.param != "few":
        pytest.skip("the walking modes are SQLite's: on PostgreSQL risk_page always reads keyset windows")
    if request.param == "walk":
        monkeypatch.setattr(queries, "FEW", -1)
        monkeypatch.setattr(queries, "WALK_BUDGET", 60.0)
    elif request.param == "walk-then-sort":
        monkeypatch.setattr(queries, "FEW", -1)
        monkeypatch.setattr(queries, "WALK_BUDGET", 0.0)
        monkeypatch.setattr(queries, "BUDGET_STEP", 1)
    return request.param
