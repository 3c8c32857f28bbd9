"""evidence (issue 17): files and pages an auditor can sample, linked to any record

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-01 22:00:00

``evidence``: a path or URL, what it shows, who captured it and when, the
SHA-256 and size of the file (for paths), a review cadence, and the ref and
kind of the record it supports. A new table; nothing else changes.
"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


revision: str = '0013'
down_revision: Union[str, None] = '0012'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table(
        'evidence',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('ref', sa.String(length=32), nullable=False),
        sa.Column('title', sa.String(length=300), nullable=False),
        sa.Column('location', sa.Text(), server_default='', nullable=False),
        sa.Column('shows', sa.Text(), server_default='', nullable=False),
        sa.Column('for_ref', sa.String(length=64), nullable=False),
        sa.Column('for_kind', sa.String(length=32), nullable=False),
        sa.Column('captured_by', sa.String(length=64), nullable=False),
        sa.Column('captured_on', sa.Date(), nullable=True),
        sa.Column('sha256', sa.String(length=64), nullable=False),
        sa.Column('size', sa.BigInteger(), nullable=True),
        sa.Column('status', sa.String(length=16), nullable=False),
        sa.Column('review_cadence', sa.String(length=200), nullable=False),
        sa.Column('next_review', sa.Date(), nullable=True),
        sa.Column('last_reviewed', sa.Date(), nullable=True),
        sa.Column('created_by', sa.String(length=64), nullable=False),
        sa.Column('updated_at', sa.DateTime(), nullable=False),
        sa.Column('version', sa.Integer(), server_default='1', nullable=False),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_evidence_ref', 'evidence', ['ref'], unique=True)
    op.create_index('ix_evidence_for', 'evidence', ['for_kind', 'for_ref'], unique=False)
    op.create_index('ix_evidence_captured_by', 'evidence', ['captured_by'], unique=False)
    op.create_index('ix_evidence_status', 'evidence', ['status'], unique=False)
    op.create_index('ix_evidence_next_review', 'evidence', ['next_review'], unique=False)


def downgrade() -> None:
    op.drop_table('evidence')
