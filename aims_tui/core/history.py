"""The register as it was at any past moment, derived from the audit trail.

How: the live tables are the register now; every write through the services
left an audit event saying what it changed (``{field: [before, after]}``; a
create or delete carries the record). The state at a moment ``T`` is the live
state with the events after ``T`` undone, newest first: a record created after
``T`` is absent, a field changed after ``T`` takes its ``before`` value, a
record deleted after ``T`` comes back from its delete event. Records that are
their own history (reviews, stage events, acceptances) are absent when made
after ``T``; an acceptance revoked after ``T`` is not revoked yet. The cost is
proportional to the changes since ``T``, never to the size of the register.

The undone rows go into TEMP tables of a connection of its own, and TEMP VIEWS
named like the tables (``risk``, ``ai_system``, ``acceptance``, ``treatment``,
``review``, ``stage_event``) show ``live rows not overridden UNION ALL the rows
as they were``. SQLite looks a name up in the temp schema first, so every read
of core (the same SQL, the same indexes) reads the register as it was without
knowing it. PostgreSQL does the same with TEMP tables and views of the reading
session (``pg_temp`` is searched before every other schema): the rows of then
are ``pg_temp.hist_risk``..., the views ``pg_temp.risk``... (see :class:`_Conn`).
The tallies the dashboard sums (migration 0014) are shadowed the same way: the live tally minus what the overridden rows count now plus what
they counted then.

The API (the contract between helpers):

- :func:`end_of_day` -- the moment ``--as-of DATE`` means.
- :func:`at` -- ``at(db, as_of)`` is ``db`` itself for ``None`` (nothing
  changes, nothing costs), else a read-only :class:`AsOfDatabase` whose every
  ``read()`` sees the register as of that moment. Any read function taking a
  ``Database`` works on it unchanged (checks, readiness, reminders, the pack).
- These read functions take ``as_of: datetime | None = None`` (None: the live
  tables, exactly as before, at the same cost): :mod:`aims_tui.core.queries`
  ``risk_page``, ``risk_count``, ``all_risks``, ``heat_map``, ``level_counts``,
  ``systems_per_stage``, ``system_refs``; and :func:`systems` here (the AI
  systems list). Every other read that takes a ``Database`` reads a past
  moment when given ``at(db, as_of)``: the risk detail
  (``services.risks.get_risk``), a system (``services.systems.get_system``,
  ``list_systems``), ``checks.run_checks``, ``readiness.readiness``,
  ``reminders.due_items``, ``io.exports.export`` and ``reports.build_pack``
  (the CLI's ``--as-of`` does exactly that). ``AsOfDatabase.transact`` refuses:
  a past moment is read-only.
- :func:`diff` -- what was added, closed, rescored, moved stage, accepted or
  lapsed between two moments; :meth:`Diff.to_json` (``"schema": "aims.diff/1"``).
  A risk is closed between them when it was live at the first and closed, withdrawn
  or gone at the second (its state at each end, not its ``closed_at`` stamp), added
  when absent at the first; :func:`diff_of` reads it from a ``Database`` (the pack).
- :func:`last_review_at` -- when the latest management review was held.

The other registers (context issues, documents, objectives, suppliers, ... every
kind of ``core.catalog``, and any table with an id, a ref and a version that the
events name) are taken back the same way, by ref, when an event after ``T``
changed them: created after ``T`` absent, fields back to their ``before``,
withdrawn records back in force (their ``updated_at`` shows the live value).

The links between risks and controls (``risk_control``, no id of its own) are
shadowed too: each risk that differs has the control codes of then (its events
log ``controls``: [before, after]; a delete event keeps them), so the risk detail,
the SoA's links, the checks and the register export name the controls of then.
The settings row (``settings``: the risk criteria -- matrix, appetite, bands,
cadences -- and due-soon days, organization, scope) is taken back from the
events of the settings, the scope and the criteria, so levels, appetite and
reminders as of a moment use the criteria in force then.

The Statement of Applicability (``applicability``, one entry per control) and the
controls (``control``) are taken back by the control's code (the ``entity_ref`` of
their events): an entry's fields back to their ``before``, an organization's own
control created after ``T`` absent with its entry. An approval of the SoA (entity
``applicability``, ref ``soa``, ``{"controls": [None, codes]}``) is undone entry by
entry: each named entry's ``approved_by``/``approved_at`` back to the approval before
it (the latest earlier approval naming it, whose event's time is its ``approved_at``,
unless an edit in between cleared it), as is the approval an edit cleared.

Not covered (the live value is shown): the Annex A controls loaded after ``T`` (one
event for the whole catalogue). Records written behind aims' back (``aims audit verify`` names them) or
bulk loads with no event per record (the demo) are as they are now, except that
a risk or AI system created after ``T`` is absent.
"""

from __future__ import annotations

import json
import re
import sqlite3
import threading
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import date, datetime, time as dtime, timedelta, timezone
from typing import Any, Iterator

from sqlalchemy import event, text
from sqlmodel import Session, select

from .days import future_day_message, parse_day  # noqa: F401 - the parser of days, read from here too
from .db import Database
from .errors import DatabaseError, ValidationError
from .models import AISystem
from .records import to_dict
from .rules import UNDONE
from .tally import TALLIES

# -- moments ------------------------------------------------------------------


def end_of_day(d: date) -> datetime:
    """The last moment of day ``d`` (local time, as ``schedule.today``), in UTC."""
    return datetime.combine(d, dtime.max).astimezone(timezone.utc)


# the day the register is read as of: parse_day and future_day_message live in core.days (the app's
# date dialog reads them too, without this module's SQLAlchemy); kept importable from here


def stored(at: datetime) -> str:
    """A moment as the database stores timestamps (naive UTC, microseconds)."""
    if at.tzinfo is not None:
        at = at.astimezone(timezone.utc).replace(tzinfo=None)
    return at.isoformat(sep=" ", timespec="microseconds")


def _parse_stored(value: str | datetime | None) -> datetime | None:
    if not value:
        return None
    if isinstance(value, datetime):  # PostgreSQL: naive UTC
        return value.replace(tzinfo=timezone.utc)
    return datetime.fromisoformat(str(value).replace("T", " ").rstrip("Z")).replace(tzinfo=timezone.utc)


# -- what the undo knows --------------------------------------------------------

