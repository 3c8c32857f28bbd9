"""Are we ready for an audit? (``aims readiness``, issue 17)

Each area of the management system answers for its own records with a function
``findings(session, today) -> list[Finding]`` (:mod:`.readiness_types`);
:data:`AREAS` lists them, and :func:`readiness` gathers them clause by clause
(4.1 to 10.2, in the standard's order), then control by control (every
applicable control: current evidence, stale evidence, or none).

This module answers for the records that were there before the management system
kinds: context issues (4.1), risks assessed (6.1.2) and reviewed (8.2), the
Statement of Applicability (6.1.3), impact assessments (6.1.4, 8.4), management
reviews (9.3), nonconformities (10.2) and evidence of the applicable controls.
Another area adds its function to ``AREAS`` (one line).

A finding is never OK by default: a fresh database shows every gap, each with the
command or key that closes it. Read only; files are not read here (``aims
evidence verify`` reads them).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any, Callable, Sequence

from sqlalchemy import func
from sqlmodel import Session, select

from . import context, documents, improvement, incidents, leadership, objectives, planning, suppliers, support
from .db import Database
from .evidence import for_refs, is_current
from .models import (
    WITHDRAWN,
    AISystem,
    Applicability,
    ContextIssue,
    Control,
    ImpactAssessment,
    ManagementReview,
    Nonconformity,
    Risk,
)
from .readiness_types import MISSING, OK, STALE, STATES, UNAPPROVED, Finding
from .rules import live_risk
from .schedule import today as _today

SCHEMA = "aims.readiness/1"
Area = Callable[[Session, date], list[Finding]]
LIVE_STAGES_OUT = ("retired", WITHDRAWN)
SHOWN_REFS = 5  # refs named in a detail line
MAX_REFS = 100  # refs listed in a finding's ``refs`` (the detail line gives the count)


def _named(refs: Sequence[str], total: int | None = None) -> str:
    more = (len(refs) if total is None else total) - SHOWN_REFS
    return ", ".join(refs[:SHOWN_REFS]) + (f" and {more} more" if more > 0 else "")


# ---------------------------------------------------------------------------
# The areas answered here
# ---------------------------------------------------------------------------


def context_findings(s: Session, today: date) -> list[Finding]:
    """4.1: internal and external issues recorded, none past its review."""
    req = "Internal and external issues of the organization recorded and reviewed"
    rows = s.exec(select(ContextIssue.ref, ContextIssue.next_review)
                  .where(ContextIssue.status.not_in(("closed", WITHDRAWN))).order_by(ContextIssue.ref)).all()
    if not rows:
        return [Finding("4.1", req, MISSING, "no context issue recorded",
                        "aims context issues add --set title=... --set kind=external (or M, Context issues, n)")]
    late = [r for r, nxt in rows if nxt is not None and nxt < today]
    if late:
        return [Finding("4.1", req, STALE, f"{len(late)} of {len(rows)} context issues past their review: "
                        f"{_named(late)}", "aims context issues reviewed REF", tuple(late))]
    return [Finding("4.1", req, OK, f"{len(rows)} context issues recorded, none past its review")]


def risk_findings(s: Session, today: date) -> list[Finding]:
    """6.1.2: risks identified and assessed; 8.2: risk assessments kept current."""
    assess = "AI risks identified and assessed (likelihood and impact)"
    review = "Risk assessments reviewed when due"
    live = s.exec(select(func.count()).select_from(Risk).where(live_risk())).one()
    if not live:
        fix = "2, n (a new risk), or aims import risks FILE"
        return [Finding("6.1.2", assess, MISSING, "no risk in the register", fix),
                Finding("8.2", review, MISSING, "no risk to review", fix)]
    unscored_where = (live_risk(), Risk.awaiting_assessment == True)  # noqa: E712
    n_unscored = s.exec(select(func.count()).select_from(Risk).where(*unscored_where)).one()
    unscored = _first_refs(s, unscored_where)
    out = [Finding("6.1.2", assess, MISSING, f"{n_unscored} of {live} risks not yet scored: "
                   f"{_named(unscored, n_unscored)}", "aims risks update REF --likelihood N --impact N",
                   tuple(unscored))
           if n_unscored else Finding("6.1.2", assess, OK, f"{live} risks assessed")]
    late_where = (live_risk(), Risk.next_review < today)
    n_late = s.exec(select(func.count()).select_from(Risk).where(*late_where)).one()
    late = _first_refs(s, late_where)
    out.append(Finding("8.2", review, STALE, f"{n_late} of {live} risks past their review date: "
                       f"{_named(late, n_late)}", "aims review REF --outcome still_valid (or 8, the Due screen)",
                       tuple(late))
               if n_late else Finding("8.2", review, OK, f"{live} risks, none past its review date"))
    return out


def _first_refs(s: Session, where: tuple) -> list[str]:
    """The first MAX_REFS refs of the risks matching ``where``, in ref order (a register of
    a million risks is counted, not listed)."""
    return list(s.exec(select(Risk.ref).where(*where).order_by(Risk.ref_num).limit(MAX_REFS)))


def soa_findings(s: Session, today: date) -> list[Finding]:
    """6.1.3: every control decided, exclusions justified, the SoA approved and reviewed."""
    req = "Statement of Applicability: every control decided, exclusions justified, approved"
    rows = s.exec(select(Control.code, Applicability).join(Applicability, Applicability.control_id == Control.id,
                                                           isouter=True).order_by(Control.sort_key)).all()
    if not rows:
        return [Finding("6.1.3", req, MISSING, "no control in the catalogue", "aims init (loads Annex A)")]
    undecided = [c for c, a in rows if a is None or a.applicable is None]
    unjustified = [c for c, a in rows if a is not None and a.applicable is False and not a.justification.strip()]
    if undecided or unjustified:
        parts = ([f"{len(undecided)} of {len(rows)} controls undecided: {_named(undecided)}"] if undecided else []) + \
                ([f"{len(unjustified)} excluded without a justification: {_named(unjustified)}"] if unjustified else [])
        return [Finding("6.1.3", req, MISSING, "; ".join(parts), "5, e on each control (applicable, justification)",
                        tuple(undecided + unjustified))]
    unapproved = [c for c, a in rows if not a.approved_by]
    if unapproved:
        return [Finding("6.1.3", req, UNAPPROVED, f"{len(unapproved)} SoA entries not approved: {_named(unapproved)}",
                        "5, A (an approver approves the SoA)", tuple(unapproved))]
    late = [c for c, a in rows if a.next_review is not None and a.next_review < today]
    if late:
        return [Finding("6.1.3", req, STALE, f"{len(late)} SoA entries past their review: {_named(late)}",
                        "aims review CODE --outcome still_valid (or 8)", tuple(late))]
    return [Finding("6.1.3", req, OK, f"all {len(rows)} controls decided and approved")]


def impact_findings(s: Session, today: date) -> list[Finding]:
    """6.1.4: an approved impact assessment for each live AI system; 8.4: kept current."""
    assess = "An approved impact assessment for each AI system in use"
    current = "Impact assessments reviewed when due"
    systems = s.exec(select(AISystem.id, AISystem.ref).where(AISystem.stage.not_in(LIVE_STAGES_OUT))
                     .order_by(AISystem.ref)).all()
    if not systems:
        fix = "3, n (a new AI system)"
        return [Finding("6.1.4", assess, MISSING, "no AI system in the inventory", fix),
                Finding("8.4", current, MISSING, "no AI system, so no impact assessment", fix)]
    ias = s.exec(select(ImpactAssessment.system_id, ImpactAssessment.ref, ImpactAssessment.status,
                        ImpactAssessment.next_review).where(ImpactAssessment.status != WITHDRAWN)).all()
    by_system: dict[int, list[Any]] = {}
    for row in ias:
        by_system.setdefault(row[0], []).append(row)
    none = [ref for sid, ref in systems if sid not in by_system]
    draft = [ref for sid, ref in systems if sid in by_system and not any(r[2] == "approved" for r in by_system[sid])]
    out = []
    if none:
        out.append(Finding("6.1.4", assess, MISSING, f"{len(none)} of {len(systems)} AI systems without an impact "
                           f"assessment: {_named(none)}", "6, n (a new impact assessment)", tuple(none)))
    if draft:
        out.append(Finding("6.1.4", assess, UNAPPROVED, f"{len(draft)} AI systems with a draft impact assessment "
                           f"only: {_named(draft)}", "6, A (an approver approves it)", tuple(draft)))
    if not out:
        out.append(Finding("6.1.4", assess, OK, f"all {len(systems)} AI systems have an approved impact assessment"))
    live_ids = {sid for sid, _ in systems}
    late = sorted(r[1] for r in ias if r[0] in live_ids and r[3] is not None and r[3] < today)
    out.append(Finding("8.4", current, STALE, f"{len(late)} impact assessments past their review: {_named(late)}",
                       "aims review IA-REF --outcome still_valid (or 8)", tuple(late))
               if late else Finding("8.4", current, OK if not none else MISSING,
                                    "none past its review date" if not none
                                    else f"{len(none)} AI systems have no impact assessment to keep current",
                                    "" if not none else "6, n (a new impact assessment)", tuple(none)))
    return out


def management_review_findings(s: Session, today: date) -> list[Finding]:
    """9.3: a management review held and signed off within the last year."""
    req = "A management review held and signed off within the last year"
    year_ago = today - timedelta(days=365)
    rows = s.exec(select(ManagementReview.ref, ManagementReview.held_on, ManagementReview.status)
                  .where(ManagementReview.status != WITHDRAWN, ManagementReview.held_on <= today)
                  .order_by(ManagementReview.held_on.desc(), ManagementReview.ref.desc())).all()
    signed = [r for r in rows if r[2] == "signed_off"]
    if signed and signed[0][1] >= year_ago:
        return [Finding("9.3", req, OK, f"{signed[0][0]} held on {signed[0][1].isoformat()} and signed off")]
    recent = [r for r in rows if r[1] >= year_ago]
    if recent:
        return [Finding("9.3", req, UNAPPROVED, f"{recent[0][0]} held on {recent[0][1].isoformat()}, not signed off",
                        "9, s (top management signs it off)", (recent[0][0],))]
    if signed:
        return [Finding("9.3", req, STALE, f"the last signed-off review, {signed[0][0]}, was held on "
                        f"{signed[0][1].isoformat()} (more than a year ago)", "9, n (hold the next one)",
                        (signed[0][0],))]
    return [Finding("9.3", req, MISSING, "no management review held", "9, n (record one), then s to sign it off")]


def nonconformity_findings(s: Session, today: date) -> list[Finding]:
    """10.2: nonconformities handled: none open past its due date, each closed one with
    its root cause and corrective actions."""
    req = "Nonconformities handled: root cause, corrective action, closed on time"
    rows = s.exec(select(Nonconformity.ref, Nonconformity.status, Nonconformity.due_date, Nonconformity.root_cause,
                         Nonconformity.corrective_actions).where(Nonconformity.status != WITHDRAWN)
                  .order_by(Nonconformity.ref)).all()
    late = [r[0] for r in rows if r[1] != "closed" and r[2] is not None and r[2] < today]
    bare = [r[0] for r in rows if r[1] == "closed" and not (r[3].strip() and r[4].strip())]
    out = []
    if late:
        out.append(Finding("10.2", req, STALE, f"{len(late)} open nonconformities past their due date: {_named(late)}",
                           "7, e (record progress or close it)", tuple(late)))
    if bare:
        out.append(Finding("10.2", req, MISSING, f"{len(bare)} closed without a root cause or corrective action: "
                           f"{_named(bare)}", "7, e (root cause, corrective actions)", tuple(bare)))
    if not out:
        out.append(Finding("10.2", req, OK, f"{len(rows)} nonconformities recorded, none overdue or closed without "
                           "a root cause" if rows else "no nonconformity recorded: nothing to handle"))
    return out


def control_evidence_findings(s: Session, today: date) -> list[Finding]:
    """Each applicable control (Annex A order): current evidence, only stale evidence, or none."""
    rows = s.exec(select(Control.code, Control.title).join(Applicability, Applicability.control_id == Control.id)
                  .where(Applicability.applicable == True).order_by(Control.sort_key)).all()  # noqa: E712
    evidence = for_refs(s, "control")
    out = []
    for code, title in rows:
        found = evidence.get(code, [])
        current = [e.ref for e in found if is_current(e, today)]
        req = f"Evidence that {title} is in place"
        if current:
            out.append(Finding(code, req, OK, f"current evidence: {_named(current)}", refs=tuple(current)))
        elif found:
            refs = [e.ref for e in found]
            out.append(Finding(code, req, STALE, f"evidence past its review or superseded: {_named(refs)}",
                               f"aims evidence reviewed REF, or aims evidence add PATH --for {code} --title TEXT",
                               tuple(refs)))
        else:
            out.append(Finding(code, req, MISSING, "no evidence recorded",
                               f"aims evidence add PATH --for {code} --title TEXT"))
    return out


# Every area, in any order (findings are put in clause order): one line per area.
# The findings written here, for the records that were there before the other areas
# (their tests read these alone).
OWN: list[Area] = [context_findings, risk_findings, soa_findings, impact_findings, management_review_findings,
                   nonconformity_findings, control_evidence_findings]


def _without(area: Area, clause: str) -> Area:
    """An area's findings less those of one clause (answered by another area)."""
    def findings(s: Session, today: date) -> list[Finding]:
        return [f for f in area(s, today) if f.clause != clause]
    return findings


