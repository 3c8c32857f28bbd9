"""The facts a management review pack is built from (clause 9.3.2), as plain data.

Headless: no ReportLab here, so the TUI can show a review's inputs from the
same functions the PDF uses. Everything is read with a few batched queries
(one per table, or the keyset-paged read path for the register), ordered
stably, and "overdue" is always judged at ``as_of``.

:func:`gather` returns one dict; :func:`digest` is the SHA-256 of its
canonical JSON (the "data digest" printed in the pack).
"""

from __future__ import annotations

import contextlib
import gc
import hashlib
import json
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from types import SimpleNamespace
from typing import Any, Callable

from sqlmodel import col, select

from ..core import history
from ..core import objectives as core_objectives
from ..core import queries
from ..core import readiness as readiness_core
from ..core import trends as core_trends
from ..core.audit import canonical, plain
from ..core.db import Database
from ..core.errors import NotFound, ValidationError
from ..core.models import (
    IA_STATUSES,
    IMPLEMENTATION_STATUSES,
    NC_SEVERITIES,
    NC_STATUSES,
    OPEN_TREATMENT_STATUSES,
    STAGES,
    TREATMENT_EFFECTIVENESS,
    TREATMENT_STATUSES,
    WITHDRAWN,
    Acceptance,
    AISystem,
    Applicability,
    AuditEvent,
    Control,
    ImpactAssessment,
    ManagementReview,
    ManagementReviewAction,
    Nonconformity,
    Opportunity,
    Review,
    Risk,
    StageEvent,
    Treatment,
)
from ..core.documents import approved_ai_policy
from ..core.rules import ACCEPTED, acceptance_state, action_overdue
from ..core.schedule import is_overdue
from ..core.scoring import Matrix
from ..core.text import are, counted
from ..core.records import settings_row, to_dict
from .audit_data import internal_audit_figures
from . import context_data

Progress = Callable[[str, float], None]
LIST_LIMIT = 100  # rows listed in body tables; the appendix has everything
SCORE_KEYS = ("residual_likelihood", "residual_impact")


def _noop(_stage: str, _fraction: float) -> None:
    return None


@contextlib.contextmanager
def gc_paused() -> Any:
    """Cyclic garbage collection off while a pack is gathered or drawn.

    A pack holds a few million small objects (rows, flowables, cell strings) alive
    at once; each full collection walks all of them, over and over while the pack
    allocates (about a tenth of the pack's CPU at 10,000 risks). The pack makes
    few cycles; whatever it leaves is collected when collection resumes."""
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


def day_start(d: date) -> datetime:
    return datetime.combine(d, time.min, tzinfo=timezone.utc)


def day_end(d: date) -> datetime:
    return datetime.combine(d, time.max, tzinfo=timezone.utc)


def _aware(dt: datetime | None) -> datetime | None:
    if dt is None:
        return None
    return dt if dt.tzinfo else dt.replace(tzinfo=timezone.utc)


def _in(dt: datetime | None, lo: datetime, hi: datetime) -> bool:
    dt = _aware(dt)
    return dt is not None and lo <= dt <= hi


def _months(since: date, as_of: date) -> list[str]:
    out, y, m = [], since.year, since.month
    while (y, m) <= (as_of.year, as_of.month):
        out.append(f"{y:04d}-{m:02d}")
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return out


def default_since(db: Database, as_of: date, review_ref: str | None = None) -> date:
    """The date of the previous management review held before ``as_of``, else a year back."""
    with db.read() as s:
        q = select(ManagementReview.held_on).where(ManagementReview.held_on < as_of)
        if review_ref:
            q = q.where(ManagementReview.ref != review_ref)
        prev = s.exec(q.order_by(ManagementReview.held_on.desc(), ManagementReview.id.desc())).first()
    return prev if prev else as_of - timedelta(days=365)


@dataclass
class Facts:
    """What the pack is built from, read in one session (plain rows and copies)."""

    as_of: date
    since: date
    lo: datetime
    hi: datetime
    m: Matrix
    grace: int
    head: dict[str, Any]
    systems: list[dict[str, Any]]
    sys_by_id: dict[int, dict[str, Any]]
    stage_events: list[Any]
    risk_meta: dict[int, tuple]
    treatments: list[Any]
    acceptances: list[Any]
    reviews_done: list[Any]
    ias: list[Any]
    ncs: list[Any]
    soa: list[Any]
    mrs: list[Any]
    mr_actions: list[Any]
    score_events: list[Any]
    register: list[dict[str, Any]] = field(default_factory=list)

    def system_ref(self, system_id: int | None) -> str:
        return self.sys_by_id[system_id]["ref"] if system_id in self.sys_by_id else ""


def gather(db: Database, as_of: date, since: date | None = None, review_ref: str | None = None,
           *, with_register: bool = True, progress: Progress | None = None) -> dict[str, Any]:
    """Every fact of the pack, as plain data in a stable order: one part per input
    of the management review (clause 9.3.2)."""
    with gc_paused():
        return _gather(db, as_of, since, review_ref, with_register=with_register, progress=progress or _noop)


