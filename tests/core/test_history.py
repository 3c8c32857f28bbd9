"""The register as of a past moment (core.history): rebuilt from the audit trail,
equal to the register as it was saved at that moment. The `clock` fixture: tests/core/conftest.py."""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import pytest
from hypothesis import HealthCheck, Phase, example, given, settings, strategies as st

from aims_tui.core import audit, history, queries, tally
from aims_tui.core.errors import DatabaseError, NotFound, ValidationError
from aims_tui.core.services import (acceptances, controls, criteria, management, reviews, risks,
                                    settings as settings_svc, systems, withdrawal)
from tests.conftest import ADMIN, APPROVER, EDITOR, TODAY, make_db, raw_connect
from tests.core.helpers import START, Clock

TABLES = (*history.TABLES, "control", "applicability")  # the SoA entries and own controls too
# JSON columns compared by value (the audit trail keeps JSON canonical: the keys' order is not kept).
JSON_COLUMNS = {"matrix", "cadences"}


def _row(r: dict) -> dict:
    return {k: (json.loads(v) if k in JSON_COLUMNS and isinstance(v, str) else v)
            for k, v in r.items() if k not in IGNORED}
# Not restored: the time of the last write (shown nowhere as of a date).
IGNORED = {"updated_at"}


def tallies(db) -> tuple[str, ...]:
    """The tallies a past moment is read from: SQLite's, shadowed by core.history. PostgreSQL keeps
    tallies too (0017), but a past moment there counts its rows instead (not shadowed)."""
    if db.backend == "postgresql":
        return ()
    with db.read() as s:
        return tuple(history.TALLIES) if tally.present(s) else ()


def snapshot(db, kept: tuple[str, ...]) -> dict[str, list[dict]]:
    """Every row of the tracked tables as stored (read behind aims' back, with the plain driver)."""
    conn = raw_connect(db)
    try:
        out = {}
        for t in TABLES:
            cur = conn.execute(f"SELECT * FROM {t} ORDER BY id")
            cols = [c[0] for c in cur.description]
            out[t] = [_row(dict(zip(cols, r))) for r in cur]
        for t in kept:
            out[t] = sorted(tuple(r) for r in conn.execute(f"SELECT * FROM {t} WHERE n != 0"))
        out["risk_control"] = sorted(tuple(r) for r in conn.execute("SELECT risk_id, control_id FROM risk_control"))
        return out
    finally:
        conn.close()


def rebuilt(db, at: datetime, kept: tuple[str, ...]) -> dict[str, list]:
    out: dict[str, list] = {t: [_row(r) for r in history.rows_as_of(db, t, at)] for t in TABLES}
    with history.at(db, at).read() as s:  # the dashboard's tallies as of then (TEMP views)
        for t in kept:
            out[t] = sorted(tuple(r) for r in s.connection().exec_driver_sql(f"SELECT * FROM {t} WHERE n != 0"))
        out["risk_control"] = sorted(tuple(r) for r in s.connection().exec_driver_sql(
            "SELECT risk_id, control_id FROM risk_control"))
    return out


STEPS = st.lists(st.tuples(
    st.sampled_from(["create", "rescore", "transition", "accept", "accept_undo", "revoke", "withdraw", "restore",
                     "review",
                     "close_review", "system", "retitle", "delete", "link", "criteria", "settings",
                     "soa", "approve_soa", "own_control"]),
    st.integers(0, 50), st.integers(1, 5), st.integers(1, 5), st.integers(1, 3000)),
    min_size=1, max_size=14)


CODES = ["A.2.2", "A.5.2", "A.6.2.4", "A.7.2", "A.9.2"]  # Annex A controls (setup loads them)


