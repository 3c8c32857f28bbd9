"""The register's counts, read from the tallies that triggers keep (migration 0014).

``risk_tally_cells`` counts risks per (status, awaiting, inherent cell, residual
cell), ``risk_tally_due`` per (status, owner, next review), ``risk_tally_cover``
per (status, residual score, expiry of the acceptance that covers it) and
``risk_tally_expiry`` per (status, owner, expiry of the current acceptance): a few thousand
rows at most, kept exact in the transaction of every write to ``risk``. The
dashboard sums them instead of counting the register (1M risks: ~1 s of
COUNTs became a few ms). On PostgreSQL migration 0017 keeps the same tables by
plpgsql triggers. Each function returns None when the tallies are absent: the
caller then counts ``risk`` itself.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Iterable

from sqlalchemy import text
from sqlmodel import Session

from .models import WITHDRAWN

CELLS, DUE, COVER, EXPIRY = "risk_tally_cells", "risk_tally_due", "risk_tally_cover", "risk_tally_expiry"
LIVE_EXCLUDED = ("closed", WITHDRAWN)  # rules.live_risk: neither closed nor withdrawn

# The one home of the tallies' definitions: table -> (key columns, the key's value from a risk row, with
# "{r}" for NEW / OLD / a table alias). Migration 0014 made the tables and triggers from a frozen copy
# (a migration is history: a test holds the copy equal to this); core.history shadows them as of a
# past moment from these.
TALLIES = {
    "risk_tally_cells": (
        ["status", "awaiting", "inherent_likelihood", "inherent_impact", "residual_likelihood", "residual_impact"],
        ["{r}.status", "{r}.awaiting_assessment", "{r}.inherent_likelihood", "{r}.inherent_impact",
         "{r}.residual_likelihood", "{r}.residual_impact"]),
    "risk_tally_due": (
        ["status", "owner", "next_review"],
        ["{r}.status", "{r}.owner", "COALESCE({r}.next_review, '')"]),
    "risk_tally_cover": (
        ["status", "residual_score", "cover"],
        ["{r}.status", "({r}.residual_likelihood * {r}.residual_impact)",
         "COALESCE((SELECT CASE WHEN a.residual_likelihood * a.residual_impact >= "
         "{r}.residual_likelihood * {r}.residual_impact THEN COALESCE(a.expires_on, '9999-12-31') ELSE '' END "
         "FROM acceptance a WHERE a.risk_id = {r}.id AND a.revoked = 0 "
         "ORDER BY a.accepted_at DESC, a.id DESC LIMIT 1), '')"]),
    "risk_tally_expiry": (
        ["status", "owner", "expires_on"],
        ["{r}.status", "{r}.owner",
         "COALESCE((SELECT COALESCE(a.expires_on, '') FROM acceptance a WHERE a.risk_id = {r}.id AND a.revoked = 0 "
         "ORDER BY a.accepted_at DESC, a.id DESC LIMIT 1), '')"]),
}


def present(s: Session) -> bool:
    """Whether this database keeps the tallies (SQLite at migration 0014 or later, PostgreSQL at 0017)."""
    bind = s.get_bind()
    if bind.dialect.name == "postgresql":  # migration 0017; a TEMP ``risk`` (a past moment, core.history) needs
        # the TEMP views of the tallies that core.history makes beside it
        return bool(s.connection().exec_driver_sql(
            "SELECT to_regclass(%(t)s) IS NOT NULL AND (SELECT relpersistence FROM pg_class WHERE oid = "
            "to_regclass('risk')) IS NOT DISTINCT FROM (SELECT relpersistence FROM pg_class WHERE oid = "
            "to_regclass(%(t)s))", {"t": EXPIRY}).scalar())
    if bind.dialect.name != "sqlite":
        return False
    conn = s.connection()
    if conn.exec_driver_sql("SELECT 1 FROM sqlite_temp_master WHERE name = 'risk'").first() is not None:
        # the register as of a past moment (core.history): its tallies are TEMP views of that moment
        return conn.exec_driver_sql(
            "SELECT 1 FROM sqlite_temp_master WHERE type = 'view' AND name = ?", (EXPIRY,)).first() is not None
    return conn.exec_driver_sql(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (EXPIRY,)).first() is not None


def _in(name: str, values: Iterable[str]) -> tuple[str, dict]:
    vals = list(values)
    params = {f"{name}{i}": v for i, v in enumerate(vals)}
    return ", ".join(f":{p}" for p in params), params


def heat_map(s: Session, residual: bool, statuses: Iterable[str]) -> dict[tuple[int, int], int] | None:
    """Risks per cell among ``statuses``, awaiting assessment left out (their scores are placeholders)."""
    if not present(s):
        return None
    axis = "residual" if residual else "inherent"
    marks, params = _in("st", statuses)
    rows = s.connection().execute(text(
        f"SELECT {axis}_likelihood, {axis}_impact, sum(n) FROM {CELLS} "
        f"WHERE status IN ({marks}) AND awaiting = 0 GROUP BY 1, 2 HAVING sum(n) > 0"), params)
    return {(int(l_), int(i_)): int(n) for l_, i_, n in rows}


def risk_count(s: Session) -> int | None:
    """Every risk of the register (withdrawn included, as ``count(risk)``)."""
    if not present(s):
        return None
    return int(s.connection().exec_driver_sql(f"SELECT coalesce(sum(n), 0) FROM {CELLS}").scalar() or 0)


def count_statuses(s: Session, statuses: Iterable[str]) -> int | None:
    """Risks with one of ``statuses`` (awaiting assessment included)."""
    if not present(s):
        return None
    marks, params = _in("st", statuses)
    return int(s.connection().execute(text(
        f"SELECT coalesce(sum(n), 0) FROM {CELLS} WHERE status IN ({marks})"), params).scalar() or 0)


def live_due(s: Session, *, before: date | None = None, start: date | None = None, end: date | None = None,
             owner: str | None = None) -> int | None:
    """Live risks (neither closed nor withdrawn) by next review: ``before`` a day
    (overdue), or from ``start`` to ``end`` both included (due soon); of ``owner``
    when given; with neither ``before`` nor ``start``, all of them."""
    if not present(s):
        return None
    marks, params = _in("st", LIVE_EXCLUDED)
    where = [f"status NOT IN ({marks})"]
    if before is not None:
        where.append("next_review != '' AND next_review < :before")
        params["before"] = before.isoformat()
    if start is not None and end is not None:
        where.append("next_review != '' AND next_review >= :start AND next_review <= :end")
        params.update(start=start.isoformat(), end=end.isoformat())
    if owner is not None:
        where.append("owner = :owner")
        params["owner"] = owner
    return int(s.connection().execute(text(
        f"SELECT coalesce(sum(n), 0) FROM {DUE} WHERE {' AND '.join(where)}"), params).scalar() or 0)


def due_soon_window(today: date, soon_days: int) -> tuple[date, date]:
    """rules.due_soon's range: today to ``soon_days`` ahead, both included."""
    return today, today + timedelta(days=soon_days)


