"""risk search (FTS5) and paging indexes

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-29 19:10:00

- ``risk_fts``: an FTS5 external-content table over risk title, description and
  ref (``tokenize='unicode61 remove_diacritics 2'``: case and accents folded
  for every script SQLite knows), kept in step by three triggers. Created only
  on SQLite, and only when the SQLite library has FTS5; without it search falls
  back to LIKE (see ``aims_tui.core.search``).
- Indexes so that every filter and sort of the register is read through an
  index at a million risks (checked with EXPLAIN QUERY PLAN, see
  tests/perf/test_query_plans.py).
"""
from typing import Sequence, Union

from alembic import op
import sqlmodel  # noqa: F401


revision: str = '0004'
down_revision: Union[str, None] = '0003'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

# (name, columns): extra indexes on risk for filter + sort combinations.
INDEXES = [
    # "active" (status != 'closed') with the default sort, and counts per status
    ("ix_risk_status_title", ["status", "title_fold", "ref_num"]),
    ("ix_risk_status_next_review", ["status", "next_review", "ref_num"]),
    ("ix_risk_status_residual", ["status", "residual_score", "ref_num"]),
    # the heat maps of active risks, counted from the index alone
    ("ix_risk_status_residual_cell", ["status", "residual_likelihood", "residual_impact"]),
    ("ix_risk_status_inherent_cell", ["status", "inherent_likelihood", "inherent_impact"]),
]

FTS_TRIGGERS = {
    "risk_fts_ai": """
        CREATE TRIGGER risk_fts_ai AFTER INSERT ON risk BEGIN
            INSERT INTO risk_fts(rowid, title, description, ref)
            VALUES (new.id, new.title, new.description, new.ref);
        END""",
    "risk_fts_ad": """
        CREATE TRIGGER risk_fts_ad AFTER DELETE ON risk BEGIN
            INSERT INTO risk_fts(risk_fts, rowid, title, description, ref)
            VALUES ('delete', old.id, old.title, old.description, old.ref);
        END""",
    "risk_fts_au": """
        CREATE TRIGGER risk_fts_au AFTER UPDATE OF title, description, ref ON risk BEGIN
            INSERT INTO risk_fts(risk_fts, rowid, title, description, ref)
            VALUES ('delete', old.id, old.title, old.description, old.ref);
            INSERT INTO risk_fts(rowid, title, description, ref)
            VALUES (new.id, new.title, new.description, new.ref);
        END""",
}

FTS_TABLE = """
    CREATE VIRTUAL TABLE risk_fts USING fts5(
        title, description, ref,
        content='risk', content_rowid='id',
        tokenize='unicode61 remove_diacritics 2',
        prefix='1 2 3'
    )"""


def _has_fts5(bind) -> bool:
    """Probe: a library built without FTS5 refuses the module."""
    try:
        bind.exec_driver_sql("CREATE VIRTUAL TABLE temp.aims_fts5_probe USING fts5(x)")
    except Exception:
        return False
    bind.exec_driver_sql("DROP TABLE temp.aims_fts5_probe")
    return True


def upgrade() -> None:
    bind = op.get_bind()
    with op.batch_alter_table('risk', schema=None) as batch_op:
        for name, cols in INDEXES:
            batch_op.create_index(name, cols, unique=False)
    if bind.dialect.name != "sqlite" or not _has_fts5(bind):
        return
    bind.exec_driver_sql(FTS_TABLE)
    for sql in FTS_TRIGGERS.values():
        bind.exec_driver_sql(sql)
    # Index the risks that already exist.
    bind.exec_driver_sql("INSERT INTO risk_fts(risk_fts) VALUES ('rebuild')")


def downgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "sqlite":
        for name in FTS_TRIGGERS:
            bind.exec_driver_sql(f"DROP TRIGGER IF EXISTS {name}")
        bind.exec_driver_sql("DROP TABLE IF EXISTS risk_fts")
    with op.batch_alter_table('risk', schema=None) as batch_op:
        for name, _cols in reversed(INDEXES):
            batch_op.drop_index(name)
