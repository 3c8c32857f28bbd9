"""register seal: audit_seal, audit_tally, audit_event.seal

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01 19:00:00

- ``audit_seal``: one row per record an audit event's transaction changed: the
  record's kind (table), key, ref and a digest of the row as it was left ('' when
  deleted). ``audit_event.seal`` (covered by the event hash) digests the seal rows
  of that event, so ``aims audit verify`` proves the register as well as the trail.
- ``audit_tally``: how many records of each kind the trail says exist (the quick
  check the app runs at start compares it with ``count(*)``).
- On a database that already holds records, one audit event (entity ``register``,
  action ``seal``) records the state at upgrade time as the baseline (the seals
  of events before it are not checked).
- Downgrading keeps ``audit_event.seal`` (events are hashed with it).

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa
import sqlmodel


revision: str = '0006'
down_revision: Union[str, None] = '0005'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    if not any(c["name"] == "seal" for c in sa.inspect(op.get_bind()).get_columns("audit_event")):
        op.add_column('audit_event', sa.Column('seal', sqlmodel.sql.sqltypes.AutoString(length=64),
                                               nullable=True))
    op.create_table('audit_seal',
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('key', sa.BigInteger(), autoincrement=False, nullable=False),
    sa.Column('event_id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('ref', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('digest', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.PrimaryKeyConstraint('kind', 'key', 'event_id'),
    sqlite_with_rowid=False,
    )
    op.create_index('ix_audit_seal_event', 'audit_seal', ['event_id'], unique=False)
    op.create_table('audit_tally',
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('live', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('kind'),
    )
    bind = op.get_bind()
    if bind.dialect.name == "sqlite":
        from aims_tui.core import audit

        audit.seal_baseline(bind)


def downgrade() -> None:
    # audit_event.seal stays: the events that carry one are hashed with it, and
    # dropping it would make them fail verification. Upgrading again seals the
    # register afresh (a new baseline event).
    op.drop_table('audit_tally')
    op.drop_index('ix_audit_seal_event', table_name='audit_seal')
    op.drop_table('audit_seal')
