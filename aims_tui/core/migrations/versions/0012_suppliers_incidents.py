"""suppliers, third-party AI components and incidents (issue 16, A.10 and incidents)

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-01 22:00:00

``supplier`` (A.10.2, A.10.3): a third party with its last assessment and the
next one due; ``ai_component``: a model, data set or API of a supplier used by
an AI system; ``incident``: its own register, linked to an AI system, a risk and
the nonconformity raised from it. New tables; nothing else changes (the free
text "third party" of AI systems and the nonconformities of kind "incident"
stay as data).
"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


revision: str = '0012'
down_revision: Union[str, None] = '0011'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def _tail() -> list:
    return [
        sa.Column('created_by', sa.String(length=64), nullable=False),
        sa.Column('updated_at', sa.DateTime(), nullable=False),
        sa.Column('version', sa.Integer(), server_default='1', nullable=False),
        sa.PrimaryKeyConstraint('id'),
    ]


def upgrade() -> None:
    op.create_table(
        'supplier',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('ref', sa.String(length=32), nullable=False),
        sa.Column('name', sa.String(length=200), nullable=False),
        sa.Column('type', sa.String(length=32), nullable=False),
        sa.Column('provides', sa.Text(), server_default='', nullable=False),
        sa.Column('contact', sa.String(length=200), nullable=False),
        sa.Column('owner', sa.String(length=64), nullable=False),
        sa.Column('status', sa.String(length=16), nullable=False),
        sa.Column('assessed_on', sa.Date(), nullable=True),
        sa.Column('outcome', sa.String(length=32), nullable=False),
        sa.Column('risk_level', sa.String(length=16), nullable=False),
        sa.Column('conditions', sa.Text(), server_default='', nullable=False),
        sa.Column('next_assessment', sa.Date(), nullable=True),
        sa.Column('review_cadence', sa.String(length=200), nullable=False),
        sa.Column('next_review', sa.Date(), nullable=True),
        sa.Column('last_reviewed', sa.Date(), nullable=True),
        *_tail(),
    )
    op.create_index('ix_supplier_ref', 'supplier', ['ref'], unique=True)
    op.create_index('ix_supplier_owner', 'supplier', ['owner'], unique=False)
    op.create_index('ix_supplier_status', 'supplier', ['status'], unique=False)
    op.create_index('ix_supplier_next_assessment', 'supplier', ['next_assessment'], unique=False)
    op.create_index('ix_supplier_next_review', 'supplier', ['next_review'], unique=False)

    op.create_table(
        'ai_component',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('ref', sa.String(length=32), nullable=False),
        sa.Column('name', sa.String(length=200), nullable=False),
        sa.Column('type', sa.String(length=16), nullable=False),
        sa.Column('supplier_id', sa.Integer(), nullable=True),
        sa.Column('system_id', sa.Integer(), nullable=True),
        sa.Column('component_version', sa.String(length=100), nullable=False),
        sa.Column('licence', sa.String(length=200), nullable=False),
        sa.Column('used_for', sa.Text(), server_default='', nullable=False),
        sa.Column('owner', sa.String(length=64), nullable=False),
        sa.Column('status', sa.String(length=16), nullable=False),
        sa.Column('review_cadence', sa.String(length=200), nullable=False),
        sa.Column('next_review', sa.Date(), nullable=True),
        sa.Column('last_reviewed', sa.Date(), nullable=True),
        sa.ForeignKeyConstraint(['supplier_id'], ['supplier.id']),
        sa.ForeignKeyConstraint(['system_id'], ['ai_system.id']),
        *_tail(),
    )
    op.create_index('ix_ai_component_ref', 'ai_component', ['ref'], unique=True)
    op.create_index('ix_ai_component_supplier_id', 'ai_component', ['supplier_id'], unique=False)
    op.create_index('ix_ai_component_system_id', 'ai_component', ['system_id'], unique=False)
    op.create_index('ix_ai_component_owner', 'ai_component', ['owner'], unique=False)
    op.create_index('ix_ai_component_status', 'ai_component', ['status'], unique=False)
    op.create_index('ix_ai_component_next_review', 'ai_component', ['next_review'], unique=False)

    op.create_table(
        'incident',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('ref', sa.String(length=32), nullable=False),
        sa.Column('title', sa.String(length=300), nullable=False),
        sa.Column('occurred_on', sa.Date(), nullable=True),
        sa.Column('detected_on', sa.Date(), nullable=True),
        sa.Column('severity', sa.String(length=16), nullable=False),
        sa.Column('description', sa.Text(), server_default='', nullable=False),
        sa.Column('response', sa.Text(), server_default='', nullable=False),
        sa.Column('status', sa.String(length=16), nullable=False),
        sa.Column('owner', sa.String(length=64), nullable=False),
        sa.Column('reported_to', sa.String(length=300), nullable=False),
        sa.Column('system_id', sa.Integer(), nullable=True),
        sa.Column('risk_id', sa.Integer(), nullable=True),
        sa.Column('nonconformity_id', sa.Integer(), nullable=True),
        sa.Column('resolved_on', sa.Date(), nullable=True),
        sa.ForeignKeyConstraint(['system_id'], ['ai_system.id']),
        sa.ForeignKeyConstraint(['risk_id'], ['risk.id']),
        sa.ForeignKeyConstraint(['nonconformity_id'], ['nonconformity.id']),
        *_tail(),
    )
    op.create_index('ix_incident_ref', 'incident', ['ref'], unique=True)
    op.create_index('ix_incident_status', 'incident', ['status'], unique=False)
    op.create_index('ix_incident_owner', 'incident', ['owner'], unique=False)
    op.create_index('ix_incident_system_id', 'incident', ['system_id'], unique=False)
    op.create_index('ix_incident_risk_id', 'incident', ['risk_id'], unique=False)
    op.create_index('ix_incident_nonconformity_id', 'incident', ['nonconformity_id'], unique=False)


def downgrade() -> None:
    op.drop_table('incident')
    op.drop_table('ai_component')
    op.drop_table('supplier')