def _gather(db: Database, as_of: date, since: date | None, review_ref: str | None, *, with_register: bool,
            progress: Progress) -> dict[str, Any]:
    since = since or default_since(db, as_of, review_ref)
    if since > as_of:
        raise ValidationError("since", f"{since.isoformat()} is after the as-of date {as_of.isoformat()}")
    progress("reading settings", 0.0)
    f = read_facts(db, as_of, since)
    progress("reading the register", 0.1)
    if with_register:
        f.register = register_rows(db, as_of)
    this_review = next((r for r in f.mrs if r.ref == review_ref), None) if review_ref else None
    if review_ref and this_review is None:
        this_review = _review_recorded_later(db, review_ref, f)
    if review_ref and this_review is None:
        raise NotFound("management review", review_ref)
    data: dict[str, Any] = {"head": f.head}
    data["review"] = _review_dict(this_review, f.mr_actions) if this_review else None
    # (a) actions of earlier management reviews
    data["previous_actions"], data["previous_reviews"] = previous_actions(f, review_ref)
    # (b)+(c) changes
    progress("reconstructing changes", 0.2)
    # risks added and closed: the rule of aims diff and the changes screen (core.history.diff), from the
    # end of the period's first day (the previous review's day, as the first page's "since") to as_of's end
    risk_diff = history.diff_of(db, history.end_of_day(since), history.end_of_day(as_of))
    data["changes"] = _changes(f.systems, f.sys_by_id, f.stage_events, risk_diff, f.register, f.score_events,
                               f.m, f.lo, f.hi)
    with db.read() as s:  # (b) issues, interested parties, scope and the AI policy (4.1-4.3, 5.2)
        data["context"] = context_data.context_changes(s, f.lo, f.hi, as_of)
    # (d) performance
    progress("computing figures", 0.3)
    data["performance"] = performance(db, f)
    data["internal_audits"] = internal_audit_figures(db, as_of, since)  # 9.3.2 d: audits, corrective actions
    data["objectives"] = objective_figures(db, as_of)
    # per AI system
    progress("summarising AI systems", 0.4)
    data["systems"] = _system_summaries(f.systems, f.register, f.treatments, f.ias, f.ncs, f.stage_events, as_of, f.m)
    # (e) opportunities for improvement
    # readiness for audit and evidence of the applicable controls (issue 17)
    data["readiness"] = readiness_figures(db, as_of)
    data["opportunities"] = _opportunities(data, this_review)
    data["opportunities"]["register"] = opportunity_rows(db, as_of, f.sys_by_id)
    data["summary"] = _key_figures(data)
    progress("drawing the trends", 0.41)
    data["trends"], data["glance"] = glance(db, f, data, review_ref)
    data["register"] = f.register
    return data


REGISTER_COLUMNS = (Risk.id, Risk.ref, Risk.ref_num, Risk.title, Risk.owner, Risk.category, Risk.status,
                    Risk.awaiting_assessment, Risk.inherent_likelihood, Risk.inherent_impact, Risk.inherent_score,
                    Risk.residual_likelihood, Risk.residual_impact, Risk.residual_score, Risk.next_review,
                    Risk.version)


def register_rows(db: Database, as_of: date) -> list[dict[str, Any]]:
    """Every risk but the withdrawn, in reference order, as ``queries.all_risks`` gives them
    (``risk_row`` makes each), read as plain rows in one query: the ORM objects all_risks
    loads cost about three times as much at 10,000 risks."""
    with db.read() as s:
        st = settings_row(s)
        m = Matrix.from_dict(st.matrix)
        rows: Any = s.exec(select(*REGISTER_COLUMNS, col(AISystem.ref).label("system_ref"))
                      .join(AISystem, AISystem.id == Risk.system_id, isouter=True)
                      .where(Risk.status != WITHDRAWN).order_by(Risk.ref_num)).all()
        return [queries.risk_row(r, m, r.system_ref, as_of, st.due_soon_days) for r in rows]


def read_facts(db: Database, as_of: date, since: date) -> Facts:
    """Every table the pack needs, read in one session with one query each."""
    lo = day_start(since)
    with db.read() as s:
        st = settings_row(s)
        m = Matrix.from_dict(st.matrix)
        head = {
            "organization": st.organization, "scope": st.scope, "classification": st.classification or "",
            # the AI policy in the pack: the approved ai_policy document (settings.policy_reference moved there, 0008)
            "policy_reference": context_data.policy_line(approved_ai_policy(s)),
            "matrix": m.to_dict(), "since": since, "as_of": as_of,
        }
        systems = [dict(id=r[0], ref=r[1], name=r[2], purpose=r[3], intended_use=r[4], business_owner=r[5],
                        technical_owner=r[6], ai_role=r[7], eu_ai_act_tier=r[8], personal_data=r[9],
                        third_party=r[10], human_oversight=r[11], stage=r[12], next_review=r[13],
                        created_at=_aware(r[14]))
                   for r in s.exec(select(
                       AISystem.id, AISystem.ref, AISystem.name, AISystem.purpose, AISystem.intended_use,
                       AISystem.business_owner, AISystem.technical_owner, AISystem.ai_role,
                       AISystem.eu_ai_act_tier, AISystem.personal_data, AISystem.third_party,
                       AISystem.human_oversight, AISystem.stage, AISystem.next_review, AISystem.created_at,
                   ).where(AISystem.stage != WITHDRAWN).order_by(AISystem.ref))]
        return Facts(
            as_of=as_of, since=since, lo=lo, hi=day_end(as_of), m=m, grace=st.overdue_grace_days or 0, head=head,
            systems=systems, sys_by_id={x["id"]: x for x in systems},
            stage_events=list(s.exec(select(StageEvent.system_id, StageEvent.from_stage, StageEvent.to_stage,
                                            StageEvent.at, StageEvent.actor, StageEvent.note)
                                     .order_by(StageEvent.at, StageEvent.id))),
            risk_meta={r[0]: (r[1], _aware(r[2]), _aware(r[3]))
                       for r in s.exec(select(Risk.id, Risk.ref, Risk.created_at, Risk.closed_at))},
            treatments=list(s.exec(select(Treatment.id, Risk.ref, Risk.system_id, Treatment.action, Treatment.owner,
                                          Treatment.due_date, Treatment.status, Treatment.effectiveness)
                                   .join(Risk, Risk.id == Treatment.risk_id)
                                   .where(Treatment.status != WITHDRAWN, Risk.status != WITHDRAWN)
                                   .order_by(Treatment.due_date, Risk.ref_num, Treatment.id))),
            acceptances=list(s.exec(select(Acceptance.risk_id, Acceptance.accepted_by, Acceptance.accepted_at,
                                           Acceptance.expires_on, Acceptance.residual_likelihood,
                                           Acceptance.residual_impact, Acceptance.justification, Acceptance.revoked)
                                    .where(Acceptance.revoked == False)  # noqa: E712
                                    .order_by(Acceptance.risk_id, Acceptance.accepted_at, Acceptance.id))),
            reviews_done=list(s.exec(select(Review.subject_type, Review.reviewed_on, Review.due_on)
                                     .where(Review.reviewed_on >= since, Review.reviewed_on <= as_of)
                                     .order_by(Review.reviewed_on, Review.id))),
            ias=list(s.exec(select(ImpactAssessment.ref, ImpactAssessment.system_id, ImpactAssessment.title,
                                   ImpactAssessment.status, ImpactAssessment.approved_by,
                                   ImpactAssessment.next_review).where(ImpactAssessment.status != WITHDRAWN)
                    .order_by(ImpactAssessment.ref))),
            ncs=list(s.exec(select(Nonconformity.ref, Nonconformity.kind, Nonconformity.title,
                                   Nonconformity.system_id, Nonconformity.severity, Nonconformity.status,
                                   Nonconformity.owner, Nonconformity.raised_on, Nonconformity.due_date,
                                   Nonconformity.closed_on, Nonconformity.corrective_actions)
                            .where(Nonconformity.status != WITHDRAWN)
                            .order_by(Nonconformity.raised_on, Nonconformity.ref))),
            soa=list(s.exec(select(Control.code, Control.group, Control.group_title, Applicability.applicable,
                                   Applicability.implementation_status, Applicability.approved_by,
                                   Applicability.next_review)
                            .join(Applicability, Applicability.control_id == Control.id, isouter=True)
                            .order_by(Control.sort_key))),
            # plain copies: the read session's rollback expires ORM objects
            mrs=[SimpleNamespace(**to_dict(r)) for r in s.exec(
                select(ManagementReview).order_by(ManagementReview.held_on, ManagementReview.id))],
            mr_actions=[SimpleNamespace(**to_dict(a)) for a in s.exec(
                select(ManagementReviewAction).order_by(ManagementReviewAction.review_id,
                                                        ManagementReviewAction.id))],
            score_events=list(s.exec(select(AuditEvent.entity_ref, AuditEvent.at, AuditEvent.changes)
                                     .where(AuditEvent.entity == "risk", AuditEvent.at >= lo,
                                            AuditEvent.action.in_(("update", "review")))
                                     .order_by(AuditEvent.id))),
        )