# entity of the audit trail -> table, and how its entity_ref names a row
_BY_REF = {"risk": "risk", "ai_system": "ai_system"}
# The controls and their SoA entries: keyed by the control's code (the events' entity_ref)
_BY_CODE = ("control", "applicability")
TABLES = ("risk", "ai_system", "acceptance", "treatment", "review", "stage_event", "settings")
# The risk criteria as audited by services.criteria (entity "settings", ref "criteria"): keys of the
# settings' matrix (the rest of a criteria event, "cadences", is a column of its own).
_MATRIX_KEYS = ("likelihood_labels", "impact_labels", "bands", "appetite")
# Fields of an event that are not columns of the record (derived or about something else).
_NOT_COLUMNS = {"version", "inherent_score", "residual_score", "inherent_level", "residual_level", "controls",
                "acceptance", "reason", "undo", "why", "treatments", "outcome", "kind", "notes",
                "overridden_gates", "justification", "note", "risks_due_for_review", "risks_brought_forward",
                "system_ref", "record"}
_GENERATED = {"risk": {"inherent_score": ("inherent_likelihood", "inherent_impact"),
                       "residual_score": ("residual_likelihood", "residual_impact")}}


class _Conn:
    """A driver connection (sqlite3 or psycopg) that takes the SQL written for SQLite.

    On SQLite the live tables are schema ``main``, the rows of then ``hist`` (an attached
    in-memory database) and the views ``temp``. On PostgreSQL the views and the rows of
    then are TEMP relations of the session (``pg_temp``, searched before every other
    schema, so a view named ``risk`` shadows the table ``risk`` for every read, as on
    SQLite): ``main.x`` is the table in the register's schema, ``hist.x`` the temp table
    ``hist_x``, ``temp.x`` the temp view ``x``; ``?`` marks a parameter on both."""

    _HIST = re.compile(r"\bhist\.(\w+)")
    _TEMP = re.compile(r"\btemp\.(\w+)")
    _MAIN = re.compile(r"\bmain\.(\w+)")

    def __init__(self, raw: Any):
        self.raw = raw
        self.pg = not isinstance(raw, sqlite3.Connection)
        self.schema = "main"
        if self.pg:
            got = raw.execute("SELECT n.nspname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
                              "WHERE c.oid = to_regclass('audit_event')").fetchone()
            if got is None or str(got[0]).startswith("pg_temp"):
                raise DatabaseError("the register's history found no audit trail in this database")
            self.schema = '"' + str(got[0]).replace('"', '""') + '"'

    def sql(self, q: str) -> str:
        if not self.pg:
            return q
        q = self._HIST.sub(r"pg_temp.hist_\1", q)
        q = self._TEMP.sub(r"pg_temp.\1", q)
        q = self._MAIN.sub(self.schema.replace("\\", "\\\\") + r".\1", q)
        if q.startswith("INSERT OR IGNORE "):
            q = "INSERT " + q[len("INSERT OR IGNORE "):] + " ON CONFLICT DO NOTHING"
        return q.replace("?", "%s")

    def execute(self, q: str, params: Any = ()) -> Any:
        return self.raw.execute(self.sql(q), tuple(params))

    def executemany(self, q: str, rows: list) -> None:
        if not rows:
            return
        if self.pg:
            with self.raw.cursor() as cur:
                cur.executemany(self.sql(q), rows)
        else:
            self.raw.executemany(q, rows)

    def exists(self, table: str) -> bool:
        """Whether the register's schema has the table ``table``."""
        if self.pg:
            return self.execute("SELECT to_regclass(?)", (f"{self.schema}.{table}",)).fetchone()[0] is not None
        return self.execute("SELECT 1 FROM main.sqlite_master WHERE type = 'table' AND name = ?",
                            (table,)).fetchone() is not None

    def columns(self, table: str) -> list[str]:
        if self.pg:
            return [r[0] for r in self.execute(
                "SELECT column_name FROM information_schema.columns WHERE table_schema = ? AND table_name = ? "
                "ORDER BY ordinal_position", (self.schema.strip('"'), table))]
        return [r[1] for r in self.execute(f"PRAGMA main.table_xinfo({table})")]

    def types(self, table: str) -> dict[str, tuple[str, str | None]]:
        """PostgreSQL: {column: (data type, generation expression or None)}."""
        return {c: (t, g or None) for c, t, g in self.execute(
            "SELECT column_name, data_type, generation_expression FROM information_schema.columns "
            "WHERE table_schema = ? AND table_name = ?", (self.schema.strip('"'), table))}


def _registers_changed_since(conn: _Conn, at: str) -> tuple[str, ...]:
    """The tables, besides the register's own, that events after ``at`` changed: the
    entities named by those events that are tables with an id, a ref and a version."""
    found = []
    for (entity,) in conn.execute("SELECT DISTINCT entity FROM main.audit_event WHERE at > ? "
                                  "AND entity NOT IN ('risk', 'ai_system', 'treatment')", (at,)).fetchall():
        if entity in TABLES or not str(entity).replace("_", "").isalnum():
            continue
        cols = set(conn.columns(entity)) if conn.exists(str(entity)) else set()
        if {"id", "ref", "version"} <= cols:
            found.append(str(entity))
    return tuple(sorted(found))


def _cols(cols: list[str]) -> str:
    """Column names for SQL, quoted (the controls have a column named ``group``)."""
    return ", ".join(f'"{c}"' for c in cols)


def _to_stored(value: Any, col: str) -> Any:
    """A value as logged (``audit.plain``) back to how SQLite stores it."""
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, (list, dict)):
        return json.dumps(value)
    if isinstance(value, str) and len(value) >= 20 and value.endswith("Z") and value[10:11] == "T":
        return value[:-1].replace("T", " ")
    return value


@dataclass
class _State:
    """One record being taken back in time: its stored row (None: absent)."""

    row: dict[str, Any] | None
    changed: bool = False
    restored: bool = False  # brought back from a delete event (its id may be reused by a later row)
    controls: list[str] | None = None  # a risk's control codes then, when an event changed them (None: as now)


