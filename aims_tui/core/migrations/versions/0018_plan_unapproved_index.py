"""the risks whose treatment plan awaits approval, indexed (aims check at 1,000,000 risks)

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-02 14:50:00

The gate "treatment plan not approved" (core/checks.py ``_plans``) counts the live, scored
risks above appetite whose plan is not approved or changed since. Without an index that
holds the plan's state, SQLite searched ``ix_risk_awaiting`` (awaiting_assessment = 0: nearly
every row of the table) and read the table for each: 650 ms of ``aims check``'s SQL at
1,000,000 risks, over its 300 ms target. A partial index of only those risks, in the order
the gate reads them (awaiting, then the residual score), is searched and counted alone:
its size is the number of plans awaiting approval, not the register's.
"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op


revision: str = '0018'
down_revision: Union[str, None] = '0017'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

NAME = "ix_risk_plan_unapproved"
WHERE = "plan_approved_at IS NULL OR plan_changed_at IS NOT NULL"


def upgrade() -> None:
    op.create_index(NAME, "risk", ["awaiting_assessment", "residual_score", "status"], unique=False,
                    sqlite_where=sa.text(WHERE), postgresql_where=sa.text(WHERE))


def downgrade() -> None:
    op.drop_index(NAME, table_name="risk")