def _review_recorded_later(db: Database, ref: str, f: Facts) -> Any:
    """The review ``ref`` from the live register when ``db`` reads a past moment at which it was
    not recorded yet (a review entered after its meeting: its figures are those of its date, its
    decisions and actions those recorded); None when there is no such review. Its actions join ``f``'s."""
    if not isinstance(db, history.AsOfDatabase):
        return None
    with db.base.read() as s:
        mr = s.exec(select(ManagementReview).where(ManagementReview.ref == ref)).first()
        if mr is None:
            return None
        review = SimpleNamespace(**to_dict(mr))
        f.mr_actions = [a for a in f.mr_actions if a.review_id != review.id] + [
            SimpleNamespace(**to_dict(a)) for a in s.exec(
                select(ManagementReviewAction).where(ManagementReviewAction.review_id == review.id)
                .order_by(ManagementReviewAction.id))]
    return review


def previous_actions(f: Facts, review_ref: str | None) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """(a) The actions of earlier management reviews, and those reviews."""
    earlier = {r.id: r for r in f.mrs if r.ref != review_ref and r.held_on <= f.as_of}
    actions = [
        {"review": earlier[a.review_id].ref, "held_on": earlier[a.review_id].held_on, "action": a.action,
         "owner": a.owner, "due_date": a.due_date, "status": a.status,
         "overdue": action_overdue(a.status, a.due_date, f.as_of)}
        for a in f.mr_actions if a.review_id in earlier]
    reviews = [{"ref": r.ref, "held_on": r.held_on, "status": r.status} for r in f.mrs if r.id in earlier]
    return actions, reviews


def performance(db: Database, f: Facts) -> dict[str, Any]:
    """(d) Information on the performance of the AI management system."""
    perf = risk_figures(db, f)
    perf.update(above_appetite(db, f))
    perf.update(treatment_figures(f))
    perf["review_compliance"] = review_compliance(f, perf["overdue_risk_reviews"])
    perf.update(nonconformity_figures(f))
    perf.update(impact_assessment_figures(f))
    perf["soa"] = soa_figures(f)
    perf["systems_per_stage"] = {k: sum(1 for x in f.systems if x["stage"] == k) for k in STAGES}
    return perf


def objective_figures(db: Database, as_of: date) -> dict[str, Any]:
    """Each objective (not withdrawn) with its target, its measurements up to ``as_of``,
    the latest value, whether it meets the target and its direction of travel (9.3.2 c, d)."""
    with db.read() as s:
        items = core_objectives.summaries(s, as_of)
    active = [o for o in items if o["status"] == "active"]
    return {
        "items": items[:LIST_LIMIT], "total": len(items), "active": len(active),
        "on_target": sum(1 for o in active if o["on_target"] is True),
        "off_target": sum(1 for o in active if o["on_target"] is False),
        "unmeasured": sum(1 for o in active if o["on_target"] is None),
    }


def risk_figures(db: Database, f: Facts) -> dict[str, Any]:
    """Heat maps, levels and counts of the register at the as-of date."""
    m, as_of = f.m, f.as_of
    active = queries.RiskFilter(status="active", today=as_of)
    hm_inh = queries.heat_map(db, residual=False, f=active)
    hm_res = queries.heat_map(db, residual=True, f=active)

    def levels(hm: dict) -> dict[str, int]:
        out = {b.name: 0 for b in m.bands}
        for (li, im), n in hm.items():
            out[m.level(li, im).name] += n
        return out

    return {
        "heat_inherent": sorted([li, im, n] for (li, im), n in hm_inh.items()),
        "heat_residual": sorted([li, im, n] for (li, im), n in hm_res.items()),
        "levels_inherent": levels(hm_inh), "levels_residual": levels(hm_res),
        "active_risks": queries.risk_count(db, active),
        "all_risks": queries.risk_count(db, queries.RiskFilter(today=as_of)),
        "overdue_risk_reviews": queries.risk_count(db, queries.RiskFilter(overdue=True, today=as_of)),
        "appetite": m.appetite,
    }


