"""Search: raw input never breaks MATCH, FTS5 and the LIKE fallback find the
same risks, and the triggers keep the search index in step."""

from __future__ import annotations

import sqlite3

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st
from sqlmodel import select

from aims_tui.core import migrate, queries, search
from aims_tui.core.models import Risk
from aims_tui.core.queries import RiskFilter
from aims_tui.core.services import risks

from ..conftest import APPROVER, EDITOR
from .helpers import replace_register

WORDS = ["Müller", "MÜLLER", "muller", "straße", "Café", "cafe", "R&D", "prompt-injection", "prompt", "injection",
         "\"quoted\"", "don't", "a*b", "*", "&", "-", "AND", "OR", "NOT", "NEAR", "title:x", "ÉCOLE", "école",
         "naïve", "Ωμέγα", "ωμεγα", "Привет", "ПРИВЕТ", "R-0001", "0001", "x_y", "50%", "(", ")", "^", "+", ":"]
text_st = st.lists(st.sampled_from(WORDS), max_size=6).map(" ".join)
query_st = st.lists(st.one_of(st.sampled_from(WORDS), st.sampled_from(WORDS).map(lambda w: w[:2])),
                    min_size=1, max_size=3).map(" ".join)


def ids(db, user_input: str, fts: bool) -> set[int]:
    with db.read() as s:
        cond = search.risk_condition(s, user_input, fts=fts)
        q = select(Risk.id) if cond is None else select(Risk.id).where(cond)
        return set(s.exec(q).all())


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(titles=st.lists(text_st, min_size=1, max_size=12), descs=st.lists(text_st, max_size=12),
       queries_=st.lists(query_st, min_size=1, max_size=5))
def test_fts_finds_the_same_risks_as_the_like_fallback(reg_db, titles, descs, queries_):
    """Generated titles and descriptions with accents (Müller/MÜLLER), other
    scripts, hyphens, quotes, & and *; every query (whole words and word
    starts) gives the same risks through FTS5 and through LIKE."""
    replace_register(reg_db, [dict(title=t or "x", description=descs[i] if i < len(descs) else "")
                              for i, t in enumerate(titles)])
    for q in queries_:
        assert ids(reg_db, q, fts=True) == ids(reg_db, q, fts=False), q


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(user_input=st.text())
def test_match_never_raises_on_any_input(reg_db, user_input):
    """Anything typed in the search box is a valid search (or no search)."""
    q = search.match_query(user_input)
    with reg_db.read() as s:
        search.matching_ids(s, user_input)
        cond = search.risk_condition(s, user_input)
        if cond is not None:
            s.exec(select(Risk.id).where(cond).limit(3)).all()
    queries.risk_page(reg_db, RiskFilter(search=user_input), limit=3)
    queries.risk_count(reg_db, RiskFilter(search=user_input))
    assert q is None or q.endswith("*")


@pytest.mark.parametrize("raw", ['prompt-injection', 'R&D "quoted', 'NEAR(a b)', 'title:leak', '"', '*', 'a OR',
                                 'x" OR "y', '-leak', '^start', 'a + b', '{title}: x'])
def test_inputs_that_break_raw_match_are_quoted(reg_db, raw):
    """The inputs that make a raw FTS5 MATCH fail (quotes, operators, a lone *) are safe here."""
    replace_register(reg_db, [dict(title="prompt injection leaks R&D data")])
    queries.risk_page(reg_db, RiskFilter(search=raw))


def test_case_and_accents_fold_both_ways(reg_db):
    """MÜLLER finds Müller and muller finds MÜLLER, through FTS5 and LIKE."""
    replace_register(reg_db, [dict(title="Müller report"), dict(title="MÜLLER audit"), dict(title="Miller")])
    for fts in (True, False):
        assert len(ids(reg_db, "muller", fts)) == 2
        assert len(ids(reg_db, "MÜLL", fts)) == 2
        assert len(ids(reg_db, "mil", fts)) == 1


def test_the_last_word_is_a_prefix_and_earlier_words_are_whole(reg_db):
    """'prompt inj' finds 'prompt injection'; 'prom injection' does not."""
    replace_register(reg_db, [dict(title="Prompt injection"), dict(description="a prompt")])
    assert len(ids(reg_db, "prompt inj", True)) == 1
    assert len(ids(reg_db, "prom injection", True)) == 0
    assert len(ids(reg_db, "prompt", True)) == 2


def test_the_folding_matches_sqlites_tokenizer_for_european_scripts():
    """words() splits and folds as unicode61 remove_diacritics 2 does, for
    Latin (incl. extended and Vietnamese), Greek and Cyrillic letters."""
    con = sqlite3.connect(":memory:")
    con.execute("CREATE VIRTUAL TABLE t USING fts5(x, tokenize='unicode61 remove_diacritics 2')")
    con.execute("CREATE VIRTUAL TABLE v USING fts5vocab(t, 'instance')")
    chars = [chr(c) for r in ((0x20, 0x1E0), (0x1E2, 0x250), (0x386, 0x3D0), (0x400, 0x460), (0x1E00, 0x1F00))
             for c in range(*r)]
    for i, ch in enumerate(chars, start=1):
        con.execute("INSERT INTO t(rowid, x) VALUES (?, ?)", (i, f"a{ch}b {ch}"))
    got: dict[int, list[str]] = {}
    for term, doc, _col, _off in con.execute("SELECT term, doc, col, offset FROM v ORDER BY doc, offset"):
        got.setdefault(doc, []).append(term)
    wrong = [(hex(ord(ch)), got.get(i, []), search.words(f"a{ch}b {ch}")) for i, ch in enumerate(chars, start=1)
             if got.get(i, []) != search.words(f"a{ch}b {ch}")]
    assert not wrong