def _apply(db, step, state) -> None:
    op, pick, l_, i_, _mins = step
    refs = state["risks"]
    ref = refs[pick % len(refs)] if refs else None
    sysref = state["systems"][pick % len(state["systems"])]
    try:
        if op == "create" or ref is None:
            r = risks.create_risk(db, EDITOR, {"title": f"Risk {pick}", "inherent_likelihood": l_,
                                               "inherent_impact": i_, "controls": CODES[pick % 3:pick % 3 + l_ % 3],
                                               **({"system": sysref} if pick % 2 else {})}, today=TODAY)
            refs.append(r["ref"])
        elif op == "criteria":  # appetite and a cadence: levels move, next reviews may come forward
            criteria.set_criteria(db, ADMIN, {"appetite": l_ * i_ % 25 + 1,
                                              "cadences": {"Low": f"{30 * l_}d", "Medium": f"{20 * i_}d",
                                                           "High": "30d", "Critical": f"{7 * l_}d"}}, today=TODAY)
        elif op == "soa":  # an SoA entry decided or re-justified (an approval it had is cleared)
            controls.update_applicability(db, EDITOR, (CODES + ["ORG.1", "ORG.2"])[pick % 7], {
                "applicable": bool(l_ % 2), "justification": f"why {pick}",
                "implementation_status": ("not_started", "planned", "partial", "implemented")[i_ % 4]})
        elif op == "approve_soa":
            controls.approve_soa(db, APPROVER if pick % 2 else ADMIN)
        elif op == "own_control":
            controls.add_control(db, ADMIN, {"code": f"ORG.{pick % 2 + 1}", "title": f"Own {pick}",
                                             "justification": "ours" if l_ % 2 else ""})
        elif op == "settings":
            settings_svc.update_settings(db, ADMIN, {"due_soon_days": l_ * 7, "organization": f"Org {pick}"})
        elif op == "link":
            risks.update_risk(db, EDITOR, ref, {"controls": CODES[l_ % 4:l_ % 4 + i_ % 4]})
        elif op == "rescore":
            risks.update_risk(db, EDITOR, ref, {"residual_likelihood": l_, "residual_impact": i_})
        elif op == "retitle":
            risks.update_risk(db, EDITOR, ref, {"title": f"Renamed {pick}", "owner": APPROVER,
                                                "system": sysref if pick % 3 else ""})
        elif op == "transition":
            row = systems.get_system(db, sysref)
            nxt = {"design": "validation", "validation": "deployment", "deployment": "monitoring",
                   "monitoring": "improvement", "improvement": "design"}.get(row["stage"])
            if nxt:
                systems.transition(db, ADMIN, sysref, nxt, override_justification="moved for the test run",
                                   today=TODAY)
        elif op == "accept":
            acceptances.accept_risk(db, APPROVER, ref, "within appetite after review", today=TODAY)
        elif op == "accept_undo":  # accepted again (the acceptance in force superseded), then ctrl+z
            acc = acceptances.accept_risk(db, APPROVER, ref, "within appetite after review", today=TODAY)
            acceptances.undo_acceptance(db, APPROVER, acc["id"], [a["id"] for a in acc["superseded"]], today=TODAY)
        elif op == "revoke":
            given = [a for a in acceptances.list_acceptances(db, ref, today=TODAY) if not a["revoked"]]
            if given:
                acceptances.revoke_acceptance(db, APPROVER, given[-1]["id"], "changed our mind")
        elif op == "withdraw":
            withdrawal.withdraw(db, EDITOR, "risk", ref, reason="made by mistake")
        elif op == "restore":
            withdrawal.restore(db, EDITOR, "risk", ref)
        elif op in ("review", "close_review"):
            reviews.record_review(db, EDITOR, "risk", ref, {
                "outcome": "closed" if op == "close_review" else "rescored",
                **({} if op == "close_review" else {"residual_likelihood": l_, "residual_impact": i_})},
                today=TODAY)
        elif op == "system":
            s = systems.create_system(db, EDITOR, {"name": f"System {pick}"}, today=TODAY)
            state["systems"].append(s["ref"])
        elif op == "delete":
            risks.delete_risk(db, APPROVER, ref)
            refs.remove(ref)
    except (ValidationError, NotFound):  # (an own control not added yet)
        pass  # a refused change changes nothing: the history must still hold


@settings(max_examples=30, deadline=None, phases=[Phase.explicit, Phase.reuse, Phase.generate],
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=STEPS)
@example(steps=[  # found on PostgreSQL (the shadowed cover tally off by one): a closed risk changed later
    ('approve_soa', 28, 3, 1, 3000), ('accept', 15, 3, 1, 164), ('soa', 49, 2, 5, 2064), ('criteria', 26, 4, 5, 2709),
    ('restore', 40, 5, 3, 2598), ('rescore', 21, 1, 3, 126), ('restore', 33, 3, 2, 261), ('retitle', 26, 1, 4, 36),
    ('close_review', 20, 3, 4, 2281), ('rescore', 9, 4, 4, 1402), ('accept', 40, 5, 5, 188), ('delete', 49, 2, 4, 2970),
    ('criteria', 0, 2, 5, 58), ('withdraw', 8, 1, 2, 1569)])
