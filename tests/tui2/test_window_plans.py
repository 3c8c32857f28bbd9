"""Every window read of core.windows goes through an index (EXPLAIN QUERY PLAN
of the exact statements run): no plan scans the treatment or audit tables
(the newest-first walk of all events is the rowid itself), none sorts a
whole table, and the AI systems list walks the ref or stage index."""

from __future__ import annotations

import pytest

from aims_tui.core import windows

from ..conftest import ADMIN, EDITOR
from ..plans import query_plans
from .test_windows import tdb  # noqa: F401  (the shared database fixture)


def _plans(db, fn) -> list[tuple[str, list[str]]]:
    return query_plans(db, fn, lambda st: st.lstrip().upper().startswith("SELECT"))


def _calls(page, f, first_key):
    return [lambda: page(f, limit=5), lambda: page(f, limit=5, from_end=True),
            lambda: page(f, limit=5, after=first_key), lambda: page(f, limit=5, before=first_key)]


@pytest.mark.parametrize("owner", [None, ADMIN])
@pytest.mark.parametrize("done", [False, True])
def test_treatment_windows_read_the_status_or_owner_due_index(tdb, owner, done):  # noqa: F811
    """Dated and undated ranges, forward and backward, all through ix_treatment_status_due or ix_treatment_owner_due."""
    f = windows.TreatmentFilter(owner, done)
    rows = windows.treatment_page(tdb, f, limit=100).rows
    keys = [rows[3]["_key"], next(r["_key"] for r in rows if r["due_date"] is None)]
    index = "ix_treatment_owner_due" if owner else "ix_treatment_status_due"
    for key in keys:
        for call in _calls(lambda *a, **k: windows.treatment_page(tdb, *a, **k), f, key):
            plans = [(st, p) for st, p in _plans(tdb, call) if "FROM treatment" in st]
            assert plans
            for st, plan in plans:
                text = " ".join(plan)
                assert f"USING INDEX {index}" in text, (st, plan)
                assert "TEMP B-TREE" not in text and "SCAN treatment" not in text, plan


@pytest.mark.parametrize("f", [windows.SystemFilter(), windows.SystemFilter(stage="production"),
                               windows.SystemFilter(owner=EDITOR, search="a")], ids=str)
def test_system_windows_walk_the_ref_or_stage_index(tdb, f):  # noqa: F811
    """No filter: the ref index; a stage: ix_ai_system_stage_ref; an owner: the two owner
    indexes (that owner's systems only are sorted)."""
    for call in _calls(lambda *a, **k: windows.system_page(tdb, *a, **k), f, ("AIS-003",)):
        plans = [p for st, p in _plans(tdb, call) if "FROM ai_system" in st]
        assert plans
        for plan in plans:
            text = " ".join(plan)
            if f.owner:
                assert "ix_ai_system_business_owner" in text and "ix_ai_system_technical_owner" in text, plan
                continue
            assert "ix_ai_system_ref" in text or "ix_ai_system_stage_ref" in text, plan
            assert "TEMP B-TREE" not in text and "SCAN ai_system" not in plan, plan


def test_audit_windows_of_a_record_read_its_ranges_of_the_entity_index(tdb):  # noqa: F811
    """Exact refs read (entity_ref=? AND id<?) in order; a prefix range is read from
    the index and only its own entries sorted; nothing walks or scans the whole table."""
    f = windows.audit_filter_for_system(tdb, "AIS-001")
    mid = windows.audit_page(tdb, f, limit=100).rows[2]["id"]
    for call in _calls(lambda *a, **k: windows.audit_page(tdb, *a, **k), f, (mid,)):
        plans = [p for st, p in _plans(tdb, call) if "UNION ALL" in st]
        assert plans
        for plan in plans:
            searches = [step for step in plan if "audit_event" in step]
            assert searches and all("USING COVERING INDEX ix_audit_entity (entity_ref" in s for s in searches), plan
    every = windows.AuditFilter()
    for call in _calls(lambda *a, **k: windows.audit_page(tdb, *a, **k), every, (mid,)):
        for st, plan in _plans(tdb, call):
            if "FROM audit_event" in st and "ORDER BY" in st:
                assert "TEMP B-TREE" not in " ".join(plan), plan
