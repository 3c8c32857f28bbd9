"""The app's first screens read through the stdlib ``sqlite3`` module (issue 15).

The register's first window and its count, the dashboard's counts and heat maps,
and who the user is: the same SQL as the ORM read path (core.queries, core.tally,
tui.reads, services.users), written out, so that the app draws its first screen
without importing SQLAlchemy, SQLModel, pydantic or the models (importing them
cost more CPU than the whole of a bare Textual app). The ORM is imported after
the first paint; everything else (filters, other sorts, searches, the register
as of a past day, writes) goes through the ORM path as before.

Each function returns None when it does not apply (PostgreSQL, SQLite in memory,
the register as of a past day, a database without the tallies of migration 0014,
a database without its settings row): the caller then reads through the ORM path.
``tests/perf/test_fastread.py`` compares every function with the ORM read on the
same databases.
"""

from __future__ import annotations

import json
import sqlite3
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any, Iterator

from .db import Database
from .schedule import due_state, today as _today
from .scoring import AWAITING_COLOUR, AWAITING_LEVEL, Matrix

# The models' vocabulary (core.models; a test checks they are equal): not imported from there,
# which would load SQLModel and pydantic.
STAGES = ("design", "validation", "deployment", "monitoring", "improvement", "retired")
RISK_STATUSES = ("open", "treating", "accepted", "closed")
WITHDRAWN = "withdrawn"
OPEN_TREATMENT_STATUSES = ("planned", "in_progress")
ACTIVE_STATUSES = tuple(st for st in RISK_STATUSES if st != "closed")
LIVE_EXCLUDED = ("closed", WITHDRAWN)
TALLY_TABLE = "risk_tally_expiry"  # the newest of the tallies (core.tally.EXPIRY)

RISK_COLUMNS = ("id", "ref", "ref_num", "title", "system_id", "owner", "category", "status",
                "inherent_likelihood", "inherent_impact", "inherent_score",
                "residual_likelihood", "residual_impact", "residual_score",
                "next_review", "version", "awaiting_assessment")


def applies(db: Database) -> bool:
    """Whether the fast read can serve ``db``: a live SQLite file (not as of a past day)."""
    return (type(db) is Database and db.is_sqlite and db.path is not None
            and getattr(db, "as_of", None) is None)


@contextmanager
def _read(db: Database) -> Iterator[sqlite3.Connection]:
    """One read transaction on a connection of its own (read-only when the file is)."""
    con = db._raw_connect()
    try:
        con.isolation_level = None
        con.execute("PRAGMA busy_timeout = 10000")
        con.execute("BEGIN")
        yield con
    finally:
        try:
            con.execute("ROLLBACK")
        except sqlite3.Error:
            pass
        con.close()


@dataclass
class _Settings:
    organization: str
    matrix: Matrix
    due_soon_days: int


def _settings(con: sqlite3.Connection) -> _Settings | None:
    row = con.execute("SELECT organization, matrix, due_soon_days FROM settings WHERE id = 1").fetchone()
    if row is None:
        return None  # the ORM path's defaults apply (records.settings_row)
    raw = row[1]
    return _Settings(row[0], Matrix.from_dict(json.loads(raw) if isinstance(raw, str) else (raw or {})), int(row[2]))


def _has_tallies(con: sqlite3.Connection) -> bool:
    return con.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?",
                       (TALLY_TABLE,)).fetchone() is not None


@dataclass
class _Fast:
    con: sqlite3.Connection
    settings: _Settings


@contextmanager
def _fast_read(db: Database, *, tallies: bool = False) -> Iterator[_Fast | None]:
    """The read transaction and the settings of a fast read; None when it does not apply:
    ``db`` is not served (see applies), the database has no settings row or, when
    ``tallies`` is asked for, no tallies (migration 0014). sqlite3.Error is the caller's."""
    if not applies(db):
        yield None
        return
    with _read(db) as con:
        if tallies and not _has_tallies(con):
            yield None
            return
        st = _settings(con)
        yield None if st is None else _Fast(con, st)


def _day(v: Any) -> date | None:
    return None if v is None else (v if isinstance(v, date) else date.fromisoformat(str(v)[:10]))


# -- who is using the app ------------------------------------------------------------

def user(db: Database, login: str) -> dict[str, Any] | None:
    """``{"role", "active"}`` of ``login`` ({} when there is no such user), as
    services.users.get_user gives them; None when the fast read does not apply."""
    if not applies(db):
        return None
    try:
        with _read(db) as con:
            row = con.execute('SELECT role, active FROM "user" WHERE login = ?', (login,)).fetchone()
    except sqlite3.Error:
        return None  # the ORM path says what is wrong, in its words
    return {} if row is None else {"role": row[0], "active": bool(row[1])}


