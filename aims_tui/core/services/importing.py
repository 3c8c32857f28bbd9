"""Bulk writes for the import paths, each ONE transaction: all or nothing.

- :func:`import_risks`: rows read from a spreadsheet (by ``aims_tui.io.importer``)
  become risks. Every row is validated (the rules of ``risks.create_risk``) in a
  read session (``import_check``) before one short write transaction inserts
  them in bulk (``import_write``); problems name the spreadsheet row, the column
  and the value, all of them at once. Each risk gets its create audit event, and
  the import one summary event.
- :func:`restore` (``restoring``): a whole register (read by ``aims_tui.io.jsonio``)
  written as it was into an EMPTY database.

The rows and problems are in ``import_types``; the names are kept here for the
faces (``from aims_tui.core.services.importing import ImportRejected, ...``).
"""

from __future__ import annotations

import time
from datetime import date
from typing import Any, Callable, Iterable

from sqlmodel import Session

from ..db import Database
from ..identity import ADMIN, EDIT, require
from ..schedule import today as _today
from .import_check import _check, next_risk_nums
from .import_types import ImportRejected, RiskRow, RowError, grouped, slug_login
from .import_write import _write
from .restoring import DERIVED_TABLES, check_records, insertable_columns, record_counts, restore, tables

__all__ = ["DERIVED_TABLES", "ImportRejected", "RiskRow", "RowError", "check_records", "grouped", "import_risks",
           "insertable_columns", "record_counts", "restore", "slug_login", "tables"]


def import_risks(db: Database, actor: str, rows: list[RiskRow], *, problems: Iterable[RowError] = (),
                 create_missing: bool = False, dry_run: bool = False, source: str = "",
                 progress: Callable[[int, int], None] | None = None,
                 today: date | None = None) -> dict[str, Any]:
    """Create the risks of ``rows`` in one transaction, or none of them.

    Two phases, so that a large import never makes a teammate's save wait:
    every row is resolved and validated in a read session (no lock held), then
    one short IMMEDIATE transaction writes them in bulk: the risks, their
    controls, one audit event each (the hash chain continued from the newest
    event) and one summary event. ``problems`` are those the reader found
    already (bad cells); they are reported together with the ones found here.
    With ``dry_run`` the check runs and nothing is written. Rows whose
    ``source_key`` is already in the register are skipped (a re-import does
    not duplicate). A row without a likelihood or an impact becomes a risk
    awaiting assessment (``risk.awaiting_assessment``).
    """
    day = today or _today()
    with db.read() as s:
        require(s, actor, EDIT, "importing risks")
        plan = _check(s, actor, rows, list(problems), create_missing, day)
    if dry_run:
        with db.read() as s:
            first = next_risk_nums(s, len(plan.to_create))
        result = plan.result(source, [f"R-{n:04d}" for n in first])
        result["dry_run"] = True
        return result
    timing: dict[str, float] = {}

    def tx(s: Session) -> dict[str, Any]:
        t0 = time.perf_counter()
        require(s, actor, EDIT, "importing risks")
        if plan.missing_users:
            require(s, actor, ADMIN, "creating users for unknown owners (--create-missing)")
        timing["t0"], timing["c0"] = t0, time.thread_time()
        return _write(s, actor, plan, source, progress, day)

    written = db.transact(tx)
    # From the lock taken (BEGIN IMMEDIATE done) to the commit done: what a teammate's save waits at most.
    timing["lock_seconds"] = time.perf_counter() - timing["t0"]
    timing["lock_cpu_seconds"] = time.thread_time() - timing["c0"]
    result = plan.result(source, written["refs"], written["sys_refs"])
    result["users_created"], result["systems_created"] = written["users_created"], written["systems_created"]
    result["dry_run"] = False
    result["lock_seconds"] = timing["lock_seconds"]
    result["lock_cpu_seconds"] = timing["lock_cpu_seconds"]  # this process's CPU while it held the lock
    return result