class _Undo:
    """The rows of the tracked tables as they were at ``T``, for those that changed since."""

    def __init__(self, conn: _Conn, at: datetime, refs: dict[str, set[str]] | None = None):
        self.conn = conn
        self.at = stored(at)
        # the other registers (context issues, documents, objectives, ...): every table named
        # by an event since T that has a ref; undone by ref like an AI system
        self.extra = _registers_changed_since(conn, self.at)
        self.by_ref = {**_BY_REF, **{t: t for t in self.extra}}
        self.cols = {t: conn.columns(t) for t in (*TABLES, *_BY_CODE, *self.extra)}
        self.states: dict[str, dict[Any, _State]] = {t: {} for t in (*TABLES, *_BY_CODE, *self.extra)}
        self._system_ids: dict[str, int | None] = {}
        self.refs = refs  # only these refs per entity (diff); None: all

    # rows ----------------------------------------------------------------
    def _live(self, table: str, where: str, arg: Any) -> dict[str, Any] | None:
        cols = self.cols[table]
        got = self.conn.execute(f"SELECT {_cols(cols)} FROM main.{table} WHERE {where} = ?", (arg,)).fetchone()
        return None if got is None else dict(zip(cols, got))

    def state(self, table: str, key: Any, by: str = "id") -> _State:
        st = self.states[table].get(key)
        if st is None:
            st = _State(self._live_by_code(table, key) if table in _BY_CODE else self._live(table, by, key))
            self.states[table][key] = st
        return st

    def system_id(self, ref: str | None) -> int | None:
        if not ref:
            return None
        if ref not in self._system_ids:
            got = self.conn.execute("SELECT id FROM main.ai_system WHERE ref = ?", (ref,)).fetchone()
            if got is None:
                st = self.states["ai_system"].get(ref)
                got = (st.row["id"],) if st and st.row else None
            self._system_ids[ref] = got[0] if got else None
        return self._system_ids[ref]

    # events --------------------------------------------------------------
    def run(self) -> "_Undo":
        rows = self.conn.execute(
            "SELECT id, entity, entity_ref, action, changes FROM main.audit_event "
            f"WHERE at > ? AND entity IN ({', '.join('?' * (6 + len(self.extra)))}) ORDER BY id DESC",
            (self.at, "risk", "ai_system", "treatment", "settings", *_BY_CODE, *self.extra)).fetchall()
        for _id, entity, ref, action, changes in rows:
            if self.refs is not None and ref not in self.refs.get(entity, ()) and entity not in ("treatment", "settings"):
                continue
            ch = json.loads(changes) if isinstance(changes, str) else (changes or {})
            if entity in _BY_CODE:
                self._undo_by_code(entity, ref, action, ch, _id)
            elif entity == "settings":
                self._undo_settings(ch)
            elif entity == "treatment":
                self._undo_treatment(ref, action, ch)
            else:
                self._undo(entity, ref, action, ch)
        self._append_only()
        return self

    def _undo(self, table: str, ref: str, action: str, ch: dict) -> None:
        st = self.state(table, ref, by="ref")
        if action == "create":
            st.row, st.changed, st.controls = None, True, None
            return
        if action == "delete":
            rec = (ch.get("record") or [None])[0]
            if isinstance(rec, dict):
                st.row = self._from_record(table, rec)
                st.changed = True
                if table == "risk":  # its acceptances, treatments, reviews and control links went with it: back too
                    self._bring_back(rec)
                    st.controls = [str(c) for c in rec.get("controls") or []]
            return
        if st.row is None:
            return  # deleted later with no record to bring back: nothing to undo onto
        links = ch.get("controls")
        if table == "risk" and isinstance(links, list) and len(links) == 2:
            st.controls = [str(c) for c in links[0] or []]  # the risk's links before this change
        row = st.row
        # a change of the risk's links alone is a new version of the risk too
        touched = table == "risk" and isinstance(links, list) and len(links) == 2 and links[0] != links[1]
        for f, pair in ch.items():
            if not isinstance(pair, list) or len(pair) != 2:
                continue
            before, after = pair
            if f == "system_ref" and table == "risk":
                if before != after:
                    row["system_id"] = self.system_id(before)
                    touched = True
                continue
            if f not in row or f == "version" or (table in _BY_REF and f in _NOT_COLUMNS):
                continue  # (the other registers log only their own columns, e.g. a supplier's outcome)
            if before != after:
                row[f] = _to_stored(before, f)
                touched = True
                if f == "title" and "title_fold" in row and isinstance(before, str):
                    row["title_fold"] = before.casefold()
        if table == "ai_system" and action == "transition":
            moved = ch.get("risks_brought_forward")
            if isinstance(moved, list) and len(moved) == 2 and isinstance(moved[0], dict):
                for rref, old in moved[0].items():
                    rs = self.state("risk", rref, by="ref")
                    if rs.row is not None:
                        rs.row["next_review"] = old
                        rs.row["version"] = int(rs.row["version"]) - 1
                        rs.changed = True
        if action == "accept" and table == "risk" and row.get("status") != "closed":
            touched = True  # its updated_at moved: a new version even when the status stayed
        if action == "review" and table == "risk":
            touched = True  # a review always stamps the risk
        ver = ch.get("version")
        if isinstance(ver, list) and len(ver) == 2 and isinstance(ver[0], int) and "version" in row:
            row["version"] = ver[0]  # logged where a write bumps it more than once
            touched = True
        elif touched and "version" in row:
            row["version"] = int(row["version"]) - 1
        if action == "revoke_acceptance":
            acc = ch.get("acceptance")
            if isinstance(acc, list) and acc and isinstance(acc[0], int):
                a = self.state("acceptance", acc[0])
                if a.row is not None:
                    a.row["revoked"] = 0
                    a.row["version"] = int(a.row["version"]) - 1
                    a.changed = True
        if action == "reinstate_acceptance":  # an undo put a superseded acceptance back in force
            acc = ch.get("acceptance")
            if isinstance(acc, list) and len(acc) == 2 and isinstance(acc[1], int):
                a = self.state("acceptance", acc[1])
                if a.row is not None:
                    a.row["revoked"] = 1
                    a.row["version"] = int(a.row["version"]) - 1
                    a.changed = True
        st.changed = True  # even untouched: its acceptances (and so its tallies) may differ

    def _undo_settings(self, ch: dict) -> None:
        """The settings row (id 1) before an event of the settings, the scope or the risk
        criteria: columns back to their ``before``; a criteria event's matrix keys into the matrix."""
        st = self.state("settings", 1)
        row = st.row
        if row is None:
            return
        touched = False
        matrix = None
        for f, pair in ch.items():
            if not isinstance(pair, list) or len(pair) != 2 or pair[0] == pair[1] or f == "version":
                continue
            before = pair[0]
            if f in _MATRIX_KEYS:
                if matrix is None:
                    m = row.get("matrix")
                    matrix = dict(json.loads(m) if isinstance(m, str) else (m or {}))
                matrix[f] = before
                touched = True
            elif f in row:
                row[f] = _to_stored(before, f)
                touched = True
        if matrix is not None:
            row["matrix"] = json.dumps(matrix)
        if touched and "version" in row:
            row["version"] = int(row["version"]) - 1
            st.changed = True

    def _live_by_code(self, table: str, code: str) -> dict[str, Any] | None:
        cols = self.cols[table]
        if table == "control":
            return self._live(table, "code", code)
        got = self.conn.execute(f"SELECT {', '.join('a.' + c for c in cols)} FROM main.applicability a "
                                "JOIN main.control c ON c.id = a.control_id WHERE c.code = ?", (code,)).fetchone()
        return None if got is None else dict(zip(cols, got))

    def _undo_by_code(self, entity: str, ref: str, action: str, ch: dict, event_id: int) -> None:
        """An event of a control (``control``/<code>) or of its SoA entry (``applicability``/<code>;
        ``applicability``/``soa`` approves many): fields back to their ``before``; a custom control
        created after T is absent with its entry."""
        if entity == "applicability" and ref == "soa" and action == "approve":
            codes = ch.get("controls")
            if isinstance(codes, list) and len(codes) == 2 and isinstance(codes[1], list):
                for code in codes[1]:
                    st = self.state("applicability", str(code))
                    if st.row is None:
                        continue
                    st.row["approved_by"], st.row["approved_at"] = self._approval_before(str(code), event_id)
                    st.row["version"] = int(st.row["version"]) - 1
                    st.changed = True
            return
        if entity == "control" and action == "create":
            for table in _BY_CODE:
                st = self.state(table, ref)
                st.row, st.changed = None, True
            return
        st = self.state(entity, ref)
        row = st.row
        if row is None:
            return  # (the Annex A load names no control: its controls are as now)
        touched = False
        for f, pair in ch.items():
            if not isinstance(pair, list) or len(pair) != 2 or f not in row or f in ("version", "id") \
                    or pair[0] == pair[1]:
                continue
            row[f] = _to_stored(pair[0], f)
            touched = True
            if f == "approved_by" and entity == "applicability" and "approved_at" not in ch:
                # an edit clears the approval (its time is not logged): the approval it cleared
                row["approved_by"], row["approved_at"] = self._approval_before(ref, event_id)
        ver = ch.get("version")
        if isinstance(ver, list) and len(ver) == 2 and isinstance(ver[0], int) and "version" in row:
            row["version"] = ver[0]
            touched = True
        elif touched and "version" in row:
            row["version"] = int(row["version"]) - 1
        st.changed = st.changed or touched

    def _approval_before(self, code: str, event_id: int) -> tuple[str, Any]:
        """Who approved SoA entry ``code`` and when, just before event ``event_id``: the latest
        approval naming it, unless an edit after it cleared it; ("", None) when none."""
        for ev_ref, actor, when, changes in self.conn.execute(
                "SELECT entity_ref, actor, at, changes FROM main.audit_event WHERE entity = 'applicability' "
                "AND entity_ref IN (?, 'soa') AND id < ? ORDER BY id DESC", (code, event_id)):
            ch = json.loads(changes) if isinstance(changes, str) else (changes or {})
            if ev_ref == "soa":
                codes = ch.get("controls")
                if isinstance(codes, list) and len(codes) == 2 and isinstance(codes[1], list) and code in codes[1]:
                    return str(actor), when
            else:
                pair = ch.get("approved_by")
                if isinstance(pair, list) and len(pair) == 2 and pair[0] != pair[1]:
                    return ("", None) if not pair[1] else (str(pair[1]), when)
        return "", None

    def _bring_back(self, rec: dict) -> None:
        for key, table, col in (("acceptances", "acceptance", "accepted_at"), ("treatments", "treatment", "created_at"),
                                ("reviews", "review", "reviewed_at")):
            for r in rec.get(key) or []:
                if not isinstance(r, dict) or r.get("id") is None:
                    continue
                when = _to_stored(r.get(col), col)
                made = when is None or str(when) <= self.at
                self.states[table][r["id"]] = _State(self._from_record(table, r) if made else None, True, True)

    def _undo_treatment(self, ref: str, action: str, ch: dict) -> None:
        tail = ref.rpartition("/")[2]
        if not tail[1:].isdigit():
            return
        st = self.state("treatment", int(tail[1:]))
        if action == "create":
            st.row, st.changed = None, True
        elif action == "delete":
            rec = (ch.get("record") or [None])[0]
            if isinstance(rec, dict):
                st.row, st.changed, st.restored = self._from_record("treatment", rec), True, True
        elif st.row is not None:
            touched = False
            for f, pair in ch.items():
                if isinstance(pair, list) and len(pair) == 2 and f in st.row and f not in _NOT_COLUMNS \
                        and pair[0] != pair[1]:
                    st.row[f] = _to_stored(pair[0], f)
                    touched = True
            if touched:
                st.row["version"] = int(st.row["version"]) - 1
                st.changed = True

    def _from_record(self, table: str, rec: dict) -> dict[str, Any]:
        row = {c: _to_stored(rec.get(c), c) for c in self.cols[table]}
        if table == "risk":
            if rec.get("awaiting_assessment"):
                pass  # the record's scores were blanked for show: the placeholders are 1
            for c in ("inherent_likelihood", "inherent_impact", "residual_likelihood", "residual_impact"):
                if row.get(c) is None:
                    row[c] = 1
            row["title_fold"] = str(rec.get("title") or "").casefold()
        return row

    def _append_only(self) -> None:
        """Records that are their own history: absent when made after T."""
        if self.refs is not None:
            return
        # An acceptance made after T: its risk's cover then differs (the tallies read it through the risk).
        for (ref,) in self.conn.execute("SELECT r.ref FROM main.acceptance a JOIN main.risk r ON r.id = a.risk_id "
                                        "WHERE a.accepted_at > ?", (self.at,)).fetchall():
            self.state("risk", ref, by="ref").changed = True
        for table, col in (("review", "reviewed_at"), ("stage_event", "at"), ("acceptance", "accepted_at"),
                           ("risk", "created_at"), ("ai_system", "created_at"), ("treatment", "created_at")):
            for (id_,) in self.conn.execute(f"SELECT id FROM main.{table} WHERE {col} > ?", (self.at,)):
                st = self.states[table].get(id_) if table not in _BY_REF else None
                if table in _BY_REF:
                    ref = self.conn.execute(f"SELECT ref FROM main.{table} WHERE id = ?", (id_,)).fetchone()[0]
                    self.states[table][ref] = _State(None, True)
                elif not (st is not None and st.restored):
                    self.states[table][id_] = _State(None, True)

    # results -------------------------------------------------------------
    def rows(self, table: str) -> Iterator[tuple[int | None, dict[str, Any] | None]]:
        """(live id, row as it was) of every record that differs."""
        for key, st in self.states[table].items():
            if not st.changed:
                continue
            if table in _BY_CODE:
                live = self._live_by_code(table, key)
                live_id = None if live is None else live["id"]
            else:
                live_id = key if table not in self.by_ref else self._live_id(table, key)
            yield live_id, st.row

    def links(self) -> Iterator[tuple[int, int]]:
        """(risk id, control id) of every link as it was, of the risks that differ (the
        others' links are as now): each such risk's codes then, or its live links."""
        ids = {code: cid for cid, code in self.conn.execute("SELECT id, code FROM main.control")}
        for ref, st in self.states["risk"].items():
            if not st.changed or st.row is None:
                continue
            rid = st.row["id"]
            if st.controls is None:
                got = sorted({c for (c,) in self.conn.execute(
                    "SELECT control_id FROM main.risk_control WHERE risk_id = ?", (rid,))})
            else:
                got = sorted({ids[c] for c in st.controls if c in ids})
            for cid in got:
                yield rid, cid

    def _live_id(self, table: str, ref: str) -> int | None:
        got = self.conn.execute(f"SELECT id FROM main.{table} WHERE ref = ?", (ref,)).fetchone()
        return got[0] if got else None


