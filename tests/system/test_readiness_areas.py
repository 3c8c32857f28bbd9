"""aims readiness over every area of the management system (issues 16 and 17): a fresh
database shows a gap, with its fix, for every clause from 4.1 to 10.2 that asks for a
record; each clause is answered by one area; and a gap closes when its record is added."""

from __future__ import annotations

from aims_tui.core import readiness as rd
from aims_tui.core.readiness_types import OK
from aims_tui.core.services import registers

from ..conftest import EDITOR, TODAY

# clauses where an empty register has nothing to handle (no incident, no nonconformity)
NOTHING_TO_HANDLE_OK = {"8.1", "10.2", "6.1.1", "6.1.3", "A.8.4"}
CLAUSES = ["4.1", "4.2", "4.3", "5.2", "5.3", "6.1.1", "6.1.2", "6.1.3", "6.1.4", "6.2", "7.1", "7.2", "7.3",
           "7.4", "7.5", "8.1", "8.2", "8.3", "8.4", "9.1", "9.2", "9.3", "10.1", "10.2"]


def test_a_fresh_database_shows_a_gap_for_every_clause_each_with_a_fix(db):
    r = rd.readiness(db, today=TODAY)
    clauses = {f.clause for f in r.findings}
    assert set(CLAUSES) <= clauses, sorted(set(CLAUSES) - clauses)
    worst = {c: s for c, s, _ in r.clauses()}
    gaps = {c for c in CLAUSES if worst[c] != OK}
    assert gaps >= set(CLAUSES) - NOTHING_TO_HANDLE_OK, sorted(set(CLAUSES) - NOTHING_TO_HANDLE_OK - gaps)
    assert all(f.fix for f in r.gaps)


def test_each_clause_is_answered_by_one_area(db):
    seen: dict[str, int] = {}
    with db.read() as s:
        for i, area in enumerate(rd.AREAS):
            for c in {f.clause for f in area(s, TODAY) if not f.clause.startswith("A.")}:
                assert c not in seen or seen[c] == i, f"clause {c} answered by two areas ({seen.get(c)} and {i})"
                seen[c] = i


def test_a_gap_closes_when_its_record_is_added(db):
    def state(clause):
        return {c: s for c, s, _ in rd.readiness(db, today=TODAY).clauses()}[clause]

    assert state("4.2") != OK
    registers.create(db, EDITOR, "interested_party", {"name": "Customers", "kind": "external",
                                                       "needs": "Fair decisions", "review_cadence": "yearly"},
                     today=TODAY)
    assert state("4.2") == OK
