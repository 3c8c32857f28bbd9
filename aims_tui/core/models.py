"""The schema: every record of the AIMS register, in one place.

Rules:
- every editable record has a ``version`` column used as SQLAlchemy's optimistic
  ``version_id_col`` (one ``Column`` object per table: SQLAlchemy refuses a
  column object shared between tables);
- derived values (risk scores) are SQL generated columns so they can be indexed
  and filtered without being written twice by the application;
- levels, due and overdue are computed by :mod:`aims_tui.core.scoring` and
  :mod:`aims_tui.core.schedule`, never stored.
"""

from __future__ import annotations

from datetime import date, datetime, timezone
from typing import Optional

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    Computed,
    Index,
    Integer,
    Text,
    UniqueConstraint,
    text,
)
from sqlmodel import Field, SQLModel

# ---------------------------------------------------------------------------
# Vocabularies (stored as plain strings; validated by the services)
# ---------------------------------------------------------------------------

ROLES = ("admin", "approver", "editor", "viewer")
STAGES = ("design", "validation", "deployment", "monitoring", "improvement", "retired")
AI_ROLES = ("provider", "producer", "deployer", "customer", "partner", "subject", "authority")
EU_AI_ACT_TIERS = ("prohibited", "high", "limited", "minimal", "gpai", "unclassified")
RISK_STATUSES = ("open", "treating", "accepted", "closed")
# A record made by mistake is withdrawn, not deleted (services/withdrawal.py): its status
# (an AI system's stage) becomes this value, outside every list of choices, so that
# lists, checks, reminders and the pack leave it out; the audit trail keeps it.
WITHDRAWN = "withdrawn"
TREATMENT_OPTIONS = ("mitigate", "avoid", "transfer", "accept")
TREATMENT_STATUSES = ("planned", "in_progress", "done", "cancelled")
OPEN_TREATMENT_STATUSES = TREATMENT_STATUSES[:2]  # still to do (treatments and review actions alike)
TREATMENT_EFFECTIVENESS = ("effective", "partly", "not_effective")  # 8.3: did a done treatment work
REVIEW_OUTCOMES = ("still_valid", "rescored", "escalated", "closed")
REVIEW_KINDS = ("periodic", "verification_validation", "significant_change", "approval")
REVIEW_SUBJECTS = ("risk", "system", "impact_assessment", "applicability")
IMPLEMENTATION_STATUSES = ("not_started", "planned", "partial", "implemented")
IA_STATUSES = ("draft", "approved")
NC_KINDS = ("incident", "audit_finding", "complaint", "other")
NC_SEVERITIES = ("minor", "major", "critical")
NC_STATUSES = ("open", "investigating", "corrective_action", "closed")
MR_STATUSES = ("planned", "held", "signed_off")
ACTION_STATUSES = TREATMENT_STATUSES

# Annex C: objectives a risk can threaten, and risk sources.
RISK_CATEGORIES = (
    "accountability",
    "ai_expertise",
    "data_quality",
    "environmental_impact",
    "fairness",
    "maintainability",
    "privacy",
    "robustness",
    "safety",
    "security",
    "transparency",
)
RISK_SOURCES = (
    "environment_complexity",
    "lack_of_transparency",
    "level_of_automation",
    "machine_learning",
    "hardware",
    "life_cycle",
    "technology_readiness",
)


def utcnow() -> datetime:
    """Timestamps are timezone-aware UTC (SQLModel stores them as UTC)."""
    return datetime.now(timezone.utc)


def _version() -> Column:
    """A fresh optimistic-lock column (one object per table)."""
    return Column("version", Integer, nullable=False, server_default="1")


# ---------------------------------------------------------------------------
# People and settings
# ---------------------------------------------------------------------------

_user_v = _version()


class User(SQLModel, table=True):
    __tablename__ = "user"
    __mapper_args__ = {"version_id_col": _user_v}

    id: Optional[int] = Field(default=None, primary_key=True)
    login: str = Field(index=True, unique=True, max_length=64)
    display_name: str = Field(default="", max_length=200)
    role: str = Field(default="viewer", max_length=16)
    active: bool = Field(default=True)
    created_at: datetime = Field(default_factory=utcnow)
    version: int = Field(default=1, sa_column=_user_v)


_settings_v = _version()


class Settings(SQLModel, table=True):
    """A single row (id = 1) of organization-wide settings."""

    __tablename__ = "settings"
    __mapper_args__ = {"version_id_col": _settings_v}

    id: Optional[int] = Field(default=None, primary_key=True)
    organization: str = Field(default="", max_length=200)
    scope: str = Field(default="", sa_column=Column(Text, nullable=False, server_default=""))
    classification: str = Field(default="Confidential", max_length=64)
    policy_reference: str = Field(default="", max_length=200)
    policy_review_on: Optional[date] = None
    # The risk matrix: labels, bands, appetite (see scoring.Matrix.to_dict)
    matrix: dict = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    # Default review cadences by level name, e.g. {"Critical": "P90D", ...}
    cadences: dict = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    due_soon_days: int = Field(default=14)
    overdue_grace_days: int = Field(default=0)
    shared_group: str = Field(default="", max_length=64)
    version: int = Field(default=1, sa_column=_settings_v)


# ---------------------------------------------------------------------------
# AI systems and their life cycle
# ---------------------------------------------------------------------------

_system_v = _version()


class AISystem(SQLModel, table=True):
    __tablename__ = "ai_system"
    __mapper_args__ = {"version_id_col": _system_v}
    __table_args__ = (
        Index("ix_ai_system_stage_ref", "stage", "ref"),
        Index("ix_ai_system_next_review", "next_review"),
        Index("ix_ai_system_created_at", "created_at"),  # 0015: history
    )

    id: Optional[int] = Field(default=None, primary_key=True)
    ref: str = Field(index=True, unique=True, max_length=32)
    name: str = Field(max_length=200)
    purpose: str = Field(default="", sa_column=Column(Text, nullable=False, server_default=""))
    intended_use: str = Field(default="", sa_column=Column(Text, nullable=False, server_default=""))
    business_owner: str = Field(default="", index=True, max_length=64)
    technical_owner: str = Field(default="", index=True, max_length=64)
    ai_role: str = Field(default="deployer", max_length=32)
    eu_ai_act_tier: str = Field(default="unclassified", max_length=32)
    personal_data: bool = Field(default=False)
    third_party: str = Field(default="", max_length=200)
    human_oversight: str = Field(default="", sa_column=Column(Text, nullable=False, server_default=""))
    stage: str = Field(default="design", max_length=16)
    review_cadence: str = Field(default="", max_length=200)
    next_review: Optional[date] = None
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)
    version: int = Field(default=1, sa_column=_system_v)


