"""Alembic, driven from code: upgrade on open, current revision, head."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

from .db import Database

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


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


def upgrade_if_needed(database: Database, target: str = "head") -> bool:
    """Upgrade under the write lock; returns True when something was applied."""
    head = head_revision()
    if target == "head" and current_revision(database) == head:
        return False
    cfg = alembic_config(database)
    with database.write_engine.connect() as conn:
        with conn.begin():
            # Re-check under the lock: another process may have upgraded first.
            now = MigrationContext.configure(conn).get_current_revision()
            if target == "head" and now == head:
                return False
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, target)
    return True


def downgrade(database: Database, target: str) -> None:
    cfg = alembic_config(database)
    with database.write_engine.connect() as conn:
        with conn.begin():
            cfg.attributes["connection"] = conn
            command.downgrade(cfg, target)