def test_the_register_rebuilt_as_of_any_moment_equals_the_register_saved_then(tmp_path_factory, steps):
    """The case: a manager asks what the register looked like on a past day; every
    field of every risk, system, acceptance, review and stage event, and every link
    between a risk and a control, must be as it was saved then, whatever sequence of
    changes came after (rescores, stage moves that bring reviews forward, acceptances
    and revocations, withdrawals, deletions, controls linked and unlinked)."""
    mp = pytest.MonkeyPatch()
    clock = Clock(START)
    mp.setattr(audit, "utcnow", clock)
    path = tmp_path_factory.mktemp("hist") / "aims.db"
    db = make_db(path)
    try:
        clock.advance(60)
        state = {"risks": [], "systems": [systems.create_system(db, EDITOR, {"name": "Chat"}, today=TODAY)["ref"]]}
        kept = tallies(db)
        moments = [(clock.now, snapshot(db, kept))]
        for step in steps:
            clock.advance(step[4])
            _apply(db, step, state)
            clock.advance(1)
            moments.append((clock.now, snapshot(db, kept)))
        for at, saved in moments:
            got = rebuilt(db, at, kept)
            for t in TABLES:  # noqa: B007
                assert [r["id"] for r in got[t]] == [r["id"] for r in saved[t]], f"{t} as of {at}"
                for g, w in zip(got[t], saved[t]):
                    assert {k: (g[k], w[k]) for k in w if g.get(k) != w[k]} == {}, f"{t} #{w['id']} as of {at}"
            for t in kept:
                assert got[t] == saved[t], f"{t} as of {at}"
            assert got["risk_control"] == saved["risk_control"], f"risk_control as of {at}"
    finally:
        history.close(db)
        db.dispose()
        mp.undo()


def test_the_register_list_as_of_a_moment_shows_the_risks_and_scores_of_then(db, clock):
    """The case: R-0001 was rescored and R-0002 added after the day asked for; the
    list as of that day shows R-0001 with its old scores and no R-0002."""
    r1 = risks.create_risk(db, EDITOR, {"title": "Bias", "inherent_likelihood": 4, "inherent_impact": 4}, today=TODAY)
    clock.advance(60)
    then = clock.now
    clock.advance(60 * 24)
    risks.update_risk(db, EDITOR, r1["ref"], {"residual_likelihood": 1, "residual_impact": 2})
    risks.create_risk(db, EDITOR, {"title": "Drift", "inherent_likelihood": 2, "inherent_impact": 2}, today=TODAY)
    past = list(queries.all_risks(db, as_of=then))
    now = list(queries.all_risks(db))
    assert [(r["ref"], r["residual_score"]) for r in past] == [(r1["ref"], 16)]
    assert [(r["ref"], r["residual_score"]) for r in now] == [(r1["ref"], 2), ("R-0002", 4)]
    assert queries.heat_map(db, as_of=then) == {(4, 4): 1}
    assert queries.heat_map(db) == {(1, 2): 1, (2, 2): 1}
    assert queries.risk_count(db, as_of=then) == 1


def test_the_register_as_of_a_moment_is_read_only(db, clock):
    """The case: a screen showing a past day must not be able to write through it."""
    risks.create_risk(db, EDITOR, {"title": "Bias", "inherent_likelihood": 4, "inherent_impact": 4}, today=TODAY)
    past = history.at(db, clock.now)
    with pytest.raises(DatabaseError, match="read-only"):
        risks.update_risk(past, EDITOR, "R-0001", {"title": "x"})
    assert history.at(db, None) is db


