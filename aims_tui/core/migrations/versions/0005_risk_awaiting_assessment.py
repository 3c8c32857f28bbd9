"""risks awaiting assessment (issue 14)

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01 19:10:00

``risk.awaiting_assessment``: a risk brought in without a likelihood or an
impact (a public catalogue imported for a gap analysis). Its scores hold the
lowest cell of the matrix until someone scores it; the register, the
reminders and ``aims check`` show it as awaiting assessment, and the heat maps
and level counts leave it out. Adding a column with a default rewrites nothing.
"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


revision: str = '0005'
down_revision: Union[str, None] = '0004'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.add_column('risk', sa.Column('awaiting_assessment', sa.Boolean(), nullable=False, server_default='0'))
    op.create_index('ix_risk_awaiting', 'risk', ['awaiting_assessment', 'ref_num'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_risk_awaiting', table_name='risk')
    # Not a batch (copy and rename) on SQLite: risk has generated columns and FTS
    # triggers that a copy would break. SQLite 3.35+ drops a plain column in place.
    op.get_bind().exec_driver_sql('ALTER TABLE risk DROP COLUMN awaiting_assessment')
