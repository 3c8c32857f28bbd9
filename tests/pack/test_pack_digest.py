"""The pack's data digest: the same string as ``audit.canonical`` for any data, written without a copy."""

from __future__ import annotations

from datetime import date, datetime, timezone
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from aims_tui.core.audit import canonical
from aims_tui.reports.data import pack_canonical

SCALAR = st.one_of(st.none(), st.booleans(), st.integers(), st.text(max_size=8), st.dates(),
                   st.datetimes(timezones=st.sampled_from([None, timezone.utc])),
                   st.decimals(allow_nan=False, allow_infinity=False, places=2),
                   st.floats(allow_nan=False, allow_infinity=False))
KEY = st.one_of(st.text(max_size=4), st.integers(-20, 20), st.booleans(), st.none())
DATA = st.recursive(SCALAR, lambda inner: st.one_of(
    st.lists(inner, max_size=4), st.tuples(inner, inner), st.dictionaries(st.text(max_size=4), inner, max_size=4),
    st.dictionaries(KEY, inner, max_size=4)), max_leaves=30)


@settings(max_examples=300, deadline=None)
@given(DATA)
def test_the_pack_digest_reads_any_data_as_canonical_does(value):
    """The digest is recorded with a review (pack_digest): written without first copying the data, it must
    still be canonical's string, also for keys that are not strings (canonical sorts them as strings)."""
    try:
        expected = canonical(value)
    except TypeError:  # e.g. keys of mixed types that json cannot sort
        return
    assert pack_canonical(value) == expected


def test_non_string_keys_sort_as_canonical_sorts_them():
    """Integer keys: canonical sorts "10" before "9"; json alone would sort 9 before 10."""
    value = {"levels": {9: "a", 10: "b"}, "at": [date(2026, 6, 15), datetime(2026, 6, 15, 12, 0)], "n": Decimal("1.50")}
    assert pack_canonical(value) == canonical(value)
    assert pack_canonical(value).index('"10"') < pack_canonical(value).index('"9"')


def test_the_pack_reads_the_register_as_the_register_list_does(db):
    """The appendix reads every risk in one query of plain rows (the ORM objects of all_risks cost three
    times as much at 10,000 risks): the same rows, values and order, org-level, closed and withdrawn included."""
    from aims_tui.core import queries
    from aims_tui.core.services import risks, systems, withdrawal
    from aims_tui.core.services.demo import load_demo
    from aims_tui.reports.data import register_rows
    from tests.conftest import ADMIN, EDITOR, TODAY

    load_demo(db, ADMIN, systems=3, risks_per_system=4, seed=3, today=TODAY)
    sysref = systems.create_system(db, EDITOR, {"name": "Σύστημα <b>", "purpose": "x"}, today=TODAY)["ref"]
    gone = risks.create_risk(db, EDITOR, {"system": sysref, "title": "made by mistake", "inherent_likelihood": 1,
                                          "inherent_impact": 1}, today=TODAY)
    risks.create_risk(db, EDITOR, {"title": "org-level & <i>", "inherent_likelihood": 5, "inherent_impact": 4},
                      today=TODAY)
    withdrawal.withdraw(db, ADMIN, "risk", gone["ref"], reason="made by mistake")
    expected = list(queries.all_risks(db, queries.RiskFilter(today=TODAY)))
    got = register_rows(db, TODAY)
    assert got == expected
    assert gone["ref"] not in {r["ref"] for r in got} and any(r["system_ref"] is None for r in got)
    assert [type(v) for r in got for v in r.values()] == [type(v) for r in expected for v in r.values()]
