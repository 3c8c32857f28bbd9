"""Every filter and sort of the register reads through an index.

The plans are taken from SQLite itself (EXPLAIN QUERY PLAN) for the exact
statements risk_page runs. The database has no statistics (no ANALYZE), as
a real one, so these are the plans it uses at a million rows too; the
benchmark (python -m aims_tui.bench --matrix) times them at that size."""

from __future__ import annotations

import pytest

from aims_tui.core import queries
from aims_tui.core.queries import RiskFilter

from ..plans import query_plans
from .helpers import TODAY, days, replace_register

FILTERS = {
    "none": RiskFilter(), "system": RiskFilter(system="AIS-001"), "org-wide": RiskFilter(system="-"),
    "owner": RiskFilter(owner="alice"), "level": RiskFilter(level="High"),
    "inherent_level": RiskFilter(inherent_level="Critical"), "status": RiskFilter(status="open"),
    "active": RiskFilter(status="active"), "category": RiskFilter(category="privacy"),
    "overdue": RiskFilter(overdue=True, today=TODAY), "residual_cell": RiskFilter(residual_cell=(1, 1)),
    "inherent_cell": RiskFilter(inherent_cell=(5, 5)), "search": RiskFilter(search="prompt inj"),
    "search_short": RiskFilter(search="p"),
}


def _plans(db, fn) -> list[tuple[str, list[str]]]:
    return query_plans(db, fn, lambda st: "FROM risk" in st and "ORDER BY" in st)


@pytest.mark.parametrize("mode", ["walk", "few"])
def test_every_filter_and_sort_reads_the_register_through_an_index(reg_db, monkeypatch, mode):
    """No plan scans the risk table itself: walking the sort index when many
    rows match, searching a filter index (or the matches' ids) when few do."""
    replace_register(reg_db, [dict(title="Prompt injection", next_review=days(-n % 3), owner="alice")
                              for n in range(20)])
    if mode == "walk":
        monkeypatch.setattr(queries, "FEW", -1)
        monkeypatch.setattr(queries, "WALK_BUDGET", 60.0)
        monkeypatch.setattr(queries, "WALK_BUDGET_SEARCH", 60.0)
    bad = []
    for fname, f in FILTERS.items():
        for sort in queries.SORTS:
            for desc in (False, True):
                for end in (False, True):
                    plans = _plans(reg_db, lambda: queries.risk_page(reg_db, f, sort=sort, descending=desc,
                                                                      from_end=end, limit=5))
                    assert plans
                    for _st, plan in plans:
                        risk_steps = [p for p in plan if p.split()[:2] in (["SCAN", "risk"], ["SEARCH", "risk"])]
                        if not risk_steps or any(p == "SCAN risk" for p in risk_steps):
                            bad.append((fname, sort, desc, end, plan))
                        if mode == "walk" and not any(ix in " ".join(risk_steps) for ix in _sort_indexes(sort)):
                            bad.append((fname, sort, desc, end, "not walking the sort index", plan))
    assert not bad, bad[:5]


def _sort_indexes(sort: str) -> tuple[str, ...]:
    return {"ref": ("ix_risk_ref_num",), "title": ("ix_risk_title",), "owner": ("ix_risk_owner_ref",),
            "status": ("ix_risk_status_ref",), "category": ("ix_risk_category_ref",),
            "inherent": ("ix_risk_inherent",), "residual": ("ix_risk_residual",),
            "next_review": ("ix_risk_next_review",), "system": ("ix_risk_system_ref",)}[sort]


def test_the_gate_of_plans_awaiting_approval_counts_them_in_their_own_index(reg_db):
    """``aims check``'s "treatment plan not approved" searched ix_risk_awaiting (awaiting = 0:
    nearly every risk) and read the table for each: 650 ms at 1,000,000 risks. Its count now
    searches the partial index of the plans awaiting approval (migration 0018) and reads
    nothing else."""
    from aims_tui.core.checks import run_checks

    replace_register(reg_db, [dict(title=f"Risk {n}") for n in range(20)])
    plans = query_plans(reg_db, lambda: run_checks(reg_db, today=TODAY),
                        lambda st: "count(" in st and "plan_approved_at" in st)
    assert plans, "the gate's count was not run"
    for statement, lines in plans:
        assert any("USING COVERING INDEX ix_risk_plan_unapproved" in line or "USING INDEX ix_risk_plan_unapproved"
                   in line for line in lines), (statement, lines)
