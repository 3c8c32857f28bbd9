"""Demo data: a realistic register, seeded, sized by systems and risks per system.

Written in one transaction with bulk inserts and a single audit event (a bulk
load; the records it wrote are sealed into that event, see core/seal.py), so
that even very large registers load quickly and the trail verifies. Admins
only, and only into an empty register: demo data never mixes with live records.
"""

from __future__ import annotations

import random
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from typing import Any, Iterable, Iterator, Sequence

from sqlalchemy import func, insert
from sqlmodel import Session, select

from .. import audit, lifecycle
from ..db import Database
from ..errors import AimsError, ValidationError
from ..identity import ADMIN, require
from ..models import (
    RISK_CATEGORIES,
    RISK_SOURCES,
    Acceptance,
    AISystem,
    Applicability,
    Control,
    ImpactAssessment,
    Nonconformity,
    Review,
    Risk,
    RiskControl,
    StageEvent,
    Treatment,
    User,
)
from ..schedule import today as _today
from ..records import matrix_of
from . import demo_registers
from .risks import next_risk_ref

SYSTEM_NAMES = [
    ("Credit scoring model", "Scores consumer loan applications", "provider", "high"),
    ("CV screening assistant", "Ranks job applications for recruiters", "deployer", "high"),
    ("Customer support chatbot", "Answers customer questions in chat", "deployer", "limited"),
    ("Fraud detection engine", "Flags suspicious card transactions", "provider", "minimal"),
    ("Demand forecasting", "Forecasts weekly product demand", "producer", "minimal"),
    ("Document summariser", "Summarises contracts for legal review", "deployer", "limited"),
    ("Medical triage support", "Suggests triage priority in the clinic", "provider", "high"),
    ("Predictive maintenance", "Predicts failures of factory equipment", "producer", "minimal"),
    ("Marketing copy generator", "Drafts marketing text with a GPAI model", "deployer", "gpai"),
    ("Identity verification", "Matches selfies to ID documents", "deployer", "high"),
    ("Churn prediction", "Predicts which customers will leave", "producer", "minimal"),
    ("Code review assistant", "Suggests fixes in pull requests", "deployer", "minimal"),
]
RISK_TEMPLATES = {
    "fairness": ["Biased outcomes for protected groups", "Proxy discrimination through postcode"],
    "privacy": ["Personal data retained beyond purpose", "Training data contains special category data"],
    "robustness": ["Performance drops on unseen data", "Model drift after deployment"],
    "safety": ["Unsafe recommendation reaches a user", "Automation bias in human oversight"],
    "security": ["Prompt injection leaks confidential data", "Model extraction through the API"],
    "transparency": ["Decisions cannot be explained to the affected person",
                     "Users not told they interact with AI"],
    "accountability": ["No named owner for model decisions", "Supplier changes model without notice"],
    "data_quality": ["Labels are inconsistent across annotators", "Test data not representative"],
    "ai_expertise": ["Team lacks ML validation expertise", "Key person dependency on one data scientist"],
    "maintainability": ["Pipeline undocumented and hard to retrain", "Dependency on deprecated library"],
    "environmental_impact": ["Training energy use not measured", "Oversized model for the task"],
}
TREATMENTS = [
    "Run a bias audit on the latest model", "Add human review for borderline cases",
    "Document data lineage", "Add input filtering and output monitoring", "Retrain with representative data",
    "Sign data processing agreement with supplier", "Publish user-facing AI notice",
    "Set up drift alerts", "Pen-test the inference API", "Write the model card",
]
DEMO_USERS = [("alice", "Alice Martin", "editor"), ("bob", "Bob Okafor", "approver"),
              ("chen", "Chen Wei", "editor"), ("dana", "Dana Novak", "viewer")]