def test_the_register_as_of_a_moment_sees_changes_made_after_it_was_opened(db, clock):
    """The case: an app showing a past day stays open while a teammate deletes a
    risk made before that day: the past day still shows it, read again."""
    risks.create_risk(db, EDITOR, {"title": "Bias", "inherent_likelihood": 4, "inherent_impact": 4}, today=TODAY)
    clock.advance(10)
    then = clock.now
    assert [r["ref"] for r in queries.all_risks(db, as_of=then)] == ["R-0001"]
    clock.advance(10)
    risks.update_risk(db, EDITOR, "R-0001", {"title": "Bias in hiring"})
    assert [r["title"] for r in queries.all_risks(db, as_of=then)] == ["Bias"]
    risks.delete_risk(db, APPROVER, "R-0001")
    assert [r["title"] for r in queries.all_risks(db, as_of=then)] == ["Bias"]
    assert list(queries.all_risks(db)) == []


def test_end_of_day_is_the_last_moment_of_that_local_day():
    """The case: `--as-of 2026-06-15` must include a change made at 23:59 that day."""
    e = history.end_of_day(date(2026, 6, 15))
    local = e.astimezone()
    assert (local.date(), local.hour, local.minute, local.second) == (date(2026, 6, 15), 23, 59, 59)
    assert e.tzinfo is not None


def test_a_date_that_is_not_a_date_is_refused_naming_the_option():
    """The case: `--as-of 15/06/2026` must say which option and what form is expected."""
    with pytest.raises(ValidationError, match="--as-of.*YYYY-MM-DD"):
        history.parse_day("15/06/2026")


def _day(clock, d: date, hour: int = 12) -> None:
    clock.now = datetime(d.year, d.month, d.day, hour, tzinfo=timezone.utc).astimezone(timezone.utc)


def test_the_diff_of_two_dates_names_what_was_added_closed_rescored_moved_accepted_and_lapsed(db, clock):
    """The case: a known month of history: R-0001 exists before; in the month R-0002 is
    added, R-0001 rescored then accepted, R-0003 closed, AIS-001 moved to validation,
    and an acceptance given before the month expired in it. The diff names each once."""
    _day(clock, date(2026, 5, 1))
    sysref = systems.create_system(db, EDITOR, {"name": "Chat"}, today=date(2026, 5, 1))["ref"]
    risks.create_risk(db, EDITOR, {"title": "Bias", "inherent_likelihood": 4, "inherent_impact": 4,
                                   "system": sysref}, today=date(2026, 5, 1))
    risks.create_risk(db, EDITOR, {"title": "Old", "inherent_likelihood": 2, "inherent_impact": 2},
                      today=date(2026, 5, 1))
    risks.create_risk(db, EDITOR, {"title": "Leak", "inherent_likelihood": 1, "inherent_impact": 2},
                      today=date(2026, 5, 1))
    acceptances.accept_risk(db, APPROVER, "R-0003", "low and watched monthly", expires_on=date(2026, 6, 10),
                            today=date(2026, 5, 1))
    _day(clock, date(2026, 6, 2))
    risks.create_risk(db, EDITOR, {"title": "Drift", "inherent_likelihood": 3, "inherent_impact": 3},
                      today=date(2026, 6, 2))
    _day(clock, date(2026, 6, 3))
    risks.update_risk(db, EDITOR, "R-0001", {"residual_likelihood": 2, "residual_impact": 2})
    _day(clock, date(2026, 6, 4))
    acceptances.accept_risk(db, APPROVER, "R-0001", "residual now within appetite", expires_on=date(2027, 1, 1),
                            today=date(2026, 6, 4))
    _day(clock, date(2026, 6, 5))
    risks.update_risk(db, EDITOR, "R-0002", {"status": "closed"})
    _day(clock, date(2026, 6, 6))
    systems.transition(db, ADMIN, sysref, "validation", override_justification="moved for the test run",
                       today=date(2026, 6, 6))
    _day(clock, date(2026, 7, 2))
    risks.update_risk(db, EDITOR, "R-0004", {"residual_likelihood": 1})  # after the window

    with db.read() as s:
        d = history.diff(s, history.end_of_day(date(2026, 6, 1)), history.end_of_day(date(2026, 6, 30)))
    got = {k: [(c.ref, c.before, c.after) for c in getattr(d, k)] for k in d.KINDS}
    assert got["added"] == [("R-0004", None, {"status": "open"})]
    assert got["closed"] == [("R-0002", "open", "closed")]
    assert got["rescored"] == [("R-0001", {"inherent": [4, 4], "residual": [4, 4]},
                                {"inherent": [4, 4], "residual": [2, 2]})]
    assert got["moved_stage"] == [(sysref, "design", "validation")]
    assert [c.ref for c in d.accepted] == ["R-0001"]
    assert [(c.ref, c.before["expires_on"]) for c in d.lapsed] == [("R-0003", "2026-06-10")]
    js = d.to_json()
    assert js["schema"] == "aims.diff/1"
    assert js["counts"] == {"added": 1, "closed": 1, "rescored": 1, "moved_stage": 1, "accepted": 1, "lapsed": 1}


