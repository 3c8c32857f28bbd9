"""The demo's management system: the registers of clauses 4 to 10 and Annex A.10, as a
small organisation that keeps them would hold them (issue 17).

Written after the demo's bulk load, through the services (``registers.create_many``
and the area services: approvals, the scope, the SoA, audit findings, the management
review), so that every record has its audit event and passes the rules a user's
record passes. Every value is fixed or derived from the demo's date ``today`` and
from what the bulk load wrote (its AI systems, nonconformities and applicable
controls): the same date gives the same records, with no random draw and no clock.

A realistic few readiness gaps are left on purpose (:data:`GAPS` says which and why);
everything else readiness asks for is there. Evidence points at small files the demo
writes under its own folder (``<db folder>/<db name>-evidence/``, hashed when
recorded) or at URLs; a database without a folder (PostgreSQL, memory) gets URLs only.
"""

from __future__ import annotations

import os
from datetime import date, timedelta
from typing import Any

from sqlmodel import select

from .. import evidence as ev
from ..db import Database
from ..identity import APPROVE
from ..models import AISystem, Applicability, Control, InternalAudit, Nonconformity, User
from ..records import settings_row
from . import controls, documents, internal_audits, management, registers, scope

APPROVER = "bob"  # the demo team's approver (demo.DEMO_USERS)
LATE_DOCUMENT = "Data retention procedure"  # 7.5: past its review date
NO_EVIDENCE = "A.6.2.7"  # an applicable control with no evidence yet (else the last applicable one)
STALE_EVIDENCE = "A.7.4"  # an applicable control whose only evidence is past its review
LATE_ACTION = "Re-run the release checklist on every model still serving"  # 10.2: past its due date
# The gaps the demo leaves (tests/system/test_demo_readiness.py checks each closes when its record is added);
# some risks past their review date (8.2) come from the bulk load's draws as well.
GAPS = (
    f"7.5: the {LATE_DOCUMENT.lower()} is past its review date",
    f"{NO_EVIDENCE}: no evidence recorded yet",
    f"{STALE_EVIDENCE}: its only evidence is past its review",
    "10.2: one corrective action is past its due date",
)
EVIDENCE_KINDS = ("Approved procedure", "Meeting minutes", "Training records", "Test report",
                  "Monitoring dashboard export", "Supplier contract clause", "Signed-off checklist")
URL = "https://intranet.example.com/aims"


def _d(today: date, days: int) -> str:
    return (today + timedelta(days=days)).isoformat()


def evidence_folder(db: Database) -> str | None:
    """Where the demo writes its evidence files: a folder beside the database file,
    named after it (None for a database that is not a file)."""
    if not db.path:
        return None
    path = os.path.abspath(str(db.path))
    stem = os.path.splitext(os.path.basename(path))[0]
    return os.path.join(os.path.dirname(path), f"{stem}-evidence")


def load(db: Database, actor: str, today: date) -> dict[str, int]:
    """Write every register; how many records of each were written."""
    with db.read() as s:
        approver = _approver(s, actor)
        org = settings_row(s).organization or "Example Org"
        systems = list(s.exec(select(AISystem.ref, AISystem.name, AISystem.third_party, AISystem.stage)
                              .order_by(AISystem.ref).limit(12)))
        has_scope = bool((settings_row(s).scope or "").strip())
    sys_ref = {name: ref for ref, name, _tp, _st in systems}
    first = systems[0][0]
    chatbot = sys_ref.get("Customer support chatbot", first)
    counts: dict[str, int] = {}

    def many(entity: str, items: list[dict[str, Any]], day: date = today) -> list[dict[str, Any]]:
        out = registers.create_many(db, actor, entity, items, today=day)
        counts[registers.kind_of(entity).many.replace(" ", "_")] = \
            counts.get(registers.kind_of(entity).many.replace(" ", "_"), 0) + len(out)
        return out

    # 4.3 the scope (an admin's; left as it is when one is already written)
    if not has_scope:
        scope.set_scope(db, actor, (
            f"The AI management system of {org} covers the AI systems it provides and deploys in its lending, "
            "hiring, customer service and operations, from design to retirement, the data and third-party models "
            "they use, and the people who build, run and oversee them. Out of scope: AI features of office "
            "software used as supplied."))
    _context(many, today, actor)
    _leadership(db, many, today, actor, approver)
    _planning(many, today, first)
    _objectives(many, today, first, chatbot)
    _support(many, today, actor)
    _suppliers(many, today, systems)
    many("incident", [dict(
        title="Chatbot quoted an outdated fee to a customer", severity="medium", occurred_on=_d(today, -40),
        detected_on=_d(today, -39), system=chatbot, owner="alice", reported_to="Customer service lead",
        description="The chatbot answered from a fee table replaced the week before.",
        response="Fee table re-indexed; answers on fees now cite the live tariff page; customer refunded.",
        status="closed")], today - timedelta(days=30))
    _audits(db, many, today, actor, approver)
    _corrective_actions(db, many, today)
    controls.approve_soa(db, approver)
    _management_review(db, today, actor, approver, counts)
    counts["evidence"] = _evidence(db, many, today, actor, org)
    return counts