def load_demo(db: Database, actor: str, *, systems: int = 8, risks_per_system: int = 6, seed: int = 42,
              today: date | None = None) -> dict[str, Any]:
    """Load the demo register (admins only, into an empty register only).

    The demo team (alice, bob the approver, chen, dana) is added as users, one
    audited event each (a login that is already a user is left as it is): the
    demo's records name them as owners, approvers and auditors, and a record
    names only users (so that the demo's JSON export imports into a fresh
    database). Then the management-system registers are written through the
    services (:mod:`.demo_registers`), dated from ``today``."""
    if systems < 1 or systems > 100_000:
        raise ValidationError("systems", "must be between 1 and 100000")
    if risks_per_system < 0 or risks_per_system > 10_000:
        raise ValidationError("risks_per_system", "must be between 0 and 10000")

    def tx(s: Session) -> dict:
        require(s, actor, ADMIN, "loading demo data")
        _ensure_empty(s)
        _add_demo_users(s, actor)
        return _load(s, actor, systems, risks_per_system, seed, day)

    day = today or _today()
    counts = db.transact(tx)
    counts.update(demo_registers.load(db, actor, day))
    return counts


def _ensure_empty(s: Session) -> None:
    """Demo data goes only into an empty register, never into live records."""
    held = []
    for model, what in ((AISystem, "AI systems"), (Risk, "risks"), (ImpactAssessment, "impact assessments"),
                        (Nonconformity, "nonconformities")):
        n = int(s.exec(select(func.count()).select_from(model)).one())
        if n:
            held.append(f"{n} {what}")
    if held:
        raise AimsError(f"the register already holds {', '.join(held)}; demo data loads only into an empty "
                        "register (give a new database with --db)")


def _add_demo_users(s: Session, actor: str) -> None:
    have = set(s.exec(select(User.login)).all())
    for login, name, role in DEMO_USERS:
        if login in have:
            continue
        s.add(User(login=login, display_name=name, role=role))
        s.flush()
        audit.record(s, actor, "user", login, "create", {"role": [None, role], "source": [None, "demo"]})


@dataclass
class _Run:
    """What every step of one load shares."""

    rnd: random.Random
    m: Any  # the risk matrix
    now: datetime
    today: date
    actor: str
    owners: list[str]


STAGES = ["design", "validation", "deployment", "monitoring", "improvement", "retired"]
PATH = ["design", "validation", "deployment", "monitoring", "improvement"]


def _load(s: Session, actor: str, n_systems: int, per: int, seed: int, today: date) -> dict[str, Any]:
    now = datetime.combine(today, datetime.min.time(), tzinfo=timezone.utc) + timedelta(hours=9)
    run = _Run(random.Random(seed), matrix_of(s), now, today, actor, [actor, "alice", "chen", "bob"])
    sys_rows, ids = _insert_systems(s, run, n_systems)
    events, ias, reviews = _system_histories(run, sys_rows, ids, _count(s, ImpactAssessment))
    if events:
        s.execute(insert(StageEvent), events)
    if ias:
        s.execute(insert(ImpactAssessment), ias)
    risk_counts = _insert_risks(s, run, sys_rows, ids, per)
    for k in range(0, len(reviews), BATCH):
        s.execute(insert(Review), reviews[k:k + BATCH])
    ncs = _insert_nonconformities(s, run, sys_rows, ids)
    _decide_soa(s, run)
    s.flush()
    counts = {"systems": len(sys_rows), "risks": risk_counts["risks"], "treatments": risk_counts["treatments"],
              "acceptances": risk_counts["acceptances"], "impact_assessments": len(ias),
              "nonconformities": len(ncs), "stage_events": len(events), "control_links": risk_counts["links"]}
    audit.record(s, actor, "demo", f"seed-{seed}", "bulk_load", {k: [0, v] for k, v in counts.items()})
    assert all(st in lifecycle.TRANSITIONS for st in STAGES)
    return counts


def _count(s: Session, model: Any) -> int:
    return int(s.exec(select(func.count()).select_from(model)).one())