def _finish(table: str, row: dict[str, Any]) -> dict[str, Any]:
    for gen, (a, b) in _GENERATED.get(table, {}).items():
        if gen in row:
            row[gen] = int(row[a]) * int(row[b]) if row.get(a) is not None and row.get(b) is not None else None
    return row


# -- the shadow views -------------------------------------------------------------

def _pg_tally_value(v: str) -> str:
    """A tally's key expression (written for SQLite) as PostgreSQL takes it: booleans and
    dates compared and coalesced as such."""
    return (v.replace("a.revoked = 0", "NOT a.revoked")
            .replace("COALESCE(a.expires_on, ", "COALESCE(to_char(a.expires_on, 'YYYY-MM-DD'), ")
            .replace("COALESCE({r}.next_review, ", "COALESCE(to_char({r}.next_review, 'YYYY-MM-DD'), "))


def _tally_views(conn: _Conn) -> None:
    """Each tally as of the moment: the live counts, minus what the overridden
    risks count now, plus what they counted then (with the acceptances of then)."""
    for table, (cols, values) in TALLIES.items():
        conn.execute(f"DROP VIEW IF EXISTS temp.{table}")
        if not conn.exists(table):
            continue
        if conn.pg:  # each key as the tally's own column type (PostgreSQL types a UNION strictly)
            types = conn.types(table)
            values = [f"CAST({_pg_tally_value(v)} AS {types[c][0]})" for c, v in zip(cols, values)]
        now = ", ".join(v.format(r="r").replace("FROM acceptance a", "FROM main.acceptance a") for v in values)
        then = ", ".join(v.format(r="r").replace("FROM acceptance a", "FROM temp.acceptance a") for v in values)
        keys = ", ".join(cols)
        conn.execute(
            f"CREATE TEMP VIEW {table} AS SELECT {keys}, sum(n) AS n FROM ("
            f"SELECT {keys}, n FROM main.{table} "
            f"UNION ALL SELECT {now}, -1 FROM main.risk r WHERE r.id IN (SELECT id FROM hist.risk_ids) "
            f"UNION ALL SELECT {then}, 1 FROM hist.risk r"
            f") t GROUP BY {keys}")


