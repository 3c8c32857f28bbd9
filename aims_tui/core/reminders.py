"""What is due and overdue: the one place that finds it, for every face.

Eight kinds of dated obligation are collected here (and the dates of the kinds
of :mod:`aims_tui.core.catalog`):

==========================  ====================================  =========================
kind                        date                                  owner
==========================  ====================================  =========================
``risk_review``             risk.next_review (not closed)         risk.owner
``system_review``           ai_system.next_review (not retired)   business owner, else technical
``impact_assessment_review``impact_assessment.next_review         its system's owner
``soa_review``              applicability.next_review             applicability.owner
``treatment``               treatment.due_date (planned/in prog.) treatment.owner
``management_action``       management_review_action.due_date     action owner
``acceptance_expiry``       acceptance.expires_on (current one)   the risk's owner
``nonconformity``           nonconformity.due_date (not closed)   nonconformity.owner
==========================  ====================================  =========================

Every query is bounded by date in SQL (``date <= horizon``) on an indexed
column and, for listings, by a row limit; counts are ``GROUP BY`` aggregates.
Nothing here reads the whole register, so a million risks cost what the due
ones cost. "Overdue" and "due soon" follow :func:`aims_tui.core.schedule.due_state`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any, Callable, Iterable

from sqlalchemy import String, and_, case, func, literal, null, or_
from sqlmodel import Session, select

from . import catalog, tally
from .db import Database
from .models import (
    OPEN_TREATMENT_STATUSES,
    WITHDRAWN,
    Acceptance,
    AISystem,
    Applicability,
    Control,
    ImpactAssessment,
    ManagementReview,
    ManagementReviewAction,
    Nonconformity,
    Risk,
    Treatment,
)
from .records import settings_row
from .rules import is_current_acceptance, live_risk, overdue
from .schedule import DUE_SOON, OVERDUE, is_overdue, today as _today

SCHEMA = "aims.reminders/1"
KINDS: tuple[str, ...] = ("risk_review", "system_review", "impact_assessment_review", "soa_review", "treatment",
         "management_action", "acceptance_expiry")
KIND_LABELS = {
    "risk_review": "risk review",
    "system_review": "AI system review",
    "impact_assessment_review": "impact assessment review",
    "soa_review": "SoA entry review",
    "treatment": "treatment due",
    "management_action": "management review action",
    "acceptance_expiry": "acceptance expires",
    "nonconformity": "nonconformity due",
}
# The subject_type that services.reviews.record_review takes for each review kind.
REVIEW_SUBJECT = {"risk_review": "risk", "system_review": "system",
                  "impact_assessment_review": "impact_assessment", "soa_review": "applicability"}
NO_OWNER = ""
DEFAULT_LIMIT = 500


@dataclass(frozen=True)
class DueItem:
    kind: str
    ref: str
    title: str
    owner: str
    due: date
    state: str  # overdue | due_soon
    days_overdue: int
    days_left: int
    system_ref: str | None = None
    version: int | None = None

    @property
    def subject_type(self) -> str | None:
        return REVIEW_SUBJECT.get(self.kind)

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind, "ref": self.ref, "title": self.title, "owner": self.owner,
            "due": self.due.isoformat(), "state": self.state, "days_overdue": self.days_overdue,
            "days_left": self.days_left, "system_ref": self.system_ref,
            "review_subject": self.subject_type, "version": self.version,
        }


@dataclass
class OwnerGroup:
    owner: str
    overdue: int = 0
    due_soon: int = 0
    items: list[DueItem] = field(default_factory=list)

    @property
    def total(self) -> int:
        return self.overdue + self.due_soon

    @property
    def more(self) -> int:
        return self.total - len(self.items)


@dataclass
class Reminders:
    as_of: date
    within_days: int
    until: date
    owner: str | None
    groups: list[OwnerGroup]
    by_kind: dict[str, dict[str, int]]

    @property
    def overdue(self) -> int:
        return sum(g.overdue for g in self.groups)

    @property
    def due_soon(self) -> int:
        return sum(g.due_soon for g in self.groups)

    @property
    def items(self) -> list[DueItem]:
        return [i for g in self.groups for i in g.items]

    @property
    def truncated(self) -> bool:
        return any(g.more for g in self.groups)

    def to_dict(self) -> dict[str, Any]:
        """The stable JSON form (schema ``aims.reminders/1``, see the README)."""
        return {
            "schema": SCHEMA,
            "as_of": self.as_of.isoformat(),
            "within_days": self.within_days,
            "owner": self.owner,
            "totals": {"overdue": self.overdue, "due_soon": self.due_soon},
            "by_kind": self.by_kind,
            "truncated": self.truncated,
            "owners": [
                {"owner": g.owner, "overdue": g.overdue, "due_soon": g.due_soon, "more": g.more,
                 "items": [i.to_dict() for i in g.items]}
                for g in self.groups
            ],
        }


# ---------------------------------------------------------------------------
# One description per kind: its date column, owner expression and filters
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class _Kind:
    date_col: Any
    owner: Any  # SQL expression
    where: Callable[[], list]
    owner_is: Callable[[str], Any]
    joins: Callable[[Any], Any] = lambda q: q  # for listing
    # for counting: only the joins that owner or filters need (None: same as joins)
    count_joins: Callable[[Any], Any] | None = None
    # (columns, to_item) for listing: to_item(row) -> (ref, title, owner, due, system_ref, version)
    columns: Callable[[], tuple] = lambda: ()
    # (column, values): list one query per value, each ordered by the index
    # (status, date), instead of sorting every row of "status IN (...)".
    split: tuple[Any, tuple] | None = None


def _system_owner(sys_model=AISystem):
    return case((sys_model.business_owner != "", sys_model.business_owner), else_=sys_model.technical_owner)


def _system_owner_is(login: str, sys_model=AISystem):
    return or_(sys_model.business_owner == login,
               and_(sys_model.business_owner == "", sys_model.technical_owner == login))


KIND_SPECS: dict[str, _Kind] = {
    "risk_review": _Kind(
        date_col=Risk.next_review, owner=Risk.owner,
        where=lambda: [live_risk()],
        owner_is=lambda login: Risk.owner == login,
        count_joins=lambda q: q,
        joins=lambda q: q.outerjoin(AISystem, AISystem.id == Risk.system_id),
        columns=lambda: (Risk.ref, Risk.title, Risk.owner, Risk.next_review, AISystem.ref, Risk.version),
    ),
    "system_review": _Kind(
        date_col=AISystem.next_review, owner=_system_owner(),
        where=lambda: [AISystem.stage.not_in(("retired", WITHDRAWN))],
        owner_is=_system_owner_is,
        columns=lambda: (AISystem.ref, AISystem.name, _system_owner(), AISystem.next_review, AISystem.ref,
                         AISystem.version),
    ),
    "impact_assessment_review": _Kind(
        date_col=ImpactAssessment.next_review, owner=_system_owner(),
        where=lambda: [AISystem.stage.not_in(("retired", WITHDRAWN)), ImpactAssessment.status != WITHDRAWN],
        owner_is=_system_owner_is,
        joins=lambda q: q.join(AISystem, AISystem.id == ImpactAssessment.system_id),
        columns=lambda: (ImpactAssessment.ref, ImpactAssessment.title, _system_owner(),
                         ImpactAssessment.next_review, AISystem.ref, ImpactAssessment.version),
    ),
    "soa_review": _Kind(
        date_col=Applicability.next_review, owner=Applicability.owner,
        where=lambda: [],
        owner_is=lambda login: Applicability.owner == login,
        count_joins=lambda q: q,
        joins=lambda q: q.join(Control, Control.id == Applicability.control_id),
        columns=lambda: (Control.code, Control.title, Applicability.owner, Applicability.next_review,
                         null(), Applicability.version),
    ),
    "treatment": _Kind(
        date_col=Treatment.due_date, owner=Treatment.owner,
        where=lambda: [Risk.status != WITHDRAWN],  # a withdrawn risk's treatments are not asked for
        split=(Treatment.status, OPEN_TREATMENT_STATUSES),
        owner_is=lambda login: Treatment.owner == login,
        count_joins=lambda q: q.join(Risk, Risk.id == Treatment.risk_id),
        joins=lambda q: q.join(Risk, Risk.id == Treatment.risk_id),
        columns=lambda: (Risk.ref + "/T" + func.cast(Treatment.id, String), Treatment.action, Treatment.owner,
                         Treatment.due_date, null(), Treatment.version),
    ),
    "management_action": _Kind(
        date_col=ManagementReviewAction.due_date, owner=ManagementReviewAction.owner,
        where=lambda: [],
        split=(ManagementReviewAction.status, OPEN_TREATMENT_STATUSES),
        owner_is=lambda login: ManagementReviewAction.owner == login,
        count_joins=lambda q: q,
        joins=lambda q: q.join(ManagementReview, ManagementReview.id == ManagementReviewAction.review_id),
        columns=lambda: (ManagementReview.ref + "/A" + func.cast(ManagementReviewAction.id, String),
                         ManagementReviewAction.action, ManagementReviewAction.owner,
                         ManagementReviewAction.due_date, null(), ManagementReviewAction.version),
    ),
    "acceptance_expiry": _Kind(
        date_col=Acceptance.expires_on, owner=Risk.owner,
        where=lambda: [Acceptance.revoked == False, live_risk(), is_current_acceptance()],  # noqa: E712
        # coalesce(): drive the query from the (short) expiry date range, not
        # from every risk of the owner through the owner index.
        owner_is=lambda login: func.coalesce(Risk.owner, "") == login,
        joins=lambda q: q.join(Risk, Risk.id == Acceptance.risk_id),
        columns=lambda: (Risk.ref, Risk.title, Risk.owner, Acceptance.expires_on, null(),
                         Acceptance.version),
    ),
    # a nonconformity's due date (10.2), while it is not closed
    "nonconformity": _Kind(
        date_col=Nonconformity.due_date, owner=Nonconformity.owner,
        where=lambda: [Nonconformity.status.not_in(("closed", WITHDRAWN))],
        owner_is=lambda login: Nonconformity.owner == login,
        count_joins=lambda q: q,
        joins=lambda q: q.outerjoin(AISystem, AISystem.id == Nonconformity.system_id),
        columns=lambda: (Nonconformity.ref, Nonconformity.title, Nonconformity.owner, Nonconformity.due_date,
                         AISystem.ref, Nonconformity.version),
    ),
}
_FROM = {
    "risk_review": Risk, "system_review": AISystem, "impact_assessment_review": ImpactAssessment,
    "soa_review": Applicability, "treatment": Treatment, "management_action": ManagementReviewAction,
    "acceptance_expiry": Acceptance,
    "nonconformity": Nonconformity,
}
KINDS += ("nonconformity",)



def _catalog_kind(k: catalog.Kind, d: catalog.Due) -> _Kind:
    """The reminder of a date field of a kind of core.catalog, while the record is open."""
    model = k.model
    date_col = getattr(model, d.field)
    owner = getattr(model, k.owner_field) if k.owner_field else literal("")
    status = getattr(model, k.status_field)
    open_ = (lambda: [status.in_(d.when)]) if d.when else (lambda: [status.not_in(k.closed + (WITHDRAWN,))])
    where = (lambda: [*open_(), getattr(model, d.until).is_(None)]) if d.until else open_
    return _Kind(date_col=date_col, owner=owner, where=where,
                 owner_is=lambda login: owner == login,
                 columns=lambda: (model.ref, getattr(model, k.title_field), owner, date_col, null(), model.version))


# Every date field a kind of core.catalog declares in ``due``: kind "<entity>_<field>".
# A reminder of a next review is answered by recording the review (services.registers.mark_reviewed).
CATALOG_REVIEWS: dict[str, str] = {}  # reminder kind -> entity
for _k in catalog.ALL:
    for _d in _k.due:
        _name = f"{_k.entity}_{_d.field}"
        KIND_SPECS[_name], _FROM[_name], KIND_LABELS[_name] = _catalog_kind(_k, _d), _k.model, _d.label
        KINDS += (_name,)
        if _d.field == "next_review" and hasattr(_k.model, "last_reviewed"):
            CATALOG_REVIEWS[_name] = _k.entity

def _conditions(kind: str, until: date, owner: str | None, since: date | None, split_value: Any = None) -> list:
    spec = KIND_SPECS[kind]
    conds = [spec.date_col.is_not(None), spec.date_col <= until, *spec.where()]
    if spec.split is not None:
        col, values = spec.split
        conds.append(col == split_value if split_value is not None else col.in_(values))
    if since is not None:
        conds.append(spec.date_col >= since)
    if owner is not None:
        conds.append(spec.owner_is(owner))
    return conds


def _count(s: Session, kind: str, today: date, until: date, owner: str | None,
           since: date | None = None) -> dict[str, tuple[int, int]]:
    """{owner: (overdue, due_soon)} for one kind, by one aggregate query (risk reviews: over the tally)."""
    spec = KIND_SPECS[kind]
    if kind in ("risk_review", "acceptance_expiry"):
        kept = tally.live_due_by_owner(s, today, until, owner, since, expiry=kind == "acceptance_expiry")
        if kept is not None:
            return {(o or NO_OWNER): counts for o, counts in kept.items()}
    late = case((overdue(spec.date_col, today), 1), else_=0)
    # Grouping by an expression (not the bare column) keeps SQLite from walking a
    # whole owner-leading index just to avoid a sort: the date range decides.
    key = func.coalesce(spec.owner, "")
    q = select(key, func.sum(late), func.count()).select_from(_FROM[kind])
    q = (spec.count_joins or spec.joins)(q).where(*_conditions(kind, until, owner, since)).group_by(key)
    return {(o or NO_OWNER): (int(n_late or 0), int(n) - int(n_late or 0)) for o, n_late, n in s.exec(q)}


def _list(s: Session, kind: str, today: date, until: date, owner: str | None, limit: int | None,
          since: date | None = None) -> list[DueItem]:
    spec = KIND_SPECS[kind]
    rows: list = []
    for value in (spec.split[1] if spec.split else (None,)):
        q = select(*spec.columns()).select_from(_FROM[kind])
        q = spec.joins(q).where(*_conditions(kind, until, owner, since, value)).order_by(spec.date_col)
        if limit is not None:
            q = q.limit(limit)
        rows.extend(s.exec(q))
    if spec.split:
        rows.sort(key=lambda r: r[3])
        rows = rows[:limit] if limit is not None else rows
    out = []
    for ref, title, own, due, sys_ref, version in rows:
        late = is_overdue(due, today)
        out.append(DueItem(kind=kind, ref=ref, title=_one_line(title), owner=own or NO_OWNER, due=due,
                           state=OVERDUE if late else DUE_SOON,
                           days_overdue=(today - due).days if late else 0,
                           days_left=0 if late else (due - today).days,
                           system_ref=sys_ref if kind != "system_review" else None, version=version))
    return out


def _one_line(text: str | None, limit: int = 120) -> str:
    t = " ".join((text or "").split())
    return t if len(t) <= limit else t[: limit - 1] + "…"


def _settings(s: Session) -> tuple[int, int]:
    st = settings_row(s)
    return int(st.due_soon_days), int(st.overdue_grace_days)


def due_items(db: Database, *, today: date | None = None, within: int | None = None, owner: str | None = None,
              kinds: Iterable[str] = KINDS, limit: int | None = DEFAULT_LIMIT,
              overdue_only: bool = False, older_than: int | None = None) -> Reminders:
    """Everything due within ``within`` days (default: settings.due_soon_days)
    or overdue, grouped by owner: overdue first (oldest first), then due soon.

    ``limit`` caps the listed items (counts are always complete; ``None`` lists
    all). ``overdue_only`` drops the due-soon window; ``older_than`` keeps only
    items more than that many days overdue (the grace period of ``aims check``).
    """
    kinds = [k for k in kinds]
    for k in kinds:
        if k not in KIND_SPECS:
            raise ValueError(f"unknown kind {k}")
    with db.read() as s:
        soon, _grace = _settings(s)
        d = today or _today()
        w = soon if within is None else int(within)
        if w < 0:
            raise ValueError("within must not be negative")
        until = d + timedelta(days=w)
        if overdue_only:
            until = d - timedelta(days=1)
        if older_than is not None:
            until = min(until, d - timedelta(days=older_than + 1))
        counts: dict[str, list[int]] = {}
        by_kind: dict[str, dict[str, int]] = {}
        items: list[DueItem] = []
        for k in kinds:
            per_owner = _count(s, k, d, until, owner)
            by_kind[k] = {"overdue": sum(a for a, _ in per_owner.values()),
                          "due_soon": sum(b for _, b in per_owner.values())}
            for o, (a, b) in per_owner.items():
                c = counts.setdefault(o, [0, 0])
                c[0] += a
                c[1] += b
            if by_kind[k]["overdue"] or by_kind[k]["due_soon"]:
                items.extend(_list(s, k, d, until, owner, limit))
    items.sort(key=_order)
    if limit is not None:
        items = items[:limit]
    groups = {o: OwnerGroup(o, c[0], c[1]) for o, c in counts.items() if c[0] or c[1]}
    for i in items:
        groups.setdefault(i.owner, OwnerGroup(i.owner)).items.append(i)
    ordered = sorted(groups.values(), key=lambda g: (-g.overdue, -g.due_soon, g.owner == NO_OWNER, g.owner))
    return Reminders(as_of=d, within_days=w, until=until, owner=owner, groups=ordered, by_kind=by_kind)


def _order(i: DueItem) -> tuple:
    # overdue first, the longest overdue first; then the soonest due
    return (0 if i.state == OVERDUE else 1, i.due, KINDS.index(i.kind), i.ref)


def counts_for(db: Database, login: str | None, today: date | None = None,
               within: int | None = None) -> dict[str, Any]:
    """Counts only (no rows): for the dashboard and the "you have overdue items"
    notice on start. ``login=None`` counts everyone's items."""
    with db.read() as s:
        soon, _grace = _settings(s)
        d = today or _today()
        w = soon if within is None else int(within)
        until = d + timedelta(days=w)
        week = d + timedelta(days=7)
        by_kind: dict[str, dict[str, int]] = {}
        for k in KINDS:
            per_owner = _count(s, k, d, until, login)
            by_kind[k] = {"overdue": sum(a for a, _ in per_owner.values()),
                          "due_soon": sum(b for _, b in per_owner.values())}
        this_week = sum(sum(b for _, b in _count(s, k, d, week, login, since=d).values()) for k in KINDS)
    return {
        "as_of": d.isoformat(), "owner": login, "within_days": w,
        "overdue": sum(v["overdue"] for v in by_kind.values()),
        "due_soon": sum(v["due_soon"] for v in by_kind.values()),
        "due_this_week": this_week,
        "by_kind": by_kind,
    }