def _insert_systems(s: Session, run: _Run, n_systems: int) -> tuple[list[dict], dict[str, int]]:
    rnd, today, now = run.rnd, run.today, run.now
    start_sys = _count(s, AISystem)
    sys_rows = []
    for i in range(n_systems):
        name, purpose, role, tier = SYSTEM_NAMES[i % len(SYSTEM_NAMES)]
        if i >= len(SYSTEM_NAMES):
            name = f"{name} {i // len(SYSTEM_NAMES) + 1}"
        stage = STAGES[i % len(STAGES)] if i < 12 else rnd.choice(STAGES)
        sys_rows.append(dict(
            ref=f"AIS-{start_sys + i + 1:03d}", name=name, purpose=purpose,
            intended_use=f"{purpose}; decisions remain with a trained person.",
            business_owner=rnd.choice(run.owners), technical_owner=rnd.choice(run.owners), ai_role=role,
            eu_ai_act_tier=tier, personal_data=tier in ("high", "limited"),
            third_party=rnd.choice(["", "", "OpenModel Inc.", "VisionCorp", "DataVendor Ltd"]),
            human_oversight="A reviewer confirms every adverse decision.", stage=stage, review_cadence="",
            next_review=today + timedelta(days=_on_time(rnd.randint(-40, 200))), created_at=now - timedelta(days=400),
            updated_at=now - timedelta(days=rnd.randint(1, 60)), version=1))
    s.execute(insert(AISystem), sys_rows)
    ids: dict[str, int] = dict(s.exec(select(AISystem.ref, AISystem.id).where(AISystem.ref.in_([r["ref"] for r in sys_rows]))).all())
    return sys_rows, ids


def _system_histories(run: _Run, sys_rows: list[dict], ids: dict[str, int],
                      start_ia: int) -> tuple[list[dict], list[dict], list[dict]]:
    """Stage events, impact assessments and validation reviews of each system."""
    rnd, today, now, actor = run.rnd, run.today, run.now, run.actor
    events: list[dict] = []
    ias: list[dict] = []
    reviews: list[dict] = []
    for n, r in enumerate(sys_rows):
        sid = ids[r["ref"]]
        walk = PATH[: PATH.index(r["stage"]) + 1] if r["stage"] in PATH else PATH[:4] + ["retired"]
        t = now - timedelta(days=380)
        prev = None
        for st in walk:
            events.append(dict(system_id=sid, from_stage=prev, to_stage=st, at=t, actor=actor,
                               note="demo history", overridden_gates=[], justification=""))
            prev = st
            t += timedelta(days=rnd.randint(20, 60))
        if STAGES.index(r["stage"]) < 1:
            # assessed while it is designed (no draw: the rest of the demo stays as it was)
            ias.append(_ia_row(run, r, sid, f"IA-{start_ia + len(ias) + 1:03d}", True, today + timedelta(days=200)))
            continue
        approved = STAGES.index(r["stage"]) >= 2 or bool(n % 2)
        ias.append(_ia_row(run, r, sid, f"IA-{start_ia + len(ias) + 1:03d}", approved,
                           today + timedelta(days=_on_time(rnd.randint(-20, 300)))))
        reviews.append(dict(subject_type="system", subject_id=sid, kind="verification_validation",
                            reviewed_on=today - timedelta(days=250), reviewed_at=now - timedelta(days=250),
                            reviewer=actor, outcome="still_valid",
                            notes="Validation report accepted", scores={}, due_on=None, next_review=None))
    return events, ias, reviews


def _ia_row(run: _Run, r: dict, sid: int, ref: str, approved: bool, next_review: date) -> dict:
    now = run.now
    return dict(
        ref=ref, system_id=sid, title=f"Impact assessment: {r['name']}",
        affected_individuals="Applicants and customers subject to the system's outputs",
        affected_groups="Groups defined by age, gender and ethnicity",
        societal_impacts="Access to essential services",
        impacts=[{"description": "Unfair denial of service", "severity": "high"},
                 {"description": "Loss of privacy", "severity": "medium"}],
        mitigations="Bias testing each release; human review of denials",
        status="approved" if approved else "draft", approved_by="bob" if approved else "",
        approved_at=now - timedelta(days=200) if approved else None,
        review_cadence="yearly", next_review=next_review, created_at=now - timedelta(days=300), version=1)


def _on_time(days: int, late_below: int | None = None) -> int:
    """A drawn offset from the demo's date to a next review or due date, as a team that
    keeps up shows it: a date drawn in the past was met (the review was held, the next
    one is a month or more ahead), except a draw below ``late_below``, which stays past
    due (a realistic few). The draw itself is kept, so the rest of the demo does not move."""
    if days >= 0 or (late_below is not None and days < late_below):
        return days
    return 30 - days


