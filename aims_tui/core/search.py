"""Text search over risks: raw user input in, a safe condition out.

What a search means (the same on every path): the input is split at white
space into phrases; each phrase is split into words the way SQLite's FTS5
``unicode61 remove_diacritics 2`` tokenizer does it (letters and digits are
word characters, everything else separates; case and Latin accents are
folded, so "MÜLLER" finds "Müller"); a risk matches when every phrase occurs,
as consecutive words, in its title, its description or its ref, and the last
word of the last phrase may be the start of a word (search as you type).

- SQLite with FTS5: ``risk_fts MATCH '"w1 w2" "w3"*'``; every phrase quoted,
  so nothing the user types is read as FTS syntax (``-``, ``"``, ``&``, ``*``,
  ``AND``, ``NEAR``, ``col:``) and MATCH never raises.
- SQLite without FTS5 (or ``fts=False``): LIKE over the same folding, done by
  an ``aims_fold`` SQL function registered on the connection. Slower (it reads
  every row) but gives the same rows.
- PostgreSQL (migration 0016): a GIN index over a ``tsvector`` of the folded
  title, description and ref (weights A, B, C), queried with one ``<->`` phrase
  per search phrase within one column and the last word a prefix: the same rows
  as FTS5. Without the index (a database before 0016): LIKE over ``aims_fold``.
- Other engines: case-insensitive LIKE on each word (an approximation: no
  accent folding and substrings rather than word starts).

Search input is capped at MAX_SEARCH_CHARS characters on every path (a 40 KB
paste into the search box took ~20 s and ~1 GB: thousands of phrases, each a
condition): what is longer is cut, and :func:`cap_message` says so.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from typing import Any

from sqlalchemy import and_, column, false, func, literal_column, or_, select, table
from sqlmodel import Session

from .models import Risk

FTS_TABLE = "risk_fts"
MAX_SEARCH_CHARS = 200
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_fts = table(FTS_TABLE, column("rowid"), column(FTS_TABLE))


# -- the folding --------------------------------------------------------------

@lru_cache(maxsize=4096)
def _fold_char(ch: str) -> str:
    """One word character as unicode61 (remove_diacritics 2) indexes it."""
    if ch.isascii():
        return ch.lower()
    if ch == "\u0130":  # capital I with dot above
        return "i"
    low = ch.casefold()
    if len(low) != 1:
        low = ch.lower()
    if len(low) != 1:
        return ch
    base = "".join(c for c in unicodedata.normalize("NFD", low) if not unicodedata.combining(c))
    # SQLite removes an accent only where what is left is a plain Latin letter.
    return base if len(base) == 1 and base.isascii() else low


@lru_cache(maxsize=4096)
def _is_word_char(ch: str) -> bool:
    if ch.isascii():
        return ch.isalnum()
    cat = unicodedata.category(ch)
    return cat[0] in "LN" or cat in ("Co", "Cn")  # SQLite counts unassigned code points as letters


def words(text: str) -> list[str]:
    """The folded words of ``text``, as the FTS5 tokenizer would index them."""
    out: list[str] = []
    cur: list[str] = []
    for ch in text or "":
        if _is_word_char(ch):
            cur.append(_fold_char(ch))
        elif cur:
            out.append("".join(cur))
            cur = []
    if cur:
        out.append("".join(cur))
    return out


def folded(text: str | None) -> str:
    """``text`` as its folded words between single spaces, padded with one space
    at each end (what the LIKE fallback searches)."""
    return " " + " ".join(words(text or "")) + " "


def phrases(user_input: str) -> list[list[str]]:
    """The phrases of a search box entry (white-space separated), each a list of
    folded words; phrases without a word (``&``, ``-``, ``*``) are dropped."""
    return [w for w in (words(chunk) for chunk in _chunks(user_input)) if w]


def capped(user_input: str | None) -> str:
    """The search text as aims uses it: at most MAX_SEARCH_CHARS characters."""
    text = str(user_input or "")
    return text if len(text) <= MAX_SEARCH_CHARS else text[:MAX_SEARCH_CHARS]


def cap_message(user_input: str | None) -> str | None:
    """What to tell the user when their search text was too long, else None."""
    n = len(str(user_input or ""))
    if n <= MAX_SEARCH_CHARS:
        return None
    return f"search text cut to its first {MAX_SEARCH_CHARS} characters (it had {n:,})"


def _chunks(user_input: str) -> list[str]:
    return _CONTROL.sub(" ", capped(user_input)).split()


def match_query(user_input: str) -> str | None:
    """A MATCH expression that FTS5 always accepts, or None for "no text filter".

    Each phrase is the user's own chunk between double quotes (a quote inside
    is doubled; control characters become spaces), so FTS5's tokenizer folds
    it exactly as it folded the risks; the last phrase is a prefix query."""
    chunks = [c for c in _chunks(user_input) if words(c)]
    if not chunks:
        return None
    return " ".join('"' + c.replace('"', '""') + '"' for c in chunks) + "*"


# -- where the search runs ----------------------------------------------------

def fts_available(s: Session) -> bool:
    """True when this database has the risk search index (SQLite with FTS5)."""
    conn = s.connection()
    if conn.dialect.name != "sqlite":
        return False
    row = conn.exec_driver_sql(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (FTS_TABLE,)).first()
    return row is not None


# -- PostgreSQL ---------------------------------------------------------------

def fold_table() -> tuple[str, str]:
    """(from, to) for SQL ``translate()``: each non-ASCII Latin letter whose folded form
    (``_fold_char``) is one ASCII letter, and that letter."""
    src, dst = [], []
    for cp in list(range(0x00C0, 0x0250)) + list(range(0x1E00, 0x1F00)):
        ch = chr(cp)
        if not _is_word_char(ch):
            continue
        f = _fold_char(ch)
        if len(f) == 1 and f.isascii() and f != ch:
            src.append(ch)
            dst.append(f)
    return "".join(src), "".join(dst)


def PG_FOLD_FUNCTION() -> str:  # noqa: N802 - SQL text, named as the constant it is used as
    """``CREATE FUNCTION aims_fold(text)``: :func:`folded` in SQL (see migration 0016)."""
    src, dst = fold_table()
    q = lambda t: "'" + t.replace("'", "''") + "'"  # noqa: E731
    return ("CREATE OR REPLACE FUNCTION aims_fold(t text) RETURNS text LANGUAGE sql IMMUTABLE PARALLEL SAFE "
            "AS $$ SELECT ' ' || btrim(regexp_replace(lower(translate(coalesce(t, ''), "
            f"{q(src)}, {q(dst)})), '[^[:alnum:]]+', ' ', 'g')) || ' ' $$")


# The stored column of the folded words (migration 0016), GIN-indexed, and its expression.
PG_COLUMN = "risk.search_tsv"
PG_TSVECTOR = ("setweight(to_tsvector('simple'::regconfig, aims_fold(title)), 'A') || "
               "setweight(to_tsvector('simple'::regconfig, aims_fold(description)), 'B') || "
               "setweight(to_tsvector('simple'::regconfig, aims_fold(ref)), 'C')")


def pg_index_available(s: Session) -> bool:
    conn = s.connection()
    if conn.dialect.name != "postgresql":
        return False
    key = "aims_pg_search"
    if key not in conn.info:
        conn.info[key] = conn.exec_driver_sql(
            "SELECT 1 FROM pg_indexes WHERE tablename = 'risk' AND indexname = 'ix_risk_search'").first() is not None
    return bool(conn.info[key])


def pg_tsquery(user_input: str) -> str | None:
    """The ``to_tsquery('simple', ...)`` text of a search: every phrase (AND), each in
    the title, the description or the ref (OR over the weights), its words consecutive
    (``<->``), the last word of the last phrase a prefix (``:*``). Words are folded and
    quoted, so nothing the user types is read as query syntax."""
    ps = phrases(user_input)
    if not ps:
        return None
    parts = []
    for i, p in enumerate(ps):
        last = i == len(ps) - 1
        alts = []
        for weight in "ABC":
            lex = []
            for j, w in enumerate(p):
                star = "*" if last and j == len(p) - 1 else ""
                lex.append("'" + w.replace("\\", "\\\\").replace("'", "''") + "':" + star + weight)
            alts.append("(" + " <-> ".join(lex) + ")")
        parts.append("(" + " | ".join(alts) + ")")
    return " & ".join(parts)


def _sql_fold(value: Any) -> str:
    return folded(value if isinstance(value, str) else ("" if value is None else str(value)))


def _register_fold(s: Session) -> None:
    raw = s.connection().connection.driver_connection
    raw.create_function("aims_fold", 1, _sql_fold, deterministic=True)


def _like_escape(word: str) -> str:
    return word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


PREFIX_INDEXED = 3  # migration 0004: prefix='1 2 3'


def short_prefix(user_input: str) -> bool:
    """True when the search is one word short enough for the prefix index,
    the case where FTS5 answers "does row N match?" cheaply (phrases and
    longer prefixes make it re-read whole position lists for every row)."""
    ps = phrases(user_input)
    return len(ps) == 1 and len(ps[0]) == 1 and len(ps[0][0]) <= PREFIX_INDEXED


def match_count(s: Session, user_input: str, cap: int) -> int | None:
    """How many risks the search words match, counted by FTS5 no further than
    ``cap``; None when FTS5 is not available or the input has no words."""
    q = match_query(user_input)
    if q is None or not fts_available(s):
        return None
    inner = select(_fts.c.rowid).where(_fts.c[FTS_TABLE].op("MATCH")(q)).limit(cap).subquery()
    return int(s.connection().execute(select(func.count()).select_from(inner)).scalar_one())


def matching_ids(s: Session, user_input: str, limit: int | None = None) -> list[int] | None:
    """Risk ids matching the search through FTS5 (in rowid order), at most
    ``limit``; None when FTS5 is not available or the input has no words."""
    q = match_query(user_input)
    if q is None or not fts_available(s):
        return None
    stmt = select(_fts.c.rowid).where(_fts.c[FTS_TABLE].op("MATCH")(q))
    if limit is not None:
        stmt = stmt.limit(limit)
    return [int(r) for r in s.connection().execute(stmt).scalars()]


def _folded_words(ps: list[list[str]], cols: tuple[Any, ...]):
    """Every phrase as whole folded words in one of the columns (``aims_fold``), the last
    phrase only from a word's start: it may be still being typed (SQLite without FTS5, and
    PostgreSQL's fallback)."""
    conds = []
    for i, p in enumerate(ps):
        last = i == len(ps) - 1
        pattern = "% " + _like_escape(" ".join(p)) + ("%" if last else " %")
        conds.append(or_(*(func.aims_fold(c).like(pattern, escape="\\") for c in cols)))
    return and_(*conds)