def _approver(s: Any, actor: str) -> str:
    """bob approves when he is an active approver (or admin); else the actor does."""
    row = s.exec(select(User.role, User.active).where(User.login == APPROVER)).first()
    return APPROVER if row is not None and row[1] and row[0] in APPROVE else actor


def _context(many: Any, today: date, actor: str) -> None:
    yearly = dict(review_cadence="yearly")
    many("context_issue", [
        dict(title="EU AI Act obligations for high-risk AI systems", kind="external", owner="bob", **yearly,
             effect="Credit scoring, CV screening and triage are high-risk: conformity assessment, logging, "
                    "human oversight", raised_on=_d(today, -320), next_review=_d(today, 120)),
        dict(title="Customers expect an explanation of automated decisions", kind="external", owner="alice",
             **yearly, effect="Adverse decisions need reasons a person can read", raised_on=_d(today, -300),
             next_review=_d(today, 150), status="monitoring"),
        dict(title="Few suppliers of foundation models", kind="external", owner="chen", **yearly,
             effect="A supplier's model change can change our systems' behaviour without notice",
             raised_on=_d(today, -250), next_review=_d(today, 90)),
        dict(title="Small ML team: key-person dependency", kind="internal", owner=actor, **yearly,
             effect="Validation and retraining depend on two people", raised_on=_d(today, -280),
             next_review=_d(today, 60)),
        dict(title="Legacy data warehouse limits data lineage", kind="internal", owner="chen", **yearly,
             effect="Training data provenance is documented by hand", raised_on=_d(today, -200),
             next_review=_d(today, 180)),
    ])
    many("interested_party", [
        dict(name="Loan applicants and customers", kind="external", owner="alice", review_cadence="yearly",
             needs="Fair decisions, an explanation, a person to appeal to",
             addressed="Human review of every adverse decision; reasons sent with each decision",
             next_review=_d(today, 140)),
        dict(name="Financial supervisor and data protection authority", kind="external", owner="bob",
             review_cadence="yearly", needs="Compliance with the EU AI Act and GDPR; incidents reported",
             addressed="Conformity files per high-risk system; incident reporting procedure",
             next_review=_d(today, 100)),
        dict(name="Employees and works council", kind="internal", owner=actor, review_cadence="yearly",
             needs="Consulted before AI tools that affect staff go live",
             addressed="Works council briefed at each stage gate of the CV screening assistant",
             next_review=_d(today, 200)),
        dict(name="Board of directors", kind="internal", owner=actor, review_cadence="yearly",
             needs="AI risk within appetite; a quarterly view of the AIMS",
             addressed="Quarterly AIMS report; the management review pack", next_review=_d(today, 80)),
        dict(name="Model and data suppliers", kind="external", owner="chen", review_cadence="yearly",
             needs="Clear requirements and notice of how their components are used",
             addressed="Supplier assessments and contract clauses (A.10)", next_review=_d(today, 170)),
    ])


