"""objectives, measurements, resources, competences, training, communications (issue 16)

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-01 22:00:00

``objective`` (6.2) with its dated ``measurement`` values (9.1); ``resource``
(7.1), ``competence`` (7.2), ``training`` (7.2, 7.3) and ``communication``
(7.4). New tables; nothing else changes.
"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


revision: str = '0010'
down_revision: Union[str, None] = '0009'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def _tail() -> list:
    """created_by, updated_at, version: the last columns of every record here."""
    return [
        sa.Column('created_by', sa.String(length=64), nullable=False),
        sa.Column('updated_at', sa.DateTime(), nullable=False),
        sa.Column('version', sa.Integer(), server_default='1', nullable=False),
    ]


def _review() -> list:
    return [
        sa.Column('review_cadence', sa.String(length=200), nullable=False),
        sa.Column('next_review', sa.Date(), nullable=True),
        sa.Column('last_reviewed', sa.Date(), nullable=True),
    ]


def _indexes(table: str, *columns: str) -> None:
    op.create_index(f'ix_{table}_ref', table, ['ref'], unique=True)
    for c in columns:
        op.create_index(f'ix_{table}_{c}', table, [c], unique=False)


def upgrade() -> None:
    op.create_table(
        'objective',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('ref', sa.String(length=32), nullable=False),
        sa.Column('title', sa.String(length=300), nullable=False),
        sa.Column('metric', sa.String(length=300), nullable=False),
        sa.Column('target', sa.Float(), nullable=False),
        sa.Column('unit', sa.String(length=32), nullable=False),
        sa.Column('direction', sa.String(length=16), nullable=False),
        sa.Column('system_id', sa.Integer(), nullable=True),
        sa.Column('description', sa.Text(), server_default='', nullable=False),
        sa.Column('owner', sa.String(length=64), nullable=False),
        sa.Column('status', sa.String(length=16), nullable=False),
        sa.Column('due_date', sa.Date(), nullable=True),
        *_review(),
        *_tail(),
        sa.ForeignKeyConstraint(['system_id'], ['ai_system.id']),
        sa.PrimaryKeyConstraint('id'),
    )
    _indexes('objective', 'system_id', 'owner', 'status', 'due_date', 'next_review')

    op.create_table(
        'measurement',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('ref', sa.String(length=32), nullable=False),
        sa.Column('objective_id', sa.Integer(), nullable=False),
        sa.Column('measured_on', sa.Date(), nullable=False),
        sa.Column('value', sa.Float(), nullable=False),
        sa.Column('note', sa.String(length=500), nullable=False),
        sa.Column('status', sa.String(length=16), nullable=False),
        *_tail(),
        sa.ForeignKeyConstraint(['objective_id'], ['objective.id']),
        sa.PrimaryKeyConstraint('id'),
    )
    _indexes('measurement', 'status')
    op.create_index('ix_measurement_objective_on', 'measurement', ['objective_id', 'measured_on'], unique=False)

    op.create_table(
        'resource',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('ref', sa.String(length=32), nullable=False),
        sa.Column('title', sa.String(length=300), nullable=False),
        sa.Column('type', sa.String(length=16), nullable=False),
        sa.Column('description', sa.Text(), server_default='', nullable=False),
        sa.Column('owner', sa.String(length=64), nullable=False),
        sa.Column('status', sa.String(length=16), nullable=False),
        *_review(),
        *_tail(),
        sa.PrimaryKeyConstraint('id'),
    )
    _indexes('resource', 'owner', 'status', 'next_review')

    op.create_table(
        'competence',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('ref', sa.String(length=32), nullable=False),
        sa.Column('title', sa.String(length=300), nullable=False),
        sa.Column('role', sa.String(length=100), nullable=False),
        sa.Column('level', sa.String(length=16), nullable=False),
        sa.Column('description', sa.Text(), server_default='', nullable=False),
        sa.Column('owner', sa.String(length=64), nullable=False),
        sa.Column('status', sa.String(length=16), nullable=False),
        *_review(),
        *_tail(),
        sa.PrimaryKeyConstraint('id'),
    )
    _indexes('competence', 'role', 'owner', 'status', 'next_review')

    op.create_table(
        'training',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('ref', sa.String(length=32), nullable=False),
        sa.Column('title', sa.String(length=300), nullable=False),
        sa.Column('person', sa.String(length=100), nullable=False),
        sa.Column('kind', sa.String(length=16), nullable=False),
        sa.Column('competence_id', sa.Integer(), nullable=True),
        sa.Column('completed_on', sa.Date(), nullable=True),
        sa.Column('expires_on', sa.Date(), nullable=True),
        sa.Column('evidence', sa.String(length=500), nullable=False),
        sa.Column('status', sa.String(length=16), nullable=False),
        *_tail(),
        sa.ForeignKeyConstraint(['competence_id'], ['competence.id']),
        sa.PrimaryKeyConstraint('id'),
    )
    _indexes('training', 'person', 'competence_id', 'expires_on', 'status')

    op.create_table(
        'communication',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('ref', sa.String(length=32), nullable=False),
        sa.Column('title', sa.String(length=300), nullable=False),
        sa.Column('audience', sa.String(length=200), nullable=False),
        sa.Column('reach', sa.String(length=16), nullable=False),
        sa.Column('timing', sa.String(length=200), nullable=False),
        sa.Column('channel', sa.String(length=200), nullable=False),
        sa.Column('owner', sa.String(length=64), nullable=False),
        sa.Column('status', sa.String(length=16), nullable=False),
        *_review(),
        *_tail(),
        sa.PrimaryKeyConstraint('id'),
    )
    _indexes('communication', 'owner', 'status', 'next_review')


def downgrade() -> None:
    for table in ('communication', 'training', 'competence', 'resource', 'measurement', 'objective'):
        op.drop_table(table)
