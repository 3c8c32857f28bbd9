"""Paging is correct, not only fast: every window read by keys adds up to the
full query, in order, with no duplicates and no gaps."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings, strategies as st

from aims_tui.core import queries
from aims_tui.core.models import RISK_CATEGORIES, RISK_STATUSES
from aims_tui.core.queries import RiskFilter

from .helpers import TODAY, days, expected_refs, page_backward, page_forward, replace_register, system_ids

# Few distinct values, so sort keys tie heavily; NULLs where the column allows.
risk_st = st.fixed_dictionaries({
    "title": st.sampled_from(["Bias", "bias", "Drift", "Leak", "Ünfair", "äpfel", "Zebra"]),
    "description": st.sampled_from(["", "model drift in production", "prompt injection"]),
    "owner": st.sampled_from(["alice", "bob", "eve"]),
    "category": st.sampled_from(RISK_CATEGORIES[:3]),
    "status": st.sampled_from(RISK_STATUSES),
    "il": st.integers(1, 5), "ii": st.integers(1, 5),
    "rl": st.integers(1, 3), "ri": st.integers(1, 3),
    "next_review": st.one_of(st.none(), st.integers(-3, 3).map(days)),
    "system": st.sampled_from([None, "AIS-001", "AIS-002"]),
})


def filter_st(refs: list[str]):
    return st.builds(
        RiskFilter,
        system=st.sampled_from([None, None, "-", "AIS-001", "AIS-003"]),
        owner=st.sampled_from([None, None, "alice"]),
        level=st.sampled_from([None, None, "Low", "Medium"]),
        inherent_level=st.sampled_from([None, None, "Critical"]),
        status=st.sampled_from([None, None, "active", "open", "closed"]),
        category=st.sampled_from([None, None, RISK_CATEGORIES[0]]),
        overdue=st.sampled_from([False, False, True]),
        search=st.sampled_from(["", "", "", "bias", "drift pro", "unf", "R-00"]),
        residual_cell=st.sampled_from([None, None, (1, 1), (2, 3)]),
        today=st.just(TODAY),
    )


def _write(db, risks):
    sids = system_ids(db)
    replace_register(db, [dict(r, system_id=sids.get(r["system"])) for r in risks])


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(risks=st.lists(risk_st, max_size=40), data=st.data())
def test_paging_forward_and_backward_gives_exactly_the_full_query_in_order(reg_db, read_mode, risks, data):
    """Random registers with ties and NULLs, random filters and sorts, small
    pages: top-to-bottom (after=last_key) and bottom-to-top (before=first_key)
    both read exactly the rows of the full query, in its order."""
    _write(reg_db, risks)
    f = data.draw(filter_st([]), label="filter")
    sort = data.draw(st.sampled_from(sorted(queries.SORTS)), label="sort")
    descending = data.draw(st.booleans(), label="descending")
    limit = data.draw(st.integers(1, 7), label="limit")
    want = expected_refs(reg_db, f, sort, descending)
    forward = page_forward(reg_db, f, sort, descending, limit)
    assert forward == want
    backward = page_backward(reg_db, f, sort, descending, limit)
    assert backward == want
    assert queries.risk_count(reg_db, f) == len(want)
    skip = data.draw(st.integers(0, len(want) + 2), label="offset")
    jumped = queries.risk_page(reg_db, f, sort=sort, descending=descending, offset=skip, limit=limit)
    assert [r["ref"] for r in jumped.rows] == want[skip:skip + limit]
    assert jumped.has_more == (skip + limit < len(want))
    from_end = queries.risk_page(reg_db, f, sort=sort, descending=descending, offset=skip, limit=limit,
                                 from_end=True)
    assert [r["ref"] for r in from_end.rows] == want[max(0, len(want) - skip - limit):max(0, len(want) - skip)]


def test_every_sort_pages_through_nulls_and_ties_in_both_directions(reg_db, read_mode):
    """A fixed register where every sort key has NULLs (where allowed) and long
    runs of equal values, read two rows at a time under an active filter."""
    sids = system_ids(reg_db)
    risks = []
    for n in range(30):
        risks.append(dict(title=["Same", "same", "Other"][n % 3], owner=["bob", "alice"][n % 2],
                          status=["open", "closed", "treating"][n % 3], il=1 + n % 2, ii=2, rl=1, ri=1 + n % 2,
                          next_review=None if n % 4 == 0 else days(n % 2),
                          system_id=None if n % 5 == 0 else sids["AIS-001" if n % 2 else "AIS-002"]))
    replace_register(reg_db, risks)
    for f in (RiskFilter(), RiskFilter(status="active"), RiskFilter(search="same")):
        for sort in queries.SORTS:
            for descending in (False, True):
                want = expected_refs(reg_db, f, sort, descending)
                assert want, (f, sort)
                assert page_forward(reg_db, f, sort, descending, 2) == want, (f, sort, descending)
                assert page_backward(reg_db, f, sort, descending, 2) == want, (f, sort, descending)


def test_nulls_sort_where_documented(reg_db):
    """No next review sorts after every date; no system (organization-wide)
    sorts before every system; descending reverses both."""
    sids = system_ids(reg_db)
    replace_register(reg_db, [dict(next_review=None, system_id=sids["AIS-001"]),
                              dict(next_review=days(1), system_id=None),
                              dict(next_review=days(-1), system_id=sids["AIS-002"])])
    refs = lambda sort, d: [r["ref"] for r in queries.risk_page(reg_db, sort=sort, descending=d).rows]  # noqa: E731
    assert refs("next_review", False) == ["R-0003", "R-0002", "R-0001"]
    assert refs("next_review", True) == ["R-0001", "R-0002", "R-0003"]
    assert refs("system", False) == ["R-0002", "R-0001", "R-0003"]
    assert refs("system", True) == ["R-0003", "R-0001", "R-0002"]


def test_a_key_from_a_page_leads_to_the_neighbouring_page_only(reg_db):
    """PageDown then PageUp returns to the same window; End then PageUp reads
    the rows just above the last window; has_more is false at both ends."""
    replace_register(reg_db, [dict(title=f"T{n % 4}") for n in range(25)])
    first = queries.risk_page(reg_db, sort="title", limit=10)
    second = queries.risk_page(reg_db, sort="title", after=first.last_key, limit=10)
    back = queries.risk_page(reg_db, sort="title", before=second.first_key, limit=10)
    assert [r["ref"] for r in back.rows] == [r["ref"] for r in first.rows] and not back.has_more
    end = queries.risk_page(reg_db, sort="title", from_end=True, limit=10)
    above = queries.risk_page(reg_db, sort="title", before=end.first_key, limit=10)
    want = expected_refs(reg_db, RiskFilter(), "title", False)
    assert [r["ref"] for r in end.rows] == want[-10:] and end.has_more
    assert [r["ref"] for r in above.rows] == want[-20:-10]
    last = queries.risk_page(reg_db, sort="title", after=second.last_key, limit=10)
    assert [r["ref"] for r in last.rows] == want[20:] and not last.has_more


def test_capped_count_stops_at_the_cap(reg_db):
    """risk_count(cap=N) says "at least N" without counting further."""
    replace_register(reg_db, [dict() for _ in range(12)])
    assert queries.risk_count(reg_db, cap=5) == 5
    assert queries.risk_count(reg_db, cap=50) == 12
    assert queries.risk_count(reg_db, RiskFilter(search="risk"), cap=5) == 5