def _leadership(db: Database, many: Any, today: date, actor: str, approver: str) -> None:
    docs = many("document", [
        dict(title="AI policy", doc_type="ai_policy", version_label="2.0", owner=actor,
             location=f"{URL}/policies/ai-policy-2.0.pdf", review_cadence="yearly", next_review=_d(today, 245),
             retention="10 years after it is superseded"),
        dict(title="AI risk management procedure", doc_type="procedure", version_label="1.3", owner="alice",
             location=f"{URL}/procedures/ai-risk-management.pdf", review_cadence="yearly",
             next_review=_d(today, 200), retention="10 years after it is superseded"),
        dict(title="AI system impact assessment procedure", doc_type="procedure", version_label="1.1",
             owner="alice", location=f"{URL}/procedures/impact-assessment.pdf", review_cadence="yearly",
             next_review=_d(today, 160), retention="10 years after it is superseded"),
        dict(title="Model release procedure", doc_type="procedure", version_label="2.2", owner="chen",
             location=f"{URL}/procedures/model-release.pdf", review_cadence="yearly", next_review=_d(today, 300),
             retention="10 years after it is superseded"),
        dict(title=LATE_DOCUMENT, doc_type="procedure", version_label="1.0", owner="chen",
             location=f"{URL}/procedures/data-retention.pdf", review_cadence="yearly", next_review=_d(today, -21),
             retention="10 years after it is superseded"),
        dict(title="Internal audit programme and reports", doc_type="record", version_label="2026", owner="bob",
             location=f"{URL}/audits/", review_cadence="yearly", next_review=_d(today, 220),
             retention="7 years"),
    ], today - timedelta(days=120))
    for i, doc in enumerate(docs):
        documents.approve(db, approver, doc["ref"], today=today - timedelta(days=110 - 3 * i))
    many("responsibility", [
        dict(title="AIMS owner", holder=actor, deputy="bob", review_cadence="yearly", next_review=_d(today, 230),
             accountable_for="The AIMS meets its objectives; reports to the board each quarter",
             assigned_on=_d(today, -400)),
        dict(title="AI governance board chair", holder="bob", deputy=actor, review_cadence="yearly",
             next_review=_d(today, 230), assigned_on=_d(today, -400),
             accountable_for="Approves the AI policy, the SoA, impact assessments and acceptances of residual risk"),
        dict(title="AI risk owner", holder="alice", deputy="chen", review_cadence="yearly",
             next_review=_d(today, 190), assigned_on=_d(today, -350),
             accountable_for="Risk management: the risk register, treatments and reviews"),
        dict(title="Data governance lead", holder="chen", deputy="alice", review_cadence="yearly",
             next_review=_d(today, 190), assigned_on=_d(today, -300),
             accountable_for="Data quality, lineage and retention for every AI system"),
    ])


def _planning(many: Any, today: date, first: str) -> None:
    many("opportunity", [
        dict(title="Automate bias testing in the release pipeline", system=first, owner="alice",
             expected_benefit="Bias tested on every release; releases a week sooner", status="pursuing",
             due_date=_d(today, 90), review_cadence="quarterly", next_review=_d(today, 45)),
        dict(title="Publish model cards to customers", owner="bob", status="identified",
             expected_benefit="Fewer questions to support; trust of business customers",
             review_cadence="quarterly", next_review=_d(today, 60)),
    ])


# (title, metric, target, unit, direction, system (None: organisation-wide), owner, six monthly values, oldest first)
OBJECTIVES = (
    ("Fairness gap of the credit scoring model", "approval-rate gap between age groups", 2.0, "pp", "at_most",
     "first", "alice", (3.1, 2.8, 2.4, 2.1, 1.9, 1.8)),
    ("AI incidents per month", "incidents recorded in the month", 1, "incidents", "at_most", None, "bob",
     (2, 1, 1, 0, 1, 0)),
    ("Staff briefed on the AI policy", "share of staff with a completed awareness record", 95, "%", "at_least",
     None, "bob", (61, 72, 81, 88, 93, 96.5)),
    ("Chatbot answers rated correct", "share of sampled answers rated correct", 90, "%", "at_least", "chatbot",
     "alice", (91.2, 90.5, 89.1, 87.6, 86.0, 84.3)),
)


def _objectives(many: Any, today: date, first: str, chatbot: str) -> None:
    objs = many("objective", [
        dict(title=t, metric=m, target=target, unit=unit, direction=direction, owner=owner,
             system={"first": first, "chatbot": chatbot}.get(sys or ""), review_cadence="monthly",
             due_date=_d(today, 200), description="Set by the AI governance board for this year")
        for t, m, target, unit, direction, sys, owner, _values in OBJECTIVES], today - timedelta(days=190))
    many("measurement", [
        dict(objective=o["ref"], measured_on=_d(today, -5 - 30 * (len(values) - 1 - k)), value=v,
             note=f"Monthly figure {k + 1} of {len(values)}")
        for o, (*_rest, values) in zip(objs, OBJECTIVES) for k, v in enumerate(values)])