def test_triggers_keep_the_search_index_in_step_through_the_services(db):
    """Create, update (title and description) and delete through the services;
    the search index follows and passes SQLite's integrity check."""
    r = risks.create_risk(db, EDITOR, {"title": "Zebra crossing", "description": "stripes",
                                       "inherent_likelihood": 2, "inherent_impact": 2})
    find = lambda q: queries.risk_count(db, RiskFilter(search=q))  # noqa: E731
    assert find("zebra") == 1 and find("stripes") == 1 and find(r["ref"]) == 1
    r = risks.update_risk(db, EDITOR, r["ref"], {"title": "Giraffe neck"})
    assert find("zebra") == 0 and find("giraffe") == 1 and find("stripes") == 1
    risks.update_risk(db, EDITOR, r["ref"], {"description": "spots", "status": "treating"})
    assert find("stripes") == 0 and find("spots") == 1
    _integrity(db)
    risks.delete_risk(db, APPROVER, r["ref"])
    assert find("giraffe") == 0 and find("spots") == 0
    _integrity(db)


def _integrity(db):
    """SQLite: FTS5's own integrity check. PostgreSQL: the GIN index answers every word
    of every risk as a scan of the table does (the index read with scans turned off)."""
    with db.read() as s:
        conn = s.connection()
        if conn.dialect.name == "sqlite":
            conn.exec_driver_sql("INSERT INTO risk_fts(risk_fts, rank) VALUES ('integrity-check', 1)")
            return
        texts = [t for (t,) in conn.exec_driver_sql("SELECT title || ' ' || description || ' ' || ref FROM risk")]
        for word in {w for t in texts for w in search.words(t)}:
            got = []
            for off in ("enable_seqscan", "enable_bitmapscan"):
                conn.exec_driver_sql(f"SET LOCAL {off} = off")
                got.append(set(s.exec(select(Risk.id).where(search.risk_condition(s, word, fts=True))).all()))
                conn.exec_driver_sql(f"RESET {off}")
            assert got[0] == got[1], word


def python_match(user_input: str, title: str, description: str, ref: str) -> bool:
    """What a search means, in Python (search.py's docstring): every phrase's words
    consecutive in one column's folded words, the last word of the last phrase a prefix."""
    ps = search.phrases(user_input)
    cols = [search.folded(c) for c in (title, description, ref)]
    for i, p in enumerate(ps):
        pattern = " " + " ".join(p) + ("" if i == len(ps) - 1 else " ")
        if not any(pattern in c for c in cols):
            return False
    return True


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(titles=st.lists(text_st, min_size=1, max_size=12), descs=st.lists(text_st, max_size=12),
       queries_=st.lists(query_st, min_size=1, max_size=5))
def test_the_search_index_finds_what_the_folding_defines_on_each_engine(reg_db, titles, descs, queries_):
    """Issue 18: FTS5 on SQLite and the tsvector index on PostgreSQL give the rows the
    definition gives (so the same rows on the same data), accents, Greek, Cyrillic,
    hyphens and operators included."""
    replace_register(reg_db, [dict(title=t or "x", description=descs[i] if i < len(descs) else "")
                              for i, t in enumerate(titles)])
    with reg_db.read() as s:
        rows = s.exec(select(Risk.id, Risk.title, Risk.description, Risk.ref)).all()
    for q in queries_:
        want = {i for i, t, d, r in rows if python_match(q, t, d or "", r)}
        assert ids(reg_db, q, fts=True) == want, q


@pytest.mark.sqlite_only  # FTS5's migration (0004); PostgreSQL's index is 0016
def test_the_migration_indexes_existing_risks_and_downgrade_removes_it(db):
    """Risks written before 0004 are searchable after the upgrade; downgrading
    to 0003 drops the search table, its triggers and the paging indexes, and
    search falls back to LIKE with the same answer."""
    risks.create_risk(db, EDITOR, {"title": "Müller drift", "inherent_likelihood": 2, "inherent_impact": 2})
    migrate.downgrade(db, "0003")
    with db.read() as s:
        names = {n for (n,) in s.connection().exec_driver_sql("SELECT name FROM sqlite_master")}
        assert not search.fts_available(s)
    assert "risk_fts" not in names and "ix_risk_status_title" not in names
    assert not any(n.startswith("risk_fts") for n in names)
    assert queries.risk_count(db, RiskFilter(search="MULLER")) == 1  # LIKE fallback
    # Written as the 0003 schema knows a risk (the models have columns of later migrations).
    con = sqlite3.connect(db.path)
    with con:
        con.execute("INSERT INTO risk (ref, ref_num, title, title_fold, description, category, source, owner, "
                    "inherent_likelihood, inherent_impact, residual_likelihood, residual_impact, treatment_option, "
                    "status, review_cadence, created_at, updated_at, version) VALUES ('R-0002', 2, "
                    "'Written without the index', 'written without the index', '', '', '', ?, 2, 2, 2, 2, "
                    "'mitigate', 'open', '', '2026-01-01 00:00:00', '2026-01-01 00:00:00', 1)", (EDITOR,))
    con.close()
    migrate.upgrade_if_needed(db)
    with db.read() as s:
        assert search.fts_available(s)
    assert queries.risk_count(db, RiskFilter(search="muller")) == 1
    assert queries.risk_count(db, RiskFilter(search="without the ind")) == 1
    _integrity(db)