def _insert_risks(s: Session, run: _Run, sys_rows: list[dict], ids: dict[str, int], per: int) -> dict[str, int]:
    """Risks and what hangs off them, streamed in batches (a million risks
    never sit in memory at once). The random sequence is the one a simple
    "all risks, then their links" loop would draw: pass 1 inserts the risks,
    pass 2 replays them from a saved generator state while ``rnd`` goes on."""
    rnd = run.rnd
    start_risk = next_risk_ref(s)[1] - 1
    controls = list(s.exec(select(Control.id, Control.code).order_by(Control.sort_key)).all())
    rows = lambda gen: _risk_rows(gen, sys_rows, ids, per, start_risk, run.m, run.now, run.today,  # noqa: E731
                                  run.owners)
    saved = rnd.getstate()
    n_risks = 0
    with _bulk_mode(s, len(sys_rows) * per >= BULK_MODE_FROM):
        for chunk in _batches(rows(rnd), BATCH):
            _bulk_insert(s, Risk, RISK_COLS, chunk)
            n_risks += len(chunk)
    replay = random.Random()
    replay.setstate(saved)
    counts = {"risks": n_risks, "links": 0, "treatments": 0, "acceptances": 0}
    for chunk in _batches(rows(replay), BATCH):
        lo, hi = chunk[0][1], chunk[-1][1]
        rid = dict(s.exec(select(Risk.ref_num, Risk.id).where(Risk.ref_num >= lo, Risk.ref_num <= hi)).all())
        links, treats, accs = _risk_children(run, chunk, rid, controls, with_treatments=per <= 200)
        _bulk_insert(s, RiskControl, ("risk_id", "control_id"), links)
        _bulk_insert(s, Treatment, TREATMENT_COLS, treats)
        _bulk_insert(s, Acceptance, ACCEPTANCE_COLS, accs)
        counts["links"] += len(links)
        counts["treatments"] += len(treats)
        counts["acceptances"] += len(accs)
    return counts


def _risk_children(run: _Run, chunk: list[tuple], rid: dict[int, int], controls: list,
                   with_treatments: bool) -> tuple[list[tuple], list[tuple], list[tuple]]:
    """Control links, treatments and acceptances of one batch of risks."""
    rnd, today, now, m = run.rnd, run.today, run.now, run.m
    links: list[tuple] = []
    treats: list[tuple] = []
    accs: list[tuple] = []
    for rr in chunk:
        risk_id = rid[rr[1]]
        status, owner, rl, ri = rr[14], rr[8], rr[11], rr[12]
        if controls:
            for cid, code in rnd.sample(controls, k=min(2, len(controls))):
                if not _excluded(code):  # no risk relies on a control the SoA excludes
                    links.append((risk_id, cid))
        if status in ("treating", "open") and with_treatments:
            for _ in range(rnd.randint(1, 2)):
                due = today + timedelta(days=rnd.randint(-45, 120))
                done = rnd.random() < 0.3
                action = rnd.choice(TREATMENTS)
                tstatus = "done" if done else rnd.choice(["planned", "in_progress"])
                # a done treatment says whether it worked (8.3): most did, one in five partly
                worked = ("partly" if len(treats) % 5 == 4 else "effective") if done else None
                treats.append((risk_id, action, owner, due, tstatus, None, now - timedelta(days=90),
                               now - timedelta(days=3) if done else None, 1, worked))
        if status == "accepted" or (m.above_appetite(rl * ri) and rnd.random() < 0.3 and status != "closed"):
            accs.append((risk_id, "bob", now - timedelta(days=60),
                         "Accepted by the AI governance board: benefits outweigh the residual risk",
                         today + timedelta(days=rnd.randint(-10, 300)), rl, ri, False, 1))
    return links, treats, accs


