"""Planning (clause 6.1) and treatment effectiveness (8.3): read side.

- ``opportunity`` (6.1.1): a kind of record (core/catalog), an opportunity the AIMS
  could take, with its expected benefit, owner, status, due date and AI system.
- The risk criteria (6.1.1) are the matrix (scales, level bands, appetite) and the
  default review cadences held in settings. :func:`criteria_impact` says what a
  change of them would do to the register before it is saved: which risks change
  level, which go above or below appetite, which acceptances were given at a level
  that now reads differently, which next reviews move. Scores never change.
- :func:`findings`: readiness for 6.1.1, 6.1.2, 6.1.3 and 8.3.

Read side only: models, rules and scoring; the writes are in services/criteria.py.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import exists, func, or_, select as sa_select
from sqlmodel import Session, col, select

from .fields import F
from .kind import Due, Kind, Link
from .models import (
    OPPORTUNITY_STATUSES,
    WITHDRAWN,
    Acceptance,
    AISystem,
    Applicability,
    Control,
    Opportunity,
    Risk,
    RiskControl,
    Treatment,
)
from .readiness_types import MISSING, OK, STALE, UNAPPROVED, Finding, listed
from .records import settings_row
from .rules import is_current_acceptance, live_risk, valid_current_acceptance
from .schedule import DEFAULT_CADENCES, cadence_for
from .scoring import Matrix

OPPORTUNITY = Kind(
    entity="opportunity", model=Opportunity, what="opportunity", prefix="OPP", plural="opportunities",
    specs={
        "title": F("text", required=True, max_len=300, label="Title"),
        "description": F("longtext", label="Description"),
        "expected_benefit": F("longtext", label="Expected benefit"),
        "owner": F("login", max_len=64, label="Owner"),
        "status": F("choice", choices=OPPORTUNITY_STATUSES, label="Status"),
        "due_date": F("date", label="Due date"),
        "system": F("text", max_len=32, label="AI system"),
        "review_cadence": F("cadence", label="Review cadence"),
        "next_review": F("date", label="Next review"),
    },
    closed=("realised", "dropped"),
    links={"system": Link(AISystem, "system_id", "AI system")},
    due=(Due("due_date", "opportunity due"), Due("next_review", "opportunity review")),
    summary=("status",),
)

# The criteria as one document (what `aims criteria show --format json` prints and `set --json` takes).
CRITERIA_KEYS = ("likelihood_labels", "impact_labels", "bands", "appetite", "cadences")
SAMPLE = 50


def criteria_of(session: Session) -> dict[str, Any]:
    """The criteria in force: the matrix and the default review cadence of each level."""
    st = settings_row(session)
    return {**Matrix.from_dict(st.matrix).to_dict(), "cadences": {**DEFAULT_CADENCES, **(st.cadences or {})}}


@dataclass
class Move:
    ref: str
    before: Any
    after: Any

    def to_dict(self) -> dict[str, Any]:
        return {"ref": self.ref, "before": self.before, "after": self.after}


@dataclass
class CriteriaImpact:
    """What a change of the criteria does to the live risks (scores stay as they are)."""

    level_changes: list[Move] = field(default_factory=list)  # residual (or inherent) level renamed
    above_appetite: list[str] = field(default_factory=list)  # residual now above appetite, before not
    below_appetite: list[str] = field(default_factory=list)  # residual now within appetite, before not
    need_acceptance: list[str] = field(default_factory=list)  # above appetite now, no valid acceptance
    acceptances_changed: list[Move] = field(default_factory=list)  # accepted level reads differently
    review_moves: list[Move] = field(default_factory=list)  # next review brought forward
    changed: list[str] = field(default_factory=list)  # the criteria keys that differ

    @property
    def nothing(self) -> bool:
        return not self.changed

    def to_dict(self) -> dict[str, Any]:
        return {"changed": self.changed,
                "level_changes": [m.to_dict() for m in self.level_changes],
                "above_appetite": self.above_appetite, "below_appetite": self.below_appetite,
                "need_acceptance": self.need_acceptance,
                "acceptances_changed": [m.to_dict() for m in self.acceptances_changed],
                "review_moves": [m.to_dict() for m in self.review_moves]}

    def lines(self) -> list[str]:
        """What the change does, in words, one line each (forms and the CLI print these)."""
        if self.nothing:
            return ["nothing changes"]

        def refs(items: list[str]) -> str:
            return listed(items, 8)

        out = [f"criteria changed: {', '.join(self.changed)}; no score changes, only the levels derived from them"]
        out.append(f"{len(self.level_changes)} risks change level"
                   + (f": {refs([f'{m.ref} {m.before}->{m.after}' for m in self.level_changes])}"
                      if self.level_changes else ""))
        out.append(f"{len(self.above_appetite)} go above appetite"
                   + (f": {refs(self.above_appetite)}" if self.above_appetite else ""))
        out.append(f"{len(self.below_appetite)} come within appetite"
                   + (f": {refs(self.below_appetite)}" if self.below_appetite else ""))
        if self.need_acceptance:
            out.append(f"{len(self.need_acceptance)} would need an acceptance (not covered): "
                       f"{refs(self.need_acceptance)}")
        if self.acceptances_changed:
            out.append(f"{len(self.acceptances_changed)} acceptances were given at a level now named "
                       f"differently (re-confirm them): "
                       f"{refs([f'{m.ref} {m.before}->{m.after}' for m in self.acceptances_changed])}")
        out.append(f"{len(self.review_moves)} next reviews move earlier"
                   + (f": {refs([f'{m.ref} {m.before}->{m.after}' for m in self.review_moves])}"
                      if self.review_moves else ""))
        return out


def _level(m: Matrix, score: int) -> str:
    return m.band_for_score(score).name if 1 <= score <= m.max_score else "(off the scale)"


def criteria_impact(session: Session, before: dict[str, Any], after: dict[str, Any], today: date) -> CriteriaImpact:
    """What replacing the criteria ``before`` by ``after`` (both as :func:`criteria_of`
    gives them, already checked) does to the live, scored risks."""
    old, new = Matrix.from_dict(before), Matrix.from_dict(after)
    old_cad = {**DEFAULT_CADENCES, **(before.get("cadences") or {})}
    new_cad = {**DEFAULT_CADENCES, **(after.get("cadences") or {})}
    imp = CriteriaImpact(changed=[k for k in CRITERIA_KEYS if before.get(k) != after.get(k)])
    if imp.nothing:
        return imp
    q = (sa_select(Risk.id, Risk.ref, Risk.inherent_score, Risk.residual_score,
                   Risk.review_cadence, Risk.next_review)
         .where(live_risk(), Risk.awaiting_assessment == False)  # noqa: E712
         .order_by(Risk.ref_num))
    rows = session.execute(q).all()
    valid_ids = _validly_accepted(session, today)
    for rid, ref, inh, res, own_cadence, nxt in rows:
        lo_res, ln_res = _level(old, res), _level(new, res)
        lo_inh, ln_inh = _level(old, inh), _level(new, inh)
        if lo_res != ln_res:
            imp.level_changes.append(Move(ref, f"residual {lo_res}", ln_res))
        elif lo_inh != ln_inh:
            imp.level_changes.append(Move(ref, f"inherent {lo_inh}", ln_inh))
        was, now = old.above_appetite(res), new.above_appetite(res)
        if now and not was:
            imp.above_appetite.append(ref)
        elif was and not now:
            imp.below_appetite.append(ref)
        if now and rid not in valid_ids and not was:
            imp.need_acceptance.append(ref)
        if not (own_cadence or "").strip():
            c_old = cadence_for("", lo_res, old_cad)
            c_new = cadence_for("", ln_res, new_cad)
            if c_old != c_new:
                moved = c_new.next_after(today)
                if nxt is None or moved < nxt:
                    imp.review_moves.append(Move(ref, nxt.isoformat() if nxt else None, moved.isoformat()))
    accs = session.exec(
        select(Risk.ref, Acceptance.residual_likelihood, Acceptance.residual_impact)
        .join(Risk, Risk.id == Acceptance.risk_id)
        .where(Acceptance.revoked == False, is_current_acceptance(), live_risk())  # noqa: E712
        .order_by(Risk.ref_num)).all()
    for ref, li, im in accs:
        s_ = li * im
        if _level(old, s_) != _level(new, s_):
            imp.acceptances_changed.append(Move(ref, _level(old, s_), _level(new, s_)))
    return imp


def _validly_accepted(session: Session, today: date) -> set[int]:
    return set(session.exec(select(Risk.id).where(valid_current_acceptance(today))).all())


# ---------------------------------------------------------------------------
# Readiness (6.1.1, 6.1.2, 6.1.3, 8.3)
# ---------------------------------------------------------------------------

def _refs(rows) -> tuple[str, ...]:
    return tuple(str(r) for r in rows)


def plan_unapproved_conditions(m: Matrix) -> list:
    """SQL on Risk: live, scored, residual above appetite, plan not approved or changed since."""
    return [live_risk(), Risk.awaiting_assessment == False,  # noqa: E712
            Risk.residual_score > m.appetite,
            or_(Risk.plan_approved_at.is_(None), Risk.plan_changed_at.is_not(None))]


def findings(session: Session, today: date) -> list[Finding]:
    """What 6.1.1, 6.1.2, 6.1.3 and 8.3 require of the register, and what is missing."""
    out: list[Finding] = []
    st = settings_row(session)
    m = Matrix.from_dict(st.matrix)
    # 6.1.1 risk criteria: set (a stored matrix with bands and an appetite, cadences per level)
    if st.matrix and st.id is not None and session.get(type(st), st.id) is not None:
        missing_cad = [b.name for b in m.bands if b.name not in {**DEFAULT_CADENCES, **(st.cadences or {})}]
        if missing_cad:
            out.append(Finding("6.1.1", "risk criteria: matrix, appetite and review cadences set", MISSING,
                               f"no review cadence for level {', '.join(missing_cad)}",
                               "aims criteria set --json FILE (or the Criteria screen on M)"))
        else:
            out.append(Finding("6.1.1", "risk criteria: matrix, appetite and review cadences set", OK,
                               f"{m.n_likelihood}x{m.n_impact} matrix, {len(m.bands)} levels, appetite {m.appetite}"))
    else:
        out.append(Finding("6.1.1", "risk criteria: matrix, appetite and review cadences set", MISSING,
                           "no criteria recorded", "aims setup, then aims criteria set --json FILE"))
    # 6.1.1 opportunities considered
    opps = session.exec(select(col(Opportunity.ref), col(Opportunity.next_review)).where(Opportunity.status != WITHDRAWN)
                        .order_by(Opportunity.ref)).all()
    if not opps:
        out.append(Finding("6.1.1", "opportunities considered", MISSING, "no opportunity recorded",
                           "aims opportunities add --set title=..."))
    else:
        stale = _refs(r for r, n in opps if n is not None and n < today)
        if stale:
            out.append(Finding("6.1.1", "opportunities considered", STALE,
                               f"{len(stale)} of {len(opps)} opportunities past their review: {listed(stale)}",
                               "aims opportunities reviewed OPP-...", stale))
        else:
            out.append(Finding("6.1.1", "opportunities considered", OK, f"{len(opps)} opportunities recorded"))
    # 6.1.2 risks assessed
    live = int(session.exec(select(func.count()).select_from(Risk).where(live_risk())).one())
    awaiting = _refs(session.exec(select(Risk.ref).where(live_risk(), Risk.awaiting_assessment == True)  # noqa: E712
                                  .order_by(Risk.ref_num).limit(SAMPLE)).all())
    overdue = _refs(session.exec(select(Risk.ref).where(live_risk(), Risk.next_review < today)
                                 .order_by(Risk.ref_num).limit(SAMPLE)).all())
    if not live:
        out.append(Finding("6.1.2", "AI risks identified and assessed", MISSING, "no risk recorded",
                           "the Risk register (key 2, n) or aims import risks FILE"))
    elif awaiting:
        out.append(Finding("6.1.2", "AI risks identified and assessed", MISSING,
                           f"risks awaiting assessment (no scores): {listed(awaiting)}",
                           "aims risks update REF --likelihood N --impact N", awaiting))
    elif overdue:
        out.append(Finding("6.1.2", "AI risks identified and assessed", STALE,
                           f"risks past their review date: {listed(overdue)}",
                           "aims review REF --outcome still_valid (or the Due screen, key 8)", overdue))
    else:
        out.append(Finding("6.1.2", "AI risks identified and assessed", OK, f"{live} live risks assessed"))
    # 6.1.3 the SoA complete and justified
    soa = session.exec(select(Control.code, Applicability.applicable, Applicability.justification,
                              Applicability.approved_by)
                       .join(Applicability, Applicability.control_id == Control.id)
                       .order_by(Control.sort_key)).all()
    undecided = _refs(c for c, a, _j, _ap in soa if a is None)
    unjustified = _refs(c for c, a, j, _ap in soa if a is not None and not (j or "").strip())
    unapproved = _refs(c for c, a, _j, ap in soa if a is not None and not ap)
    req = "Statement of Applicability: every control decided, justified and approved"
    if not soa:
        out.append(Finding("6.1.3", req, MISSING, "no controls loaded", "aims setup"))
    elif undecided or unjustified:
        gap = undecided + unjustified
        out.append(Finding("6.1.3", req, MISSING,
                           f"{len(undecided)} undecided, {len(unjustified)} without a justification: {listed(gap)}",
                           "aims soa set CODE --applicable yes|no --justification TEXT", gap))
    elif unapproved:
        out.append(Finding("6.1.3", req, UNAPPROVED, f"{len(unapproved)} entries not approved: {listed(unapproved)}",
                           "A on the Statement of Applicability screen (key 5)", unapproved))
    else:
        out.append(Finding("6.1.3", req, OK, f"{len(soa)} controls decided, justified and approved"))
    excluded_linked = _refs(session.exec(
        select(Control.code).join(Applicability, Applicability.control_id == Control.id)
        .where(Applicability.applicable == False, excluded_control_linked())  # noqa: E712
        .order_by(Control.sort_key)).all())
    if excluded_linked:
        out.append(Finding("6.1.3", "no excluded control is relied on by a risk or treatment", MISSING,
                           f"excluded but linked: {listed(excluded_linked)}",
                           "aims soa set CODE --applicable yes --justification TEXT, or unlink it", excluded_linked))
    # 6.1.3 treatment plans approved
    plans = _refs(session.exec(select(Risk.ref).where(*plan_unapproved_conditions(m))
                               .order_by(Risk.ref_num).limit(SAMPLE)).all())
    if plans:
        out.append(Finding("6.1.3", "treatment plans of risks above appetite approved", UNAPPROVED,
                           f"plans not approved or changed since approval: {listed(plans)}",
                           "aims risks approve-plan REF (an approver)", plans))
    else:
        out.append(Finding("6.1.3", "treatment plans of risks above appetite approved", OK,
                           "every plan of a risk above appetite is approved"))
    # 8.3 completed treatments with their effectiveness recorded
    done = session.exec(select(Risk.ref, Treatment.id, Treatment.effectiveness)
                        .join(Risk, Risk.id == Treatment.risk_id)
                        .where(Treatment.status == "done", Risk.status != WITHDRAWN)
                        .order_by(Risk.ref_num, Treatment.id)).all()
    unsaid = _refs(f"{r}/T{t}" for r, t, e in done if not e)
    req = "completed treatments: whether each worked is recorded"
    if not done:
        out.append(Finding("8.3", req, MISSING, "no treatment completed yet",
                           "aims treatments complete R-.../T... --effectiveness effective"))
    elif unsaid:
        out.append(Finding("8.3", req, MISSING,
                           f"{len(unsaid)} of {len(done)} done treatments without effectiveness: {listed(unsaid)}",
                           "aims treatments effectiveness R-.../T... --effectiveness effective|partly|not_effective",
                           unsaid[:SAMPLE]))
    else:
        out.append(Finding("8.3", req, OK, f"{len(done)} done treatments, effectiveness recorded"))
    return out


def excluded_control_linked() -> Any:
    """SQL on Control: linked to a live risk, or named by a treatment of a live risk."""
    by_risk = exists().where(RiskControl.control_id == Control.id, RiskControl.risk_id == Risk.id, live_risk())
    by_treatment = exists().where(Treatment.control_id == Control.id, Treatment.risk_id == Risk.id, live_risk(),
                                  Treatment.status != "cancelled")
    return or_(by_risk, by_treatment)


__all__ = ["OPPORTUNITY", "CRITERIA_KEYS", "CriteriaImpact", "Move", "criteria_of", "criteria_impact", "findings",
           "excluded_control_linked", "plan_unapproved_conditions"]
