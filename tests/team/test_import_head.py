"""The audit head across a JSON export and import."""

from __future__ import annotations

import json

from aims_tui.core import audit
from aims_tui.core.db import open_database
from aims_tui.core.services import risks
from aims_tui.io import jsonio

from ..conftest import EDITOR


def test_an_export_round_trips_with_its_audit_head_rebuilt(db, tmp_path):
    """The head is derived (a trigger) and left out of exports: the import rebuilds
    it from the events, so the imported trail verifies, head included."""
    risks.create_risk(db, EDITOR, {"title": "Drift", "inherent_likelihood": 2, "inherent_impact": 2})
    out = tmp_path / "all.json"
    jsonio.export_json(db, out)
    fresh = open_database(str(tmp_path / "fresh.db"))
    try:
        jsonio.import_json(fresh, out)
        with fresh.read() as s:
            result = audit.verify(s)
        doc = json.loads(out.read_text())
        assert "audit_head" not in doc["tables"]
        assert result.ok and result.count == len(doc["tables"]["audit_event"])
    finally:
        fresh.dispose()
