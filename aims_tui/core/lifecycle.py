"""AI system life cycle: stages, allowed transitions and gates.

The product's stages follow ISO/IEC 22989 (see reference/iso42001.md):
design -> validation -> deployment -> monitoring -> improvement -> retired,
and from improvement back to design, validation or deployment.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from .models import STAGES

TRANSITIONS: dict[str, tuple[str, ...]] = {
    "design": ("validation", "retired"),
    "validation": ("deployment", "design", "retired"),
    "deployment": ("monitoring", "improvement", "retired"),
    "monitoring": ("improvement", "retired"),
    "improvement": ("design", "validation", "deployment", "retired"),
    "retired": (),
}

STAGE_TITLES = {
    "design": "Design and development",
    "validation": "Verification and validation",
    "deployment": "Deployment",
    "monitoring": "Operation and monitoring",
    "improvement": "Re-evaluation and improvement",
    "retired": "Retired",
}

assert set(TRANSITIONS) == set(STAGES)


def allowed(from_stage: str, to_stage: str) -> bool:
    return to_stage in TRANSITIONS.get(from_stage, ())


def next_stages(from_stage: str) -> tuple[str, ...]:
    return TRANSITIONS.get(from_stage, ())


@dataclass(frozen=True)
class SystemFacts:
    """What the gates need to know about an AI system (gathered by the service)."""

    risk_count: int
    approved_impact_assessment: bool
    vv_review_count: int  # reviews of kind verification_validation
    open_treatments: int
    technical_owner: str
    unaccepted_above_appetite: int


@dataclass(frozen=True)
class Gate:
    id: str
    to_stage: str
    description: str
    check: Callable[[SystemFacts], bool]
    how: str = ""  # how to satisfy it: the record or review missing, the key / command that adds it

    def message(self, ref: str = "REF") -> str:
        """What is missing and how to add it, e.g. for AIS-003."""
        return f"{self.description}. To satisfy it: {self.how.replace('REF', ref)}"


GATES: tuple[Gate, ...] = (
    Gate("risk_assessed", "validation",
         "at least one risk is registered for the AI system (6.1.2)",
         lambda f: f.risk_count > 0,
         "add a risk for REF (AI systems, Enter on REF, then n: New risk; or the register, n)"),
    Gate("impact_assessment_approved", "deployment",
         "an approved AI system impact assessment (6.1.4, A.5)",
         lambda f: f.approved_impact_assessment,
         "record an impact assessment of REF (Impact assessments, key 6, then n) and have an approver "
         "approve it (A)"),
    Gate("verification_validation", "deployment",
         "a verification and validation record (A.6.2.4)",
         lambda f: f.vv_review_count > 0,
         "record the verification and validation review of REF (AI systems, v; or in this dialog, "
         "ctrl+r; or `aims review REF --kind verification_validation --outcome still_valid`)"),
    Gate("residual_accepted", "deployment",
         "every residual risk above appetite is accepted (6.1.3)",
         lambda f: f.unaccepted_above_appetite == 0,
         "treat REF's risks above appetite until their residual is within it, or have an approver accept "
         "each (risk register, filter by system, a: Accept residual)"),
    Gate("operator_named", "monitoring",
         "a technical owner is named for operation and monitoring (A.6.2.6)",
         lambda f: bool(f.technical_owner),
         "name REF's technical owner (AI systems, e: Edit, Technical owner)"),
)


def gates_for(to_stage: str) -> list[Gate]:
    return [g for g in GATES if g.to_stage == to_stage]


def failing_gates(to_stage: str, facts: SystemFacts) -> list[Gate]:
    """The gates of a move into ``to_stage`` that the facts do not satisfy."""
    return [g for g in gates_for(to_stage) if not g.check(facts)]