def above_appetite(db: Database, f: Facts) -> dict[str, Any]:
    """Live risks above the appetite, each with the state of its current acceptance."""
    current: dict[int, Any] = {}
    for a in f.acceptances:
        current[a.risk_id] = a  # ordered by accepted_at, then id: the last one is the current one
    ref_to_id = {v[0]: k for k, v in f.risk_meta.items()}
    above = []
    for r in f.register:
        if r["status"] == "closed" or not r["above_appetite"]:
            continue
        acc = current.get(ref_to_id.get(r["ref"], -1))
        state = acceptance_state(acc, r["residual_score"], f.as_of)
        above.append({"ref": r["ref"], "title": r["title"], "system_ref": r["system_ref"] or "",
                      "owner": r["owner"], "residual_score": r["residual_score"],
                      "residual_level": r["residual_level"], "acceptance": state.reason,
                      "accepted_by": acc.accepted_by if acc else "", "expires_on": acc.expires_on if acc else None})
    above.sort(key=lambda x: (-x["residual_score"], x["ref"]))
    listed = above[:LIST_LIMIT]
    if listed:
        with db.read() as s:
            desc = dict(s.exec(select(Risk.ref, Risk.description).where(Risk.ref.in_([x["ref"] for x in listed]))).all())
        for x in listed:
            x["description"] = desc.get(x["ref"], "")
    return {"above_appetite_total": len(above),
            "above_appetite_by_state": dict(sorted(Counter(x["acceptance"] for x in above).items())),
            "above_appetite": listed}


def treatment_figures(f: Facts) -> dict[str, Any]:
    """Treatments by status, and the overdue ones."""
    t_status = Counter(t[6] for t in f.treatments)
    overdue_t = [t for t in f.treatments if action_overdue(t[6], t[5], f.as_of)]
    return {
        "treatments_by_status": {k: t_status.get(k, 0) for k in TREATMENT_STATUSES},
        "treatments_total": len(f.treatments),
        "overdue_treatments_total": len(overdue_t),
        "overdue_treatments": [
            {"risk_ref": t[1], "system_ref": f.system_ref(t[2]), "action": t[3],
             "owner": t[4], "due_date": t[5], "status": t[6], "days_overdue": (f.as_of - t[5]).days}
            for t in overdue_t[:LIST_LIMIT]],
        **treatment_effectiveness(f),
    }


def treatment_effectiveness(f: Facts) -> dict[str, Any]:
    """Whether the done treatments worked (8.3): how many of each, and the ones that did not."""
    done = [t for t in f.treatments if t[6] == "done"]
    said = Counter(t[7] or "not recorded" for t in done)
    return {
        "effectiveness_of_done": {k: said.get(k, 0) for k in (*TREATMENT_EFFECTIVENESS, "not recorded")},
        "not_effective_treatments": [
            {"risk_ref": t[1], "system_ref": f.system_ref(t[2]), "action": t[3], "owner": t[4],
             "effectiveness": t[7]} for t in done if t[7] in ("partly", "not_effective")][:LIST_LIMIT],
    }


def review_compliance(f: Facts, overdue_risk_reviews: int) -> dict[str, Any]:
    """Reviews done in the period, how many on time (within the grace period), and what is overdue now."""
    on_time: Counter = Counter()
    with_due: Counter = Counter()
    for subject, reviewed_on, due_on in f.reviews_done:
        if due_on is None:
            continue
        with_due[subject] += 1
        if reviewed_on <= due_on + timedelta(days=f.grace):
            on_time[subject] += 1
    total_due = sum(with_due.values())
    return {
        "reviews_in_period": len(f.reviews_done), "reviews_with_due_date": total_due,
        "on_time": sum(on_time.values()),
        "share_on_time": round(100.0 * sum(on_time.values()) / total_due, 1) if total_due else None,
        "by_subject": {k: [on_time.get(k, 0), with_due[k]] for k in sorted(with_due)},
        "overdue_now": {
            "risks": overdue_risk_reviews,
            "systems": sum(1 for x in f.systems if x["stage"] != "retired" and is_overdue(x["next_review"], f.as_of)),
            "impact_assessments": sum(1 for i in f.ias if is_overdue(i[5], f.as_of)),
            "soa_entries": sum(1 for c in f.soa if is_overdue(c[6], f.as_of)),
        },
    }


def nonconformity_figures(f: Facts) -> dict[str, Any]:
    """Nonconformities by status and severity, the monthly trend, and the open ones."""
    since, as_of, ncs = f.since, f.as_of, f.ncs
    raised = Counter(n[7].strftime("%Y-%m") for n in ncs if since <= n[7] <= as_of)
    closed = Counter(n[9].strftime("%Y-%m") for n in ncs if n[9] and since <= n[9] <= as_of)
    open_ncs = [n for n in ncs if n[5] != "closed"]
    return {
        "nc_by_status": {k: sum(1 for n in ncs if n[5] == k) for k in NC_STATUSES},
        "nc_by_severity": {k: sum(1 for n in open_ncs if n[4] == k) for k in NC_SEVERITIES},
        "nc_trend": [[mo, raised.get(mo, 0), closed.get(mo, 0)] for mo in _months(since, as_of)],
        "nc_total": len(ncs),
        "nc_open": [
            {"ref": n[0], "kind": n[1], "title": n[2], "system_ref": f.system_ref(n[3]),
             "severity": n[4], "status": n[5], "owner": n[6], "raised_on": n[7], "due_date": n[8],
             "overdue": is_overdue(n[8], as_of), "corrective_actions": n[10]}
            for n in open_ncs][:LIST_LIMIT],
        "nc_open_total": len(open_ncs),
        "nc_overdue_total": sum(1 for n in open_ncs if is_overdue(n[8], as_of)),
    }


