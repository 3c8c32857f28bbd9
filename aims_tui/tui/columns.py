"""Table columns shared by several screens: the risk register's and an audit trail's."""

from __future__ import annotations

from typing import Any

from . import render
from .widgets.paged_table import Col


def risk_columns(today_fn) -> list[Col]:
    return [
        Col("ref", "Ref", 6, lambda r: render.lit(r["ref"]), sort="ref"),
        Col("residual", "Residual", 11,
            lambda r: render.level(r["residual_level"], r["residual_colour"], r["residual_score"]), sort="residual"),
        Col("title", "Title", None, lambda r: render.lit(r["title"]), sort="title"),
        Col("system", "System", 7, lambda r: render.lit(r["system_ref"] or "org"), min_total=92, sort="system"),
        Col("owner", "Owner", 8, lambda r: render.lit(r["owner"]), sort="owner"),
        Col("status", "Status", 8, lambda r: render.lit(r["status"]), sort="status"),
        Col("inherent", "Inherent", 11,
            lambda r: render.level(r["inherent_level"], r["inherent_colour"], r["inherent_score"]),
            min_total=112, sort="inherent"),
        Col("category", "Category", 14, lambda r: render.lit(r["category"]), min_total=130, sort="category"),
        Col("next_review", "Review", 10, lambda r: render.due(r["next_review"], r["review_state"], today_fn()),
            sort="next_review"),
    ]


def activity_columns() -> list[Col]:
    """Columns of an audit trail (newest first)."""
    return [
        Col("at", "When", 16, lambda e: render.lit(when_text(e["at"]))),
        Col("actor", "Who", 8, lambda e: render.lit(e["actor"])),
        Col("record", "Record", 12, lambda e: render.lit(e["entity_ref"])),
        Col("action", "Action", 10, lambda e: render.lit(e["action"])),
        Col("changes", "Changes", None, lambda e: render.lit(_changes(e["changes"]))),
    ]


def when_text(at: Any) -> str:
    return at.strftime("%Y-%m-%d %H:%M") if hasattr(at, "strftime") else str(at or "")[:16]


def change_text(k: str, v: Any, set_mark: str = "=") -> str:
    """One field of an audit event's changes: ``k: old -> new``, or ``k=new`` when it was set
    from nothing (``set_mark`` between them). The trail's column and the event dialog use it."""
    if isinstance(v, list) and len(v) == 2:
        old, new = v
        return f"{k}: {old} -> {'' if new is None else new}" if old is not None else f"{k}{set_mark}{new}"
    return f"{k}{set_mark}{v}"


def _changes(changes: dict[str, Any]) -> str:
    return "; ".join(change_text(k, v) for k, v in (changes or {}).items())
