"""PostgreSQL: the risk search index (in place of SQLite's FTS5)

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-02 01:00:00

PostgreSQL only (nothing on SQLite, where 0004 made the FTS5 index):

- ``aims_fold(text)``: the text folded as aims' search folds it (``core/search.py``:
  Latin accents taken off by a table made from ``search.fold_table()``, lower case,
  every run of non-word characters one space, a space at each end).
- ``risk.search_tsv``: a stored generated ``tsvector`` of the folded title (weight A),
  description (B) and ref (C) with the ``simple`` configuration (no stemming, no stop
  words: each folded word is one lexeme), kept by PostgreSQL on every write, whoever
  makes it; ``ix_risk_search``: a GIN index over it. (Stored, not an expression index:
  checking a candidate row's weights then reads the stored vector instead of folding
  the row's text again, ~30x faster for a one-letter search at 100,000 risks.) A search phrase is a ``<->`` chain of its
  words within one column (the weight), the last word a prefix (``:*``): the same rows
  as FTS5's ``"w1 w2" "w3"*`` on the same data. The column's expression is
  ``search.PG_TSVECTOR``.

Folding non-Latin scripts (lower case, which characters are letters) follows the
database's character type: create the database with a UTF-8 locale (e.g. C.UTF-8).
"""
from typing import Sequence, Union

from alembic import op

from aims_tui.core.search import PG_FOLD_FUNCTION, PG_TSVECTOR


revision: str = '0016'
down_revision: Union[str, None] = '0015'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return
    bind.exec_driver_sql(PG_FOLD_FUNCTION())
    bind.exec_driver_sql(f"ALTER TABLE risk ADD COLUMN search_tsv tsvector GENERATED ALWAYS AS ({PG_TSVECTOR}) STORED")
    bind.exec_driver_sql("CREATE INDEX ix_risk_search ON risk USING gin (search_tsv)")


def downgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return
    bind.exec_driver_sql("DROP INDEX IF EXISTS ix_risk_search")
    bind.exec_driver_sql("ALTER TABLE risk DROP COLUMN IF EXISTS search_tsv")
    bind.exec_driver_sql("DROP FUNCTION IF EXISTS aims_fold(text)")
