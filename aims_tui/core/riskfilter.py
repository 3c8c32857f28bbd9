"""The register's filter: a plain value, importable without the ORM (the app's first
screens hold one before the ORM is loaded; core.queries reads it)."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from typing import Any


@dataclass(frozen=True)
class RiskFilter:
    system: str | None = None  # AI system ref; "-" for organization-wide risks
    owner: str | None = None
    level: str | None = None  # residual level name
    inherent_level: str | None = None
    status: str | None = None  # a status, or "active" for everything not closed
    category: str | None = None
    overdue: bool = False
    search: str = ""
    inherent_cell: tuple[int, int] | None = None  # (likelihood, impact)
    residual_cell: tuple[int, int] | None = None
    today: date | None = None

    def with_(self, **kw: Any) -> "RiskFilter":
        return replace(self, **kw)
