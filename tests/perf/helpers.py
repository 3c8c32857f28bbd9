"""Shared pieces of the paging and search tests: random registers written in
bulk, and the order a full query defines."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from typing import Any, Iterable

from sqlmodel import delete, select

from aims_tui.core import audit, queries
from aims_tui.core.models import AISystem, Risk, RiskControl
from aims_tui.core.services.demo import RISK_COLS, _bulk_insert

NOW = datetime(2026, 6, 15, 9, tzinfo=timezone.utc)
TODAY = date(2026, 6, 15)


def replace_register(db, risks: Iterable[dict[str, Any]]) -> None:
    """Delete every risk and write ``risks`` (plain dicts) in one transaction,
    bypassing the services (as the demo loader does): tests need hundreds of
    registers, the services would take seconds for each."""
    def tx(s):
        s.exec(delete(RiskControl))
        s.exec(delete(Risk))
        rows = []
        for n, r in enumerate(risks, start=1):
            title = r.get("title", f"Risk {n}")
            rows.append((f"R-{n:04d}", n, r.get("system_id"), title, title.casefold(), r.get("description", ""),
                         r.get("category", ""), "", r.get("owner", "eve"), r.get("il", 1), r.get("ii", 1),
                         r.get("rl", 1), r.get("ri", 1), "mitigate", r.get("status", "open"), "",
                         r.get("next_review"), None, NOW, NOW, None, 1, None, None))
        _bulk_insert(s, Risk, RISK_COLS, rows)
        if s.connection().dialect.name == "postgresql":  # the server takes a change only with its event (0017)
            audit.record(s, "tests", "risk", "", "replace_register", {"risks": len(rows)})
    db.transact(tx)


def system_ids(db) -> dict[str, int]:
    with db.read() as s:
        return dict(s.exec(select(AISystem.ref, AISystem.id)).all())


def expected_refs(db, f: queries.RiskFilter, sort: str, descending: bool) -> list[str]:
    """The equivalent full query: every matching row (one plain SELECT with the
    filter), put in order here, in Python, by the documented rules: sort value,
    then ref_num; NULL next reviews after every date and NULL systems before
    every system (ascending); descending reverses the whole order."""
    with db.read() as s:
        from aims_tui.core.scoring import Matrix
        from aims_tui.core.records import settings_row
        m = Matrix.from_dict(settings_row(s).matrix)
        rows = [(queries._sort_value(r, sort), r.ref_num, r.ref)
                for r in s.exec(select(Risk).where(*queries._where(s, m, f)))]

    def key(row):
        v, num, _ref = row
        nulls = queries.NULLS_IN_ASCENDING.get(sort)
        if nulls is None:
            return (0, v, num)
        if v is None:
            return (0 if nulls == "first" else 2, 0, num)
        return (1, v, num)

    rows.sort(key=key, reverse=descending)
    return [row[2] for row in rows]


def page_forward(db, f, sort, descending, limit) -> list[str]:
    seen: list[str] = []
    after = None
    for _ in range(10_000):
        page = queries.risk_page(db, f, sort=sort, descending=descending, after=after, limit=limit)
        seen.extend(r["ref"] for r in page.rows)
        if not page.has_more:
            return seen
        assert page.rows, "has_more with an empty page"
        after = page.last_key
    raise AssertionError("paging did not end")


def page_backward(db, f, sort, descending, limit) -> list[str]:
    pages: list[list[str]] = []
    page = queries.risk_page(db, f, sort=sort, descending=descending, from_end=True, limit=limit)
    for _ in range(10_000):
        pages.append([r["ref"] for r in page.rows])
        if not page.has_more:
            return [ref for p in reversed(pages) for ref in p]
        assert page.rows, "has_more with an empty page"
        page = queries.risk_page(db, f, sort=sort, descending=descending, before=page.first_key, limit=limit)
    raise AssertionError("paging did not end")


def days(n: int) -> date:
    return TODAY + timedelta(days=n)
