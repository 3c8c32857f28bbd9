"""risk criteria, opportunities, SoA and treatment plans (issue 16: 6.1.1, 6.1.3, 8.3)

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-01 22:00:00

- ``opportunity`` (6.1.1): a new table, a kind of core/catalog.
- ``control.description``: what an organization's own control asks.
- ``risk.plan_approved_by``, ``plan_approved_at``, ``plan_changed_at``: treatment plan approval (6.1.3).
- ``treatment.effectiveness``, ``effectiveness_note``: whether a done treatment worked (8.3).

Every added column is nullable with no default, so existing rows keep NULL there and
their register seals (which leave NULL columns out) stay valid.
"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


revision: str = '0009'
down_revision: Union[str, None] = '0008'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table(
        'opportunity',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('ref', sa.String(length=32), nullable=False),
        sa.Column('title', sa.String(length=300), nullable=False),
        sa.Column('description', sa.Text(), server_default='', nullable=False),
        sa.Column('expected_benefit', sa.Text(), server_default='', nullable=False),
        sa.Column('owner', sa.String(length=64), nullable=False),
        sa.Column('status', sa.String(length=16), nullable=False),
        sa.Column('due_date', sa.Date(), nullable=True),
        sa.Column('system_id', sa.Integer(), nullable=True),
        sa.Column('review_cadence', sa.String(length=200), nullable=False),
        sa.Column('next_review', sa.Date(), nullable=True),
        sa.Column('last_reviewed', sa.Date(), nullable=True),
        sa.Column('created_by', sa.String(length=64), nullable=False),
        sa.Column('updated_at', sa.DateTime(), nullable=False),
        sa.Column('version', sa.Integer(), server_default='1', nullable=False),
        sa.ForeignKeyConstraint(['system_id'], ['ai_system.id'], ),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_opportunity_ref', 'opportunity', ['ref'], unique=True)
    op.create_index('ix_opportunity_owner', 'opportunity', ['owner'], unique=False)
    op.create_index('ix_opportunity_status', 'opportunity', ['status'], unique=False)
    op.create_index('ix_opportunity_due_date', 'opportunity', ['due_date'], unique=False)
    op.create_index('ix_opportunity_system_id', 'opportunity', ['system_id'], unique=False)
    op.create_index('ix_opportunity_next_review', 'opportunity', ['next_review'], unique=False)
    op.add_column('control', sa.Column('description', sa.Text(), nullable=True))
    op.add_column('risk', sa.Column('plan_approved_by', sa.String(length=64), nullable=True))
    op.add_column('risk', sa.Column('plan_approved_at', sa.DateTime(), nullable=True))
    op.add_column('risk', sa.Column('plan_changed_at', sa.DateTime(), nullable=True))
    op.add_column('treatment', sa.Column('effectiveness', sa.String(length=16), nullable=True))
    op.add_column('treatment', sa.Column('effectiveness_note', sa.Text(), nullable=True))


def downgrade() -> None:
    # Not a batch (copy and rename) on SQLite: risk has generated columns and FTS triggers
    # that a copy would break (see 0005). SQLite 3.35+ drops a plain column in place.
    bind = op.get_bind()
    for table, column in (('treatment', 'effectiveness_note'), ('treatment', 'effectiveness'),
                          ('risk', 'plan_changed_at'), ('risk', 'plan_approved_at'), ('risk', 'plan_approved_by'),
                          ('control', 'description')):
        bind.exec_driver_sql(f'ALTER TABLE {table} DROP COLUMN {column}')
    op.drop_table('opportunity')
