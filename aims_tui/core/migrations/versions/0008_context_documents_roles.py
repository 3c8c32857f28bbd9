"""interested parties, documents, responsibilities (issue 16: clauses 4.2, 5.2, 5.3, 7.5)

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-01 22:30:00

Three new tables: ``interested_party`` (4.2), ``document`` (7.5; the AI policy
of 5.2 is the document of type ai_policy) and ``responsibility`` (5.3).

The AI policy was two settings (``policy_reference``, ``policy_review_on``) that
nothing could edit. When either is set, it becomes a document (``DOC-001``, type
ai_policy, status draft: no approver was ever recorded), with a ``create`` audit
event that seals it, so ``aims audit verify`` accepts it. The settings columns
stay (an older aims reading this file still finds them).
"""
from datetime import datetime, timezone
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


revision: str = '0008'
down_revision: Union[str, None] = '0007'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def _common(table: str) -> list:
    return [
        sa.Column('review_cadence', sa.String(length=200), nullable=False),
        sa.Column('next_review', sa.Date(), nullable=True),
        sa.Column('last_reviewed', sa.Date(), nullable=True),
        sa.Column('created_by', sa.String(length=64), nullable=False),
        sa.Column('updated_at', sa.DateTime(), nullable=False),
        sa.Column('version', sa.Integer(), server_default='1', nullable=False),
        sa.PrimaryKeyConstraint('id'),
    ]


def upgrade() -> None:
    op.create_table(
        'interested_party',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('ref', sa.String(length=32), nullable=False),
        sa.Column('name', sa.String(length=300), nullable=False),
        sa.Column('kind', sa.String(length=16), nullable=False),
        sa.Column('needs', sa.Text(), server_default='', nullable=False),
        sa.Column('addressed', sa.Text(), server_default='', nullable=False),
        sa.Column('owner', sa.String(length=64), nullable=False),
        sa.Column('status', sa.String(length=16), nullable=False),
        *_common('interested_party'),
    )
    op.create_index('ix_interested_party_ref', 'interested_party', ['ref'], unique=True)
    op.create_index('ix_interested_party_owner', 'interested_party', ['owner'], unique=False)
    op.create_index('ix_interested_party_status', 'interested_party', ['status'], unique=False)
    op.create_index('ix_interested_party_next_review', 'interested_party', ['next_review'], unique=False)

    op.create_table(
        'document',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('ref', sa.String(length=32), nullable=False),
        sa.Column('title', sa.String(length=300), nullable=False),
        sa.Column('doc_type', sa.String(length=16), nullable=False),
        sa.Column('version_label', sa.String(length=32), nullable=False),
        sa.Column('owner', sa.String(length=64), nullable=False),
        sa.Column('location', sa.String(length=1000), nullable=False),
        sa.Column('status', sa.String(length=16), nullable=False),
        sa.Column('approved_by', sa.String(length=64), nullable=False),
        sa.Column('approved_on', sa.Date(), nullable=True),
        sa.Column('retention', sa.String(length=200), nullable=False),
        *_common('document'),
    )
    op.create_index('ix_document_ref', 'document', ['ref'], unique=True)
    op.create_index('ix_document_doc_type', 'document', ['doc_type'], unique=False)
    op.create_index('ix_document_owner', 'document', ['owner'], unique=False)
    op.create_index('ix_document_status', 'document', ['status'], unique=False)
    op.create_index('ix_document_next_review', 'document', ['next_review'], unique=False)

    op.create_table(
        'responsibility',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('ref', sa.String(length=32), nullable=False),
        sa.Column('title', sa.String(length=300), nullable=False),
        sa.Column('holder', sa.String(length=64), nullable=False),
        sa.Column('deputy', sa.String(length=64), nullable=False),
        sa.Column('accountable_for', sa.Text(), server_default='', nullable=False),
        sa.Column('assigned_on', sa.Date(), nullable=True),
        sa.Column('status', sa.String(length=16), nullable=False),
        *_common('responsibility'),
    )
    op.create_index('ix_responsibility_ref', 'responsibility', ['ref'], unique=True)
    op.create_index('ix_responsibility_holder', 'responsibility', ['holder'], unique=False)
    op.create_index('ix_responsibility_status', 'responsibility', ['status'], unique=False)
    op.create_index('ix_responsibility_next_review', 'responsibility', ['next_review'], unique=False)

    _move_the_policy(op.get_bind())


def _move_the_policy(bind) -> None:
    """settings.policy_reference / policy_review_on, when set, become document DOC-001 (ai_policy, draft)."""
    if not sa.inspect(bind).has_table('settings'):
        return
    row = bind.execute(sa.text("SELECT policy_reference, policy_review_on FROM settings WHERE id = 1")).first()
    if row is None or not ((row[0] or "").strip() or row[1]):
        return
    reference, review_on = (row[0] or "").strip(), row[1]
    now = datetime.now(timezone.utc).replace(tzinfo=None)
    values = {"ref": "DOC-001", "title": "AI policy", "doc_type": "ai_policy", "version_label": "",
              "owner": "", "location": reference[:1000], "status": "draft", "approved_by": "", "approved_on": None,
              "retention": "", "review_cadence": "", "next_review": review_on, "last_reviewed": None,
              "created_by": "migration 0008", "updated_at": now, "version": 1}
    if bind.dialect.name != "sqlite":
        bind.execute(sa.text(f"INSERT INTO document ({', '.join(values)}) VALUES ({', '.join(':' + k for k in values)})"),
                     values)
        return
    from aims_tui.core import audit, seal  # deferred: the migration environment imports aims only when it runs

    raw = bind.connection.driver_connection
    sealed = seal.arm(raw)  # the insert below is noted, and sealed into its create event
    raw.execute(f"INSERT INTO document ({', '.join(values)}) VALUES ({', '.join('?' for _ in values)})",
                [v.isoformat(sep=' ') if isinstance(v, datetime) else v for v in values.values()])
    changes = {"title": [None, "AI policy"], "doc_type": [None, "ai_policy"],
               "location": [None, values["location"]],
               "reason": [None, "moved from settings.policy_reference by migration 0008"]}
    audit.append_raw(raw, "migration 0008", "document", "DOC-001", "create", changes,
                     sealed=sealed)


def downgrade() -> None:
    op.drop_table('responsibility')
    op.drop_table('document')
    op.drop_table('interested_party')