def _pg_value(kind: str) -> Any:
    """How a value of the undo goes into a PostgreSQL column of type ``kind``."""
    if kind == "boolean":
        return lambda v: v if v is None else bool(v)
    if kind in ("json", "jsonb"):
        return lambda v: v if v is None or isinstance(v, str) else json.dumps(v)
    return lambda v: v


def build(raw: Any, at: datetime) -> dict[str, int]:
    """Create (or replace) the TEMP tables and views of the register as of ``at``
    on this driver connection (sqlite3 or psycopg); returns how many rows each table overrides."""
    conn = _Conn(raw)
    undo = _Undo(conn, at).run()
    counts = {}
    if not conn.pg:
        if not any(r[1] == "hist" for r in conn.execute("PRAGMA database_list")):
            # the rows as they were: a schema of their own, so that a read can name them (hist.risk)
            conn.execute("ATTACH DATABASE ':memory:' AS hist")
        conn.execute("BEGIN")
    try:
        if conn.pg:
            views = [r[0] for r in conn.execute(
                "SELECT c.relname FROM pg_class c WHERE c.relnamespace = pg_my_temp_schema() AND c.relkind = 'v'")]
        else:
            views = [r[0] for r in conn.execute("SELECT name FROM temp.sqlite_master WHERE type = 'view'").fetchall()]
        for view in views:
            if conn.pg:  # (PostgreSQL keeps the views' dependencies: all go, and are made again)
                conn.execute(f"DROP VIEW IF EXISTS temp.{view} CASCADE")
            elif view not in TABLES and view not in _BY_CODE and view not in TALLIES and view != "risk_control":
                conn.execute(f"DROP VIEW IF EXISTS temp.{view}")  # another register, shadowed for an earlier moment
        for table in (*TABLES, *_BY_CODE, *undo.extra):
            cols = undo.cols[table]
            conn.execute(f"DROP VIEW IF EXISTS temp.{table}")
            conn.execute(f"DROP TABLE IF EXISTS hist.{table}")
            conn.execute(f"DROP TABLE IF EXISTS hist.{table}_ids")
            conn.execute(f"CREATE TABLE hist.{table} AS SELECT {_cols(cols)} FROM main.{table} WHERE 0 = 1")
            conn.execute(f"CREATE TABLE hist.{table}_ids (id INTEGER PRIMARY KEY)")
            ins, gen, conv = cols, {}, {}
            if conn.pg:  # generated columns are computed below, from their own expression
                types = conn.types(table)
                gen = {c: types[c][1] for c in cols if types[c][1]}
                ins = [c for c in cols if c not in gen]
                conv = {c: _pg_value(types[c][0]) for c in ins}
            n = 0
            ids: list[tuple[Any]] = []
            rows: list[list[Any]] = []
            for live_id, row in undo.rows(table):
                n += 1
                if live_id is not None:
                    ids.append((live_id,))
                if row is not None:
                    row = _finish(table, row)
                    ids.append((row["id"],))
                    rows.append([conv[c](row.get(c)) if conv else row.get(c) for c in ins])
            conn.executemany(f"INSERT OR IGNORE INTO hist.{table}_ids VALUES (?)", ids)
            conn.executemany(f"INSERT INTO hist.{table} ({_cols(ins)}) VALUES ({', '.join('?' * len(ins))})", rows)
            if gen and rows:
                conn.execute(f"UPDATE hist.{table} SET " + ", ".join(f"{c} = ({e})" for c, e in gen.items()))
            counts[table] = n
            sel = _cols(cols)
            conn.execute(f"CREATE TEMP VIEW {table} AS SELECT {sel} FROM main.{table} "
                         f"WHERE id NOT IN (SELECT id FROM hist.{table}_ids) "
                         f"UNION ALL SELECT {sel} FROM hist.{table}")
        # The links between risks and controls (no id of their own): those of every risk that
        # differs are as they were (its events log ``controls``: [before, after]), the others' as now.
        conn.execute("DROP VIEW IF EXISTS temp.risk_control")
        conn.execute("DROP TABLE IF EXISTS hist.risk_control")
        conn.execute("CREATE TABLE hist.risk_control (risk_id INTEGER, control_id INTEGER, PRIMARY KEY (risk_id, control_id))")
        conn.executemany("INSERT OR IGNORE INTO hist.risk_control VALUES (?, ?)", list(undo.links()))
        counts["risk_control"] = counts["risk"]
        conn.execute("CREATE TEMP VIEW risk_control AS SELECT risk_id, control_id FROM main.risk_control "
                     "WHERE risk_id NOT IN (SELECT id FROM hist.risk_ids) "
                     "UNION ALL SELECT risk_id, control_id FROM hist.risk_control")
        if not conn.pg:
            # On PostgreSQL the tallies are not shadowed: a past moment's counts are read from its
            # rows (tally.present is False while ``risk`` is a TEMP view and the tallies are not). A
            # property test found the shadowed cover tally off by one there (a closed risk's cover).
            _tally_views(conn)
        if conn.pg:
            raw.commit()
        else:
            conn.execute("COMMIT")
    except BaseException:
        if conn.pg:
            raw.rollback()
        else:
            conn.execute("ROLLBACK")
        raise
    return counts


