"""The app's first screens read through sqlite3 (core.fastread) show what the ORM
read path shows: the same rows, in the same order, the same counts (issue 15).

The first paint read the register, the dashboard and the user's role through the
ORM (SQLModel, pydantic, 20 table classes: more CPU than a whole bare Textual app);
core.fastread writes the same SQL out for sqlite3. Each test reads one database both
ways and compares.
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from aims_tui.core import fastread, history, models, queries
from aims_tui.core.models import RISK_CATEGORIES, RISK_STATUSES
from aims_tui.core.queries import RiskFilter
from aims_tui.core.services import users
from aims_tui.tui import dash, reads

from ..conftest import ADMIN, APPROVER, EDITOR, VIEWER, on_postgresql, raw_connect
from .helpers import TODAY, days, replace_register, system_ids

pytestmark = pytest.mark.skipif(on_postgresql(), reason="the sqlite3 fast read is SQLite's; PostgreSQL reads through the ORM")

risk_st = st.fixed_dictionaries({
    "title": st.sampled_from(["Bias", "Drift", "Leak", "Ünfair"]),
    "owner": st.sampled_from([ADMIN, EDITOR, "zoe"]),
    "category": st.sampled_from(RISK_CATEGORIES[:3]),
    "status": st.sampled_from(RISK_STATUSES + ("withdrawn",)),
    "il": st.integers(1, 5), "ii": st.integers(1, 5),
    "rl": st.integers(1, 5), "ri": st.integers(1, 5),
    "next_review": st.one_of(st.none(), st.integers(-30, 30).map(days)),
    "system": st.sampled_from([None, "AIS-001", "AIS-002"]),
    "awaiting": st.sampled_from([False, False, False, True]),
})


@pytest.fixture(scope="module")
def reg_db(tmp_path_factory):
    from aims_tui.core.services import systems

    from ..conftest import make_db

    database = make_db(tmp_path_factory.mktemp("fastread") / "aims.db")
    for name in ("Chatbot", "Scoring"):
        systems.create_system(database, EDITOR, {"name": name})
    yield database
    database.dispose()


def _write(db, risks) -> None:
    sids = system_ids(db)
    replace_register(db, [dict(r, system_id=sids.get(r["system"])) for r in risks])
    awaiting = [n for n, r in enumerate(risks, start=1) if r["awaiting"]]
    if awaiting:  # raw SQL, as an import of unscored risks leaves them (the tallies follow by trigger)
        con = raw_connect(db)
        con.execute(f"UPDATE risk SET awaiting_assessment = 1 WHERE ref_num IN ({','.join(map(str, awaiting))})")
        con.commit()
        con.close()


def _both(db, f, sort="ref", descending=False, **kw):
    orm = queries.risk_page(db, f, sort=sort, descending=descending, **kw)
    fast = fastread.risk_page(db, f, sort=sort, descending=descending, **kw)
    assert fast is not None
    return orm, fast


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(risks=st.lists(risk_st, max_size=30), data=st.data())
def test_the_registers_windows_and_count_through_sqlite3_equal_the_orm_reads(reg_db, risks, data):
    """Random registers (withdrawn risks, risks awaiting assessment, organization-wide risks, no
    next review): every window in ref order, either direction, from either end and from any key,
    has the rows, keys and has_more of core.queries.risk_page, and the count of risk_count."""
    _write(reg_db, risks)
    today = data.draw(st.sampled_from([None, TODAY, TODAY + timedelta(days=20)]), label="today")
    f = RiskFilter(today=today)
    descending = data.draw(st.booleans(), label="descending")
    limit = data.draw(st.integers(1, 8), label="limit")
    n = data.draw(st.integers(0, len(risks) + 1), label="key")
    side = data.draw(st.sampled_from(["first", "after", "before", "end"]), label="side")
    kw: dict = {}
    if side == "after":
        kw["after"] = (n, n)
    elif side == "before":
        kw["before"] = (n, n)
    elif side == "end":
        kw["from_end"] = True
    orm, fast = _both(reg_db, f, descending=descending, limit=limit, **kw)
    assert fast.rows == orm.rows
    assert (fast.first_key, fast.last_key, fast.has_more) == (orm.first_key, orm.last_key, orm.has_more)
    assert fastread.risk_count(reg_db, f) == queries.risk_count(reg_db, f)


def test_the_whole_register_paged_through_sqlite3_is_the_orm_register_in_order(demo_db):
    """The demo's register read 7 rows at a time to the end both ways is the ORM path's, row for row."""
    f = RiskFilter(today=TODAY)
    after, got = None, []
    while True:
        page = fastread.risk_page(demo_db, f, after=after, limit=7)
        got += page.rows
        if not page.has_more:
            break
        after = page.last_key
    want = list(queries.all_risks(demo_db, f))
    assert got == want and len(got) == queries.risk_count(demo_db, f) > 40


def test_the_fast_read_serves_only_the_plain_live_sqlite_register(demo_db):
    """A filter, another sort, a search or the register as of a past day go through the ORM path."""
    assert fastread.risk_page(demo_db, RiskFilter(owner=ADMIN)) is None
    assert fastread.risk_page(demo_db, RiskFilter(search="bias")) is None
    assert fastread.risk_page(demo_db, RiskFilter(), sort="title") is None
    assert fastread.risk_count(demo_db, RiskFilter(status="active")) is None
    past = history.at(demo_db, history.end_of_day(TODAY))
    assert not fastread.applies(past)
    assert fastread.risk_page(past, RiskFilter()) is None and fastread.dashboard_counts(past, ADMIN) is None


@pytest.mark.parametrize("login", [ADMIN, EDITOR, "nobody"])
@pytest.mark.parametrize("today", [TODAY, TODAY + timedelta(days=200), date(2020, 1, 1)])
def test_the_dashboard_through_sqlite3_equals_the_orm_dashboard(demo_db, login, today):
    """Every count and both heat maps of the first screen, for users with and without risks, on days
    before, at and long after the demo's dates (overdue, due soon, acceptances expired)."""
    fast = dash.dashboard(demo_db, login, today)
    orm = reads.dashboard(demo_db, login, today)
    assert fastread.dashboard_counts(demo_db, login, today) is not None
    assert fast == orm
    for residual in (True, False):
        assert fastread.heat_map(demo_db, residual) is not None
        assert dash.heat_maps(demo_db, residual, today) == reads.heat_maps(demo_db, residual, today)