def impact_assessment_figures(f: Facts) -> dict[str, Any]:
    """Impact assessments by status, systems in use without one, and those needing attention."""
    ias, as_of = f.ias, f.as_of
    with_ia = {i[1] for i in ias}
    attention = [i for i in ias if i[3] != "approved" or is_overdue(i[5], as_of)]
    return {
        "ia_by_status": {k: sum(1 for i in ias if i[3] == k) for k in IA_STATUSES},
        "ia_total": len(ias),
        "systems_without_ia": sum(1 for x in f.systems if x["stage"] != "retired" and x["id"] not in with_ia),
        "ia_attention": [
            {"ref": i[0], "system_ref": f.system_ref(i[1]), "title": i[2],
             "status": i[3], "next_review": i[5], "overdue": is_overdue(i[5], as_of)}
            for i in attention][:LIST_LIMIT],
        "ia_attention_total": len(attention),
    }


def soa_figures(f: Facts) -> dict[str, Any]:
    """The Statement of Applicability: decisions and implementation, in total and per control group."""
    soa = f.soa
    groups: dict[str, dict[str, Any]] = {}
    for _code, grp, gtitle, applicable, impl, _approved, _nr in soa:
        g = groups.setdefault(grp or "-", {"group": grp or "-", "title": gtitle, "controls": 0, "applicable": 0,
                                           "excluded": 0, "undecided": 0, "implemented": 0})
        g["controls"] += 1
        if applicable is None:
            g["undecided"] += 1
        elif applicable:
            g["applicable"] += 1
            g["implemented"] += impl == "implemented"
        else:
            g["excluded"] += 1
    applicable_rows = [c for c in soa if c[3]]
    return {
        "controls": len(soa), "applicable": len(applicable_rows),
        "excluded": sum(1 for c in soa if c[3] is False), "undecided": sum(1 for c in soa if c[3] is None),
        "approved": sum(1 for c in soa if c[5]),
        "implementation": {k: sum(1 for c in applicable_rows if c[4] == k) for k in IMPLEMENTATION_STATUSES},
        "groups": [groups[k] for k in sorted(groups, key=_group_key)],
    }


def readiness_figures(db: Database, as_of: date) -> dict[str, Any]:
    """``aims readiness`` as of the pack's date: the state of each clause, the gaps, and
    the evidence coverage of the applicable controls (current, stale, none), in total and
    per control group."""
    r = readiness_core.readiness(db, today=as_of)
    with db.read() as s:
        groups_of = {code: (grp or "-", gtitle) for code, grp, gtitle in
                     s.exec(select(Control.code, Control.group, Control.group_title))}
    controls = [f for f in r.findings if not f.clause[:1].isdigit()]
    word = {"ok": "current", "stale": "stale", "missing": "none"}
    groups: dict[str, dict[str, Any]] = {}
    for f in controls:
        grp, gtitle = groups_of.get(f.clause, ("-", ""))
        g = groups.setdefault(grp, {"group": grp, "title": gtitle, "applicable": 0, "current": 0, "stale": 0,
                                    "none": 0})
        g["applicable"] += 1
        g[word.get(f.state, "none")] += 1
    lacking = [{"code": f.clause, "title": f.requirement.removeprefix("Evidence that ").removesuffix(" is in place"),
                "state": word.get(f.state, "none"), "refs": list(f.refs)} for f in controls if not f.ok]
    clause_rows = [f for f in r.findings if f.clause[:1].isdigit()]
    return {
        "as_of": as_of, "ready": r.ready, "summary": r.summary,
        "clauses": [{"clause": f.clause, "requirement": f.requirement, "state": f.state, "detail": f.detail,
                     "fix": f.fix} for f in clause_rows],
        "controls": {"state": r.clauses()[-1][1] if controls else "ok", "findings": len(controls),
                     "gaps": sum(1 for f in controls if not f.ok)},
        "coverage": {"applicable": len(controls), "current": sum(1 for f in controls if f.ok),
                     "stale": sum(1 for f in controls if f.state == "stale"),
                     "none": sum(1 for f in controls if f.state not in ("ok", "stale")),
                     "groups": [groups[k] for k in sorted(groups, key=_group_key)],
                     "lacking": lacking[:LIST_LIMIT], "lacking_total": len(lacking)},
    }


def _group_key(g: str) -> tuple:
    return tuple(int(p) if p.isdigit() else 0 for p in g.replace("A.", "").split(".")) + (g,)


def _review_dict(mr: Any, actions: list[Any]) -> dict[str, Any]:
    return {
        "ref": mr.ref, "held_on": mr.held_on, "period_start": mr.period_start, "period_end": mr.period_end,
        "attendees": mr.attendees, "decisions": mr.decisions, "opportunities": mr.opportunities,
        "status": mr.status, "signed_off_by": mr.signed_off_by,
        "actions": [{"action": a.action, "owner": a.owner, "due_date": a.due_date, "status": a.status}
                    for a in actions if a.review_id == mr.id],
    }


def _state_before(current: dict[str, int], events: list[tuple[datetime, dict]], cut: datetime) -> dict[str, int]:
    """Scores before every event at or after ``cut``, undone newest first."""
    state = dict(current)
    for at, changes in reversed(events):
        if at < cut:
            break
        for k in SCORE_KEYS:
            if k in changes and isinstance(changes[k], list) and len(changes[k]) == 2:
                state[k] = changes[k][0]
    return state


