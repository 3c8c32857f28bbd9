"""indexes for the register as of a past moment (core.history)

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-02 01:10:00

The register as of a moment T leaves out the records made after T: these
indexes find them by their time, so that the cost follows the number of
records made since T, not the size of the register (audit_event(at) exists).
"""
from typing import Sequence, Union

from alembic import op


revision: str = '0015'
down_revision: Union[str, None] = '0014'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

INDEXES = (
    ("risk", "ix_risk_created_at", ["created_at"]),
    ("ai_system", "ix_ai_system_created_at", ["created_at"]),
    ("treatment", "ix_treatment_created_at", ["created_at"]),
    ("acceptance", "ix_acceptance_accepted_at", ["accepted_at"]),
    ("review", "ix_review_reviewed_at", ["reviewed_at"]),
)


def upgrade() -> None:
    for table, name, cols in INDEXES:
        op.create_index(name, table, cols, unique=False)


def downgrade() -> None:
    for table, name, _cols in reversed(INDEXES):
        op.drop_index(name, table_name=table)