def test_the_dashboard_of_an_empty_register_says_empty_both_ways(db):
    """A new database (first-run screen): empty, organization and zeros the same."""
    assert dash.dashboard(db, ADMIN, TODAY) == reads.dashboard(db, ADMIN, TODAY)
    assert dash.dashboard(db, ADMIN, TODAY).empty


def test_the_users_role_through_sqlite3_is_the_services(db):
    """Role and active flag of each user, a deactivated user and a login with no user."""
    users.deactivate(db, ADMIN, VIEWER)
    for login in (ADMIN, APPROVER, EDITOR, VIEWER, "nobody"):
        want = users.get_user(db, login)
        got = fastread.user(db, login)
        assert got == ({} if want is None else {"role": want["role"], "active": want["active"]})


def test_the_fast_reads_vocabulary_is_the_models():
    """fastread spells the statuses out (importing the models would load the ORM): they must not drift."""
    assert fastread.STAGES == models.STAGES
    assert fastread.RISK_STATUSES == models.RISK_STATUSES
    assert fastread.WITHDRAWN == models.WITHDRAWN
    assert fastread.OPEN_TREATMENT_STATUSES == models.OPEN_TREATMENT_STATUSES
    assert fastread.ACTIVE_STATUSES == queries.ACTIVE_STATUSES
    from aims_tui.core import tally

    assert fastread.TALLY_TABLE == tally.EXPIRY and fastread.LIVE_EXCLUDED == tally.LIVE_EXCLUDED


async def test_keys_typed_while_the_app_starts_are_all_kept_before_and_after_the_orm_loads(demo_db):
    """The ORM is loaded 0.5 s after the first paint: a search typed at once, before that, and keys
    that need the ORM (the search reads through core.queries) must all land, in order."""
    from textual.widgets import Input

    from ..tui.helpers import make_app, settle

    app = make_app(demo_db, EDITOR)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("2", "slash", "b", "i", "a", "s", "enter")
        await settle(pilot)
        for _ in range(100):  # the worker that loads the ORM after the first paint, then the search
            await pilot.pause(0.05)
            if app.workers and all(w.is_finished for w in app.workers) and app.screen.filter.search == "bias":
                break
        await settle(pilot)
        assert type(app.screen).__name__ == "RegisterScreen"
        assert app.screen.query_one("#search", Input).value == "bias"
        assert app.screen.filter.search == "bias"
        want = queries.risk_count(demo_db, RiskFilter(search="bias", today=TODAY))
        assert app.screen.pager.total == want > 0
