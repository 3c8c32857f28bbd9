"""EXPLAIN QUERY PLAN of the statements a call runs (shared by the index tests)."""

from __future__ import annotations

from typing import Callable

from sqlalchemy import event


def query_plans(db, fn: Callable[[], object], keep: Callable[[str], bool]) -> list[tuple[str, list[str]]]:
    """Run ``fn``; for each statement it ran that ``keep`` selects, its plan lines."""
    seen: list[tuple[str, tuple]] = []

    def grab(conn, cursor, statement, parameters, context, executemany):
        if keep(statement):
            seen.append((statement, parameters))

    event.listen(db.engine, "before_cursor_execute", grab)
    try:
        fn()
    finally:
        event.remove(db.engine, "before_cursor_execute", grab)
    raw = db.engine.raw_connection()
    try:
        return [(st, [r[3] for r in raw.cursor().execute("EXPLAIN QUERY PLAN " + st, p).fetchall()])
                for st, p in seen]
    finally:
        raw.close()