def _changes(systems, sys_by_id, stage_events, risk_diff: history.Diff, register, score_events, m: Matrix,
             lo: datetime, hi: datetime) -> dict[str, Any]:
    added_sys = [{"ref": x["ref"], "name": x["name"], "at": x["created_at"].date()}
                 for x in systems if _in(x["created_at"], lo, hi)]
    stage_changes, retired = [], []
    for sid, frm, to, at, actor, note in stage_events:
        if frm is None or not _in(at, lo, hi) or sid not in sys_by_id:
            continue
        x = sys_by_id[sid]
        item = {"ref": x["ref"], "name": x["name"], "from": frm, "to": to, "at": _aware(at).date(), "by": actor}
        (retired if to == "retired" else stage_changes).append(item)
    key = lambda i: (i["at"] or date.min, i["ref"])  # noqa: E731
    by_ref = {r["ref"]: r for r in register}

    def risk_item(c: history.Change) -> dict[str, Any]:
        r = by_ref.get(c.ref) or {}
        return {"ref": c.ref, "title": r.get("title", c.title), "system_ref": r.get("system_ref") or "",
                "at": c.at.astimezone().date() if c.at else None}

    added_risks = [{**risk_item(c), "level": by_ref.get(c.ref, {}).get("residual_level", "")}
                   for c in risk_diff.added if c.entity == "risk"]
    closed_risks = [risk_item(c) for c in risk_diff.closed if c.entity == "risk"]
    per_risk: dict[str, list] = defaultdict(list)
    for ref, at, changes in score_events:
        if isinstance(changes, dict) and any(k in changes for k in SCORE_KEYS):
            per_risk[ref].append((_aware(at), changes))
    level_changes = []
    added_refs = {a["ref"] for a in added_risks}
    for ref in sorted(per_risk, key=lambda x: by_ref[x]["ref_num"] if x in by_ref else 0):
        r = by_ref.get(ref)
        if r is None or ref in added_refs:
            continue
        now = {"residual_likelihood": r["residual_likelihood"], "residual_impact": r["residual_impact"]}
        end = _state_before(now, per_risk[ref], hi + timedelta(microseconds=1))
        start = _state_before(now, per_risk[ref], lo)
        try:
            a = m.level(int(start["residual_likelihood"]), int(start["residual_impact"])).name
            b = m.level(int(end["residual_likelihood"]), int(end["residual_impact"])).name
        except (TypeError, ValueError):
            continue
        if a != b:
            level_changes.append({"ref": ref, "title": r["title"], "system_ref": r["system_ref"] or "",
                                  "from": a, "to": b})
    return {
        "systems_added": sorted(added_sys, key=key), "systems_retired": sorted(retired, key=key),
        "stage_changes": sorted(stage_changes, key=key), "risks_added": sorted(added_risks, key=key),
        "risks_closed": sorted(closed_risks, key=key), "risk_level_changes": level_changes,
    }


def _system_summaries(systems, register, treatments, ias, ncs, stage_events, as_of: date, m: Matrix):
    risks_by_sys: dict[str | None, list] = defaultdict(list)
    for r in register:
        risks_by_sys[r["system_ref"]].append(r)
    ref_of = {x["id"]: x["ref"] for x in systems}
    t_open: Counter = Counter()
    t_over: Counter = Counter()
    for t in treatments:
        if t[6] in OPEN_TREATMENT_STATUSES:
            sref = ref_of.get(t[2])
            t_open[sref] += 1
            if is_overdue(t[5], as_of):
                t_over[sref] += 1
    ia_by: dict[str, list] = defaultdict(list)
    for i in ias:
        ia_by[ref_of.get(i[1])].append({"ref": i[0], "status": i[3], "next_review": i[5]})
    nc_by: Counter = Counter(ref_of.get(n[3]) for n in ncs if n[5] != "closed")
    last_stage: dict[str, tuple] = {}
    for sid, _frm, to, at, _actor, _note in stage_events:
        last_stage[ref_of.get(sid)] = (to, _aware(at).date())
    out = []
    for x in systems:
        rs = risks_by_sys.get(x["ref"], [])
        act = [r for r in rs if r["status"] != "closed"]
        lv = {b.name: 0 for b in m.bands}
        for r in act:
            lv[r["residual_level"]] = lv.get(r["residual_level"], 0) + 1  # and "Awaiting assessment"
        top = sorted(act, key=lambda r: (-(r["residual_score"] or 0), r["ref_num"]))[:8]
        out.append({
            **{k: v for k, v in x.items() if k not in ("id", "created_at")},
            "risks_total": len(rs), "risks_active": len(act), "levels": lv,
            "above_appetite": sum(1 for r in act if r["above_appetite"]),
            "overdue_reviews": sum(1 for r in act if r["review_state"] == "overdue"),
            "open_treatments": t_open.get(x["ref"], 0), "overdue_treatments": t_over.get(x["ref"], 0),
            "impact_assessments": ia_by.get(x["ref"], []), "open_nonconformities": nc_by.get(x["ref"], 0),
            "stage_since": last_stage.get(x["ref"], (x["stage"], None))[1],
            "top_risks": [{"ref": r["ref"], "title": r["title"], "residual_level": r["residual_level"],
                           "residual_score": r["residual_score"], "owner": r["owner"], "status": r["status"]}
                          for r in top],
            "system_review_overdue": bool(x["stage"] != "retired" and is_overdue(x["next_review"], as_of)),
        })
    return out


OPPORTUNITY_ORDER = {"pursuing": 0, "identified": 1, "realised": 2, "dropped": 3}


