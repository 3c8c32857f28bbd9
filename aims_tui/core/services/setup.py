"""Creating and upgrading a database: settings, Annex A, the first admin."""

from __future__ import annotations

from typing import Any

from sqlmodel import Session, select

from .. import audit
from ..db import Database
from ..identity import ADMIN, require
from ..models import User
from ..fields import F
from ._base import clean
from .controls import load_annex_a
from .settings import ensure_settings
from .users import bootstrap_admin
from ..models import Settings


def is_initialized(db: Database) -> bool:
    with db.read() as s:
        return s.get(Settings, 1) is not None and s.exec(select(User.id).limit(1)).first() is not None


def initialize(db: Database, login: str, organization: str = "") -> dict[str, Any]:
    """Idempotent: settings row, Annex A controls, the caller as first admin.

    On a database that already has users, only an admin may run it (it then
    loads any missing Annex A controls and may rename the organization).
    """

    def tx(s: Session) -> dict:
        first = bootstrap_admin(s, login)
        if not first:
            require(s, login, ADMIN, "initializing the database")
        org = clean({"org": F("text", max_len=200)}, {"org": organization}, partial=True)["org"]
        row = ensure_settings(s, org)
        if org and row.organization != org:
            old = row.organization
            row.organization = org
            s.add(row)
            s.flush()
            audit.record(s, login, "settings", "settings", "update", {"organization": [old, org]})
        added = load_annex_a(s, login)
        return {"first_admin": first, "controls_added": added, "organization": row.organization,
                "admin": login if first else None}

    return db.transact(tx)