def _support(many: Any, today: date, actor: str) -> None:
    yearly = dict(review_cadence="yearly", status="available")
    many("resource", [
        dict(title="ML engineering team (4 people)", type="people", owner=actor, next_review=_d(today, 120),
             description="Build, validate and monitor the AI systems", **yearly),
        dict(title="GPU capacity for retraining", type="infrastructure", owner="chen", next_review=_d(today, 90),
             description="Two reserved GPU nodes in the cloud region of our data", **yearly),
        dict(title="Labelled training data", type="data", owner="chen", next_review=_d(today, 150),
             description="Loan outcomes 2019-2025 and labelled support chats", **yearly),
        dict(title="Model monitoring tooling", type="tooling", owner="alice", next_review=_d(today, 200),
             description="Drift and fairness dashboards with alerts", **yearly),
        dict(title="AIMS budget for the year", type="budget", owner="bob", next_review=_d(today, 60),
             description="Audits, training and tooling", **yearly),
    ])
    comps = many("competence", [
        dict(title="AI risk assessment", role="AI risk owner", level="expert", owner="alice",
             review_cadence="yearly", next_review=_d(today, 180)),
        dict(title="Bias and fairness testing", role="ML engineer", level="working", owner="alice",
             review_cadence="yearly", next_review=_d(today, 180)),
        dict(title="Auditing an AI management system", role="Internal auditor", level="working", owner="bob",
             review_cadence="yearly", next_review=_d(today, 180)),
        dict(title="Data governance for AI", role="Data governance lead", level="expert", owner="chen",
             review_cadence="yearly", next_review=_d(today, 180)),
    ])
    c = [x["ref"] for x in comps]
    many("training", [
        dict(title="ISO/IEC 42001 risk assessment course", person="alice", kind="training", competence=c[0],
             completed_on=_d(today, -150), expires_on=_d(today, 580), evidence="LMS certificate 2231"),
        dict(title="Fairness testing workshop", person="chen", kind="training", competence=c[1],
             completed_on=_d(today, -95), evidence="Workshop attendance list, HR file"),
        dict(title="Internal auditor course, ISO/IEC 42001", person="chen", kind="training", competence=c[2],
             completed_on=_d(today, -210), expires_on=_d(today, 520), evidence="Course certificate"),
        dict(title="Lead internal auditor refresher", person="alice", kind="training", competence=c[2],
             completed_on=_d(today, -60), evidence="Course certificate"),
        dict(title="Data governance for AI", person="chen", kind="training", competence=c[3],
             completed_on=_d(today, -120), evidence="LMS certificate 2305"),
        dict(title="AI policy briefing", person="dana", kind="awareness", completed_on=_d(today, -40),
             expires_on=_d(today, 325), evidence="LMS record"),
        dict(title="AI policy briefing", person="bob", kind="awareness", completed_on=_d(today, -40),
             expires_on=_d(today, 325), evidence="LMS record"),
        dict(title="AI policy briefing", person="alice", kind="awareness", completed_on=_d(today, -38),
             expires_on=_d(today, 327), evidence="LMS record"),
    ])
    many("communication", [
        dict(title="AIMS performance report to the board", audience="Board of directors", reach="internal",
             timing="each quarter, after the management review", channel="board pack", owner=actor,
             status="ongoing", review_cadence="quarterly", next_review=_d(today, 40)),
        dict(title="AI notice on the customer website", audience="Customers", reach="external",
             timing="on every change of an AI system customers meet", channel="website", owner="alice",
             status="ongoing", review_cadence="yearly", next_review=_d(today, 160)),
        dict(title="AI policy and concerns channel to staff", audience="All staff", reach="internal",
             timing="at onboarding and yearly", channel="intranet and all-hands", owner="bob", status="ongoing",
             review_cadence="yearly", next_review=_d(today, 120)),
    ])