def test_a_diff_dates_an_added_risk_by_its_creation_and_a_closed_one_by_its_closing(db, clock):
    """The case: `aims diff --format json` gave an added risk the time of its later acceptance.
    R-0001 made at 07:45:24 and accepted at 07:47:33 is added at 07:45:24; R-0002 closed at 08:10:00
    and reviewed at 09:00:00 is closed at 08:10:00; an AI system made then moved is added when made."""
    clock.now = datetime(2026, 6, 10, 7, 45, 24, tzinfo=timezone.utc)
    risks.create_risk(db, EDITOR, {"title": "Bias", "inherent_likelihood": 2, "inherent_impact": 2},
                      today=date(2026, 6, 10))
    clock.now = datetime(2026, 6, 10, 7, 46, 0, tzinfo=timezone.utc)
    sysref = systems.create_system(db, EDITOR, {"name": "Chat"}, today=date(2026, 6, 10))["ref"]
    clock.now = datetime(2026, 6, 10, 7, 47, 33, tzinfo=timezone.utc)
    acceptances.accept_risk(db, APPROVER, "R-0001", "low and watched monthly", expires_on=date(2027, 1, 1),
                            today=date(2026, 6, 10))
    systems.transition(db, ADMIN, sysref, "validation", override_justification="moved for the test run",
                       today=date(2026, 6, 10))
    clock.now = datetime(2026, 6, 9, 8, 0, 0, tzinfo=timezone.utc)
    risks.create_risk(db, EDITOR, {"title": "Leak", "inherent_likelihood": 2, "inherent_impact": 2},
                      today=date(2026, 6, 9))
    clock.now = datetime(2026, 6, 10, 8, 10, 0, tzinfo=timezone.utc)
    risks.update_risk(db, EDITOR, "R-0002", {"status": "closed"})
    clock.now = datetime(2026, 6, 10, 9, 0, 0, tzinfo=timezone.utc)
    reviews.record_review(db, EDITOR, "risk", "R-0002", {"outcome": "still_valid"}, today=date(2026, 6, 10))

    with db.read() as s:
        d = history.diff(s, history.end_of_day(date(2026, 6, 9)), history.end_of_day(date(2026, 6, 11)))
    js = d.to_json()
    assert [(c["ref"], c["at"]) for c in js["added"]] == [("R-0001", "2026-06-10T07:45:24+00:00"),
                                                         (sysref, "2026-06-10T07:46:00+00:00")]
    assert [(c["ref"], c["at"]) for c in js["closed"]] == [("R-0002", "2026-06-10T08:10:00+00:00")]
    assert [(c["ref"], c["at"]) for c in js["accepted"]] == [("R-0001", "2026-06-10T07:47:33+00:00")]


def test_the_last_management_review_is_found_by_its_day(db, clock):
    """The case: `aims diff --since-review` and the app's "since the last review" need the day of the latest MR."""
    with db.read() as s:
        assert history.last_review_at(s) is None
    management.create_review(db, ADMIN, {"held_on": "2026-03-10"})
    management.create_review(db, ADMIN, {"held_on": "2026-05-20"})
    with db.read() as s:
        assert history.last_review_at(s) == history.end_of_day(date(2026, 5, 20))
        assert history.last_review_at(s, before=history.end_of_day(date(2026, 4, 1))) == \
            history.end_of_day(date(2026, 3, 10))