# -- the register's window (no filter, in ref order) -----------------------------------

@dataclass
class FastPage:
    rows: list[dict[str, Any]]
    first_key: tuple | None
    last_key: tuple | None
    has_more: bool


def plain_register(f: Any, sort: str) -> bool:
    """The window the fast read serves: no filter (the day aside), in ref order."""
    return sort == "ref" and all(getattr(f, name) in (None, False, "") for name in (
        "system", "owner", "level", "inherent_level", "status", "category", "overdue", "search",
        "inherent_cell", "residual_cell"))


def risk_row(r: dict[str, Any], m: Matrix, sys_ref: str | None, today: date, soon: int) -> dict[str, Any]:
    """core.queries.risk_row of a row read by sqlite3."""
    awaiting = bool(r["awaiting_assessment"])
    nr = _day(r["next_review"])
    out: dict[str, Any] = {
        "id": r["id"], "ref": r["ref"], "ref_num": r["ref_num"], "title": r["title"], "system_ref": sys_ref,
        "owner": r["owner"], "category": r["category"], "status": r["status"],
    }
    if awaiting:
        out.update({
            "inherent_likelihood": None, "inherent_impact": None, "inherent_score": None,
            "inherent_level": AWAITING_LEVEL, "inherent_colour": AWAITING_COLOUR,
            "residual_likelihood": None, "residual_impact": None, "residual_score": None,
            "residual_level": AWAITING_LEVEL, "residual_colour": AWAITING_COLOUR, "above_appetite": False,
        })
    else:
        ib = m.band_for_score(r["inherent_score"])
        rb = m.band_for_score(r["residual_score"])
        out.update({
            "inherent_likelihood": r["inherent_likelihood"], "inherent_impact": r["inherent_impact"],
            "inherent_score": r["inherent_score"], "inherent_level": ib.name, "inherent_colour": ib.colour,
            "residual_likelihood": r["residual_likelihood"], "residual_impact": r["residual_impact"],
            "residual_score": r["residual_score"], "residual_level": rb.name, "residual_colour": rb.colour,
            "above_appetite": m.above_appetite(r["residual_score"]),
        })
    out.update({
        "next_review": nr,
        "review_state": "none" if r["status"] == "closed" else due_state(nr, today, soon),
        "version": r["version"], "awaiting_assessment": awaiting,
    })
    return out


def risk_page(db: Database, f: Any, *, sort: str = "ref", descending: bool = False, after: tuple | None = None,
              before: tuple | None = None, limit: int = 100, from_end: bool = False) -> FastPage | None:
    """core.queries.risk_page for the plain register (see plain_register); None otherwise."""
    if not plain_register(f, sort) or (after is not None and before is not None):
        return None
    backwards = before is not None or from_end
    boundary = after if after is not None else before
    asc = not descending
    if backwards:
        asc = not asc
    where = ["status != ?"]
    params: list[Any] = [WITHDRAWN]
    if boundary is not None:
        where.append("ref_num > ?" if asc else "ref_num < ?")
        params.append(boundary[1])
    cols = ", ".join(RISK_COLUMNS)
    sql = (f"SELECT {cols} FROM risk WHERE {' AND '.join(where)} "
           f"ORDER BY ref_num {'ASC' if asc else 'DESC'} LIMIT ?")
    try:
        with _fast_read(db) as fast:
            if fast is None:
                return None
            con, st = fast.con, fast.settings
            got = [dict(zip(RISK_COLUMNS, r)) for r in con.execute(sql, (*params, limit + 1))]
            has_more = len(got) > limit
            got = got[:limit]
            if backwards:
                got.reverse()
            ids = sorted({r["system_id"] for r in got if r["system_id"]})
            refs: dict[int, str] = {}
            if ids:
                marks = ", ".join("?" for _ in ids)
                refs = dict(con.execute(f"SELECT id, ref FROM ai_system WHERE id IN ({marks})", ids).fetchall())
    except sqlite3.Error:
        return None
    today = getattr(f, "today", None) or _today()
    rows = [risk_row(r, st.matrix, refs.get(r["system_id"]), today, st.due_soon_days) for r in got]
    keys = [(r["ref_num"], r["ref_num"]) for r in got]
    return FastPage(rows, keys[0] if keys else None, keys[-1] if keys else None, has_more)