class AsOfDatabase(Database):
    """The same database read as it was at ``as_of`` (read-only)."""

    def __init__(self, base: Database, as_of: datetime):
        if base.is_sqlite and base.path is None or base.backend not in ("sqlite", "postgresql"):
            raise DatabaseError("the register as of a date needs an SQLite database file or PostgreSQL")
        super().__init__(base.url)
        self.as_of = as_of
        self.base = base
        self._built_at_version: int | None = None
        self._lock = threading.Lock()

        @event.listens_for(self.engine, "connect")
        def _on_connect(dbapi_conn, _record):  # after the pragmas (registered later)
            build(dbapi_conn, self.as_of)

    @property
    def overridden(self) -> dict[str, int]:
        with self.read() as s:
            conn = s.connection()
            names = {t: f"pg_temp.hist_{t}_ids" if self.backend == "postgresql" else f"hist.{t}_ids" for t in TABLES}
            return {t: int(conn.exec_driver_sql(f"SELECT count(*) FROM {names[t]}").scalar() or 0)
                    for t in TABLES}

    @contextmanager
    def read(self) -> Iterator[Session]:
        # Someone committed since the views were built: build them again (new connections).
        try:
            v = self.data_version()
        except Exception:  # noqa: BLE001
            v = None
        with self._lock:
            if self._built_at_version is not None and v != self._built_at_version:
                self.engine.dispose()
            self._built_at_version = v
        with super().read() as s:
            if self.is_sqlite:
                # queries read the rows of then by name (hist.risk); on PostgreSQL the planner
                # merges the view's two sides in index order itself
                s.info[SESSION_KEY] = self.as_of
            yield s

    def data_version(self) -> int:
        """On PostgreSQL the newest audit event (every write of aims makes one): the server's
        transaction counter moves with the TEMP tables of this very reader too."""
        if self.backend != "postgresql":
            return super().data_version()
        with self.base.engine.connect() as c:
            return int(c.exec_driver_sql("SELECT coalesce(max(id), 0) FROM audit_event").scalar() or 0)

    def transact(self, fn, retry_seconds: float = 0):
        raise DatabaseError(f"the register as of {self.as_of.date().isoformat()} is read-only")


_OPEN: dict[tuple[str, datetime], AsOfDatabase] = {}
SESSION_KEY = "aims_as_of"


def as_of_day(db: Database, day: date | None, today: date) -> Database:
    """``db`` read as it was at the end of ``day``: the one rule of every face that reads a day's
    register (the CLI's ``--as-of``, a management review's figures and pack). No day, today or a
    day to come (``aims reminders`` looking ahead): the register as it is."""
    if day is None or day >= today:
        return db
    return at(db, end_of_day(day))


def at(db: Database, as_of: datetime | None) -> Database:
    """``db`` read as of ``as_of`` (``db`` itself for None)."""
    if as_of is None:
        return db
    if isinstance(db, AsOfDatabase):
        db = db.base
    key = (db.url, as_of)
    got = _OPEN.get(key)
    if got is None:
        if len(_OPEN) >= 8:
            old = _OPEN.pop(next(iter(_OPEN)))
            old.dispose()
        got = _OPEN[key] = AsOfDatabase(db, as_of)
    return got


def close(db: Database) -> None:
    """Let go of the connections that read ``db`` as of past moments."""
    for key in [k for k in _OPEN if k[0] == db.url]:
        _OPEN.pop(key).dispose()


def is_as_of(s: Session) -> bool:
    """Whether this session reads the register as of a past moment."""
    if s.get_bind().dialect.name == "postgresql":
        return s.connection().exec_driver_sql(
            "SELECT 1 FROM pg_class WHERE relnamespace = pg_my_temp_schema() AND relname = 'risk' "
            "AND relkind = 'v'").first() is not None
    return s.connection().exec_driver_sql(
        "SELECT 1 FROM sqlite_temp_master WHERE type = 'view' AND name = 'risk'").first() is not None \
        if s.get_bind().dialect.name == "sqlite" else False