def window(db: Database, *, today: date | None = None, owner: str | None = None,
           limit: int = 300) -> dict[str, Any]:
    """The Due screen's three buckets: overdue, due this week (today .. +7 days),
    due this month (+8 .. +30 days); each capped at ``limit`` rows, with its full count."""
    d = today or _today()
    ranges = {"overdue": (None, d - timedelta(days=1)),
              "week": (d, d + timedelta(days=7)),
              "month": (d + timedelta(days=8), d + timedelta(days=30))}
    buckets: dict[str, list[DueItem]] = {}
    totals: dict[str, int] = {}
    with db.read() as s:
        for name, (since, until) in ranges.items():
            items: list[DueItem] = []
            total = 0
            for k in KINDS:
                n = sum(a + b for a, b in _count(s, k, d, until, owner, since=since).values())
                total += n
                if n:
                    items.extend(_list(s, k, d, until, owner, limit, since=since))
            items.sort(key=_order)
            buckets[name] = items[:limit]
            totals[name] = total
    return {"as_of": d, "buckets": buckets, "totals": totals, "limit": limit}


def start_notice(db: Database, login: str, today: date | None = None) -> str | None:
    """The one-line notice for the app's start (None when nothing of the login's
    is overdue). Counts only; meant to run in a worker."""
    c = counts_for(db, login, today)
    if not c["overdue"]:
        return None
    soon = f", {c['due_soon']} due soon" if c["due_soon"] else ""
    return f"You have {c['overdue']} overdue item{'s' if c['overdue'] != 1 else ''}{soon}: see the Due screen."