def opportunity_rows(db: Database, as_of: date, sys_by_id: dict[int, dict[str, Any]]) -> list[dict[str, Any]]:
    """The register of opportunities (6.1.1) as it stands, as section 4.9 lists the objectives:
    every one not withdrawn, open ones (pursuing, then identified) first, then by ref; overdue
    when still open past its due date at ``as_of``."""
    with db.read() as s:
        opps = list(s.exec(select(Opportunity).where(Opportunity.status != WITHDRAWN)))
    rows = []
    for o in opps:
        sys_ref = sys_by_id[o.system_id]["ref"] if o.system_id in sys_by_id else ""
        rows.append({"ref": o.ref, "title": o.title, "description": o.description,
                     "expected_benefit": o.expected_benefit, "owner": o.owner, "status": o.status,
                     "due_date": o.due_date, "system_ref": sys_ref,
                     "overdue": o.due_date is not None and o.due_date < as_of and o.status in ("identified",
                                                                                             "pursuing")})
    rows.sort(key=lambda r: (OPPORTUNITY_ORDER.get(r["status"], 9), len(r["ref"]), r["ref"]))
    return rows


def _opportunities(data: dict[str, Any], mr: Any) -> dict[str, Any]:
    p = data["performance"]
    hints = []
    by_state = p["above_appetite_by_state"]
    unaccepted = sum(v for k, v in by_state.items() if k != ACCEPTED)
    if unaccepted:
        hints.append(f"{counted(unaccepted, 'risk')} above appetite {'has' if unaccepted == 1 else 'have'} no valid "
                     f"acceptance: treat {'it' if unaccepted == 1 else 'them'} further or have an approver accept "
                     f"{'it' if unaccepted == 1 else 'them'}.")
    if p["overdue_treatments_total"]:
        n = p["overdue_treatments_total"]
        hints.append(f"{counted(n, 'treatment')} {are(n)} overdue: re-plan {'it' if n == 1 else 'them'} or add "
                     "resources.")
    if p["overdue_risk_reviews"]:
        n = p["overdue_risk_reviews"]
        hints.append(f"{counted(n, 'risk review')} {are(n)} overdue: confirm cadences and owners.")
    share = p["review_compliance"]["share_on_time"]
    if share is not None and share < 90:
        hints.append(f"Only {share}% of reviews in the period were done on time.")
    if p["ia_by_status"].get("draft"):
        n = p["ia_by_status"]["draft"]
        hints.append(f"{counted(n, 'impact assessment')} {are(n)} still {'a draft' if n == 1 else 'drafts'}: "
                     f"complete and approve {'it' if n == 1 else 'them'}.")
    if p["systems_without_ia"]:
        n = p["systems_without_ia"]
        hints.append(f"{counted(n, 'AI system')} in use {'has' if n == 1 else 'have'} no impact assessment.")
    if p["soa"]["undecided"]:
        n = p["soa"]["undecided"]
        hints.append(f"{counted(n, 'Statement of Applicability entry', 'Statement of Applicability entries')} "
                     f"{are(n)} undecided.")
    if p["nc_open_total"]:
        n = p["nc_open_total"]
        hints.append(f"{counted(n, 'nonconformity', 'nonconformities')} {are(n)} open: check root causes for "
                     "common themes.")
    overdue_actions = sum(1 for a in data["previous_actions"] if a["overdue"])
    if overdue_actions:
        hints.append(f"{counted(overdue_actions, 'action')} from earlier management reviews "
                     f"{are(overdue_actions)} overdue.")
    lacking = data["readiness"]["coverage"]["lacking_total"]
    if lacking:
        hints.append(f"{counted(lacking, 'applicable control')} {'has' if lacking == 1 else 'have'} no current "
                     f"evidence: record it (aims evidence add) before an audit samples "
                     f"{'it' if lacking == 1 else 'them'}.")
    return {"recorded": mr.opportunities if mr else "", "suggested": hints}


HEADLINES = (  # the first page's figures: (key of core.trends.Figures, label)
    ("above_appetite", "Open risks above appetite"),
    ("active_risks", "Active risks"),
    ("overdue_reviews", "Overdue risk reviews"),
    ("overdue_treatments", "Overdue treatments"),
    ("open_nonconformities", "Open nonconformities"),
    ("objectives_on_target", "Objectives on target"),
)
TOP_ABOVE = 5


def _figures_json(p: core_trends.Figures) -> dict[str, Any]:
    return {"at": p.at, "levels": p.levels, "cells": [[li, im, n] for (li, im), n in p.cells.items()],
            "active_risks": p.active_risks, "above_appetite": p.above_appetite,
            "overdue_reviews": p.overdue_reviews, "overdue_treatments": p.overdue_treatments,
            "open_nonconformities": p.open_nonconformities, "objectives_active": p.objectives_active,
            "objectives_on_target": p.objectives_on_target, "objectives_off_target": p.objectives_off_target}


def glance(db: Database, f: Facts, data: dict[str, Any], review_ref: str | None) -> tuple[dict, dict]:
    """The monthly series of the 12 months ending at the pack's date (the register as it
    was at each month end), and the first page: the headline figures as of the pack's
    date with their change since the start of the period (the last management review
    when there is one), the residual heat map, the top risks above appetite, what is overdue."""
    t, extra = core_trends.trends(db, f.as_of, extra=[f.since])
    now, then = t.points[-1], extra[f.since]
    prior = [r for r in f.mrs if r.held_on == f.since and r.ref != review_ref]
    since_label = f"since {prior[-1].ref}" if prior else f"since {f.since.isoformat()}"
    heads = []
    for key, label in HEADLINES:
        value, before = getattr(now, key), getattr(then, key)
        text = str(value)
        if key == "objectives_on_target":
            text = f"{value} of {now.objectives_active}" if now.objectives_active else "none set"
        heads.append({"key": key, "label": label, "value": value, "before": before, "delta": value - before,
                      "text": text, "lower_is_better": core_trends.better_when_lower(key)})
    p, rc = data["performance"], data["performance"]["review_compliance"]["overdue_now"]
    existed = {v[0] for v in f.risk_meta.values() if v[1] is None or v[1] <= f.hi}
    top = [x for x in p["above_appetite"] if x["ref"] in existed][:TOP_ABOVE]
    overdue = [
        ("Treatments past their due date", p["overdue_treatments_total"]),
        ("Risk reviews", p["overdue_risk_reviews"]),
        ("AI system reviews", rc["systems"]),
        ("Impact assessment reviews", rc["impact_assessments"]),
        ("Statement of Applicability reviews", rc["soa_entries"]),
        ("Nonconformities past their due date", p["nc_overdue_total"]),
        ("Actions of earlier management reviews", sum(1 for a in data["previous_actions"] if a["overdue"])),
    ]
    series = t.to_json()
    series["month_ends"] = t.month_ends
    return series, {
        "as_of": f.as_of, "since": f.since, "since_label": since_label,
        "since_review": prior[-1].ref if prior else None,
        "headlines": heads, "now": _figures_json(now), "then": _figures_json(then),
        "top_above": top, "above_total": now.above_appetite, "overdue": overdue,
        "overdue_treatments": p["overdue_treatments"][:5],
    }


