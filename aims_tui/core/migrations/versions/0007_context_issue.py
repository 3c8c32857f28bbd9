"""context issues (issue 16): the first record of clauses 4 to 10

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-01 22:10:00

``context_issue`` (4.1): internal and external issues, each with an owner,
status and review cadence. A new table; nothing else changes.
"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


revision: str = '0007'
down_revision: Union[str, None] = '0006'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table(
        'context_issue',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('ref', sa.String(length=32), nullable=False),
        sa.Column('title', sa.String(length=300), nullable=False),
        sa.Column('kind', sa.String(length=16), nullable=False),
        sa.Column('description', sa.Text(), server_default='', nullable=False),
        sa.Column('effect', sa.Text(), server_default='', nullable=False),
        sa.Column('owner', sa.String(length=64), nullable=False),
        sa.Column('status', sa.String(length=16), nullable=False),
        sa.Column('raised_on', sa.Date(), nullable=True),
        sa.Column('review_cadence', sa.String(length=200), nullable=False),
        sa.Column('next_review', sa.Date(), nullable=True),
        sa.Column('last_reviewed', sa.Date(), nullable=True),
        sa.Column('created_by', sa.String(length=64), nullable=False),
        sa.Column('updated_at', sa.DateTime(), nullable=False),
        sa.Column('version', sa.Integer(), server_default='1', nullable=False),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_context_issue_ref', 'context_issue', ['ref'], unique=True)
    op.create_index('ix_context_issue_owner', 'context_issue', ['owner'], unique=False)
    op.create_index('ix_context_issue_status', 'context_issue', ['status'], unique=False)
    op.create_index('ix_context_issue_next_review', 'context_issue', ['next_review'], unique=False)


def downgrade() -> None:
    op.drop_table('context_issue')