def _insert_nonconformities(s: Session, run: _Run, sys_rows: list[dict], ids: dict[str, int]) -> list[dict]:
    rnd, today = run.rnd, run.today
    start_nc = _count(s, Nonconformity)
    ncs = []
    for k in range(min(len(sys_rows), 6)):
        r = sys_rows[k]
        closed = k % 3 == 0
        ncs.append(dict(
            ref=f"NC-{start_nc + k + 1:03d}", kind="incident" if k % 2 else "audit_finding",
            title=["Model served without monitoring", "Missing impact assessment sign-off",
                   "Customer complaint about chatbot answer", "Data retention exceeded",
                   "Supplier model update untested", "Logs not kept for 6 months"][k],
            description="Found during internal audit" if k % 2 == 0 else "Reported by a customer",
            location=r["name"], system_id=ids[r["ref"]], severity=["minor", "major", "critical"][k % 3],
            root_cause="Process step skipped under time pressure" if closed else "",
            corrective_actions="Added a release checklist gate" if closed else "",
            owner=rnd.choice(run.owners), status="closed" if closed else rnd.choice(
                ["open", "investigating", "corrective_action"]),
            raised_on=today - timedelta(days=20 + 30 * k),
            due_date=today + timedelta(days=30 - 20 * k if closed else 15 + 10 * k),
            closed_on=today - timedelta(days=5) if closed else None, version=1))
    if ncs:
        s.execute(insert(Nonconformity), ncs)
    return ncs


def _excluded(code: str) -> bool:
    """The controls the demo's SoA excludes."""
    return code in ("A.10.4", "A.4.6") or code.startswith("A.8.3")


def _decide_soa(s: Session, run: _Run) -> None:
    """Statement of Applicability: decide every entry still undecided."""
    rnd = run.rnd
    for app, code in s.exec(select(Applicability, Control.code).join(Control, Control.id == Applicability.control_id)):
        if app.applicable is not None:
            continue
        excluded = _excluded(code)
        app.applicable = not excluded
        app.justification = ("Not relevant: we have no external customers of our AI systems" if excluded
                             else "Needed to treat identified AI risks")
        app.implementation_status = "not_started" if excluded else rnd.choice(
            ["planned", "partial", "implemented", "implemented"])
        app.owner = "" if excluded else rnd.choice(run.owners)
        app.review_cadence = "yearly"
        app.next_review = run.today + timedelta(days=rnd.randint(-15, 330))
        s.add(app)


BATCH = 20_000
BULK_MODE_FROM = 20_000  # risks in one load
RISK_COLS = ("ref", "ref_num", "system_id", "title", "title_fold", "description", "category", "source", "owner",
             "inherent_likelihood", "inherent_impact", "residual_likelihood", "residual_impact",
             "treatment_option", "status", "review_cadence", "next_review", "source_key", "created_at",
             "updated_at", "closed_at", "version", "plan_approved_by", "plan_approved_at")
TREATMENT_COLS = ("risk_id", "action", "owner", "due_date", "status", "control_id", "created_at", "completed_at",
                  "version", "effectiveness")
ACCEPTANCE_COLS = ("risk_id", "accepted_by", "accepted_at", "justification", "expires_on", "residual_likelihood",
                   "residual_impact", "revoked", "version")


def _risk_rows(rnd: random.Random, sys_rows: list[dict], ids: dict, per: int, start_risk: int, m, now: datetime,
               today: date, owners: list[str]) -> Iterator[tuple]:
    """The demo risks as tuples in RISK_COLS order (draws from ``rnd`` in a fixed order)."""
    num = start_risk
    cats = list(RISK_CATEGORIES)
    for r in sys_rows:
        sid = ids[r["ref"]]
        retired = r["stage"] == "retired"
        where = f" in {r['name']}. Identified during the {r['stage']} stage."
        for j in range(per):
            num += 1
            cat = cats[(num + j) % len(cats)]
            title = rnd.choice(RISK_TEMPLATES[cat])
            il, ii = rnd.randint(2, m.n_likelihood), rnd.randint(2, m.n_impact)
            rl, ri = max(1, il - rnd.randint(0, 3)), max(1, ii - rnd.randint(0, 2))
            status = rnd.choices(["open", "treating", "accepted", "closed"], [3, 4, 1, 1])[0]
            if retired:
                status = "closed"
            source = rnd.choice(RISK_SOURCES)
            owner = rnd.choice(owners)
            nxt = today + timedelta(days=_on_time(rnd.randint(-60, 180), late_below=-50))
            created = now - timedelta(days=rnd.randint(30, 360))
            updated = now - timedelta(days=rnd.randint(0, 30))
            # the plan of a live risk above appetite was approved by the approver (6.1.3)
            approved = status != "closed" and m.above_appetite(rl * ri)
            yield (f"R-{num:04d}", num, sid, title, title.casefold(), title + where, cat, source, owner,
                   il, ii, rl, ri, "accept" if status == "accepted" else "mitigate", status, "", nxt, None,
                   created, updated, now - timedelta(days=5) if status == "closed" else None, 1,
                   "bob" if approved else None, now - timedelta(days=45) if approved else None)