class StageEvent(SQLModel, table=True):
    """An AI system moved from one stage to another (append-only)."""

    __tablename__ = "stage_event"

    id: Optional[int] = Field(default=None, primary_key=True)
    system_id: int = Field(foreign_key="ai_system.id", index=True)
    from_stage: Optional[str] = Field(default=None, max_length=16)
    to_stage: str = Field(max_length=16)
    at: datetime = Field(default_factory=utcnow, index=True)
    actor: str = Field(max_length=64)
    note: str = Field(default="", sa_column=Column(Text, nullable=False, server_default=""))
    overridden_gates: list = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    justification: str = Field(default="", sa_column=Column(Text, nullable=False, server_default=""))


# ---------------------------------------------------------------------------
# Controls and the Statement of Applicability
# ---------------------------------------------------------------------------

_control_v = _version()


class Control(SQLModel, table=True):
    __tablename__ = "control"
    __mapper_args__ = {"version_id_col": _control_v}

    id: Optional[int] = Field(default=None, primary_key=True)
    code: str = Field(index=True, unique=True, max_length=32)
    title: str = Field(max_length=300)
    group: str = Field(default="", max_length=32)
    group_title: str = Field(default="", max_length=200)
    custom: bool = Field(default=False)
    sort_key: str = Field(default="", index=True, max_length=64)
    version: int = Field(default=1, sa_column=_control_v)
    # migration 0009 (nullable: existing seals stay valid): what an organization's own control asks
    description: Optional[str] = Field(default=None, sa_column=Column(Text, nullable=True))


_applicability_v = _version()


class Applicability(SQLModel, table=True):
    """One Statement of Applicability entry per control."""

    __tablename__ = "applicability"
    __mapper_args__ = {"version_id_col": _applicability_v}

    id: Optional[int] = Field(default=None, primary_key=True)
    control_id: int = Field(foreign_key="control.id", unique=True)
    applicable: Optional[bool] = None  # None: not yet decided
    justification: str = Field(default="", sa_column=Column(Text, nullable=False, server_default=""))
    implementation_status: str = Field(default="not_started", max_length=16)
    owner: str = Field(default="", index=True, max_length=64)
    review_cadence: str = Field(default="", max_length=200)
    next_review: Optional[date] = Field(default=None, index=True)
    approved_by: str = Field(default="", max_length=64)
    approved_at: Optional[datetime] = None
    version: int = Field(default=1, sa_column=_applicability_v)


# ---------------------------------------------------------------------------
# Risks, treatments, acceptances
# ---------------------------------------------------------------------------


class RiskControl(SQLModel, table=True):
    """A control linked to a risk (many to many)."""

    __tablename__ = "risk_control"

    risk_id: int = Field(foreign_key="risk.id", primary_key=True)
    control_id: int = Field(foreign_key="control.id", primary_key=True, index=True)


_risk_v = _version()


class Risk(SQLModel, table=True):
    __tablename__ = "risk"
    __mapper_args__ = {"version_id_col": _risk_v}
    __table_args__ = (
        Index("ix_risk_owner_ref", "owner", "ref_num"),
        Index("ix_risk_system_ref", "system_id", "ref_num"),
        Index("ix_risk_status_ref", "status", "ref_num"),
        Index("ix_risk_category_ref", "category", "ref_num"),
        Index("ix_risk_next_review", "next_review", "ref_num"),
        Index("ix_risk_inherent", "inherent_score", "ref_num"),
        Index("ix_risk_residual", "residual_score", "ref_num"),
        Index("ix_risk_inherent_cell", "inherent_likelihood", "inherent_impact"),
        Index("ix_risk_residual_cell", "residual_likelihood", "residual_impact"),
        Index("ix_risk_title", "title_fold", "ref_num"),
        # reminders and checks (core/reminders.py, core/checks.py): covering, date-bounded
        Index("ix_risk_due_owner", "next_review", "status", "owner"),
        Index("ix_risk_owner_due", "owner", "next_review", "status"),
        Index("ix_risk_residual_status", "residual_score", "status"),
        # Migration 0004: filter + sort pairs, covering counts and heat maps.
        Index("ix_risk_status_title", "status", "title_fold", "ref_num"),
        Index("ix_risk_status_next_review", "status", "next_review", "ref_num"),
        Index("ix_risk_status_residual", "status", "residual_score", "ref_num"),
        Index("ix_risk_status_residual_cell", "status", "residual_likelihood", "residual_impact"),
        Index("ix_risk_status_inherent_cell", "status", "inherent_likelihood", "inherent_impact"),
        UniqueConstraint("source_key", name="uq_risk_source_key"),
        # Migration 0005: risks imported without scores, listed until someone scores them.
        Index("ix_risk_awaiting", "awaiting_assessment", "ref_num"),
        Index("ix_risk_created_at", "created_at"),  # 0015: history
        # 0018: the plans awaiting approval (checks._plans), counted without reading the table
        Index("ix_risk_plan_unapproved", "awaiting_assessment", "residual_score", "status",
              sqlite_where=text("plan_approved_at IS NULL OR plan_changed_at IS NOT NULL"),
              postgresql_where=text("plan_approved_at IS NULL OR plan_changed_at IS NOT NULL")),
    )

    id: Optional[int] = Field(default=None, primary_key=True)
    ref: str = Field(index=True, unique=True, max_length=32)
    # The numeric part of ref: the natural, indexable sort key of the register.
    ref_num: int = Field(default=0, index=True)
    system_id: Optional[int] = Field(default=None, foreign_key="ai_system.id")
    title: str = Field(max_length=300)
    title_fold: str = Field(default="", max_length=300)  # casefolded, for sorting/search
    description: str = Field(default="", sa_column=Column(Text, nullable=False, server_default=""))
    category: str = Field(default="", max_length=64)
    source: str = Field(default="", max_length=64)
    owner: str = Field(default="", max_length=64)
    inherent_likelihood: int = Field(default=1)
    inherent_impact: int = Field(default=1)
    residual_likelihood: int = Field(default=1)
    residual_impact: int = Field(default=1)
    # Imported without a likelihood or an impact: the scores above are placeholders
    # (the lowest cell) until someone scores the risk (migration 0005).
    awaiting_assessment: bool = Field(default=False, sa_column=Column(Boolean, nullable=False,
                                                                      server_default="0"))
    inherent_score: Optional[int] = Field(
        default=None,
        sa_column=Column(Integer, Computed("inherent_likelihood * inherent_impact")),
    )
    residual_score: Optional[int] = Field(
        default=None,
        sa_column=Column(Integer, Computed("residual_likelihood * residual_impact")),
    )
    treatment_option: str = Field(default="mitigate", max_length=16)
    status: str = Field(default="open", max_length=16)
    review_cadence: str = Field(default="", max_length=200)
    next_review: Optional[date] = None
    source_key: Optional[str] = Field(default=None, max_length=200)
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)
    closed_at: Optional[datetime] = None
    version: int = Field(default=1, sa_column=_risk_v)
    # Treatment plan approval (6.1.3, migration 0009; nullable so existing seals stay valid):
    # who approved the plan and when; plan_changed_at: a treatment added or changed since.
    plan_approved_by: Optional[str] = Field(default=None, max_length=64)
    plan_approved_at: Optional[datetime] = None
    plan_changed_at: Optional[datetime] = None


