"""The bulk write of an import (issue 14): the same records, audit events and search
entries as risks created one by one, and nothing changed when it is refused."""

from __future__ import annotations

import csv

import pytest

from aims_tui.core import audit, queries
from aims_tui.core.errors import AimsError
from aims_tui.core.models import AuditEvent, Risk, RiskControl
from aims_tui.core.queries import RiskFilter
from aims_tui.core.services import importing, risks as risk_service
from aims_tui.io import importer

from ..conftest import EDITOR, TODAY
from .helpers import count, risks, snapshot


def sample(path, n: int = 30) -> None:
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["ID", "Title", "Description", "Likelihood", "Impact", "Controls"])
        for i in range(n):
            w.writerow([f"S-{i}", f"Müller drift {i}", f"Prompt injection case {i}", 1 + i % 5, 1 + i % 4,
                        "A.6.2.4" if i % 2 else ""])


def _fts_ok(db) -> None:
    with db.read() as s:
        s.connection().exec_driver_sql("INSERT INTO risk_fts(risk_fts, rank) VALUES ('integrity-check', 1)")


def test_an_import_writes_what_create_risk_would_write_and_search_finds_it(db, tmp_path):
    path = tmp_path / "r.csv"
    sample(path)
    events_before = count(db, AuditEvent)
    importer.import_file(db, EDITOR, path)
    one = risk_service.create_risk(db, EDITOR, {"title": "Müller written alone", "inherent_likelihood": 2,
                                                "inherent_impact": 2}, today=TODAY)
    assert count(db, Risk) == 31 and count(db, RiskControl) == 15
    # one create event per risk, the import's summary, the single create: a chain that verifies
    assert count(db, AuditEvent) - events_before == 30 + 1 + 1
    with db.read() as s:
        assert audit.verify(s).ok
        ev = audit.events(s, "R-0002", limit=1)[0]
    assert ev["action"] == "create" and ev["changes"]["controls"] == [None, ["A.6.2.4"]]
    assert ev["changes"]["inherent_likelihood"] == [None, 2]
    # search: the bulk entries and the row trigger (put back after the import) both work
    assert queries.risk_count(db, RiskFilter(search="muller")) == 31
    assert queries.risk_count(db, RiskFilter(search="injection case 7")) == 1
    assert one["ref"] == "R-0031"
    _fts_ok(db)


def test_a_write_that_fails_changes_nothing_and_keeps_the_search_trigger(db, tmp_path, monkeypatch):
    path = tmp_path / "r.csv"
    sample(path, 5)
    plan = importer.prepare(db, path)
    before = snapshot(db)
    real = importing._write

    def failing(s, *a, **k):
        real(s, *a, **k)
        raise AimsError("disk full (simulated)")
    monkeypatch.setattr(importing, "_write", failing)
    with pytest.raises(AimsError):
        importer.run(db, EDITOR, plan)
    assert snapshot(db) == before
    with db.read() as s:
        names = {n for (n,) in s.connection().exec_driver_sql("SELECT name FROM sqlite_master WHERE type='trigger'")}
    assert "risk_fts_ai" in names
    risk_service.create_risk(db, EDITOR, {"title": "Searchable after", "inherent_likelihood": 2,
                                          "inherent_impact": 2}, today=TODAY)
    assert queries.risk_count(db, RiskFilter(search="searchable")) == 1
    _fts_ok(db)


def test_rows_imported_by_someone_else_meanwhile_are_skipped_not_duplicated(db, tmp_path):
    """Between the check and the write another import brought the same rows in."""
    path = tmp_path / "r.csv"
    sample(path, 4)
    plan = importer.prepare(db, path)
    importer.import_file(db, EDITOR, path)
    result = importer.run(db, EDITOR, plan)
    assert result["created"] == [] and len(result["skipped"]) == 4
    assert count(db, Risk) == 4 and [r.ref for r in risks(db)] == ["R-0001", "R-0002", "R-0003", "R-0004"]