# Every area, each clause answered once: 4.1 by core.context (not context_findings above),
# 6.1.3 by core.planning (not soa_findings), 10.2 by core.improvement (not
# nonconformity_findings); those three stay for a database without those areas' records.
AREAS: list[Area] = [
    context.findings,
    leadership.findings,
    _without(planning.findings, "6.1.2"),  # 6.1.2 by risk_findings, with 8.2
    risk_findings,
    impact_findings,
    objectives.findings,
    support.findings,
    documents.findings,
    incidents.findings,
    improvement.findings,
    management_review_findings,
    suppliers.findings,
    control_evidence_findings,
]


# ---------------------------------------------------------------------------
# Gathering
# ---------------------------------------------------------------------------

_NUM = re.compile(r"\d+")


def clause_key(clause: str) -> tuple:
    """4.1 < 6.1.2 < 10.2 < A.2.2 < A.10.3 < a custom control code."""
    if clause[:1].isdigit():
        return (0, tuple(int(n) for n in _NUM.findall(clause)), clause)
    if clause.startswith("A."):
        return (1, tuple(int(n) for n in _NUM.findall(clause)), clause)
    return (2, (), clause)


@dataclass(frozen=True)
class Readiness:
    as_of: date
    findings: tuple[Finding, ...]

    @property
    def summary(self) -> dict[str, int]:
        counts = {state: 0 for state in STATES}
        for f in self.findings:
            counts[f.state] = counts.get(f.state, 0) + 1
        return counts

    @property
    def gaps(self) -> list[Finding]:
        return [f for f in self.findings if not f.ok]

    @property
    def ready(self) -> bool:
        return not self.gaps

    def clauses(self) -> list[tuple[str, str, int]]:
        """(clause, its worst state, how many findings) for the clauses 4 to 10 (and
        ``A`` for the controls taken together), in order."""
        worst: dict[str, tuple[str, int]] = {}
        rank = {OK: 0, STALE: 1, UNAPPROVED: 2, MISSING: 3}
        for f in self.findings:
            key = f.clause if f.clause[:1].isdigit() else "Annex A controls"
            state, n = worst.get(key, (OK, 0))
            worst[key] = (f.state if rank.get(f.state, 3) > rank.get(state, 3) else state, n + 1)
        return [(c, st, n) for c, (st, n) in worst.items()]

    def to_dict(self) -> dict[str, Any]:
        return {"schema": SCHEMA, "as_of": self.as_of.isoformat(), "ready": self.ready, "summary": self.summary,
                "clauses": [{"clause": c, "state": st, "findings": n} for c, st, n in self.clauses()],
                "findings": [f.to_dict() for f in self.findings]}


def gather(s: Session, today: date, areas: Sequence[Area] | None = None) -> Readiness:
    found: list[Finding] = []
    for area in (AREAS if areas is None else areas):
        found.extend(area(s, today))
    return Readiness(today, tuple(sorted(found, key=lambda f: clause_key(f.clause))))


def readiness(db: Database, *, today: date | None = None, areas: Sequence[Area] | None = None) -> Readiness:
    """Every finding of every area as of ``today``, in clause order, in one read."""
    with db.read() as s:
        return gather(s, today or _today(), areas)
