"""Helpers of the team tests: writer processes and the checks made after them."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
from collections import defaultdict
from pathlib import Path

from aims_tui.core import audit
from aims_tui.core.db import Database
from aims_tui.core.services import risks, systems

from ..conftest import ADMIN, APPROVER, EDITOR, make_db, raw_connect

CHILD = Path(__file__).with_name("child.py")
WRITERS = (ADMIN, APPROVER, EDITOR, ADMIN)


def db_with_risks(path: Path, n: int) -> tuple[Database, list[str]]:
    database = make_db(path)
    s = systems.create_system(database, EDITOR, {"name": "Shared chatbot"})
    refs = [risks.create_risk(database, EDITOR, {"system": s["ref"], "title": f"Risk {i}",
                                                  "inherent_likelihood": 3, "inherent_impact": 3})["ref"]
            for i in range(n)]
    return database, refs


def spawn(*args: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, str(CHILD), *args], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, bufsize=1)


def read_until(proc: subprocess.Popen, key: str) -> list[dict]:
    """Lines up to and including the first one that has ``key`` (or EOF)."""
    out = []
    for line in proc.stdout:  # type: ignore[union-attr]
        msg = json.loads(line)
        out.append(msg)
        if key in msg:
            break
    return out


def commits(messages: list[dict]) -> list[dict]:
    return [m for m in messages if "title" in m]


def integrity(database: Database | Path) -> list[str]:
    """The engine's own check: SQLite's integrity_check (of a database or a file, e.g. a
    backup); on PostgreSQL amcheck's bt_index_check of every B-tree index (["ok"] when sound)."""
    path = database if isinstance(database, Path) else database.path
    if path is not None:
        con = sqlite3.connect(str(path))
        try:
            return [r[0] for r in con.execute("PRAGMA integrity_check")]
        finally:
            con.close()
    with raw_connect(database) as con:
        con.execute("CREATE EXTENSION IF NOT EXISTS amcheck")
        idx = [r[0] for r in con.execute(
            "SELECT c.oid FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_am a ON a.oid = c.relam "
            "JOIN pg_namespace n ON n.oid = c.relnamespace WHERE a.amname = 'btree' AND n.nspname = 'public'")]
        for oid in idx:
            con.execute("SELECT bt_index_check(?::regclass, true)", (oid,))
    return ["ok"] if idx else ["no index checked"]


def risk_updates(database: Database) -> dict[str, list[dict]]:
    """Every risk update event, oldest first, by risk ref."""
    with database.read() as s:
        evs = audit.events(s, limit=None)
    by_ref: dict[str, list[dict]] = defaultdict(list)
    for ev in reversed(evs):
        if ev["entity"] == "risk" and ev["action"] == "update":
            by_ref[ev["entity_ref"]].append(ev)
    return by_ref


def assert_history_consistent(database: Database, refs: list[str], start_versions: dict[str, int],
                              committed: list[dict]) -> None:
    """Every reported commit is in the data with its audit event; nothing else is.

    - each risk's version went up by exactly its number of update events;
    - each update event's old title is the previous event's new title (no
      update was lost or applied to a stale copy);
    - the risk's title is the newest event's new title;
    - every commit a process reported is an event with that title and version.
    """
    updates = risk_updates(database)
    for ref in refs:
        r = risks.get_risk(database, ref)
        evs = updates.get(ref, [])
        assert r["version"] == start_versions[ref] + len(evs), (ref, r["version"], len(evs))
        for before, after in zip(evs, evs[1:]):
            assert after["changes"]["title"][0] == before["changes"]["title"][1], (ref, before["id"], after["id"])
        if evs:
            assert r["title"] == evs[-1]["changes"]["title"][1]
    seen = {(ref, ev["changes"]["title"][1]): start_versions[ref] + i + 1
            for ref, evs in updates.items() for i, ev in enumerate(evs)}
    for c in committed:
        assert (c["ref"], c["title"]) in seen, f"committed {c} has no audit event"
        assert seen[(c["ref"], c["title"])] == c["version"], c
