"""PostgreSQL: the risk search index (in place of SQLite's FTS5)

Revision ID: 0016
Revises: 0014
Create Date: 2026-12-02 01:00:00

PostgreSQL only (nothing on SQLite, where 0004 made the FTS5 index):

- ``aims_fold(text)``: the text folded as aims' search folds it (``core/search.py``:
  Latin accents taken off by a table made from ``search.fold_table()``, lower case,
  every run of non-word characters one space, a space at each end).
- ``ix_risk_search``: a GIN index over a ``tsvector`` of the folded title (weight A),
  description (B) and ref (C) with the ``simple`` configuration (no stemming, no stop
  words: each folded word is one lexeme). A search phrase is a ``<->`` chain of its
  words within one column (the weight), the last word a prefix (``:*``): the same rows
  as FTS5's ``"w1 w2" "w3"*`` on the same data. The index expression is
  ``search.PG_TSVECTOR``; a query must use exactly it for the index to be used.

Folding non-Latin scripts (lower case, which characters are letters) follows the
database's character type: create the database with a UTF-8 locale (e.g. C.UTF-8).
"""
from typing import Sequence, Union

from alembic import op

from aims_tui.core.search import PG_FOLD_FUNCTION, PG_TSVECTOR


revision: str = '0016'
down_revision: Union[str, None] = '0014'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return
    bind.exec_driver_sql(PG_FOLD_FUNCTION())
    bind.exec_driver_sql(f"CREATE INDEX ix_risk_search ON risk USING gin (({PG_TSVECTOR}))")


def downgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return
    bind.exec_driver_sql("DROP INDEX IF EXISTS ix_risk_search")
    bind.exec_driver_sql("DROP FUNCTION IF EXISTS aims_fold(text)")
