"""What the dashboard shows: one record of counts and heat maps, filled by either read
(tui.dash through sqlite3, tui.reads through the ORM), so that neither imports the other."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..core.scoring import Matrix


@dataclass
class Dashboard:
    empty: bool
    organization: str
    matrix: Matrix
    stages: dict[str, int]
    inherent: dict[tuple[int, int], int]
    residual: dict[tuple[int, int], int]
    risks_overdue: int = 0
    risks_due_soon: int = 0
    treatments_overdue: int = 0
    treatments_due_soon: int = 0
    unaccepted: int = 0
    my_risks: int = 0
    my_risks_overdue: int = 0
    my_treatments: int = 0
    my_treatments_overdue: int = 0
    soon_days: int = 14
    extra: dict[str, Any] = field(default_factory=dict)