_acceptance_v = _version()


class Acceptance(SQLModel, table=True):
    """A formal acceptance of a residual risk by an approver."""

    __tablename__ = "acceptance"
    __mapper_args__ = {"version_id_col": _acceptance_v}
    __table_args__ = (Index("ix_acceptance_accepted_at", "accepted_at"),)  # 0015: history

    id: Optional[int] = Field(default=None, primary_key=True)
    risk_id: int = Field(foreign_key="risk.id", index=True)
    accepted_by: str = Field(max_length=64)
    accepted_at: datetime = Field(default_factory=utcnow)
    justification: str = Field(sa_column=Column(Text, nullable=False))
    expires_on: Optional[date] = Field(default=None, index=True)
    residual_likelihood: int
    residual_impact: int
    revoked: bool = Field(default=False)
    version: int = Field(default=1, sa_column=_acceptance_v)


_treatment_v = _version()


class Treatment(SQLModel, table=True):
    __tablename__ = "treatment"
    __mapper_args__ = {"version_id_col": _treatment_v}
    __table_args__ = (
        Index("ix_treatment_owner_due", "owner", "due_date"),
        Index("ix_treatment_created_at", "created_at"),  # 0015: history
        Index("ix_treatment_status_due", "status", "due_date"),
        # reminders (core/reminders.py): covering, date-bounded
        Index("ix_treatment_open_due_owner", "status", "due_date", "owner"),
        Index("ix_treatment_owner_due_status", "owner", "due_date", "status"),
    )

    id: Optional[int] = Field(default=None, primary_key=True)
    risk_id: int = Field(foreign_key="risk.id", index=True)
    action: str = Field(sa_column=Column(Text, nullable=False))
    owner: str = Field(default="", max_length=64)
    due_date: Optional[date] = None
    status: str = Field(default="planned", max_length=16)
    control_id: Optional[int] = Field(default=None, foreign_key="control.id")
    created_at: datetime = Field(default_factory=utcnow)
    completed_at: Optional[datetime] = None
    version: int = Field(default=1, sa_column=_treatment_v)
    # Did it work (8.3, migration 0009): one of TREATMENT_EFFECTIVENESS, and a note; NULL until said.
    effectiveness: Optional[str] = Field(default=None, max_length=16)
    effectiveness_note: Optional[str] = Field(default=None, sa_column=Column(Text, nullable=True))


# ---------------------------------------------------------------------------
# Reviews (of risks, systems, impact assessments and SoA entries)
# ---------------------------------------------------------------------------


class Review(SQLModel, table=True):
    """A review that happened (append-only evidence)."""

    __tablename__ = "review"
    __table_args__ = (Index("ix_review_subject", "subject_type", "subject_id", "reviewed_on"),
                      Index("ix_review_reviewed_at", "reviewed_at"))  # 0015: history

    id: Optional[int] = Field(default=None, primary_key=True)
    subject_type: str = Field(max_length=32)
    subject_id: int
    kind: str = Field(default="periodic", max_length=32)
    reviewed_on: date
    reviewed_at: datetime = Field(default_factory=utcnow)
    reviewer: str = Field(max_length=64)
    outcome: str = Field(default="still_valid", max_length=16)
    notes: str = Field(default="", sa_column=Column(Text, nullable=False, server_default=""))
    scores: dict = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    due_on: Optional[date] = None  # the due date this review answered (review compliance)
    next_review: Optional[date] = None


# ---------------------------------------------------------------------------
# Impact assessments
# ---------------------------------------------------------------------------

_ia_v = _version()


class ImpactAssessment(SQLModel, table=True):
    __tablename__ = "impact_assessment"
    __mapper_args__ = {"version_id_col": _ia_v}

    id: Optional[int] = Field(default=None, primary_key=True)
    ref: str = Field(index=True, unique=True, max_length=32)
    system_id: int = Field(foreign_key="ai_system.id", index=True)
    title: str = Field(default="", max_length=300)
    affected_individuals: str = Field(default="", sa_column=Column(Text, nullable=False, server_default=""))
    affected_groups: str = Field(default="", sa_column=Column(Text, nullable=False, server_default=""))
    societal_impacts: str = Field(default="", sa_column=Column(Text, nullable=False, server_default=""))
    # [{"description": str, "severity": "low|medium|high|critical"}]
    impacts: list = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    mitigations: str = Field(default="", sa_column=Column(Text, nullable=False, server_default=""))
    status: str = Field(default="draft", max_length=16)
    approved_by: str = Field(default="", max_length=64)
    approved_at: Optional[datetime] = None
    review_cadence: str = Field(default="", max_length=200)
    next_review: Optional[date] = Field(default=None, index=True)
    created_at: datetime = Field(default_factory=utcnow)
    version: int = Field(default=1, sa_column=_ia_v)


