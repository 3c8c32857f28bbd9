"""The two rules every area's readiness findings share (core/readiness_types.py): how the
refs concerned are listed in a finding's detail, and which records are past their review."""

from __future__ import annotations

from datetime import date, timedelta
from types import SimpleNamespace

from hypothesis import given
from hypothesis import strategies as st

from aims_tui.core.readiness_types import listed, past_review

TODAY = date(2026, 6, 15)
REFS = st.lists(st.from_regex(r"[A-Z]{2,3}-\d{3}", fullmatch=True), unique=True, max_size=30)


@given(REFS, st.integers(min_value=1, max_value=12))
def test_listed_names_the_first_refs_up_to_the_limit_then_counts_the_rest(refs, limit):
    text = listed(refs, limit)
    head, _, more = text.partition(" and ")
    assert (head.split(", ") if head else []) == refs[:limit]
    assert more == (f"{len(refs) - limit} more" if len(refs) > limit else "")


def test_listed_shows_five_unless_told_otherwise():
    """The case: documents, context and leadership each kept their own copy of this at five."""
    refs = [f"DOC-{i:03}" for i in range(1, 8)]
    assert listed(refs) == "DOC-001, DOC-002, DOC-003, DOC-004, DOC-005 and 2 more"
    assert listed(refs[:5]) == "DOC-001, DOC-002, DOC-003, DOC-004, DOC-005"
    assert listed(()) == ""


@given(st.lists(st.one_of(st.none(), st.integers(min_value=-400, max_value=400)), max_size=20))
def test_past_review_is_the_records_reviewed_next_before_today_in_their_order(offsets):
    rows = [SimpleNamespace(ref=f"R-{i:03}", next_review=None if o is None else TODAY + timedelta(days=o))
            for i, o in enumerate(offsets)]
    assert past_review(rows, TODAY) == [r.ref for r, o in zip(rows, offsets) if o is not None and o < 0]


def test_a_review_due_today_is_not_late_and_one_without_a_date_is_not_late():
    rows = [SimpleNamespace(ref="A", next_review=TODAY), SimpleNamespace(ref="B", next_review=None),
            SimpleNamespace(ref="C", next_review=TODAY - timedelta(days=1))]
    assert past_review(rows, TODAY) == ["C"]