def risk_count(db: Database, f: Any) -> int | None:
    """core.queries.risk_count of the plain register (withdrawn risks left out); None otherwise."""
    if not applies(db) or not plain_register(f, "ref"):
        return None
    try:
        with _read(db) as con:
            if _has_tallies(con):  # a few thousand tally rows, not a scan of the register (1M: ~300 ms)
                sql = "SELECT coalesce(sum(n), 0) FROM risk_tally_cells WHERE status != ?"
            else:
                sql = "SELECT count(*) FROM risk WHERE status != ?"
            return int(con.execute(sql, (WITHDRAWN,)).fetchone()[0] or 0)
    except sqlite3.Error:
        return None


# -- the dashboard ---------------------------------------------------------------------

def _marks(values: tuple[str, ...]) -> str:
    return ", ".join("?" for _ in values)


def dashboard_counts(db: Database, login: str, today: date | None = None) -> dict[str, Any] | None:
    """tui.reads.dashboard's fields, from the tallies (None without them: the ORM path counts)."""
    today = today or _today()
    try:
        with _fast_read(db, tallies=True) as fast:
            if fast is None:
                return None
            con, st = fast.con, fast.settings
            soon = st.due_soon_days
            got = dict(con.execute("SELECT stage, count(*) FROM ai_system GROUP BY stage").fetchall())
            stages = {s: int(got.get(s, 0)) for s in STAGES}
            n_risks = int(con.execute("SELECT coalesce(sum(n), 0) FROM risk_tally_cells").fetchone()[0] or 0)
            end = today + timedelta(days=soon)

            def live_due(before: date | None = None, start: date | None = None, end_: date | None = None,
                         owner: str | None = None) -> int:
                where = [f"status NOT IN ({_marks(LIVE_EXCLUDED)})"]
                params: list[Any] = list(LIVE_EXCLUDED)
                if before is not None:
                    where.append("next_review != '' AND next_review < ?")
                    params.append(before.isoformat())
                if start is not None and end_ is not None:
                    where.append("next_review != '' AND next_review >= ? AND next_review <= ?")
                    params += [start.isoformat(), end_.isoformat()]
                if owner is not None:
                    where.append("owner = ?")
                    params.append(owner)
                return int(con.execute(f"SELECT coalesce(sum(n), 0) FROM risk_tally_due WHERE {' AND '.join(where)}",
                                       params).fetchone()[0] or 0)

            def treatments(*conds: str, params: tuple = ()) -> int:
                where = [f"status IN ({_marks(OPEN_TREATMENT_STATUSES)})", *conds]
                return int(con.execute(f"SELECT count(*) FROM treatment WHERE {' AND '.join(where)}",
                                       (*OPEN_TREATMENT_STATUSES, *params)).fetchone()[0])

            t_over = "due_date IS NOT NULL AND due_date < ?"
            d = today.isoformat()
            unaccepted = int(con.execute(
                f"SELECT coalesce(sum(n), 0) FROM risk_tally_cover WHERE status NOT IN ({_marks(LIVE_EXCLUDED)}) "
                "AND residual_score > ? AND (cover = '' OR cover < ?)",
                (*LIVE_EXCLUDED, st.matrix.appetite, d)).fetchone()[0] or 0)
            return {
                "empty": sum(stages.values()) == 0 and n_risks == 0,
                "organization": st.organization, "matrix": st.matrix, "stages": stages, "soon_days": soon,
                "risks_overdue": live_due(before=today),
                "risks_due_soon": live_due(start=today, end_=end),
                "treatments_overdue": treatments(t_over, params=(d,)),
                "treatments_due_soon": treatments("due_date IS NOT NULL AND due_date >= ? AND due_date <= ?",
                                                  params=(d, end.isoformat())),
                "unaccepted": unaccepted,
                "my_risks": live_due(owner=login),
                "my_risks_overdue": live_due(before=today, owner=login),
                "my_treatments": treatments("owner = ?", params=(login,)),
                "my_treatments_overdue": treatments("owner = ?", t_over, params=(login, d)),
            }
    except sqlite3.Error:
        return None


def heat_map(db: Database, residual: bool) -> tuple[Matrix, dict[tuple[int, int], int]] | None:
    """tui.reads.heat_maps: the active risks per cell (awaiting assessment left out), from the tallies."""
    axis = "residual" if residual else "inherent"
    try:
        with _fast_read(db, tallies=True) as fast:
            if fast is None:
                return None
            con, st = fast.con, fast.settings
            rows = con.execute(
                f"SELECT {axis}_likelihood, {axis}_impact, sum(n) FROM risk_tally_cells "
                f"WHERE status IN ({_marks(ACTIVE_STATUSES)}) AND awaiting = 0 GROUP BY 1, 2 HAVING sum(n) > 0",
                ACTIVE_STATUSES).fetchall()
    except sqlite3.Error:
        return None
    return st.matrix, {(int(l_), int(i_)): int(n) for l_, i_, n in rows}