# ---------------------------------------------------------------------------
# Nonconformities (incidents, audit findings)
# ---------------------------------------------------------------------------

_nc_v = _version()


class Nonconformity(SQLModel, table=True):
    __tablename__ = "nonconformity"
    __mapper_args__ = {"version_id_col": _nc_v}

    id: Optional[int] = Field(default=None, primary_key=True)
    ref: str = Field(index=True, unique=True, max_length=32)
    kind: str = Field(default="incident", max_length=16)
    title: str = Field(max_length=300)
    description: str = Field(default="", sa_column=Column(Text, nullable=False, server_default=""))
    location: str = Field(default="", max_length=200)
    system_id: Optional[int] = Field(default=None, foreign_key="ai_system.id", index=True)
    severity: str = Field(default="minor", max_length=16)
    root_cause: str = Field(default="", sa_column=Column(Text, nullable=False, server_default=""))
    corrective_actions: str = Field(default="", sa_column=Column(Text, nullable=False, server_default=""))
    owner: str = Field(default="", index=True, max_length=64)
    status: str = Field(default="open", index=True, max_length=24)
    raised_on: date
    due_date: Optional[date] = Field(default=None, index=True)
    closed_on: Optional[date] = None
    # the internal audit that raised it as a finding (9.2, 10.2); migration 0011
    internal_audit_id: Optional[int] = Field(default=None, index=True)
    version: int = Field(default=1, sa_column=_nc_v)


# ---------------------------------------------------------------------------
# Management reviews (clause 9.3)
# ---------------------------------------------------------------------------

_mr_v = _version()


class ManagementReview(SQLModel, table=True):
    __tablename__ = "management_review"
    __mapper_args__ = {"version_id_col": _mr_v}

    id: Optional[int] = Field(default=None, primary_key=True)
    ref: str = Field(index=True, unique=True, max_length=32)
    held_on: date
    period_start: Optional[date] = None
    period_end: Optional[date] = None
    attendees: str = Field(default="", sa_column=Column(Text, nullable=False, server_default=""))
    decisions: str = Field(default="", sa_column=Column(Text, nullable=False, server_default=""))
    opportunities: str = Field(default="", sa_column=Column(Text, nullable=False, server_default=""))
    status: str = Field(default="planned", max_length=16)
    signed_off_by: str = Field(default="", max_length=64)
    signed_off_at: Optional[datetime] = None
    pack_path: str = Field(default="", max_length=500)
    pack_digest: str = Field(default="", max_length=64)
    version: int = Field(default=1, sa_column=_mr_v)


_mra_v = _version()


class ManagementReviewAction(SQLModel, table=True):
    """An action decided by a management review, tracked like a treatment."""

    __tablename__ = "management_review_action"
    __mapper_args__ = {"version_id_col": _mra_v}

    id: Optional[int] = Field(default=None, primary_key=True)
    review_id: int = Field(foreign_key="management_review.id", index=True)
    action: str = Field(sa_column=Column(Text, nullable=False))
    owner: str = Field(default="", index=True, max_length=64)
    due_date: Optional[date] = None
    status: str = Field(default="planned", max_length=16)
    completed_at: Optional[datetime] = None
    version: int = Field(default=1, sa_column=_mra_v)


# ---------------------------------------------------------------------------
# Context of the organization (clause 4)
# ---------------------------------------------------------------------------

CONTEXT_ISSUE_KINDS = ("internal", "external")
CONTEXT_ISSUE_STATUSES = ("open", "monitoring", "closed")

_ctx_v = _version()


class ContextIssue(SQLModel, table=True):
    """An internal or external issue that bears on the AIMS's intended results (4.1)."""

    __tablename__ = "context_issue"
    __mapper_args__ = {"version_id_col": _ctx_v}

    id: Optional[int] = Field(default=None, primary_key=True)
    ref: str = Field(index=True, unique=True, max_length=32)
    title: str = Field(max_length=300)
    kind: str = Field(default="internal", max_length=16)
    description: str = Field(default="", sa_column=Column(Text, nullable=False, server_default=""))
    effect: str = Field(default="", sa_column=Column(Text, nullable=False, server_default=""))
    owner: str = Field(default="", index=True, max_length=64)
    status: str = Field(default="open", index=True, max_length=16)
    raised_on: Optional[date] = None
    review_cadence: str = Field(default="", max_length=200)
    next_review: Optional[date] = Field(default=None, index=True)
    last_reviewed: Optional[date] = None
    created_by: str = Field(default="", max_length=64)
    updated_at: datetime = Field(default_factory=utcnow)
    version: int = Field(default=1, sa_column=_ctx_v)


# ---------------------------------------------------------------------------
# Third parties (A.10) and incidents
# ---------------------------------------------------------------------------

SUPPLIER_TYPES = ("supplier", "third_party_ai_component", "data_provider", "cloud", "other")
SUPPLIER_STATUSES = ("proposed", "approved", "active", "ended")
SUPPLIER_OUTCOMES = ("", "acceptable", "acceptable_with_conditions", "not_acceptable")
SUPPLIER_RISK_LEVELS = ("", "low", "medium", "high", "critical")

_supplier_v = _version()


