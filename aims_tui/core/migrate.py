"""Alembic, driven from code: upgrade on open, current revision, head."""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import TYPE_CHECKING

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

from .errors import DatabaseError

if TYPE_CHECKING:  # the database is only handed in; importing db here would make a circle
    from .db import Database

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def include_name(name: str | None, type_: str, parent_names: dict) -> bool:
    """Autogenerate and model comparisons skip the risk search index (FTS5
    virtual table and its shadow tables, made by migration 0002 by hand) and the
    risk tallies (kept by triggers, migration 0014; core/tally.py)."""
    return not (type_ == "table" and name is not None and name.startswith(("risk_fts", "risk_tally")))


def alembic_config(database: Database) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.set_main_option("sqlalchemy.url", database.url.replace("%", "%%"))
    return cfg


def head_revision() -> str:
    script = ScriptDirectory(str(MIGRATIONS))
    return script.get_current_head() or ""


def current_revision(database: Database) -> str | None:
    with database.engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def is_known(revision: str | None) -> bool:
    """False for a revision made by a newer aims (this one cannot upgrade or read it safely)."""
    if revision is None:
        return True
    try:
        return ScriptDirectory(str(MIGRATIONS)).get_revision(revision) is not None
    except Exception:  # alembic raises ResolutionError/CommandError for unknown ids
        return False


def newer_message(database: Database, revision: str | None) -> str:
    return (f"{database.where} was made by a newer aims (migration {revision}; this aims "
            f"knows up to {head_revision()}): install the newer aims")


def upgrade_if_needed(database: Database, target: str = "head") -> bool:
    """Upgrade under the write lock; returns True when something was applied."""
    head = head_revision()
    current = current_revision(database)
    if target == "head" and current == head:
        return False
    if not is_known(current):
        raise DatabaseError(newer_message(database, current))
    cfg = alembic_config(database)
    with database.write_engine.connect() as conn:
        with conn.begin():
            # Re-check under the lock: another process may have upgraded first.
            now = MigrationContext.configure(conn).get_current_revision()
            if target == "head" and now == head:
                return False
            cfg.attributes["connection"] = conn
            with warnings.catch_warnings():
                # PostgreSQL before 18: the computed scores of 0001 are STORED, as intended
                warnings.filterwarnings("ignore", message="Computed column .* 'STORED'")
                command.upgrade(cfg, target)
    return True


def downgrade(database: Database, target: str) -> None:
    cfg = alembic_config(database)
    with database.write_engine.connect() as conn:
        with conn.begin():
            cfg.attributes["connection"] = conn
            command.downgrade(cfg, target)
