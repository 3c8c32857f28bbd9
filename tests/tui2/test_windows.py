"""Window reads of the AI systems, the treatments and the audit trail
(core.windows): paging forward and backward from either end visits every row
of the full query once, in order, ties and undated treatments included; each
range is read through an index."""

from __future__ import annotations

import random
from datetime import date, timedelta

import pytest
from hypothesis import given, settings, strategies as st, HealthCheck
from sqlmodel import select

from aims_tui.core import windows
from aims_tui.core.models import OPEN_TREATMENT_STATUSES, AuditEvent, Risk, Treatment
from aims_tui.core.services import treatments

from ..conftest import ADMIN, EDITOR, TODAY


def _walk_forward(page_fn, db, f, limit):
    seen, key = [], None
    while True:
        p = page_fn(db, f, after=key, limit=limit)
        seen.extend(p.rows)
        if not p.has_more:
            return seen
        key = p.last_key


def _walk_backward(page_fn, db, f, limit):
    p = page_fn(db, f, from_end=True, limit=limit)
    seen = list(p.rows)
    while p.has_more:
        p = page_fn(db, f, before=p.first_key, limit=limit)
        seen[:0] = p.rows
    return seen


@pytest.fixture(scope="module")
def tdb(tmp_path_factory):
    """A demo database plus treatments with shared due dates and no due date, and several owners."""
    from aims_tui.core.services.demo import load_demo
    from tests.conftest import make_db

    database = make_db(tmp_path_factory.mktemp("w") / "w.db")
    load_demo(database, ADMIN, systems=6, risks_per_system=5, seed=3, today=TODAY)
    rng = random.Random(5)
    with database.read() as s:
        refs = list(s.exec(select(Risk.ref)))
    for i in range(40):
        due = None if i % 4 == 0 else TODAY + timedelta(days=rng.choice([-3, 0, 0, 5, 9]))
        treatments.add_treatment(database, ADMIN, rng.choice(refs), {
            "action": f"step {i}", "owner": rng.choice([ADMIN, EDITOR]), "due_date": due,
            "status": rng.choice(["planned", "in_progress", "done", "cancelled"])})
    yield database
    database.dispose()


def _full_treatments(db, f):
    with db.read() as s:
        q = select(Treatment)
        if f.owner is not None:
            q = q.where(Treatment.owner == f.owner)
        if not f.include_done:
            q = q.where(Treatment.status.in_(OPEN_TREATMENT_STATUSES))
        rows = list(s.exec(q))
    rows.sort(key=lambda t: (t.due_date is None, t.due_date or date.min, t.id))
    return [t.id for t in rows]


FILTERS = [windows.TreatmentFilter(owner, done) for owner in (None, ADMIN, EDITOR) for done in (False, True)]


@pytest.mark.parametrize("f", FILTERS, ids=str)
def test_treatment_windows_forward_and_backward_equal_the_full_query(tdb, f):
    """Everyone's or one owner's treatments, with or without done ones: due dates tie and some are NULL."""
    want = _full_treatments(tdb, f)
    assert any(True for _ in want)
    for limit in (1, 3, 7):
        assert [r["id"] for r in _walk_forward(windows.treatment_page, tdb, f, limit)] == want
        assert [r["id"] for r in _walk_backward(windows.treatment_page, tdb, f, limit)] == want
    assert windows.treatment_count(tdb, f) == len(want)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(f=st.sampled_from(FILTERS), start=st.integers(0, 80), limit=st.integers(1, 9), forward=st.booleans())
def test_a_treatment_window_from_any_row_continues_the_order_without_gaps(tdb, f, start, limit, forward):
    """From the key of any row, the next (or previous) window is the next (or previous) rows of the full order."""
    want = _full_treatments(tdb, f)
    pages = windows.treatment_page(tdb, f, limit=len(want) + 1).rows
    assert [r["id"] for r in pages] == want
    i = start % len(want)
    key = pages[i]["_key"]
    if forward:
        p = windows.treatment_page(tdb, f, after=key, limit=limit)
        assert [r["id"] for r in p.rows] == want[i + 1:i + 1 + limit]
        assert p.has_more == (i + 1 + limit < len(want))
    else:
        p = windows.treatment_page(tdb, f, before=key, limit=limit)
        assert [r["id"] for r in p.rows] == want[max(0, i - limit):i]
        assert p.has_more == (i - limit > 0)


@pytest.mark.parametrize("f", [windows.SystemFilter(), windows.SystemFilter(stage="production"),
                               windows.SystemFilter(search="a"), windows.SystemFilter(tier="high"),
                               windows.SystemFilter(owner=EDITOR)], ids=str)
def test_system_windows_forward_and_backward_equal_the_full_query(tdb, f):
    """The inventory in ref order under each filter, read 1, 2 and 4 rows at a time."""
    full = windows.system_page(tdb, f, limit=10_000).rows
    want = [r["ref"] for r in full]
    for limit in (1, 2, 4):
        assert [r["ref"] for r in _walk_forward(windows.system_page, tdb, f, limit)] == want
        assert [r["ref"] for r in _walk_backward(windows.system_page, tdb, f, limit)] == want
    assert windows.system_count(tdb, f) == len(want)
    assert want == sorted(want)


def test_the_systems_open_risk_counts_are_those_of_each_system(tdb):
    """open_risks counts the system's risks that are not closed."""
    rows = windows.system_page(tdb, limit=100).rows
    with tdb.read() as s:
        for r in rows:
            n = len([x for x in s.exec(select(Risk).where(Risk.system_id == r["id"])) if x.status != "closed"])
            assert r["open_risks"] == n


def test_audit_windows_of_a_system_are_its_events_newest_first(tdb):
    """A system's activity: its own events, its risks' and their treatments', newest first, nothing else."""
    f = windows.audit_filter_for_system(tdb, "AIS-001")
    with tdb.read() as s:
        events = list(s.exec(select(AuditEvent)))
    mine = set(f.refs)
    want = sorted((e.id for e in events if e.entity_ref in mine
                   or any(e.entity_ref.startswith(p) for p in f.prefixes)), reverse=True)
    assert want
    for limit in (1, 5):
        assert [r["id"] for r in _walk_forward(windows.audit_page, tdb, f, limit)] == want
        assert [r["id"] for r in _walk_backward(windows.audit_page, tdb, f, limit)] == want
    assert windows.audit_count(tdb, f) == len(want)
    every = windows.AuditFilter()
    assert [r["id"] for r in _walk_forward(windows.audit_page, tdb, every, 50)] == sorted(
        (e.id for e in events), reverse=True)
    assert windows.audit_count(tdb, every) == len(events)


def test_audit_counts_and_windows_hold_for_thousands_of_records_and_overlapping_ranges(tdb):
    """A filter of 1200 refs and prefixes (over SQLite's expression depth if ORed) counts
    and pages; an exact ref or prefix inside another prefix is counted once."""
    with tdb.read() as s:
        events = list(s.exec(select(AuditEvent)))
    refs = tuple(f"R-{i:04d}" for i in range(1, 1201))
    f = windows.AuditFilter(refs=refs + ("R-0001/T1",), prefixes=tuple(r + "/" for r in refs) + ("R-0001/",))
    want = sorted((e.id for e in events if e.entity_ref in refs
                   or any(e.entity_ref.startswith(r + "/") for r in refs)), reverse=True)
    assert want
    assert windows.audit_count(tdb, f) == len(want)
    assert [r["id"] for r in _walk_forward(windows.audit_page, tdb, f, 7)] == want
