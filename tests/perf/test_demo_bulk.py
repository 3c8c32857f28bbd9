"""The bulk demo load: same register whichever path writes it, searchable,
indexed, and one audit event."""

from __future__ import annotations

import sqlite3

from aims_tui.core import audit, queries
from aims_tui.core.queries import RiskFilter
from aims_tui.core.services import demo

from ..conftest import ADMIN, TODAY, make_db

TABLES = ["risk", "treatment", "acceptance", "ai_system", "review", "risk_control", "stage_event",
          "impact_assessment", "nonconformity", "applicability"]


def _dump(path):
    con = sqlite3.connect(path)
    try:
        # the services that write after the bulk load (approving the SoA, adding corrective actions) stamp
        # these with the clock: two loads differ there and only there
        stamped = {"applicability": ("approved_at",), "nonconformity": ("updated_at",)}
        tables = {}
        for t in TABLES:
            cols = [r[1] for r in con.execute(f"PRAGMA table_info({t})") if r[1] not in stamped.get(t, ())]
            tables[t] = con.execute(f"SELECT {', '.join(cols)} FROM {t} ORDER BY 1, 2").fetchall()
        schema = sorted(con.execute("SELECT type, name, sql FROM sqlite_master WHERE name NOT LIKE 'sqlite_stat%'"))
        return tables, schema
    finally:
        con.close()


def test_the_bulk_path_writes_the_same_register_and_schema_as_the_plain_path(tmp_path, monkeypatch):
    """Dropping and rebuilding the indexes and the search index (large loads)
    leaves exactly the rows, indexes and triggers the row-by-row path leaves,
    and the search index passes SQLite's integrity check."""
    plain = make_db(tmp_path / "plain.db")
    demo.load_demo(plain, ADMIN, systems=5, risks_per_system=40, seed=3, today=TODAY)
    monkeypatch.setattr(demo, "BULK_MODE_FROM", 1)
    bulk = make_db(tmp_path / "bulk.db")
    demo.load_demo(bulk, ADMIN, systems=5, risks_per_system=40, seed=3, today=TODAY)
    assert _dump(plain.path) == _dump(bulk.path)
    with bulk.read() as s:
        s.connection().exec_driver_sql("INSERT INTO risk_fts(risk_fts, rank) VALUES ('integrity-check', 1)")
        assert audit.verify(s).ok
    assert queries.risk_count(bulk, RiskFilter(search="bias")) == queries.risk_count(plain, RiskFilter(search="bias")) > 0
    plain.dispose()
    bulk.dispose()


def test_a_second_load_is_refused_and_the_first_stays_searchable(tmp_path, monkeypatch):
    """A second demo load (bulk path) is refused (issue 13: demo data only goes into an
    empty register); the first load stays indexed for search, with one event."""
    import pytest

    from aims_tui.core.errors import AimsError

    monkeypatch.setattr(demo, "BULK_MODE_FROM", 1)
    db = make_db(tmp_path / "twice.db")
    first = demo.load_demo(db, ADMIN, systems=2, risks_per_system=30, seed=1, today=TODAY)
    with pytest.raises(AimsError, match="only into an empty register"):
        demo.load_demo(db, ADMIN, systems=2, risks_per_system=30, seed=2, today=TODAY)
    assert queries.risk_count(db) == first["risks"] == 60
    assert queries.risk_count(db, RiskFilter(search="R-0060")) == 1
    assert queries.risk_count(db, RiskFilter(search="R-0001")) == 1
    with db.read() as s:
        s.connection().exec_driver_sql("INSERT INTO risk_fts(risk_fts, rank) VALUES ('integrity-check', 1)")
        n = s.connection().exec_driver_sql("SELECT count(*) FROM audit_event WHERE action = 'bulk_load'").scalar()
        assert n == 1 and audit.verify(s).ok
    db.dispose()