def _key_figures(data: dict[str, Any]) -> dict[str, Any]:
    p, c = data["performance"], data["changes"]
    return {
        "systems": sum(p["systems_per_stage"].values()),
        "systems_in_use": sum(v for k, v in p["systems_per_stage"].items() if k != "retired"),
        "active_risks": p["active_risks"], "levels_residual": p["levels_residual"],
        "above_appetite": p["above_appetite_total"],
        "above_appetite_unaccepted": sum(v for k, v in p["above_appetite_by_state"].items() if k != ACCEPTED),
        "overdue_treatments": p["overdue_treatments_total"], "overdue_risk_reviews": p["overdue_risk_reviews"],
        "review_share_on_time": p["review_compliance"]["share_on_time"],
        "open_nonconformities": p["nc_open_total"],
        "impact_assessments_approved": p["ia_by_status"].get("approved", 0),
        "impact_assessments_draft": p["ia_by_status"].get("draft", 0),
        "soa_implemented": p["soa"]["implementation"].get("implemented", 0), "soa_applicable": p["soa"]["applicable"],
        "previous_actions_open": sum(1 for a in data["previous_actions"] if a["status"] in OPEN_TREATMENT_STATUSES),
        "changes": {k: len(v) for k, v in c.items()},
        "readiness_gaps": sum(v for k, v in data["readiness"]["summary"].items() if k != "ok"),
        "evidence_current": data["readiness"]["coverage"]["current"],
        "evidence_applicable": data["readiness"]["coverage"]["applicable"],
    }


def key_figure_lines(data: dict[str, Any]) -> list[tuple[str, str]]:
    """The executive summary's figures as (label, value) pairs: the pack and the TUI show these."""
    k = data["summary"]
    lv = ", ".join(f"{n} {name}" for name, n in k["levels_residual"].items())
    share = "no reviews with a due date" if k["review_share_on_time"] is None else f"{k['review_share_on_time']}%"
    ch = k["changes"]
    return [
        ("AI systems (in use / total)", f"{k['systems_in_use']} / {k['systems']}"),
        ("Active risks", str(k["active_risks"])),
        ("Active risks by residual level", lv),
        ("Risks above appetite (without valid acceptance)",
         f"{k['above_appetite']} ({k['above_appetite_unaccepted']})"),
        ("Overdue treatments", str(k["overdue_treatments"])),
        ("Overdue risk reviews", str(k["overdue_risk_reviews"])),
        ("Reviews done on time in the period", share),
        ("Open nonconformities", str(k["open_nonconformities"])),
        ("Impact assessments (approved / draft)",
         f"{k['impact_assessments_approved']} / {k['impact_assessments_draft']}"),
        ("Applicable controls implemented", f"{k['soa_implemented']} of {k['soa_applicable']}"),
        ("Open actions from earlier management reviews", str(k["previous_actions_open"])),
        ("Changes: systems added / retired / changed stage",
         f"{ch['systems_added']} / {ch['systems_retired']} / {ch['stage_changes']}"),
        ("Changes: risks added / closed / changed level",
         f"{ch['risks_added']} / {ch['risks_closed']} / {ch['risk_level_changes']}"),
        ("Readiness for audit: findings to close", str(k["readiness_gaps"]) if k["readiness_gaps"] else "none"),
        ("Applicable controls with current evidence", f"{k['evidence_current']} of {k['evidence_applicable']}"),
    ]


def digest(data: dict[str, Any]) -> str:
    """SHA-256 of the canonical JSON of the data a pack is built from."""
    return hashlib.sha256(pack_canonical(data).encode("utf-8")).hexdigest()


_CONTAINERS = (dict, list, tuple, set)
_SCALARS = frozenset((str, int, float, bool, type(None), date, datetime))
_STR_ONLY = {str}


def _str_keys_only(obj: Any) -> bool:
    """Whether every dict inside ``obj`` has only ``str`` keys (a row of scalars is
    checked by the types it holds, without a step per value)."""
    stack = [obj] if isinstance(obj, _CONTAINERS) else []
    while stack:
        x = stack.pop()
        values: Any
        if isinstance(x, dict):
            if x and set(map(type, x)) != _STR_ONLY:
                return False
            values = x.values()
        else:
            values = x
        if not _SCALARS.issuperset(map(type, values)):
            stack.extend(v for v in values if isinstance(v, _CONTAINERS))
    return True


def _plain_scalar(value: Any) -> Any:
    """``json``'s hook for what it cannot write: what :func:`plain` makes of it."""
    if isinstance(value, set):
        return list(value)
    out = plain(value)
    if out is value:
        raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")
    return out


def pack_canonical(data: Any) -> str:
    """``audit.canonical(data)``, the same string, without first copying all of ``data``.

    ``canonical`` rebuilds the whole pack data (~340,000 values at 10,000 risks) before
    ``json`` writes it; here ``json`` writes the data as it is and asks :func:`plain` only
    for dates, datetimes and decimals. Sorting keys gives the same order as ``canonical``
    when every key is a string; any other key (sorted by its string there) takes
    ``canonical``'s path."""
    if not _str_keys_only(data):
        return canonical(data)
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=_plain_scalar)
