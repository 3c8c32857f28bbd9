"""audit head

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-29 19:10:00

- ``audit_head`` (one row) holds the number of audit events, the newest id and
  its hash. A trigger keeps it on every insert into ``audit_event`` (whatever
  code inserts), so ``aims audit verify`` notices when the newest events were
  deleted, which a hash chain alone cannot show.
- No trigger refuses UPDATE or DELETE on ``audit_event``: aims never does
  either (only ``audit.record`` writes events), whoever can write the file could
  drop such a trigger, and tools and tests that edit history on purpose must be
  able to; ``aims audit verify`` is what finds such an edit.

Note for later migrations: a batch ALTER of ``audit_event`` on SQLite recreates
the table and loses this trigger; recreate it (see ``create_triggers``).
"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa
import sqlmodel


revision: str = '0002'
down_revision: Union[str, None] = '0001'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

SQLITE_TRIGGERS = [
    """CREATE TRIGGER audit_event_head AFTER INSERT ON audit_event
       BEGIN
         UPDATE audit_head SET events = events + 1, last_id = NEW.id, hash = NEW.hash WHERE id = 1;
       END""",
]

POSTGRES_TRIGGERS = [
    """CREATE OR REPLACE FUNCTION aims_audit_head() RETURNS trigger LANGUAGE plpgsql AS $$
       BEGIN
         UPDATE audit_head SET events = events + 1, last_id = NEW.id, hash = NEW.hash WHERE id = 1;
         RETURN NEW;
       END $$""",
    """CREATE TRIGGER audit_event_head AFTER INSERT ON audit_event
       FOR EACH ROW EXECUTE FUNCTION aims_audit_head()""",
]


def create_triggers() -> None:
    dialect = op.get_bind().dialect.name
    for sql in SQLITE_TRIGGERS if dialect == "sqlite" else POSTGRES_TRIGGERS if dialect == "postgresql" else []:
        op.execute(sql)


def upgrade() -> None:
    op.create_table('audit_head',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('events', sa.Integer(), nullable=False),
    sa.Column('last_id', sa.Integer(), nullable=False),
    sa.Column('hash', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    op.execute(
        "INSERT INTO audit_head (id, events, last_id, hash) "
        "SELECT 1, count(*), coalesce(max(id), 0), "
        "coalesce((SELECT hash FROM audit_event ORDER BY id DESC LIMIT 1), '') FROM audit_event"
    )
    create_triggers()


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        op.execute("DROP TRIGGER IF EXISTS audit_event_head")
    elif dialect == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS audit_event_head ON audit_event")
        op.execute("DROP FUNCTION IF EXISTS aims_audit_head()")
    op.drop_table('audit_head')