# -- reads ----------------------------------------------------------------------


def systems(db: Database, *, stage: str | None = None, as_of: datetime | None = None) -> list[dict[str, Any]]:
    """The AI systems in ref order (as of a moment)."""
    with at(db, as_of).read() as s:
        q = select(AISystem).order_by(AISystem.ref)
        if stage:
            q = q.where(AISystem.stage == stage)
        return [to_dict(r) for r in s.exec(q)]


def last_review_at(session: Session, before: datetime | None = None) -> datetime | None:
    """When the latest management review (MR-...) was held (its day's end), at or before ``before``."""
    q = "SELECT max(held_on) FROM management_review"
    params: dict[str, Any] = {}
    if before is not None:
        q += " WHERE held_on <= :d"
        params["d"] = before.astimezone().date().isoformat() if before.tzinfo else before.date().isoformat()
    got = session.connection().execute(text(q), params).scalar()
    if not got:
        return None
    return end_of_day(date.fromisoformat(str(got)[:10]))


def review_held_at(session: Session, ref: str) -> datetime:
    """The end of the day management review ``ref`` was held; a ValidationError when there is none."""
    got = session.connection().execute(text("SELECT held_on FROM management_review WHERE ref = :r"),
                                       {"r": ref.strip()}).scalar()
    if not got:
        raise ValidationError("--since-review", f"there is no management review {ref.strip()}")
    return end_of_day(date.fromisoformat(str(got)[:10]))


# -- diff -------------------------------------------------------------------------


@dataclass
class Change:
    ref: str
    title: str
    entity: str
    at: datetime | None
    before: Any = None
    after: Any = None

    def to_json(self) -> dict[str, Any]:
        d = asdict(self)
        d["at"] = None if self.at is None else self.at.astimezone(timezone.utc).isoformat(timespec="seconds")
        return d


@dataclass
class Diff:
    start: datetime
    end: datetime
    added: list[Change] = field(default_factory=list)
    closed: list[Change] = field(default_factory=list)
    rescored: list[Change] = field(default_factory=list)
    moved_stage: list[Change] = field(default_factory=list)
    accepted: list[Change] = field(default_factory=list)
    lapsed: list[Change] = field(default_factory=list)

    KINDS = ("added", "closed", "rescored", "moved_stage", "accepted", "lapsed")

    @property
    def empty(self) -> bool:
        return not any(getattr(self, k) for k in self.KINDS)

    def to_json(self) -> dict[str, Any]:
        return {
            "schema": "aims.diff/1",
            "from": self.start.astimezone(timezone.utc).isoformat(timespec="seconds"),
            "to": self.end.astimezone(timezone.utc).isoformat(timespec="seconds"),
            **{k: [c.to_json() for c in getattr(self, k)] for k in self.KINDS},
            "counts": {k: len(getattr(self, k)) for k in self.KINDS},
        }


def _raw(session: Session) -> _Conn:
    """The session's driver connection (its transaction), taking the SQL written for SQLite."""
    if session.get_bind().dialect.name not in ("sqlite", "postgresql"):
        raise DatabaseError("the register's history (--as-of, aims diff) needs SQLite or PostgreSQL")
    return _Conn(session.connection().connection.driver_connection)


_LIVE_STATUSES_GONE = ("closed", "withdrawn")


def diff(session: Session, start: datetime, end: datetime) -> Diff:
    """What changed between ``start`` and ``end`` (``start`` < ``end``), read
    from the events between them and the states at both ends of the records they name."""
    if end < start:
        raise ValidationError("dates", "the first date must not be after the second")
    conn = _raw(session)
    s_at, e_at = stored(start), stored(end)
    evs = conn.execute(
        "SELECT entity, entity_ref, action, at, changes FROM main.audit_event WHERE at > ? AND at <= ? "
        "AND entity IN ('risk', 'ai_system') ORDER BY id", (s_at, e_at)).fetchall()
    refs: dict[str, set[str]] = {"risk": set(), "ai_system": set()}
    last_at: dict[tuple[str, str], datetime] = {}
    created_at: dict[tuple[str, str], datetime] = {}  # its create event: when an added record was made
    gone_at: dict[tuple[str, str], datetime] = {}  # its last event that closed, withdrew or deleted it
    for entity, ref, action, when, changes in evs:
        refs[entity].add(ref)
        t = _parse_stored(when)
        last_at[(entity, ref)] = t  # type: ignore[assignment]
        if action == "create":
            created_at[(entity, ref)] = t  # type: ignore[assignment]
        elif action == "delete" or _sets_status_gone(changes):
            gone_at[(entity, ref)] = t  # type: ignore[assignment]
    # Made in the window with no event of their own (a bulk load such as the demo): found by their time.
    born: dict[str, set[str]] = {"risk": set(), "ai_system": set()}
    for table in born:
        for ref, when in conn.execute(f"SELECT ref, created_at FROM main.{table} WHERE created_at > ? AND created_at <= ?",
                                      (s_at, e_at)):
            born[table].add(ref)
            refs[table].add(ref)
            last_at.setdefault((table, ref), _parse_stored(when))  # type: ignore[arg-type]
            created_at.setdefault((table, ref), _parse_stored(when))  # type: ignore[arg-type]
    before = _Undo(conn, start, refs).run()
    after = _Undo(conn, end, refs).run()
    out = Diff(start, end)

    def row(u: _Undo, table: str, ref: str) -> dict[str, Any] | None:
        if u is before and ref in born[table]:
            return None
        return u.state(table, ref, by="ref").row

    for ref in sorted(refs["risk"]):
        b, a = row(before, "risk", ref), row(after, "risk", ref)
        when = last_at.get(("risk", ref))
        title = str((a or b or {}).get("title") or "")
        if a is not None and b is None and a["status"] != "withdrawn":  # withdrawn: made by mistake
            out.added.append(Change(ref, title, "risk", created_at.get(("risk", ref), when), None,
                                    {"status": a["status"]}))
        if b is not None and (b["status"] not in _LIVE_STATUSES_GONE) and (a is None or a["status"] in _LIVE_STATUSES_GONE):
            out.closed.append(Change(ref, title, "risk", gone_at.get(("risk", ref), when), b["status"],
                                     a["status"] if a else "deleted"))
        if a is not None and b is not None:
            sb = _scores(b)
            sa = _scores(a)
            if sb != sa:
                out.rescored.append(Change(ref, title, "risk", when, sb, sa))
    for ref in sorted(refs["ai_system"]):
        b, a = row(before, "ai_system", ref), row(after, "ai_system", ref)
        when = last_at.get(("ai_system", ref))
        title = str((a or b or {}).get("name") or "")
        if a is not None and b is None:
            out.added.append(Change(ref, title, "ai_system", created_at.get(("ai_system", ref), when), None,
                                    {"stage": a["stage"]}))
        elif a is not None and b is not None and a["stage"] != b["stage"]:
            out.moved_stage.append(Change(ref, title, "ai_system", when, b["stage"], a["stage"]))
    # Acceptances made between the two moments (rows of their own, with their time): one taken
    # back by undo is left out (made by mistake); one revoked (or superseded) by the end says so.
    revoked = _revocations(conn, s_at, e_at)
    for acc_id, rref, title, by, when, exp in conn.execute(
            "SELECT a.id, r.ref, r.title, a.accepted_by, a.accepted_at, a.expires_on FROM main.acceptance a "
            "JOIN main.risk r ON r.id = a.risk_id WHERE a.accepted_at > ? AND a.accepted_at <= ? "
            "ORDER BY a.accepted_at, a.id", (s_at, e_at)):
        gone = revoked.get(acc_id)
        if gone is not None and gone[1] == UNDONE:
            continue
        given: dict[str, Any] = {"accepted_by": by, "expires_on": None if exp is None else str(exp)[:10], "id": acc_id}
        if gone is not None:
            given["revoked_at"] = gone[0].astimezone(timezone.utc).isoformat(timespec="seconds") if gone[0] else None
            given["revoked_why"] = gone[1]
        out.accepted.append(Change(rref, title, "acceptance", _parse_stored(when), None, given))
    # Acceptances that expired in between: valid through expires_on, lapsed the day after.
    d0 = start.astimezone().date() if start.tzinfo else start.date()
    d1 = end.astimezone().date() if end.tzinfo else end.date()
    for acc_id, rref, title, exp, revoked in conn.execute(
            "SELECT a.id, r.ref, r.title, a.expires_on, a.revoked FROM main.acceptance a "
            "JOIN main.risk r ON r.id = a.risk_id WHERE a.expires_on >= ? AND a.expires_on < ? "
            "ORDER BY a.expires_on, a.id", ((d0).isoformat(), d1.isoformat())):
        exp = str(exp)[:10]
        if revoked and _revoked_before(conn, acc_id, date.fromisoformat(exp)):
            continue
        lapse = date.fromisoformat(exp) + timedelta(days=1)
        out.lapsed.append(Change(rref, title, "acceptance", datetime.combine(lapse, dtime.min).astimezone(timezone.utc),
                                 {"expires_on": exp, "id": acc_id}, None))
    for k in Diff.KINDS:
        getattr(out, k).sort(key=lambda c: (c.at or start, c.ref))
    return out