SUPPLIERS = (
    # name, type, provides, owner, outcome, risk level, conditions
    ("OpenModel Inc.", "third_party_ai_component", "Hosted foundation model (API)", "chen",
     "acceptable_with_conditions", "medium", "Notice of model changes 30 days ahead; no training on our data"),
    ("VisionCorp", "third_party_ai_component", "Face matching model for identity checks", "alice", "acceptable",
     "medium", ""),
    ("DataVendor Ltd", "data_provider", "Credit bureau and demographic reference data", "chen", "acceptable", "low",
     ""),
    ("CloudHost GmbH", "cloud", "Hosting and GPU capacity in the EU", "chen", "acceptable", "low", ""),
)


def _suppliers(many: Any, today: date, systems: list[tuple]) -> None:
    sups = many("supplier", [
        dict(name=name, type=typ, provides=provides, owner=owner, status="active", assessed_on=_d(today, -100 - 20 * i),
             outcome=outcome, risk_level=level, conditions=cond, review_cadence="yearly", next_review=_d(today, 200))
        for i, (name, typ, provides, owner, outcome, level, cond) in enumerate(SUPPLIERS)])
    by_name = {s["name"]: s["ref"] for s in sups}
    comps = []
    for ref, name, third, stage in systems:  # each live system that names a third party uses its component
        if not third or stage in ("retired", "withdrawn"):
            continue
        comps.append(dict(
            name=f"{third} model for {name.lower()}", type="api" if third == "OpenModel Inc." else "model",
            supplier=by_name.get(third, by_name["OpenModel Inc."]), system=ref, component_version="2026.1",
            licence="commercial", used_for=f"Part of {name}", owner="chen", status="in_use",
            review_cadence="yearly", next_review=_d(today, 150)))
    if comps:
        many("ai_component", comps)


def _audits(db: Database, many: Any, today: date, actor: str, approver: str) -> None:
    prog = many("audit_programme", [dict(
        title=f"Internal audit programme {today.year}", period=str(today.year), owner="bob",
        scope="Every clause of the AIMS and every AI system in use, over the year",
        criteria="ISO/IEC 42001, our AI policy and procedures", review_cadence="yearly",
        next_review=_d(today, 200))], today - timedelta(days=160))[0]
    internal_audits.approve_programme(db, approver, prog["ref"], today=today - timedelta(days=155))
    audits = many("internal_audit", [
        dict(title="Audit of AI risk management (6.1, 8.2, 8.3)", programme=prog["ref"], area="Risk management",
             area_owner="alice", auditor="chen", planned_on=_d(today, -35), held_on=_d(today, -30),
             scope="Risk register, treatments and their review", criteria="Clauses 6.1, 8.2, 8.3",
             status="reported", result="Risks identified and scored; two reviews recorded late; effectiveness "
                                       "of completed treatments not always recorded",
             conclusion="Conforms, with two minor findings")], today - timedelta(days=25))
    many("internal_audit", [
        dict(title="Audit of supplier management (A.10)", programme=prog["ref"], area="Suppliers",
             area_owner="chen", auditor="alice", planned_on=_d(today, 45), scope="Supplier assessments",
             criteria="Annex A.10")])
    for title, due in (("Two risk reviews recorded after their due date", 20),
                       ("Effectiveness of completed treatments not recorded", 35)):
        internal_audits.raise_finding(db, actor, audits[0]["ref"], dict(
            title=title, severity="minor", due_date=_d(today, due)), today=today - timedelta(days=25))


def _corrective_actions(db: Database, many: Any, today: date) -> None:
    """One action per nonconformity: done and found effective for the closed ones; in
    progress for the open ones, except one past its due date."""
    with db.read() as s:
        ncs = list(s.exec(select(Nonconformity.ref, Nonconformity.status, Nonconformity.owner,
                                 Nonconformity.closed_on).order_by(Nonconformity.ref)))
    done, open_ = [], []
    late = False
    for ref, status, owner, closed_on in ncs:
        who = owner or "alice"
        if status == "closed":
            finished = (closed_on or today) - timedelta(days=10)
            done.append(dict(nonconformity=ref, action="Added a release checklist gate", owner=who,
                             due_date=finished.isoformat(), status="done", done_on=finished.isoformat(),
                             effective=True, effectiveness_reviewed_on=(closed_on or today).isoformat(),
                             effectiveness_note="No repeat since the gate was added"))
        elif not late:
            late = True
            open_.append(dict(nonconformity=ref, action=LATE_ACTION, owner=who, due_date=_d(today, -7),
                              status="in_progress"))
        else:
            open_.append(dict(nonconformity=ref, action="Fix the cause and add a check to the review procedure",
                              owner=who, due_date=_d(today, 25), status="in_progress"))
    if done:
        many("corrective_action", done)
    if open_:
        many("corrective_action", open_)