@contextmanager
def _bulk_mode(s: Session, on: bool) -> Iterator[None]:
    """For a large load on SQLite: drop the risk table's secondary indexes and
    search triggers, load, then build them again in one pass each (sorting
    once is much faster than a million random index insertions) and rebuild
    the search index. All inside the load's own transaction: a failure rolls
    the schema back with the data, and other users never see it half done."""
    conn = s.connection()
    if not on or conn.dialect.name != "sqlite":
        yield
        return
    raw = conn.connection.driver_connection
    saved = raw.execute(
        "SELECT type, name, sql FROM sqlite_master WHERE tbl_name = 'risk' AND sql IS NOT NULL AND "
        "(type = 'index' OR (type = 'trigger' AND name LIKE 'risk\\_fts\\_%' ESCAPE '\\'))").fetchall()
    has_fts = raw.execute("SELECT 1 FROM sqlite_master WHERE name = 'risk_fts'").fetchone() is not None
    cache = raw.execute("PRAGMA cache_size").fetchone()[0]
    raw.execute("PRAGMA cache_size = -65536")  # 64 MB while building the indexes
    for kind, name, _sql in saved:
        raw.execute(f'DROP {kind.upper()} "{name}"')
    yield
    for kind, _name, sql in saved:
        if kind == "index":
            raw.execute(sql)
    if has_fts:
        raw.execute("INSERT INTO risk_fts(risk_fts) VALUES ('rebuild')")
    for kind, _name, sql in saved:
        if kind == "trigger":
            raw.execute(sql)
    raw.execute(f"PRAGMA cache_size = {int(cache)}")


def _batches(rows: Iterable[tuple], size: int) -> Iterator[list[tuple]]:
    chunk: list[tuple] = []
    for row in rows:
        chunk.append(row)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _bulk_insert(s: Session, model: Any, cols: Sequence[str], rows: list[tuple]) -> None:
    """INSERT many plain tuples: executemany on the driver under SQLite (values
    converted by the columns' own types, so they read back exactly as if the
    ORM had written them), SQLAlchemy Core executemany elsewhere."""
    if not rows:
        return
    table = model.__table__
    conn = s.connection()
    dialect = conn.dialect
    if dialect.name == "postgresql" and not any(isinstance(v, (dict, list)) for v in rows[0]):
        # COPY: a million risks in a minute or two, not the quarter of an hour of INSERTs
        cur = conn.connection.driver_connection.cursor()
        with cur.copy(f'COPY "{table.name}" ({", ".join(cols)}) FROM STDIN') as cp:
            for r in rows:
                cp.write_row(r)
        return
    if dialect.name != "sqlite":
        conn.execute(table.insert(), [dict(zip(cols, r)) for r in rows])
        return
    procs = [(i, p) for i, c in enumerate(cols)
             if (p := table.c[c].type.dialect_impl(dialect).bind_processor(dialect)) is not None]
    if procs:
        out = []
        for r in rows:
            v = list(r)
            for i, p in procs:
                if v[i] is not None:
                    v[i] = p(v[i])
            out.append(tuple(v))
        rows = out
    sql = f"INSERT INTO {table.name} ({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))})"
    conn.connection.driver_connection.executemany(sql, rows)