def risk_condition(s: Session, user_input: str, *, fts: bool | None = None, id_column: Any = None,
                   ids: list[int] | None = None, correlated: bool = False):
    """A WHERE condition on ``Risk`` for the search text, or None (no filter).

    ``fts``: None picks FTS5 when the database has it; False forces the LIKE
    fallback. ``id_column``: the expression the matching ids are compared with
    (default ``Risk.id``; the register passes ``+risk.id`` to keep SQLite
    walking a sort index while it tests each row against the matches, which
    SQLite reads once per statement). ``ids``: every matching id, already
    read (see matching_ids): compared as a list. ``correlated``: ask the
    search index about each row by its id instead (cheap only when every word
    is whole or at most PREFIX_INDEXED characters long, see short_prefix)."""
    ps = phrases(user_input)
    if not ps:
        return None
    conn = s.connection()
    id_col = Risk.id if id_column is None else id_column
    if ids is not None:
        return id_col.in_(ids) if ids else false()
    use_fts = fts_available(s) if fts is None else (fts and fts_available(s))
    if use_fts:
        q = match_query(user_input)
        sub = select(_fts.c.rowid).where(_fts.c[FTS_TABLE].op("MATCH")(q))
        if correlated:
            return sub.where(_fts.c.rowid == Risk.id).exists()
        return id_col.in_(sub)
    cols = (Risk.title, Risk.description, Risk.ref)
    if conn.dialect.name == "postgresql" and fts is not False and pg_index_available(s):
        return literal_column(PG_COLUMN).op("@@")(
            func.to_tsquery(literal_column("'simple'::regconfig"), pg_tsquery(user_input)))
    if conn.dialect.name == "postgresql" and pg_index_available(s):
        return _folded_words(ps, cols)
    if conn.dialect.name == "sqlite":
        _register_fold(s)
        return _folded_words(ps, cols)
    conds = []
    for p in ps:
        for w in p:
            pattern = "%" + _like_escape(w) + "%"
            conds.append(or_(*(c.ilike(pattern, escape="\\") for c in cols)))
    return and_(*conds) if conds else false()