def _management_review(db: Database, today: date, actor: str, approver: str, counts: dict[str, int]) -> None:
    mr = management.create_review(db, actor, dict(
        held_on=_d(today, -45), period_start=_d(today, -410), period_end=_d(today, -46),
        attendees="AIMS owner, AI governance board chair, AI risk owner, data governance lead",
        decisions="AI policy 2.0 confirmed; risk appetite unchanged; chatbot accuracy below target: retrain and "
                  "add answer sampling; supplier assessments to include model change notice",
        opportunities="Automate bias testing in the release pipeline"))
    management.add_action(db, actor, mr["ref"], dict(action="Retrain the chatbot on the current tariff pages",
                                                     owner="alice", due_date=_d(today, 30)))
    management.add_action(db, actor, mr["ref"], dict(action="Add model change notice to supplier contracts",
                                                     owner="chen", due_date=_d(today, 60)))
    management.sign_off(db, approver, mr["ref"])
    counts["management_reviews"] = 1


def _evidence(db: Database, many: Any, today: date, actor: str, org: str) -> int:
    """Evidence for the applicable controls (all but :data:`NO_EVIDENCE`), the
    management review and the internal audit: every other one a file written under
    the demo's folder (hashed by the write path), the rest URLs."""
    folder = evidence_folder(db)
    with db.read() as s:
        codes = list(s.exec(select(Control.code, Control.title).join(
            Applicability, Applicability.control_id == Control.id)
            .where(Applicability.applicable == True).order_by(Control.sort_key)))  # noqa: E712
        audit_ref = s.exec(select(InternalAudit.ref).where(InternalAudit.status == "reported")
                           .order_by(InternalAudit.ref)).first()
    skip = NO_EVIDENCE if any(c == NO_EVIDENCE for c, _ in codes) else (codes[-1][0] if codes else "")
    owners = (actor, "alice", "chen", "bob")
    items = []
    for i, (code, title) in enumerate(codes):
        if code == skip:
            continue
        kind = EVIDENCE_KINDS[i % len(EVIDENCE_KINDS)]
        stale = code == STALE_EVIDENCE
        captured = today - timedelta(days=420 if stale else 20 + (i * 37) % 300)
        name = f"{code.lower().replace('.', '-')}-{kind.lower().replace(' ', '-').replace(',', '')}.txt"
        location = f"{URL}/evidence/{name[:-4]}"
        if folder is not None and i % 2 == 0:
            location = _write(folder, name, f"{org}: {kind.lower()} for {code} ({title})\n"
                                            f"Captured on {captured.isoformat()}. Demo evidence written by aims.\n")
        items.append(dict(title=f"{kind}, {code}", location=location, for_ref=code,
                          shows=f"How '{title}' is carried out", captured_by=owners[i % len(owners)],
                          captured_on=captured.isoformat(), review_cadence="yearly",
                          next_review=(captured + timedelta(days=365)).isoformat()))
    if audit_ref is not None:
        location = f"{URL}/audits/{audit_ref.lower()}-report"
        if folder is not None:
            location = _write(folder, f"{audit_ref.lower()}-report.txt", f"{org}: internal audit report {audit_ref}\n")
        items.append(dict(title=f"Internal audit report {audit_ref}", location=location, for_ref=audit_ref,
                          shows="The audit's results, conclusion and findings", captured_by="chen",
                          captured_on=_d(today, -25), review_cadence="yearly"))
    if not items:
        return 0
    return len(many("evidence", items))


def _write(folder: str, name: str, text: str) -> str:
    """Write one evidence file under the demo's folder (never elsewhere); its path."""
    # as private as the database's own folder (a team's group folder: no access for others)
    shared = os.stat(os.path.dirname(os.path.abspath(folder)) or ".").st_mode & 0o7777
    if not os.path.isdir(folder):
        os.makedirs(folder, exist_ok=True)
        os.chmod(folder, shared)
    path = os.path.join(folder, name)
    assert os.path.dirname(os.path.abspath(path)) == os.path.abspath(folder)
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)
    os.chmod(path, shared & 0o666)
    ev.hash_now(path)  # read before the write transaction; the write path reuses the digest
    return path