def unaccepted(s: Session, appetite: int, today: date) -> int | None:
    """checks.unaccepted_above_appetite, counted: live risks whose residual score is
    above ``appetite`` and whose current acceptance does not cover them on ``today``."""
    if not present(s):
        return None
    marks, params = _in("st", LIVE_EXCLUDED)
    params.update(appetite=appetite, today=today.isoformat())
    return int(s.connection().execute(text(
        f"SELECT coalesce(sum(n), 0) FROM {COVER} WHERE status NOT IN ({marks}) AND residual_score > :appetite "
        "AND (cover = '' OR cover < :today)"), params).scalar() or 0)


def live_due_by_owner(s: Session, today: date, until: date, owner: str | None = None,
                      since: date | None = None, *, expiry: bool = False) -> dict[str, tuple[int, int]] | None:
    """reminders' counts: {owner: (overdue, due by ``until``)} among live risks with a
    next review (``expiry``: a current acceptance that expires) up to ``until`` (and
    from ``since``), of ``owner`` when given."""
    if not present(s):
        return None
    table, day = (EXPIRY, "expires_on") if expiry else (DUE, "next_review")
    marks, params = _in("st", LIVE_EXCLUDED)
    where = [f"status NOT IN ({marks})", f"{day} != ''", f"{day} <= :until"]
    params.update(today=today.isoformat(), until=until.isoformat())
    if since is not None:
        where.append(f"{day} >= :since")
        params["since"] = since.isoformat()
    if owner is not None:
        where.append("owner = :owner")
        params["owner"] = owner
    rows = s.connection().execute(text(
        f"SELECT owner, sum(CASE WHEN {day} < :today THEN n ELSE 0 END), sum(n) FROM {table} "
        f"WHERE {' AND '.join(where)} GROUP BY owner HAVING sum(n) > 0"), params)
    return {o: (int(late), int(n) - int(late)) for o, late, n in rows}