def test_the_tallies_have_one_home_that_migration_0014_and_the_history_agree_with():
    """The case (D5 of the duplicates report): history.py kept its own copy of 0014's tally
    definitions. They are declared once, in core/tally.py; history reads that very object, and
    the migration's frozen copy must still say the same (else its triggers and the history differ)."""
    import importlib.util

    path = Path(tally.__file__).parent / "migrations" / "versions" / "0014_risk_tallies.py"
    spec = importlib.util.spec_from_file_location("m0014", path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    assert history.TALLIES is tally.TALLIES
    assert mod.TALLIES == tally.TALLIES


def test_counts_as_of_a_moment_equal_the_rows_listed_as_of_it(db, clock):
    """The case: the register's counts as of a day come from that day's tallies; they
    must agree with the rows the list shows for the same filter (all, by status, overdue)."""
    for i in range(6):
        risks.create_risk(db, EDITOR, {"title": f"Risk {i}", "inherent_likelihood": 1 + i % 5, "inherent_impact": 2,
                                       "next_review": (TODAY - timedelta(days=10 - 4 * i)).isoformat()}, today=TODAY)
        clock.advance(5)
    then = clock.now
    clock.advance(60)
    risks.update_risk(db, EDITOR, "R-0001", {"status": "closed"})
    risks.update_risk(db, EDITOR, "R-0002", {"next_review": (TODAY + timedelta(days=30)).isoformat()})
    withdrawal.withdraw(db, EDITOR, "risk", "R-0003")
    risks.create_risk(db, EDITOR, {"title": "Late", "inherent_likelihood": 2, "inherent_impact": 2}, today=TODAY)
    for at in (then, None):
        for f in (queries.RiskFilter(), queries.RiskFilter(status="active"), queries.RiskFilter(status="closed"),
                  queries.RiskFilter(overdue=True, today=TODAY)):
            assert queries.risk_count(db, f, as_of=at) == len(list(queries.all_risks(db, f, as_of=at))), (at, f)
    assert queries.risk_count(db, queries.RiskFilter(overdue=True, today=TODAY), as_of=then) == 3


@pytest.mark.parametrize("sort", ["ref", "title", "owner", "residual", "next_review", "system"])
def test_pages_as_of_a_moment_come_in_the_order_of_that_moment(db, clock, sort):
    """The case: as of a past day, the register's pages merge today's unchanged rows (read
    through the sort index) with the rows as they were; page after page (keys at the page
    edges, both directions of sort) they must give every row of that day once, in order."""
    sysref = systems.create_system(db, EDITOR, {"name": "Chat"}, today=TODAY)["ref"]
    for i in range(9):
        risks.create_risk(db, EDITOR, {"title": f"Risk {(i * 7) % 9}", "inherent_likelihood": 1 + i % 5,
                                       "inherent_impact": 1 + (i * 3) % 5, **({"system": sysref} if i % 2 else {}),
                                       **({"next_review": (TODAY + timedelta(days=i * 5 % 7)).isoformat()}
                                          if i % 3 else {})}, today=TODAY)
        clock.advance(3)
    then = clock.now
    clock.advance(60)
    for i, ref in enumerate(["R-0002", "R-0005", "R-0007"]):
        risks.update_risk(db, EDITOR, ref, {"title": f"Again {i}", "owner": APPROVER, "residual_likelihood": 1,
                                            "residual_impact": 1, "next_review": (TODAY + timedelta(days=40)).isoformat(),
                                            "system": "" if i % 2 else sysref})
    risks.delete_risk(db, APPROVER, "R-0003")
    with history.at(db, then).read() as s:
        truth = {r[0]: r for r in s.connection().exec_driver_sql(
            "SELECT ref_num, title_fold, owner, residual_score, next_review, system_id FROM risk")}
    col = {"ref": 0, "title": 1, "owner": 2, "residual": 3, "next_review": 4, "system": 5}[sort]
    for descending in (False, True):
        got = []
        page = queries.risk_page(db, sort=sort, descending=descending, limit=2, as_of=then)
        got += [r["ref_num"] for r in page.rows]
        while page.has_more:
            page = queries.risk_page(db, sort=sort, descending=descending, after=page.last_key, limit=2, as_of=then)
            got += [r["ref_num"] for r in page.rows]
        nulls_first = queries.NULLS_IN_ASCENDING.get(sort) == "first"

        def key(n: int, col=col, nulls_first=nulls_first) -> tuple:
            v = truth[n][col]
            return ((0 if nulls_first else 1) if v is None else (1 if nulls_first else 0), v if v is not None else 0, n)

        want = sorted(truth, key=key, reverse=descending)
        if sort == "ref":
            want = sorted(truth, reverse=descending)
        assert got == want, (sort, descending)
