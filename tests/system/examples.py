"""One example per kind of core.catalog: what the generic tests (service contract,
CLI, the app's screens) record, change and refuse. A new kind adds one line here;
``test_every_kind_has_an_example`` fails until it does.

``valid``: a record a person could enter (links by ref: ``setup`` creates what they name).
``change``: a valid change of it.  ``bad``: (input, the field the refusal must name).
``typed``: what the Pilot test types into the new-record form, by field (a list's label
for a choice); it must make a valid record.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable

from aims_tui.core.db import Database
from aims_tui.core.services import nonconformities, registers, risks, systems

from ..conftest import EDITOR, TODAY


@dataclass(frozen=True)
class Example:
    valid: dict[str, Any]
    change: dict[str, Any]
    bad: tuple[dict[str, Any], str]
    typed: dict[str, str]
    setup: Callable[[Database], None] = field(default=lambda db: None)


EXAMPLES: dict[str, Example] = {
    "context_issue": Example(
        valid={"title": "EU AI Act applies from 2026", "kind": "external", "review_cadence": "yearly"},
        change={"status": "monitoring", "effect": "High-risk systems need conformity assessment"},
        bad=({"title": "Regulation", "kind": "sideways"}, "kind"),
        typed={"title": "Skills shortage in ML ops", "kind": "internal"},
    ),
    "supplier": Example(
        valid={"name": "Acme Models Ltd", "type": "third_party_ai_component", "status": "active",
               "provides": "Hosted language model", "review_cadence": "yearly"},
        change={"assessed_on": "2026-06-01", "outcome": "acceptable_with_conditions", "risk_level": "medium",
                "conditions": "Annual SOC 2 report"},
        bad=({"name": "Cloudy", "outcome": "fine"}, "outcome"),
        typed={"name": "Data Brokers Inc", "type": "data provider"},
    ),
    "ai_component": Example(
        valid={"name": "gpt-style base model", "type": "model", "supplier": "SUP-001", "system": "AIS-001",
               "component_version": "2026-05", "licence": "commercial", "review_cadence": "yearly"},
        change={"status": "in_use", "used_for": "Drafting answers to customers"},
        bad=({"name": "Embeddings API", "supplier": "SUP-999"}, "supplier"),
        typed={"name": "Sentence embeddings", "type": "api"},
        setup=lambda db: _supplier_and_system(db),
    ),
    "incident": Example(
        valid={"title": "Chatbot disclosed another customer's order", "severity": "high",
               "occurred_on": "2026-06-10", "detected_on": "2026-06-11", "system": "AIS-001", "risk": "R-0001",
               "reported_to": "data protection authority"},
        change={"status": "contained", "response": "Conversation memory switched off"},
        bad=({"title": "Outage", "occurred_on": "2026-06-10", "detected_on": "2026-06-01"}, "detected_on"),
        typed={"title": "Wrong loan decision published", "severity": "medium"},
        setup=lambda db: _system_and_risk(db),
    ),
    "audit_programme": Example(
        valid={"title": "Internal audit programme 2027", "period": "2027", "scope": "Every clause, every AI system",
               "criteria": "ISO/IEC 42001 and our AI policy", "review_cadence": "yearly"},
        change={"criteria": "ISO/IEC 42001, our AI policy and the EU AI Act"},
        bad=({"title": "Programme 2027", "status": "approved"}, "status"),  # an approver approves it
        typed={"title": "Audit programme 2028", "period": "2028"},
    ),
    "internal_audit": Example(
        valid={"title": "Audit of risk treatment", "programme": "APG-001", "area": "Risk management",
               "area_owner": "bob", "auditor": "eve", "planned_on": "2026-07-01", "scope": "Clause 6.1.3"},
        change={"status": "held", "held_on": "2026-06-10"},
        bad=({"title": "Self audit", "area": "Risk management", "area_owner": "eve", "auditor": "eve"}, "auditor"),
        typed={"title": "Audit of the SoA"},
        setup=lambda db: registers.create(db, "eve", "audit_programme", {"title": "Programme 2026", "period": "2026"})
        and None,
    ),
    "corrective_action": Example(
        valid={"nonconformity": "NC-001", "action": "Filter prompts before the model sees them", "owner": "eve",
               "due_date": "2026-07-15"},
        change={"status": "in_progress"},
        bad=({"nonconformity": "NC-999", "action": "Retrain"}, "nonconformity"),
        typed={"nonconformity": "NC-001", "action": "Retrain the reviewers"},
        setup=lambda db: nonconformities.create_nonconformity(db, "eve", {"title": "Prompt injection reached logs"})
        and None,
    ),
    "interested_party": Example(
        valid={"name": "Job applicants", "kind": "external", "needs": "Fair screening; a person to appeal to",
               "review_cadence": "yearly"},
        change={"addressed": "Human review of every rejection (AIS-002)", "status": "monitoring"},
        bad=({"name": "Regulator", "kind": "sideways"}, "kind"),
        typed={"name": "Works council", "kind": "internal", "needs": "Consulted before monitoring tools go live"},
    ),
    "document": Example(
        valid={"title": "AI policy", "doc_type": "ai_policy", "version_label": "1.0",
               "location": "https://intranet.example/policies/ai-policy.pdf", "review_cadence": "yearly",
               "retention": "7 years after retirement"},
        change={"version_label": "1.1", "location": "docs/ai-policy-1.1.md"},
        bad=({"title": "AI policy", "status": "approved"}, "status"),
        typed={"title": "Model release procedure", "doc_type": "procedure", "version_label": "0.3"},
    ),
    "responsibility": Example(
        valid={"title": "AIMS owner", "accountable_for": "The AIMS meets its objectives; reports to the board",
               "review_cadence": "yearly"},
        change={"accountable_for": "The AIMS and its internal audit programme", "status": "ended"},
        bad=({"title": "AI risk owner for AIS-003", "assigned_on": "2026/13/01"}, "assigned_on"),
        typed={"title": "AI risk owner for AIS-003", "accountable_for": "Risks of the hiring model"},
    ),
    "opportunity": Example(
        valid={"title": "Automate bias testing in CI", "expected_benefit": "Releases a week sooner",
               "system": "AIS-001", "due_date": "2026-09-30", "review_cadence": "quarterly"},
        change={"status": "pursuing", "expected_benefit": "Releases two weeks sooner"},
        bad=({"title": "Reuse the fairness toolkit", "status": "maybe"}, "status"),
        typed={"title": "Share model cards with customers", "status": "pursuing"},
        setup=lambda db: _system(db),
    ),
    "objective": Example(
        valid={"title": "Triage model accuracy", "metric": "accuracy on the holdout set", "target": "93.5",
               "unit": "%", "direction": "at_least", "review_cadence": "monthly"},
        change={"target": 95, "status": "achieved"},
        bad=({"title": "Fewer incidents", "target": "a few"}, "target"),
        typed={"title": "Fewer model incidents", "target": "2", "direction": "at most"},
    ),
    "measurement": Example(
        valid={"objective": "OBJ-001", "measured_on": "2026-05-31", "value": "92.1", "note": "May run"},
        change={"value": 92.4, "note": "May run, recomputed"},
        bad=({"objective": "OBJ-001", "measured_on": "2026-05-31", "value": "high"}, "value"),
        typed={"objective": "OBJ-001", "measured_on": "2026-06-10", "value": "93.5", "note": "June run"},
        setup=lambda db: _objective(db),
    ),
    "resource": Example(
        valid={"title": "GPU capacity for retraining", "type": "infrastructure", "review_cadence": "yearly"},
        change={"status": "available", "description": "Two A100 nodes reserved"},
        bad=({"title": "Budget", "type": "magic"}, "type"),
        typed={"title": "Data labelling team", "type": "people"},
    ),
    "competence": Example(
        valid={"title": "Model risk assessment", "role": "AI risk owner", "level": "expert",
               "review_cadence": "yearly"},
        change={"level": "working", "description": "Scores risks against the matrix"},
        bad=({"title": "Bias testing"}, "role"),
        typed={"title": "Bias testing", "role": "ML engineer"},
    ),
    "training": Example(
        valid={"title": "AI risk course", "person": "eve", "kind": "training", "competence": "CMP-001",
               "completed_on": "2026-01-10", "expires_on": "2027-01-10", "evidence": "LMS certificate 4411"},
        change={"evidence": "HR file 12", "expires_on": "2027-02-01"},
        bad=({"title": "AI risk course", "person": "eve", "completed_on": "2026-05-01", "expires_on": "2026-04-01"},
             "expires_on"),
        typed={"title": "AI policy briefing", "person": "Dana Smith", "kind": "awareness"},
        setup=lambda db: _competence(db),
    ),
    "communication": Example(
        valid={"title": "AIMS performance to the board", "audience": "Board", "reach": "internal",
               "timing": "after each management review", "channel": "board pack", "review_cadence": "quarterly"},
        change={"status": "ongoing", "channel": "board portal"},
        bad=({"title": "Model card", "reach": "sideways"}, "reach"),
        typed={"title": "Model cards published", "audience": "Customers", "reach": "external"},
    ),
    "evidence": Example(
        valid={"title": "Access review minutes, Q2", "location": "https://intranet.example.com/aims/access-q2",
               "for_ref": "A.6.2.4", "shows": "Quarterly access review held", "review_cadence": "yearly"},
        change={"shows": "Quarterly access review held and signed", "status": "superseded"},
        bad=({"title": "Minutes", "location": "https://intranet.example.com/x", "for_ref": "A.99.9"}, "for_ref"),
        typed={"title": "Model card v3", "location": "https://wiki.example.com/model-card-v3",
               "for_ref": "A.6.2.4"},
    ),
}


def _supplier_and_system(db: Database) -> None:
    registers.create(db, EDITOR, "supplier", {"name": "Acme Models Ltd"})
    systems.create_system(db, EDITOR, {"name": "Customer chatbot"})


def _system_and_risk(db: Database) -> None:
    s = systems.create_system(db, EDITOR, {"name": "Customer chatbot"})
    risks.create_risk(db, EDITOR, {"system": s["ref"], "title": "Leaks personal data", "inherent_likelihood": 3,
                                   "inherent_impact": 4}, today=TODAY)


def _system(db: Database) -> None:
    systems.create_system(db, "ada", {"name": "Customer chatbot"})
def _objective(db: Database) -> None:
    registers.create(db, "eve", "objective", {"title": "Triage model accuracy", "target": 93.5, "unit": "%"})


def _competence(db: Database) -> None:
    registers.create(db, "eve", "competence", {"title": "Model risk assessment", "role": "AI risk owner"})


def record_on(db: Database, actor: str, entity: str) -> dict:
    """Record the example of ``entity`` in a register that already holds data (the demo):
    a nonconformity it names is a new open one (the demo's NC-001 may be closed)."""
    ex = EXAMPLES[entity]
    ex.setup(db)
    data = dict(ex.valid)
    if "nonconformity" in data:
        data["nonconformity"] = nonconformities.create_nonconformity(db, actor, {"title": "Found in review"})["ref"]
    return registers.create(db, actor, entity, data, today=TODAY)
