"""covering indexes for reminders and checks

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-29 19:35:00

`aims reminders` and `aims check` count and list what is due by date ranges
with owner and status read from the index (no table lookups), so that their
cost follows the number of due items, not the size of the register.
"""
from typing import Sequence, Union

from alembic import op


revision: str = '0003'
down_revision: Union[str, None] = '0002'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

INDEXES = (
    ("risk", "ix_risk_due_owner", ["next_review", "status", "owner"]),
    ("risk", "ix_risk_owner_due", ["owner", "next_review", "status"]),
    ("risk", "ix_risk_residual_status", ["residual_score", "status"]),
    ("treatment", "ix_treatment_open_due_owner", ["status", "due_date", "owner"]),
    ("treatment", "ix_treatment_owner_due_status", ["owner", "due_date", "status"]),
)


def upgrade() -> None:
    for table, name, cols in INDEXES:
        op.create_index(name, table, cols, unique=False)


def downgrade() -> None:
    for table, name, _cols in reversed(INDEXES):
        op.drop_index(name, table_name=table)