class Supplier(SQLModel, table=True):
    """A supplier or other third party of the AIMS, with its last assessment (A.10.2, A.10.3)."""

    __tablename__ = "supplier"
    __mapper_args__ = {"version_id_col": _supplier_v}

    id: Optional[int] = Field(default=None, primary_key=True)
    ref: str = Field(index=True, unique=True, max_length=32)
    name: str = Field(max_length=200)
    type: str = Field(default="supplier", max_length=32)
    provides: str = Field(default="", sa_column=Column(Text, nullable=False, server_default=""))
    contact: str = Field(default="", max_length=200)
    owner: str = Field(default="", index=True, max_length=64)
    status: str = Field(default="proposed", index=True, max_length=16)
    assessed_on: Optional[date] = None
    outcome: str = Field(default="", max_length=32)
    risk_level: str = Field(default="", max_length=16)
    conditions: str = Field(default="", sa_column=Column(Text, nullable=False, server_default=""))
    next_assessment: Optional[date] = Field(default=None, index=True)
    review_cadence: str = Field(default="", max_length=200)
    next_review: Optional[date] = Field(default=None, index=True)
    last_reviewed: Optional[date] = None
    created_by: str = Field(default="", max_length=64)
    updated_at: datetime = Field(default_factory=utcnow)
    version: int = Field(default=1, sa_column=_supplier_v)


AI_COMPONENT_TYPES = ("model", "dataset", "api", "library", "other")
AI_COMPONENT_STATUSES = ("proposed", "in_use", "retired")

_ai_component_v = _version()


class AIComponent(SQLModel, table=True):
    """A third-party AI component (a model, a data set, an API) that an AI system uses (A.10.3)."""

    __tablename__ = "ai_component"
    __mapper_args__ = {"version_id_col": _ai_component_v}

    id: Optional[int] = Field(default=None, primary_key=True)
    ref: str = Field(index=True, unique=True, max_length=32)
    name: str = Field(max_length=200)
    type: str = Field(default="model", max_length=16)
    supplier_id: Optional[int] = Field(default=None, foreign_key="supplier.id", index=True)
    system_id: Optional[int] = Field(default=None, foreign_key="ai_system.id", index=True)
    component_version: str = Field(default="", max_length=100)
    licence: str = Field(default="", max_length=200)
    used_for: str = Field(default="", sa_column=Column(Text, nullable=False, server_default=""))
    owner: str = Field(default="", index=True, max_length=64)
    status: str = Field(default="proposed", index=True, max_length=16)
    review_cadence: str = Field(default="", max_length=200)
    next_review: Optional[date] = Field(default=None, index=True)
    last_reviewed: Optional[date] = None
    created_by: str = Field(default="", max_length=64)
    updated_at: datetime = Field(default_factory=utcnow)
    version: int = Field(default=1, sa_column=_ai_component_v)


INCIDENT_SEVERITIES = ("low", "medium", "high", "critical")
INCIDENT_STATUSES = ("open", "contained", "resolved", "closed")

_incident_v = _version()


class Incident(SQLModel, table=True):
    """Something that went wrong with, or because of, an AI system; a nonconformity may be
    raised from it once it is resolved. (Older nonconformities of kind "incident" stay as
    they are: new incidents are recorded here.)"""

    __tablename__ = "incident"
    __mapper_args__ = {"version_id_col": _incident_v}

    id: Optional[int] = Field(default=None, primary_key=True)
    ref: str = Field(index=True, unique=True, max_length=32)
    title: str = Field(max_length=300)
    occurred_on: Optional[date] = None
    detected_on: Optional[date] = None
    severity: str = Field(default="low", max_length=16)
    description: str = Field(default="", sa_column=Column(Text, nullable=False, server_default=""))
    response: str = Field(default="", sa_column=Column(Text, nullable=False, server_default=""))
    status: str = Field(default="open", index=True, max_length=16)
    owner: str = Field(default="", index=True, max_length=64)
    reported_to: str = Field(default="", max_length=300)
    system_id: Optional[int] = Field(default=None, foreign_key="ai_system.id", index=True)
    risk_id: Optional[int] = Field(default=None, foreign_key="risk.id", index=True)
    nonconformity_id: Optional[int] = Field(default=None, foreign_key="nonconformity.id", index=True)
    resolved_on: Optional[date] = None
    created_by: str = Field(default="", max_length=64)
    updated_at: datetime = Field(default_factory=utcnow)
    version: int = Field(default=1, sa_column=_incident_v)


# ---------------------------------------------------------------------------
# Internal audits (clause 9.2) and corrective actions (clause 10.2)
# ---------------------------------------------------------------------------

AUDIT_PROGRAMME_STATUSES = ("planned", "approved", "closed")
INTERNAL_AUDIT_STATUSES = ("planned", "held", "reported")
CORRECTIVE_ACTION_STATUSES = ("planned", "in_progress", "done", "cancelled")

_apg_v = _version()


class AuditProgramme(SQLModel, table=True):
    """The internal audit programme of a period (9.2): scope, criteria, owner, approval."""

    __tablename__ = "audit_programme"
    __mapper_args__ = {"version_id_col": _apg_v}

    id: Optional[int] = Field(default=None, primary_key=True)
    ref: str = Field(index=True, unique=True, max_length=32)
    title: str = Field(max_length=300)
    period: str = Field(default="", max_length=32)
    scope: str = Field(default="", sa_column=Column(Text, nullable=False, server_default=""))
    criteria: str = Field(default="", sa_column=Column(Text, nullable=False, server_default=""))
    owner: str = Field(default="", index=True, max_length=64)
    status: str = Field(default="planned", index=True, max_length=16)
    approved_by: str = Field(default="", max_length=64)
    approved_on: Optional[date] = None
    review_cadence: str = Field(default="", max_length=200)
    next_review: Optional[date] = Field(default=None, index=True)
    last_reviewed: Optional[date] = None
    created_by: str = Field(default="", max_length=64)
    updated_at: datetime = Field(default_factory=utcnow)
    version: int = Field(default=1, sa_column=_apg_v)


_iau_v = _version()


class InternalAudit(SQLModel, table=True):
    """One internal audit of the programme: scope, criteria, the area audited and its
    owner, the auditor (independent of the area), dates, results (9.2)."""

    __tablename__ = "internal_audit"
    __mapper_args__ = {"version_id_col": _iau_v}

    id: Optional[int] = Field(default=None, primary_key=True)
    ref: str = Field(index=True, unique=True, max_length=32)
    programme_id: Optional[int] = Field(default=None, foreign_key="audit_programme.id", index=True)
    title: str = Field(max_length=300)
    scope: str = Field(default="", sa_column=Column(Text, nullable=False, server_default=""))
    criteria: str = Field(default="", sa_column=Column(Text, nullable=False, server_default=""))
    area: str = Field(default="", max_length=200)
    area_owner: str = Field(default="", max_length=64)
    auditor: str = Field(default="", index=True, max_length=64)
    planned_on: Optional[date] = Field(default=None, index=True)
    held_on: Optional[date] = None
    status: str = Field(default="planned", index=True, max_length=16)
    result: str = Field(default="", sa_column=Column(Text, nullable=False, server_default=""))
    conclusion: str = Field(default="", max_length=300)
    created_by: str = Field(default="", max_length=64)
    updated_at: datetime = Field(default_factory=utcnow)
    version: int = Field(default=1, sa_column=_iau_v)


