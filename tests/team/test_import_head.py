"""A JSON export whose newest audit events were cut out is refused on import."""

from __future__ import annotations

import json

import pytest

from aims_tui.core import audit
from aims_tui.core.db import open_database
from aims_tui.core.errors import ValidationError
from aims_tui.core.services import risks
from aims_tui.io import jsonio

from ..conftest import EDITOR


def test_an_export_round_trips_with_its_audit_head_rebuilt(db, tmp_path):
    """The head is derived (a trigger): the import rebuilds it from the events."""
    risks.create_risk(db, EDITOR, {"title": "Drift", "inherent_likelihood": 2, "inherent_impact": 2})
    out = tmp_path / "all.json"
    jsonio.export_json(db, out)
    fresh = open_database(str(tmp_path / "fresh.db"))
    try:
        jsonio.import_json(fresh, out)
        with fresh.read() as s:
            result = audit.verify(s)
        assert result.ok and result.count == json.loads(out.read_text())["tables"]["audit_head"][0]["events"]
    finally:
        fresh.dispose()


def test_an_export_with_its_newest_events_cut_out_is_refused(db, tmp_path):
    """Issue 6: the hash chain of the remaining events still links; the head in
    the file says there were more."""
    risks.create_risk(db, EDITOR, {"title": "Drift", "inherent_likelihood": 2, "inherent_impact": 2})
    out = tmp_path / "all.json"
    jsonio.export_json(db, out)
    doc = json.loads(out.read_text())
    doc["tables"]["audit_event"] = doc["tables"]["audit_event"][:-1]
    out.write_text(json.dumps(doc))
    fresh = open_database(str(tmp_path / "fresh.db"))
    try:
        with pytest.raises(ValidationError, match="the newest events were removed"):
            jsonio.import_json(fresh, out)
        with fresh.read() as s:
            assert audit.verify(s).count == 0
    finally:
        fresh.dispose()
