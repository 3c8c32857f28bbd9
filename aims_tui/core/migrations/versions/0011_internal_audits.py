"""internal audits and corrective actions (issue 16, clauses 9.2 and 10.2)

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-01 22:00:00

Three new tables: ``audit_programme`` (9.2: the programme of a period, its
approval), ``internal_audit`` (one audit: scope, criteria, area, auditor,
results) and ``corrective_action`` (10.2: owner, due date, done, effectiveness
reviewed). ``nonconformity`` gains ``internal_audit_id`` (the audit that raised
it as a finding; nullable, so existing rows need nothing) and an index on
``due_date`` (nonconformities are now reminders).
"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


revision: str = '0011'
down_revision: Union[str, None] = '0010'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table(
        'audit_programme',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('ref', sa.String(length=32), nullable=False),
        sa.Column('title', sa.String(length=300), nullable=False),
        sa.Column('period', sa.String(length=32), nullable=False),
        sa.Column('scope', sa.Text(), server_default='', nullable=False),
        sa.Column('criteria', sa.Text(), server_default='', nullable=False),
        sa.Column('owner', sa.String(length=64), nullable=False),
        sa.Column('status', sa.String(length=16), nullable=False),
        sa.Column('approved_by', sa.String(length=64), nullable=False),
        sa.Column('approved_on', sa.Date(), nullable=True),
        sa.Column('review_cadence', sa.String(length=200), nullable=False),
        sa.Column('next_review', sa.Date(), nullable=True),
        sa.Column('last_reviewed', sa.Date(), nullable=True),
        sa.Column('created_by', sa.String(length=64), nullable=False),
        sa.Column('updated_at', sa.DateTime(), nullable=False),
        sa.Column('version', sa.Integer(), server_default='1', nullable=False),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_audit_programme_ref', 'audit_programme', ['ref'], unique=True)
    op.create_index('ix_audit_programme_owner', 'audit_programme', ['owner'], unique=False)
    op.create_index('ix_audit_programme_status', 'audit_programme', ['status'], unique=False)
    op.create_index('ix_audit_programme_next_review', 'audit_programme', ['next_review'], unique=False)

    op.create_table(
        'internal_audit',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('ref', sa.String(length=32), nullable=False),
        sa.Column('programme_id', sa.Integer(), nullable=True),
        sa.Column('title', sa.String(length=300), nullable=False),
        sa.Column('scope', sa.Text(), server_default='', nullable=False),
        sa.Column('criteria', sa.Text(), server_default='', nullable=False),
        sa.Column('area', sa.String(length=200), nullable=False),
        sa.Column('area_owner', sa.String(length=64), nullable=False),
        sa.Column('auditor', sa.String(length=64), nullable=False),
        sa.Column('planned_on', sa.Date(), nullable=True),
        sa.Column('held_on', sa.Date(), nullable=True),
        sa.Column('status', sa.String(length=16), nullable=False),
        sa.Column('result', sa.Text(), server_default='', nullable=False),
        sa.Column('conclusion', sa.String(length=300), nullable=False),
        sa.Column('created_by', sa.String(length=64), nullable=False),
        sa.Column('updated_at', sa.DateTime(), nullable=False),
        sa.Column('version', sa.Integer(), server_default='1', nullable=False),
        sa.ForeignKeyConstraint(['programme_id'], ['audit_programme.id']),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_internal_audit_ref', 'internal_audit', ['ref'], unique=True)
    op.create_index('ix_internal_audit_programme_id', 'internal_audit', ['programme_id'], unique=False)
    op.create_index('ix_internal_audit_auditor', 'internal_audit', ['auditor'], unique=False)
    op.create_index('ix_internal_audit_planned_on', 'internal_audit', ['planned_on'], unique=False)
    op.create_index('ix_internal_audit_status', 'internal_audit', ['status'], unique=False)

    op.create_table(
        'corrective_action',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('ref', sa.String(length=32), nullable=False),
        sa.Column('nonconformity_id', sa.Integer(), nullable=True),
        sa.Column('action', sa.Text(), server_default='', nullable=False),
        sa.Column('owner', sa.String(length=64), nullable=False),
        sa.Column('due_date', sa.Date(), nullable=True),
        sa.Column('status', sa.String(length=16), nullable=False),
        sa.Column('done_on', sa.Date(), nullable=True),
        sa.Column('effectiveness_review_due', sa.Date(), nullable=True),
        sa.Column('effectiveness_reviewed_on', sa.Date(), nullable=True),
        sa.Column('effective', sa.Boolean(), nullable=True),
        sa.Column('effectiveness_note', sa.Text(), server_default='', nullable=False),
        sa.Column('created_by', sa.String(length=64), nullable=False),
        sa.Column('updated_at', sa.DateTime(), nullable=False),
        sa.Column('version', sa.Integer(), server_default='1', nullable=False),
        sa.ForeignKeyConstraint(['nonconformity_id'], ['nonconformity.id']),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_corrective_action_ref', 'corrective_action', ['ref'], unique=True)
    op.create_index('ix_corrective_action_nonconformity_id', 'corrective_action', ['nonconformity_id'], unique=False)
    op.create_index('ix_corrective_action_owner', 'corrective_action', ['owner'], unique=False)
    op.create_index('ix_corrective_action_due_date', 'corrective_action', ['due_date'], unique=False)
    op.create_index('ix_corrective_action_status', 'corrective_action', ['status'], unique=False)
    op.create_index('ix_corrective_action_effectiveness_review_due', 'corrective_action',
                    ['effectiveness_review_due'], unique=False)

    # a plain ADD COLUMN (nullable, no constraint): the table is not rebuilt
    op.add_column('nonconformity', sa.Column('internal_audit_id', sa.Integer(), nullable=True))
    op.create_index('ix_nonconformity_internal_audit_id', 'nonconformity', ['internal_audit_id'], unique=False)
    op.create_index('ix_nonconformity_due_date', 'nonconformity', ['due_date'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_nonconformity_due_date', table_name='nonconformity')
    op.drop_index('ix_nonconformity_internal_audit_id', table_name='nonconformity')
    with op.batch_alter_table('nonconformity') as batch:
        batch.drop_column('internal_audit_id')
    op.drop_table('corrective_action')
    op.drop_table('internal_audit')
    op.drop_table('audit_programme')