_cac_v = _version()


class CorrectiveAction(SQLModel, table=True):
    """An action that removes the cause of a nonconformity, and whether it worked (10.2)."""

    __tablename__ = "corrective_action"
    __mapper_args__ = {"version_id_col": _cac_v}

    id: Optional[int] = Field(default=None, primary_key=True)
    ref: str = Field(index=True, unique=True, max_length=32)
    nonconformity_id: Optional[int] = Field(default=None, foreign_key="nonconformity.id", index=True)
    action: str = Field(default="", sa_column=Column(Text, nullable=False, server_default=""))
    owner: str = Field(default="", index=True, max_length=64)
    due_date: Optional[date] = Field(default=None, index=True)
    status: str = Field(default="planned", index=True, max_length=16)
    done_on: Optional[date] = None
    effectiveness_review_due: Optional[date] = Field(default=None, index=True)
    effectiveness_reviewed_on: Optional[date] = None
    effective: Optional[bool] = None
    effectiveness_note: str = Field(default="", sa_column=Column(Text, nullable=False, server_default=""))
    created_by: str = Field(default="", max_length=64)
    updated_at: datetime = Field(default_factory=utcnow)
    version: int = Field(default=1, sa_column=_cac_v)


# ---------------------------------------------------------------------------
# Interested parties (4.2), documented information (7.5), AIMS roles (5.3)
# ---------------------------------------------------------------------------

INTERESTED_PARTY_KINDS = ("internal", "external")
INTERESTED_PARTY_STATUSES = ("active", "monitoring", "closed")
DOCUMENT_TYPES = ("policy", "ai_policy", "procedure", "record", "plan", "report", "other")
DOCUMENT_STATUSES = ("draft", "approved", "retired")
RESPONSIBILITY_STATUSES = ("active", "ended")

_party_v = _version()


class InterestedParty(SQLModel, table=True):
    """A party that bears on the AIMS, its needs and expectations, and which of them the AIMS addresses (4.2)."""

    __tablename__ = "interested_party"
    __mapper_args__ = {"version_id_col": _party_v}

    id: Optional[int] = Field(default=None, primary_key=True)
    ref: str = Field(index=True, unique=True, max_length=32)
    name: str = Field(max_length=300)
    kind: str = Field(default="external", max_length=16)
    needs: str = Field(default="", sa_column=Column(Text, nullable=False, server_default=""))
    addressed: str = Field(default="", sa_column=Column(Text, nullable=False, server_default=""))
    owner: str = Field(default="", index=True, max_length=64)
    status: str = Field(default="active", index=True, max_length=16)
    review_cadence: str = Field(default="", max_length=200)
    next_review: Optional[date] = Field(default=None, index=True)
    last_reviewed: Optional[date] = None
    created_by: str = Field(default="", max_length=64)
    updated_at: datetime = Field(default_factory=utcnow)
    version: int = Field(default=1, sa_column=_party_v)


_doc_v = _version()


class Document(SQLModel, table=True):
    """An item of documented information (7.5): the AI policy (5.2) is the one of type ai_policy."""

    __tablename__ = "document"
    __mapper_args__ = {"version_id_col": _doc_v}

    id: Optional[int] = Field(default=None, primary_key=True)
    ref: str = Field(index=True, unique=True, max_length=32)
    title: str = Field(max_length=300)
    doc_type: str = Field(default="other", index=True, max_length=16)
    version_label: str = Field(default="", max_length=32)
    owner: str = Field(default="", index=True, max_length=64)
    location: str = Field(default="", max_length=1000)
    status: str = Field(default="draft", index=True, max_length=16)
    approved_by: str = Field(default="", max_length=64)
    approved_on: Optional[date] = None
    review_cadence: str = Field(default="", max_length=200)
    next_review: Optional[date] = Field(default=None, index=True)
    last_reviewed: Optional[date] = None
    retention: str = Field(default="", max_length=200)
    created_by: str = Field(default="", max_length=64)
    updated_at: datetime = Field(default_factory=utcnow)
    version: int = Field(default=1, sa_column=_doc_v)


_resp_v = _version()


class Responsibility(SQLModel, table=True):
    """An AIMS role or responsibility and who holds it (5.3)."""

    __tablename__ = "responsibility"
    __mapper_args__ = {"version_id_col": _resp_v}

    id: Optional[int] = Field(default=None, primary_key=True)
    ref: str = Field(index=True, unique=True, max_length=32)
    title: str = Field(max_length=300)
    holder: str = Field(default="", index=True, max_length=64)
    deputy: str = Field(default="", max_length=64)
    accountable_for: str = Field(default="", sa_column=Column(Text, nullable=False, server_default=""))
    assigned_on: Optional[date] = None
    status: str = Field(default="active", index=True, max_length=16)
    review_cadence: str = Field(default="", max_length=200)
    next_review: Optional[date] = Field(default=None, index=True)
    last_reviewed: Optional[date] = None
    created_by: str = Field(default="", max_length=64)
    updated_at: datetime = Field(default_factory=utcnow)
    version: int = Field(default=1, sa_column=_resp_v)


# ---------------------------------------------------------------------------
# Risk criteria and opportunities (clause 6.1.1)
# ---------------------------------------------------------------------------

OPPORTUNITY_STATUSES = ("identified", "pursuing", "realised", "dropped")

_opp_v = _version()