def diff_of(db: Database, start: datetime, end: datetime) -> Diff:
    """:func:`diff` read from ``db``'s live tables and audit trail (also when ``db`` reads a
    past moment: the diff takes both moments back itself). The one rule of what was added
    and closed between two moments: ``aims diff``, the changes screen and the pack use it."""
    base = db.base if isinstance(db, AsOfDatabase) else db
    with base.read() as s:
        return diff(s, start, end)


def _sets_status_gone(changes: Any) -> bool:
    """Whether an event's changes set the status to closed or withdrawn (``{"status": [before, after]}``)."""
    if isinstance(changes, str):
        if '"status"' not in changes:  # most events: no need to parse them
            return False
        try:
            changes = json.loads(changes)
        except ValueError:
            return False
    st = changes.get("status") if isinstance(changes, dict) else None
    return isinstance(st, list) and len(st) == 2 and st[1] in _LIVE_STATUSES_GONE


def _revocations(conn: _Conn, s_at: str, e_at: str) -> dict[int, tuple[datetime | None, str]]:
    """The acceptances revoked at the end of (s_at, e_at] by an event in it: id -> (when, why);
    an acceptance put back in force later in the window (an undone superseding) is not revoked."""
    out: dict[int, tuple[datetime | None, str]] = {}
    for when, action, changes in conn.execute(
            "SELECT at, action, changes FROM main.audit_event WHERE entity = 'risk' AND at > ? AND at <= ? "
            "AND action IN ('revoke_acceptance', 'reinstate_acceptance') ORDER BY id", (s_at, e_at)):
        ch = json.loads(changes) if isinstance(changes, str) else (changes or {})
        acc = ch.get("acceptance")
        if not isinstance(acc, list) or len(acc) != 2:
            continue
        if action == "reinstate_acceptance":
            if isinstance(acc[1], int):
                out.pop(acc[1], None)
        elif isinstance(acc[0], int):
            why = ch.get("reason")
            out[acc[0]] = (_parse_stored(when), str(why[1] or "") if isinstance(why, list) and len(why) == 2 else "")
    return out


def _revoked_before(conn: _Conn, acc_id: int, exp: date) -> bool:
    """Whether acceptance ``acc_id`` was revoked while it was still valid (and not put back
    in force, by an undo, before it expired)."""
    revoked = False
    for when, action, changes in conn.execute(
            "SELECT at, action, changes FROM main.audit_event WHERE entity = 'risk' "
            "AND action IN ('revoke_acceptance', 'reinstate_acceptance') ORDER BY id"):
        ch = json.loads(changes) if isinstance(changes, str) else (changes or {})
        acc = ch.get("acceptance")
        if not (isinstance(acc, list) and len(acc) == 2 and acc_id in (acc[0], acc[1])):
            continue
        t = _parse_stored(when)
        if t is not None and t.astimezone().date() <= exp:
            revoked = action == "revoke_acceptance"
    return revoked


def _scores(r: dict[str, Any]) -> dict[str, Any]:
    return {"inherent": [r["inherent_likelihood"], r["inherent_impact"]],
            "residual": [r["residual_likelihood"], r["residual_impact"]]}


def rows_as_of(db: Database, table: str, as_of: datetime) -> list[dict[str, Any]]:
    """Every row of ``table`` as it was (for tests and exports): the shadow view read whole."""
    with at(db, as_of).read() as s:
        res = s.connection().exec_driver_sql(f"SELECT * FROM {table} ORDER BY id")
        cols = list(res.keys())
        return [dict(zip(cols, r)) for r in res]
