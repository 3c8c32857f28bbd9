"""The scope of the AIMS (4.3): one text of the settings, set by an admin, audited."""

from __future__ import annotations

from typing import Any

from sqlmodel import Session

from .. import audit
from ..db import Database
from ..fields import F
from ..identity import ADMIN, require
from ..records import settings_row
from ._base import apply, check_version, clean
from .settings import ensure_settings

SPEC = {"scope": F("longtext", label="AIMS scope")}
ENTITY, REF = "settings", "scope"  # its events: entity "settings", ref "scope"


def get_scope(db: Database) -> dict[str, Any]:
    """The scope text and the settings version it was read at."""
    with db.read() as s:
        row = settings_row(s)
        return {"scope": row.scope or "", "version": row.version}


def set_scope(db: Database, actor: str, text: str, expect_version: int | None = None) -> dict[str, Any]:
    """Write the scope (admins only); one audit event with the old and new text, none when unchanged."""

    def tx(s: Session) -> dict[str, Any]:
        require(s, actor, ADMIN, "setting the AIMS scope")
        values = clean(SPEC, {"scope": text}, partial=False)
        row = ensure_settings(s)
        check_version(row, expect_version, "settings", "scope")
        diff = apply(row, {"scope": (values.get("scope") or "").strip()})
        if diff:
            s.add(row)
            s.flush()
            audit.record(s, actor, ENTITY, REF, "update", diff)
        return {"scope": row.scope or "", "version": row.version, "changed": bool(diff)}

    return db.transact(tx)