class Opportunity(SQLModel, table=True):
    """An opportunity the AIMS could take (6.1.1), with its expected benefit."""

    __tablename__ = "opportunity"
    __mapper_args__ = {"version_id_col": _opp_v}

    id: Optional[int] = Field(default=None, primary_key=True)
    ref: str = Field(index=True, unique=True, max_length=32)
    title: str = Field(max_length=300)
    description: str = Field(default="", sa_column=Column(Text, nullable=False, server_default=""))
    expected_benefit: str = Field(default="", sa_column=Column(Text, nullable=False, server_default=""))
    owner: str = Field(default="", index=True, max_length=64)
    status: str = Field(default="identified", index=True, max_length=16)
    due_date: Optional[date] = Field(default=None, index=True)
    system_id: Optional[int] = Field(default=None, foreign_key="ai_system.id", index=True)
    review_cadence: str = Field(default="", max_length=200)
    next_review: Optional[date] = Field(default=None, index=True)
    last_reviewed: Optional[date] = None
    created_by: str = Field(default="", max_length=64)
    updated_at: datetime = Field(default_factory=utcnow)
    version: int = Field(default=1, sa_column=_opp_v)


# ---------------------------------------------------------------------------
# Objectives and measurement (6.2, 9.1), support: resources, competence, awareness,
# communication (7.1 to 7.4)
# ---------------------------------------------------------------------------

OBJECTIVE_DIRECTIONS = ("at_least", "at_most")
OBJECTIVE_STATUSES = ("active", "achieved", "dropped")
RESOURCE_TYPES = ("people", "infrastructure", "data", "tooling", "budget")
RESOURCE_STATUSES = ("needed", "available", "insufficient", "retired")
COMPETENCE_LEVELS = ("awareness", "working", "expert")
COMPETENCE_STATUSES = ("active", "retired")
TRAINING_KINDS = ("training", "awareness")
TRAINING_STATUSES = ("completed", "planned", "superseded")
COMMUNICATION_AUDIENCES = ("internal", "external")
COMMUNICATION_STATUSES = ("planned", "ongoing", "done", "dropped")

_obj_v = _version()
_mea_v = _version()
_res_v = _version()
_cmp_v = _version()
_trn_v = _version()
_com_v = _version()


class Objective(SQLModel, table=True):
    """An AI objective (6.2): what is measured, the target, by when, who owns it."""

    __tablename__ = "objective"
    __mapper_args__ = {"version_id_col": _obj_v}

    id: Optional[int] = Field(default=None, primary_key=True)
    ref: str = Field(index=True, unique=True, max_length=32)
    title: str = Field(max_length=300)
    metric: str = Field(default="", max_length=300)
    target: float = Field(default=0.0)
    unit: str = Field(default="", max_length=32)
    direction: str = Field(default="at_least", max_length=16)
    system_id: Optional[int] = Field(default=None, foreign_key="ai_system.id", index=True)
    description: str = Field(default="", sa_column=Column(Text, nullable=False, server_default=""))
    owner: str = Field(default="", index=True, max_length=64)
    status: str = Field(default="active", index=True, max_length=16)
    due_date: Optional[date] = Field(default=None, index=True)
    review_cadence: str = Field(default="", max_length=200)
    next_review: Optional[date] = Field(default=None, index=True)
    last_reviewed: Optional[date] = None
    created_by: str = Field(default="", max_length=64)
    updated_at: datetime = Field(default_factory=utcnow)
    version: int = Field(default=1, sa_column=_obj_v)


class Measurement(SQLModel, table=True):
    """One dated value of an objective's metric (9.1)."""

    __tablename__ = "measurement"
    __mapper_args__ = {"version_id_col": _mea_v}
    __table_args__ = (Index("ix_measurement_objective_on", "objective_id", "measured_on"),)

    id: Optional[int] = Field(default=None, primary_key=True)
    ref: str = Field(index=True, unique=True, max_length=32)
    objective_id: int = Field(foreign_key="objective.id")
    measured_on: date
    value: float
    note: str = Field(default="", max_length=500)
    status: str = Field(default="recorded", index=True, max_length=16)
    created_by: str = Field(default="", max_length=64)
    updated_at: datetime = Field(default_factory=utcnow)
    version: int = Field(default=1, sa_column=_mea_v)


class Resource(SQLModel, table=True):
    """A resource the AIMS needs (7.1): people, infrastructure, data, tooling, budget."""

    __tablename__ = "resource"
    __mapper_args__ = {"version_id_col": _res_v}

    id: Optional[int] = Field(default=None, primary_key=True)
    ref: str = Field(index=True, unique=True, max_length=32)
    title: str = Field(max_length=300)
    type: str = Field(default="people", max_length=16)
    description: str = Field(default="", sa_column=Column(Text, nullable=False, server_default=""))
    owner: str = Field(default="", index=True, max_length=64)
    status: str = Field(default="needed", index=True, max_length=16)
    review_cadence: str = Field(default="", max_length=200)
    next_review: Optional[date] = Field(default=None, index=True)
    last_reviewed: Optional[date] = None
    created_by: str = Field(default="", max_length=64)
    updated_at: datetime = Field(default_factory=utcnow)
    version: int = Field(default=1, sa_column=_res_v)


class Competence(SQLModel, table=True):
    """A competence an AIMS role requires (7.2), at a level."""

    __tablename__ = "competence"
    __mapper_args__ = {"version_id_col": _cmp_v}

    id: Optional[int] = Field(default=None, primary_key=True)
    ref: str = Field(index=True, unique=True, max_length=32)
    title: str = Field(max_length=300)
    role: str = Field(default="", index=True, max_length=100)
    level: str = Field(default="awareness", max_length=16)
    description: str = Field(default="", sa_column=Column(Text, nullable=False, server_default=""))
    owner: str = Field(default="", index=True, max_length=64)
    status: str = Field(default="active", index=True, max_length=16)
    review_cadence: str = Field(default="", max_length=200)
    next_review: Optional[date] = Field(default=None, index=True)
    last_reviewed: Optional[date] = None
    created_by: str = Field(default="", max_length=64)
    updated_at: datetime = Field(default_factory=utcnow)
    version: int = Field(default=1, sa_column=_cmp_v)


class Training(SQLModel, table=True):
    """A person's training or awareness (7.2, 7.3), with when it expires and its evidence."""

    __tablename__ = "training"
    __mapper_args__ = {"version_id_col": _trn_v}

    id: Optional[int] = Field(default=None, primary_key=True)
    ref: str = Field(index=True, unique=True, max_length=32)
    title: str = Field(max_length=300)
    person: str = Field(default="", index=True, max_length=100)
    kind: str = Field(default="training", max_length=16)
    competence_id: Optional[int] = Field(default=None, foreign_key="competence.id", index=True)
    completed_on: Optional[date] = None
    expires_on: Optional[date] = Field(default=None, index=True)
    evidence: str = Field(default="", max_length=500)
    status: str = Field(default="completed", index=True, max_length=16)
    created_by: str = Field(default="", max_length=64)
    updated_at: datetime = Field(default_factory=utcnow)
    version: int = Field(default=1, sa_column=_trn_v)


class Communication(SQLModel, table=True):
    """A planned communication about the AIMS (7.4): what, to whom, when, how, who."""

    __tablename__ = "communication"
    __mapper_args__ = {"version_id_col": _com_v}

    id: Optional[int] = Field(default=None, primary_key=True)
    ref: str = Field(index=True, unique=True, max_length=32)
    title: str = Field(max_length=300)
    audience: str = Field(default="", max_length=200)
    reach: str = Field(default="internal", max_length=16)
    timing: str = Field(default="", max_length=200)
    channel: str = Field(default="", max_length=200)
    owner: str = Field(default="", index=True, max_length=64)
    status: str = Field(default="planned", index=True, max_length=16)
    review_cadence: str = Field(default="", max_length=200)
    next_review: Optional[date] = Field(default=None, index=True)
    last_reviewed: Optional[date] = None
    created_by: str = Field(default="", max_length=64)
    updated_at: datetime = Field(default_factory=utcnow)
    version: int = Field(default=1, sa_column=_com_v)


# ---------------------------------------------------------------------------
# Evidence (issue 17): a file or a page that shows a control or record at work
# ---------------------------------------------------------------------------

EVIDENCE_STATUSES = ("current", "superseded")

_evidence_v = _version()


class Evidence(SQLModel, table=True):
    """A file path or URL an auditor can sample, linked to any record by its ref.

    For a path, ``sha256`` and ``size`` are what aims read when the evidence was
    recorded (never typed); ``aims evidence verify`` reads the file again. The
    file stays where it is: aims never copies or uploads it."""

    __tablename__ = "evidence"
    __mapper_args__ = {"version_id_col": _evidence_v}
    __table_args__ = (Index("ix_evidence_for", "for_kind", "for_ref"),)

    id: Optional[int] = Field(default=None, primary_key=True)
    ref: str = Field(index=True, unique=True, max_length=32)
    title: str = Field(max_length=300)
    location: str = Field(default="", sa_column=Column(Text, nullable=False, server_default=""))
    shows: str = Field(default="", sa_column=Column(Text, nullable=False, server_default=""))
    for_ref: str = Field(default="", max_length=64)
    for_kind: str = Field(default="", max_length=32)
    captured_by: str = Field(default="", index=True, max_length=64)
    captured_on: Optional[date] = None
    sha256: str = Field(default="", max_length=64)
    size: Optional[int] = Field(default=None, sa_column=Column(BigInteger, nullable=True))
    status: str = Field(default="current", index=True, max_length=16)
    review_cadence: str = Field(default="", max_length=200)
    next_review: Optional[date] = Field(default=None, index=True)
    last_reviewed: Optional[date] = None
    created_by: str = Field(default="", max_length=64)
    updated_at: datetime = Field(default_factory=utcnow)
    version: int = Field(default=1, sa_column=_evidence_v)


# ---------------------------------------------------------------------------
# The audit trail (append-only, hash-chained)
# ---------------------------------------------------------------------------


class AuditEvent(SQLModel, table=True):
    __tablename__ = "audit_event"
    __table_args__ = (Index("ix_audit_entity", "entity_ref", "id"),)

    id: Optional[int] = Field(default=None, primary_key=True)
    at: datetime = Field(index=True)
    actor: str = Field(max_length=64)
    entity: str = Field(max_length=32)  # table name
    entity_ref: str = Field(default="", max_length=64)
    action: str = Field(max_length=32)  # create, update, delete, transition, ...
    changes: dict = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    prev_hash: str = Field(default="", max_length=64)
    hash: str = Field(max_length=64)
    # digest of the records this event's transaction left (see audit_seal); None before 0006
    seal: Optional[str] = Field(default=None, max_length=64)


class AuditHead(SQLModel, table=True):
    """One row (id = 1): how many audit events exist, the newest id and hash.

    Kept by a database trigger on every insert into audit_event (migration
    0002), so ``audit.verify`` can tell when the newest events were deleted.
    """

    __tablename__ = "audit_head"

    id: Optional[int] = Field(default=None, primary_key=True)
    events: int = Field(default=0)
    last_id: int = Field(default=0)
    hash: str = Field(default="", max_length=64)


class AuditSeal(SQLModel, table=True):
    """The digest of one record as an audit event left it ('' once deleted), so that
    ``aims audit verify`` can prove the register, not only the trail (migration 0006)."""

    __tablename__ = "audit_seal"
    __table_args__ = (Index("ix_audit_seal_event", "event_id"), {"sqlite_with_rowid": False})

    kind: str = Field(primary_key=True, max_length=64)  # the record's table
    key: int = Field(sa_column=Column(BigInteger, primary_key=True, autoincrement=False))
    event_id: int = Field(primary_key=True, sa_column_kwargs={"autoincrement": False})
    ref: str = Field(default="", max_length=200)
    digest: str = Field(default="", max_length=32)


class AuditTally(SQLModel, table=True):
    """How many records of each kind the trail says exist (the quick check at start)."""

    __tablename__ = "audit_tally"

    kind: str = Field(primary_key=True, max_length=64)
    live: int = Field(default=0)


EDITABLE_MODELS = (
    User,
    Settings,
    AISystem,
    Control,
    Applicability,
    Risk,
    Acceptance,
    Treatment,
    ImpactAssessment,
    Nonconformity,
    ManagementReview,
    ManagementReviewAction,
)
