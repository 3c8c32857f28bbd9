"""Bulk writes for the import paths, each ONE transaction: all or nothing.

- :func:`import_risks`: rows read from a spreadsheet (by ``aims_tui.io.importer``)
  become risks. Every row is validated (the same rules as ``risks.create_risk``)
  before the first one is written; problems name the spreadsheet row, the
  column and the value, all of them at once. Each risk is then created by
  ``risks._create`` (its own audit event), plus one summary event for the import.
- :func:`restore`: a whole register (read by ``aims_tui.io.jsonio``) written as it
  was, ids, versions, timestamps and audit chain included, into an EMPTY database.
"""

from __future__ import annotations

import json
import re
import time
import unicodedata
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Callable, Iterable

from sqlalchemy import func, insert, select as sa_select, text
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, SQLModel, select

from .. import audit
from ..db import Database
from ..errors import AimsError, ValidationError
from ..identity import ADMIN, EDIT, require
from ..models import (ACTION_STATUSES, AI_ROLES, EU_AI_ACT_TIERS, IA_STATUSES, IMPLEMENTATION_STATUSES, MR_STATUSES,
                      NC_KINDS, NC_SEVERITIES, NC_STATUSES, REVIEW_KINDS, REVIEW_OUTCOMES, REVIEW_SUBJECTS,
                      RISK_CATEGORIES, RISK_SOURCES, RISK_STATUSES, ROLES, STAGES, TREATMENT_OPTIONS,
                      TREATMENT_STATUSES, AISystem, AuditEvent, Control, Risk, RiskControl, StageEvent, User)
from ..schedule import next_review, today as _today
from ..scoring import AWAITING_LEVEL
from . import risks as risk_service
from . import systems as system_service
from ._base import LONG_TEXT_MAX, clean, matrix_of, next_ref, settings_row, to_dict
from .users import LOGIN_RE

# ---------------------------------------------------------------------------
# Problems, named by row, column and value
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class RowError:
    """One problem in an import file. ``row`` is the row number a spreadsheet
    shows (1-based; 0 for the file as a whole)."""

    row: int
    column: str
    value: str
    message: str

    @property
    def where(self) -> str:
        if self.row <= 0:
            return f"column {self.column}" if self.column else "file"
        return f"row {self.row}, column {self.column}" if self.column else f"row {self.row}"

    def __str__(self) -> str:
        shown = self.value if len(self.value) <= 60 else self.value[:57] + "..."
        shown = shown.replace("\r", " ").replace("\n", " ")
        val = f" value {shown!r}" if self.value != "" else " (empty)"
        return f"{self.where}:{val}: {self.message}"


class ImportRejected(ValidationError):
    """The file has problems; nothing was written. ``problems`` lists all of them."""

    def __init__(self, problems: Iterable[RowError]):
        self.problems = sorted(set(problems), key=lambda e: (e.row, e.column, e.message))
        n_rows = len({e.row for e in self.problems if e.row > 0})
        summary = (f"{len(self.problems)} problem{'s' if len(self.problems) != 1 else ''}"
                   + (f" in {n_rows} row{'s' if n_rows != 1 else ''}" if n_rows else "")
                   + "; nothing was imported")
        super().__init__("file", summary, [(e.where, _tail(e)) for e in self.problems])
        self.summary = summary


def grouped(problems: Iterable[RowError], shown_rows: int = 8) -> list[str]:
    """One line per distinct problem (column, value, message), naming its rows:
    1,411 cells with the same unknown category are one line, not 1,411."""
    groups: dict[tuple[str, str, str], list[int]] = {}
    for e in problems:
        groups.setdefault((e.column, e.value, e.message), []).append(e.row)
    out = []
    for (column, value, message), rows in groups.items():
        rows = sorted(set(rows))
        if len(rows) == 1:
            out.append(str(RowError(rows[0], column, value, message)))
            continue
        listed = ", ".join(str(r) for r in rows[:shown_rows])
        more = f" and {len(rows) - shown_rows} more" if len(rows) > shown_rows else ""
        tail = _tail(RowError(rows[0], column, value, message))
        out.append(f"rows {listed}{more} ({len(rows)} rows), column {column}: {tail}")
    return out


def _tail(e: RowError) -> str:
    return str(e)[len(e.where) + 1:].strip()


# ---------------------------------------------------------------------------
# Spreadsheet rows -> risks
# ---------------------------------------------------------------------------


@dataclass
class RiskRow:
    """One spreadsheet row, already parsed by the reader.

    ``data`` holds fields of ``risks.SPECS``; ``owner`` and ``system`` are the
    text of the file (a login or a display name; a ref or a name), resolved
    here. ``columns`` names the column each field came from (for messages),
    ``raw`` the cell text, ``failed`` the fields the reader already reported.
    """

    row: int
    data: dict[str, Any]
    columns: dict[str, str] = field(default_factory=dict)
    raw: dict[str, str] = field(default_factory=dict)
    failed: set[str] = field(default_factory=set)


class _DryRun(Exception):
    def __init__(self, result: dict[str, Any]):
        self.result = result


def slug_login(text_: str) -> str:
    """A login for an owner known only by name: "Alice Martin" -> "alice.martin"."""
    t = unicodedata.normalize("NFKD", text_).encode("ascii", "ignore").decode("ascii").lower()
    t = t.split("@")[0] if "@" in t else t
    t = re.sub(r"[^a-z0-9_.-]+", ".", t).strip(".-")
    t = re.sub(r"\.{2,}", ".", t)
    if t and not re.match(r"[a-z_]", t):
        t = "u" + t
    return t[:32].rstrip(".-")


def import_risks(db: Database, actor: str, rows: list[RiskRow], *, problems: Iterable[RowError] = (),
                 create_missing: bool = False, dry_run: bool = False, source: str = "",
                 progress: Callable[[int, int], None] | None = None,
                 today: date | None = None) -> dict[str, Any]:
    """Create the risks of ``rows`` in one transaction, or none of them.

    Two phases, so that a large import never makes a teammate's save wait:
    every row is resolved and validated in a read session (no lock held), then
    one short IMMEDIATE transaction writes them in bulk: the risks, their
    controls, one audit event each (the hash chain continued from the newest
    event) and one summary event. ``problems`` are those the reader found
    already (bad cells); they are reported together with the ones found here.
    With ``dry_run`` the check runs and nothing is written. Rows whose
    ``source_key`` is already in the register are skipped (a re-import does
    not duplicate). A row without a likelihood or an impact becomes a risk
    awaiting assessment (``risk.awaiting_assessment``).
    """
    day = today or _today()
    with db.read() as s:
        require(s, actor, EDIT, "importing risks")
        plan = _check(s, actor, rows, list(problems), create_missing, day)
    if dry_run:
        with db.read() as s:
            first = next_risk_nums(s, len(plan.to_create))
        result = plan.result(source, [f"R-{n:04d}" for n in first])
        result["dry_run"] = True
        return result
    timing: dict[str, float] = {}

    def tx(s: Session) -> dict[str, Any]:
        t0 = time.perf_counter()
        require(s, actor, EDIT, "importing risks")
        if plan.missing_users:
            require(s, actor, ADMIN, "creating users for unknown owners (--create-missing)")
        timing["t0"] = t0
        return _write(s, actor, plan, source, progress, day)

    written = db.transact(tx)
    # From the lock taken (BEGIN IMMEDIATE done) to the commit done: what a teammate's save waits at most.
    timing["lock_seconds"] = time.perf_counter() - timing["t0"]
    result = plan.result(source, written["refs"], written["sys_refs"])
    result["users_created"], result["systems_created"] = written["users_created"], written["systems_created"]
    result["dry_run"] = False
    result["lock_seconds"] = timing["lock_seconds"]
    return result


@dataclass
class _Checked:
    """What the check phase found: rows ready to insert, in file order."""

    to_create: list[tuple[RiskRow, dict[str, Any], list[int], bool]] = field(default_factory=list)
    skipped: list[dict[str, Any]] = field(default_factory=list)
    missing_users: dict[str, str] = field(default_factory=dict)
    missing_systems: dict[str, str] = field(default_factory=dict)
    system_ids: dict[str, int] = field(default_factory=dict)
    control_codes: dict[int, str] = field(default_factory=dict)
    matrix: Any = None
    cadences: dict = field(default_factory=dict)
    changes_json: dict[int, str] = field(default_factory=dict)  # row -> canonical JSON of its create event
    levels: dict[int, tuple[str, str]] = field(default_factory=dict)  # row -> (inherent, residual) level
    stored: dict[int, tuple] = field(default_factory=dict)  # row -> _stored_base

    def result(self, source: str, refs: list[str], sys_refs: dict[str, str] | None = None) -> dict[str, Any]:
        m = self.matrix
        created = []
        for (r, v, _c, awaiting), ref in zip(self.to_create, refs):
            sys_ref = (sys_refs or {}).get(v.get("system") or "", v.get("system") or None)
            if sys_ref and sys_ref.startswith("new:"):
                sys_ref = self.missing_systems.get(sys_ref[4:], sys_ref[4:])
            if awaiting:
                il = ii = rl = ri = None
                ilev = rlev = AWAITING_LEVEL
            else:
                il, ii, rl, ri = (v["inherent_likelihood"], v["inherent_impact"], v["residual_likelihood"],
                                  v["residual_impact"])
                ilev, rlev = self.levels.get(r.row) or (m.level(il, ii).name, m.level(rl, ri).name)
            created.append({"row": r.row, "ref": ref, "title": v["title"], "system_ref": sys_ref,
                            "owner": v["owner"], "inherent_likelihood": il, "inherent_impact": ii,
                            "inherent_level": ilev, "residual_likelihood": rl, "residual_impact": ri,
                            "residual_level": rlev, "treatment_option": v["treatment_option"],
                            "status": v["status"], "category": v.get("category", ""),
                            "source_key": v.get("source_key"), "awaiting_assessment": awaiting})
        return {"created": created, "skipped": list(self.skipped),
                "users_created": [{"login": lg, "display_name": d, "role": "editor"}
                                  for lg, d in sorted(self.missing_users.items())],
                "systems_created": [{"ref": "", "name": n, "stage": "design"}
                                    for _f, n in sorted(self.missing_systems.items())],
                "awaiting_assessment": sum(1 for c in self.to_create if c[3]), "source": source}


def next_risk_nums(s: Session, n: int) -> list[int]:
    """``n`` free risk numbers from max + 1 on, skipping the refs of deleted risks
    (the audit trail still speaks of them): two indexed queries, not one per risk."""
    start = int(s.exec(select(func.max(Risk.ref_num))).one() or 0) + 1
    if n <= 0:
        return []
    used = {ref for (ref,) in s.connection().execute(sa_select(AuditEvent.entity_ref).where(
        AuditEvent.entity == "risk", AuditEvent.entity_ref >= f"R-{start:04d}").distinct())}
    out = []
    k = start
    while len(out) < n:
        if f"R-{k:04d}" not in used:
            out.append(k)
        k += 1
    return out


def _check(s: Session, actor: str, rows: list[RiskRow], problems: list[RowError], create_missing: bool,
           today: date) -> _Checked:
    settings = settings_row(s)
    plan = _Checked(matrix=matrix_of(s), cadences=dict(settings.cadences or {}))
    col = lambda r, f: r.columns.get(f, f)  # noqa: E731

    # -- who and what the file names ----------------------------------------
    users = s.exec(select(User)).all()
    by_login = {u.login: u for u in users}
    by_fold: dict[str, list[User]] = {}
    for u in users:
        for key in {u.login.casefold(), (u.display_name or "").casefold()} - {""}:
            by_fold.setdefault(key, []).append(u)
    systems = s.exec(select(AISystem.ref, AISystem.name, AISystem.id)).all()
    plan.system_ids = {ref: id_ for ref, _, id_ in systems}
    sys_by_ref = {ref.casefold(): ref for ref, _, _ in systems}
    sys_by_name: dict[str, list[str]] = {}
    for ref, name, _ in systems:
        sys_by_name.setdefault(name.casefold().strip(), []).append(ref)
    controls = {code: id_ for code, id_ in s.exec(select(Control.code, Control.id)).all()}
    plan.control_codes = {v: k for k, v in controls.items()}

    owner_of: dict[str, str] = {}  # owner text -> login
    missing_users = plan.missing_users  # login to create -> display name
    system_of: dict[str, str] = {}  # system text -> ref
    missing_systems = plan.missing_systems  # folded name -> name as written

    def resolve_owner(r: RiskRow, value: str) -> str | None:
        if value in owner_of:
            return owner_of[value]
        fold = value.casefold()
        found = [by_login[value]] if value in by_login else by_fold.get(fold, [])
        if len({u.login for u in found}) > 1:
            problems.append(RowError(r.row, col(r, "owner"), value,
                                     f"matches several users ({', '.join(sorted(u.login for u in found))}); "
                                     "use the login"))
            return None
        if found:
            u = found[0]
            if not u.active:
                problems.append(RowError(r.row, col(r, "owner"), value,
                                         f"{u.login} is deactivated; an admin can reactivate them "
                                         f"(aims users add {u.login} --role editor)"))
                return None
            owner_of[value] = u.login
            return u.login
        if not create_missing:
            problems.append(RowError(r.row, col(r, "owner"), value,
                                     "is not a user of this database; ask an admin to add them "
                                     "(aims users add LOGIN --role editor) or import with --create-missing"))
            return None
        login = slug_login(value)
        if not login or not LOGIN_RE.match(login):
            problems.append(RowError(r.row, col(r, "owner"), value,
                                     "is not a user, and no login can be made from it; "
                                     "write the owner's OS login in the cell"))
            return None
        if login in by_login:  # "Alice Martin" -> alice.martin, who exists
            existing = by_login[login]
            if not existing.active:
                problems.append(RowError(r.row, col(r, "owner"), value, f"{login} is deactivated"))
                return None
        else:
            missing_users.setdefault(login, value.strip())
        owner_of[value] = login
        return login

    def resolve_system(r: RiskRow, value: str) -> str | None:
        if value in system_of:
            return system_of[value]
        fold = value.casefold().strip()
        if fold in sys_by_ref:
            ref: str | None = sys_by_ref[fold]
        elif len(sys_by_name.get(fold, [])) == 1:
            ref = sys_by_name[fold][0]
        elif fold in sys_by_name:
            problems.append(RowError(r.row, col(r, "system"), value,
                                     f"names several AI systems ({', '.join(sys_by_name[fold])}); use the ref"))
            return None
        elif not create_missing:
            problems.append(RowError(r.row, col(r, "system"), value,
                                     "is not the ref or name of an AI system; register it first "
                                     "or import with --create-missing"))
            return None
        elif re.fullmatch(r"ais-\d+", fold):
            problems.append(RowError(r.row, col(r, "system"), value,
                                     "looks like an AI system ref, but there is no such system"))
            return None
        else:
            if len(value.strip()) > 200:
                problems.append(RowError(r.row, col(r, "system"), value,
                                         "is too long for an AI system name (at most 200 characters)"))
                return None
            missing_systems.setdefault(fold, value.strip())
            ref = None  # created in the write phase, once
        if ref is not None:
            system_of[value] = ref
        return ref

    # -- keys already in the register (indexed, 500 at a time) ----------------
    existing: dict[str, str] = {}
    keys = [r.data.get("source_key") for r in rows if r.data.get("source_key")]
    for i in range(0, len(keys), 500):
        chunk = keys[i:i + 500]
        for ref, key in s.exec(select(Risk.ref, Risk.source_key).where(Risk.source_key.in_(chunk))):
            existing[key] = ref
    m = plan.matrix
    seen_keys: dict[str, int] = {}
    for r in rows:
        data = dict(r.data)
        key = data.get("source_key")
        if key and key in seen_keys:
            what = "ID" if str(key).startswith("id:") else "title, description and system"
            problems.append(RowError(r.row, col(r, "source_key"), r.raw.get("source_key", ""),
                                     f"the same {what} as row {seen_keys[key]} (a risk would be imported twice)"))
            continue
        if key:
            seen_keys[key] = r.row
        if key and key in existing:
            plan.skipped.append({"row": r.row, "ref": existing[key], "title": data.get("title", "")})
            continue
        owner = str(data.get("owner") or "").strip()
        if owner:
            login = resolve_owner(r, owner)
            data["owner"] = login or ""
            if login is None:
                r.failed.add("owner")
        system = str(data.get("system") or "").strip()
        if system:
            ref = resolve_system(r, system)
            if ref is None and system.casefold() not in missing_systems:
                r.failed.add("system")
            data["system"] = ref or ("new:" + system.casefold().strip())
        for f in r.failed:
            data.pop(f, None)
        awaiting = any(data.get(f) in (None, "") for f in ("inherent_likelihood", "inherent_impact")) \
            and not ({"inherent_likelihood", "inherent_impact"} & r.failed)
        if awaiting:
            for f in ("inherent_likelihood", "inherent_impact"):
                if data.get(f) in (None, ""):
                    data[f] = 1  # the placeholder (lowest cell) until someone scores it
        sys_value = data.pop("system", None)
        try:
            values = clean(risk_service.SPECS, data, partial=False, session=None)
            _check_scores(m, values)
        except ValidationError as exc:
            for f, msg in exc.errors:
                if f not in r.failed:
                    problems.append(RowError(r.row, col(r, f), r.raw.get(f, str(data.get(f, "") or "")), msg))
            continue
        codes = values.pop("controls", None)
        if isinstance(codes, str):
            codes = [c.strip() for c in codes.replace(";", ",").split(",") if c.strip()]
        unknown = [c for c in (codes or []) if c not in controls]
        if unknown:
            problems.append(RowError(r.row, col(r, "controls"), r.raw.get("controls", ""),
                                     f"unknown control(s): {', '.join(unknown)}"))
            continue
        if values.get("status") == "accepted":
            # As in update_risk: acceptance is an approver's recorded decision, not a status to type.
            problems.append(RowError(r.row, col(r, "status"), r.raw.get("status", "accepted"),
                                     "a risk is accepted by an approver, who records why (an acceptance in "
                                     "aims); import it as open and record the acceptance"))
            continue
        if r.failed:
            continue
        values["system"] = sys_value
        values.setdefault("treatment_option", "mitigate")
        values.setdefault("status", "open")
        if not values.get("owner"):
            values["owner"] = actor
        if values.get("residual_likelihood") is None:
            values["residual_likelihood"] = values["inherent_likelihood"]
        if values.get("residual_impact") is None:
            values["residual_impact"] = values["inherent_impact"]
        if not awaiting:
            plan.levels[r.row] = (m.level(values["inherent_likelihood"], values["inherent_impact"]).name,
                                  m.level(values["residual_likelihood"], values["residual_impact"]).name)
        if values.get("next_review") is None:
            if awaiting:
                values["next_review"] = today  # in everyone's reminders until scored
            else:
                level = m.level(values["residual_likelihood"], values["residual_impact"]).name
                values["next_review"] = next_review(today, values.get("review_cadence") or "", level,
                                                    plan.cadences)
        cids = sorted({controls[c] for c in codes or []})
        plan.to_create.append((r, values, cids, awaiting))
        if not str(sys_value or "").startswith("new:"):  # a system made by the import: its ref comes later
            plan.changes_json[r.row] = _changes_json(values, [plan.control_codes[c] for c in cids], awaiting)
        plan.stored[r.row] = _stored_base(values, awaiting)
    if problems:
        raise ImportRejected(problems)
    return plan


def _check_scores(m: Any, values: dict[str, Any]) -> None:
    """risks._check_scores on a matrix read once (not once per row)."""
    errors = []
    for f in risk_service.SCORE_FIELDS:
        if values.get(f) is not None:
            n = m.n_likelihood if "likelihood" in f else m.n_impact
            if not 1 <= values[f] <= n:
                errors.append((f, f"must be between 1 and {n}, got {values[f]}"))
    if errors:
        raise ValidationError(errors[0][0], errors[0][1], errors)


_AUDITED = ("title", "description", "system_ref", "category", "source", "owner", "inherent_likelihood",
            "inherent_impact", "residual_likelihood", "residual_impact", "treatment_option", "status",
            "review_cadence", "next_review", "controls", "source_key", "awaiting_assessment")


def _changes_json(v: dict[str, Any], codes: list[str], awaiting: bool) -> str:
    """The canonical JSON of a risk's create event (what risks._create records)."""
    full = {**v, "system_ref": v.get("system") or None, "controls": sorted(codes, key=_control_sort),
            "awaiting_assessment": awaiting}
    return audit.canonical({k: [None, full.get(k)] for k in _AUDITED if full.get(k) not in (None, "", [], False)})


def _write(s: Session, actor: str, plan: _Checked, source: str,
           progress: Callable[[int, int], None] | None, today: date) -> dict[str, Any]:
    """The write phase: bulk inserts in the caller's (short) transaction."""
    conn = s.connection()
    # Another import may have brought the same rows in since the check: skip them.
    keys = [v.get("source_key") for _, v, _, _ in plan.to_create if v.get("source_key")]
    taken: dict[str, str] = {}
    for i in range(0, len(keys), 500):
        for ref, key in conn.execute(sa_select(Risk.ref, Risk.source_key).where(
                Risk.source_key.in_(keys[i:i + 500]))):
            taken[key] = ref
    if taken:
        for r, v, _, _ in plan.to_create:
            if v.get("source_key") in taken:
                plan.skipped.append({"row": r.row, "ref": taken[v["source_key"]], "title": v["title"]})
        plan.to_create = [c for c in plan.to_create if c[1].get("source_key") not in taken]
    users_created = []
    for login, display in sorted(plan.missing_users.items()):
        if s.exec(select(User.id).where(User.login == login)).first() is None:
            _create_user(s, actor, login, display)
        users_created.append({"login": login, "display_name": display, "role": "editor"})
    systems_created = []
    sys_ids = dict(plan.system_ids)
    new_refs: dict[str, str] = {}
    for fold, name in sorted(plan.missing_systems.items()):
        ref = _create_system(s, actor, name, today)
        new_refs["new:" + fold] = ref
        sys_ids[ref] = s.exec(select(AISystem.id).where(AISystem.ref == ref)).one()
        systems_created.append({"ref": ref, "name": name, "stage": "design"})
    for _, v, _, _ in plan.to_create:
        if v.get("system") in new_refs:
            v["system"] = new_refs[v["system"]]
    missing = {v["system"] for _, v, _, _ in plan.to_create if v.get("system") and v["system"] not in sys_ids}
    if missing:
        raise AimsError(f"AI system(s) {', '.join(sorted(missing))} were deleted while the file was checked; "
                        "nothing was imported (run the import again)")

    total = len(plan.to_create)
    nums = next_risk_nums(s, total)
    refs = [f"R-{n:04d}" for n in nums]
    now = audit.utcnow()
    now_s = _stored(now)
    risk_rows = []
    for (r, v, _c, awaiting), ref, num in zip(plan.to_create, refs, nums):
        sys_id = sys_ids.get(v.get("system") or "") if v.get("system") else None
        base = plan.stored.get(r.row) or _stored_base(v, awaiting)
        risk_rows.append(_Row((ref, num, sys_id, now_s, now_s, None, 1) + base))
    table = Risk.__table__  # type: ignore[attr-defined]
    # FTS5 through its row trigger costs ~0.25 ms a risk; one INSERT ... SELECT after the
    # rows costs a fifth of that. The trigger is set aside inside this transaction (a
    # rollback puts it back) and made again from its own SQL.
    fts_trigger = None
    if db_dialect(s) == "sqlite" and total:
        fts_trigger = conn.exec_driver_sql(
            "SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name = 'risk_fts_ai'").scalar()
        if fts_trigger:
            conn.exec_driver_sql("DROP TRIGGER risk_fts_ai")
    try:
        for i in range(0, total, 2000):
            _insert_many(conn, table, risk_rows[i:i + 2000])
            if progress is not None:
                progress(min(i + 2000, total), total)
    except IntegrityError as exc:
        raise AimsError("the register changed while the file was checked (" + str(exc.orig).splitlines()[0]
                        + "); nothing was imported (run the import again)") from None
    if fts_trigger:
        conn.exec_driver_sql("INSERT INTO risk_fts(rowid, title, description, ref) "
                             f"SELECT id, title, description, ref FROM risk WHERE ref_num >= {int(nums[0])}")
        conn.exec_driver_sql(fts_trigger)
    ids = {n: i for n, i in conn.execute(sa_select(Risk.ref_num, Risk.id).where(Risk.ref_num >= nums[0]))} if nums else {}
    links = [{"risk_id": ids[num], "control_id": cid}
             for (_, _, cids, _), num in zip(plan.to_create, nums) for cid in cids]
    if links:
        conn.execute(insert(RiskControl.__table__), links)  # type: ignore[attr-defined]
    # One audit event per risk, chained from the newest event (the JSON was made in the check phase).
    sys_refs = {v: k for k, v in sys_ids.items()}
    items = []
    for (r, v, cids, awaiting), ref in zip(plan.to_create, refs):
        cj = plan.changes_json.get(r.row) or _changes_json(v, [plan.control_codes[c] for c in cids], awaiting)
        items.append((ref, cj))
    hashes = audit.chain(audit.last_hash(s), now, actor, "risk", "create", items)
    sqlite = conn.dialect.name == "sqlite"
    events = [{"at": now, "actor": actor, "entity": "risk", "entity_ref": ref, "action": "create",
               # on SQLite the JSON column holds text: the canonical JSON goes in as made
               "changes": _Raw(cj) if sqlite else json.loads(cj), "prev_hash": prev, "hash": h}
              for (ref, cj), (prev, h) in zip(items, hashes)]
    for i in range(0, len(events), 2000):
        _insert_many(conn, AuditEvent.__table__, events[i:i + 2000])  # type: ignore[attr-defined]
    awaiting_n = sum(1 for c in plan.to_create if c[3])
    if refs or users_created or systems_created:
        audit.record(s, actor, "import", (source or "spreadsheet")[-64:], "import_risks", {
            "risks_created": [None, len(refs)],
            "rows_skipped": [None, len(plan.skipped)],
            **({"first_ref": [None, refs[0]], "last_ref": [None, refs[-1]]} if refs else {}),
            **({"awaiting_assessment": [None, awaiting_n]} if awaiting_n else {}),
            **({"users_created": [None, [u["login"] for u in users_created]]} if users_created else {}),
            **({"systems_created": [None, [x["ref"] for x in systems_created]]} if systems_created else {}),
        })
    # The result (a dict per risk) is made after the commit, outside the lock.
    return {"refs": refs, "sys_refs": {ref: ref for ref in sys_refs.values()}, "users_created": users_created,
            "systems_created": systems_created}


RISK_COLUMNS = ("ref", "ref_num", "system_id", "created_at", "updated_at", "closed_at", "version",
                "title", "title_fold", "description", "category", "source", "owner", "inherent_likelihood",
                "inherent_impact", "residual_likelihood", "residual_impact", "awaiting_assessment",
                "treatment_option", "status", "review_cadence", "next_review", "source_key")


def _stored_base(v: dict[str, Any], awaiting: bool) -> tuple:
    """The columns of a new risk known before the write (in their stored form)."""
    return (v["title"], v["title"].casefold(), v.get("description") or "", v.get("category") or "",
            v.get("source") or "", v.get("owner") or "", v["inherent_likelihood"], v["inherent_impact"],
            v["residual_likelihood"], v["residual_impact"], int(awaiting), v["treatment_option"], v["status"],
            v.get("review_cadence") or "", _stored(v.get("next_review")), v.get("source_key") or None)


class _Row(tuple):
    """A risk row as a tuple of stored values, in RISK_COLUMNS order."""

    def as_dict(self) -> dict[str, Any]:
        out = dict(zip(RISK_COLUMNS, self))
        out["created_at"] = out["updated_at"] = datetime.fromisoformat(out["created_at"])
        out["awaiting_assessment"] = bool(out["awaiting_assessment"])
        if out["next_review"] is not None:
            out["next_review"] = date.fromisoformat(out["next_review"])
        return out


class _Raw(str):
    """A value already in its stored form (JSON text made beforehand)."""


def _stored(value: Any) -> Any:
    """A Python value as SQLAlchemy stores it on SQLite (dates as ISO text, booleans as 0/1)."""
    if isinstance(value, datetime):
        return audit._naive_utc(value).strftime("%Y-%m-%d %H:%M:%S.%f")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, (dict, list)):
        return json.dumps(value)
    return value


def _insert_many(conn, table, rows: list[dict[str, Any]]) -> None:
    """executemany of plain rows: on SQLite straight to the driver (SQLAlchemy's
    per-row parameter processing was most of the write phase), else a Core insert."""
    if not rows:
        return
    if isinstance(rows[0], _Row):
        if conn.dialect.name != "sqlite":
            conn.execute(insert(table), [r.as_dict() for r in rows])
            return
        sql = (f'INSERT INTO "{table.name}" (' + ", ".join(f'"{n}"' for n in RISK_COLUMNS) + ") VALUES ("
               + ", ".join("?" for _ in RISK_COLUMNS) + ")")
        conn.exec_driver_sql(sql, rows)
        return
    if conn.dialect.name != "sqlite":
        conn.execute(insert(table), [{k: (json.loads(v) if isinstance(v, _Raw) else v) for k, v in r.items()}
                                     for r in rows])
        return
    names = list(rows[0])
    sql = (f'INSERT INTO "{table.name}" (' + ", ".join(f'"{n}"' for n in names) + ") VALUES ("
           + ", ".join("?" for _ in names) + ")")
    conn.exec_driver_sql(sql, [tuple(_stored(r[n]) for n in names) for r in rows])


def db_dialect(s: Session) -> str:
    return s.connection().dialect.name


def _control_sort(code: str) -> list:
    return [int(p) if p.isdigit() else p for p in re.split(r"(\d+)", code)]


def _create_user(s: Session, actor: str, login: str, display_name: str) -> None:
    """An owner named by the file, added as an editor (as users.add_user does)."""
    display_name = display_name.replace("\n", " ").strip()[:200]
    u = User(login=login, role="editor", display_name=display_name or login)
    s.add(u)
    s.flush()
    audit.record(s, actor, "user", login, "create", {"role": [None, "editor"], "source": [None, "import"]})


def _create_system(s: Session, actor: str, name: str, today: date) -> str:
    """An AI system named by the file, registered in design (as systems.create_system does)."""
    values = clean(system_service.SPECS, {"name": name}, partial=False)
    row = AISystem(ref=next_ref(s, AISystem, "AIS", 3), stage="design", ai_role="deployer",
                   eu_ai_act_tier="unclassified", personal_data=False, **values)
    row.next_review = next_review(today, row.review_cadence, "Medium", settings_row(s).cadences)
    row.created_at = row.updated_at = audit.utcnow()
    s.add(row)
    s.flush()
    s.add(StageEvent(system_id=row.id, from_stage=None, to_stage="design", actor=actor,
                     at=audit.utcnow(), note="registered by a risk import"))
    audit.record(s, actor, "ai_system", row.ref, "create",
                 {k: [None, audit.plain(v)] for k, v in to_dict(row).items()
                  if k not in ("id", "version", "created_at", "updated_at")})
    return row.ref


# ---------------------------------------------------------------------------
# A whole register (JSON) into an empty database
# ---------------------------------------------------------------------------


# Tables the database keeps itself (by triggers), not records: audit_head (migration 0002)
# counts the audit events. They are left out of an export and of the emptiness check, and
# the triggers rebuild them as a restore inserts the records.
DERIVED_TABLES = frozenset({"audit_head"})


def tables() -> list:
    """Every table of records, parents before children (insert order)."""
    return [t for t in SQLModel.metadata.sorted_tables if t.name not in DERIVED_TABLES]


def record_counts(s: Session) -> dict[str, int]:
    out = {}
    for t in tables():
        n = s.connection().execute(sa_select(func.count()).select_from(t)).scalar() or 0
        if n:
            out[t.name] = int(n)
    return out


def insertable_columns(table) -> list:
    """Stored columns (generated columns such as risk.inherent_score are derived)."""
    return [c for c in table.columns if c.computed is None]


# The vocabularies the services enforce, by table and column.
CHOICES: dict[tuple[str, str], tuple[str, ...]] = {
    ("user", "role"): ROLES,
    ("ai_system", "stage"): STAGES, ("ai_system", "ai_role"): AI_ROLES,
    ("ai_system", "eu_ai_act_tier"): EU_AI_ACT_TIERS,
    ("risk", "status"): RISK_STATUSES, ("risk", "treatment_option"): TREATMENT_OPTIONS,
    ("risk", "category"): ("",) + RISK_CATEGORIES, ("risk", "source"): ("",) + RISK_SOURCES,
    ("treatment", "status"): TREATMENT_STATUSES,
    ("review", "outcome"): REVIEW_OUTCOMES, ("review", "kind"): REVIEW_KINDS,
    ("review", "subject_type"): REVIEW_SUBJECTS,
    ("applicability", "implementation_status"): IMPLEMENTATION_STATUSES,
    ("impact_assessment", "status"): IA_STATUSES,
    ("nonconformity", "kind"): NC_KINDS, ("nonconformity", "severity"): NC_SEVERITIES,
    ("nonconformity", "status"): NC_STATUSES,
    ("management_review", "status"): MR_STATUSES, ("management_review_action", "status"): ACTION_STATUSES,
}
# Columns holding a login (checked against the file's users), by table.
LOGINS: dict[str, tuple[str, ...]] = {
    "risk": ("owner",), "treatment": ("owner",), "applicability": ("owner",),
    "ai_system": ("business_owner", "technical_owner"), "acceptance": ("accepted_by",),
}
SCORES: dict[str, tuple[str, ...]] = {
    "risk": ("inherent_likelihood", "inherent_impact", "residual_likelihood", "residual_impact"),
    "acceptance": ("residual_likelihood", "residual_impact"),
}
MAX_RECORD_PROBLEMS = 50


def check_records(records: dict[str, list[dict[str, Any]]]) -> None:
    """What the services would refuse, checked before anything is written: text
    limits, vocabularies, scores on the file's own matrix, cadences, logins and
    references between records. All problems at once (up to 50), naming the
    table, the record and the field; raises ValidationError."""
    from ..schedule import CadenceError, parse_cadence
    from ..scoring import Matrix, MatrixError

    by_name = {t.name: t for t in tables()}
    errors: list[tuple[str, str]] = []

    def bad(table: str, i: int, col: str, msg: str) -> None:
        errors.append((f"{table}.{col}", f"{table} record {i}: {col} {msg}"))

    settings = (records.get("settings") or [{}])[0]
    try:
        matrix = Matrix.from_dict(settings.get("matrix") if isinstance(settings.get("matrix"), dict) else None)
    except (MatrixError, KeyError, TypeError, ValueError) as exc:
        raise ValidationError("settings.matrix", f"settings record 1: the risk matrix is not valid ({exc})") from None
    logins = {r.get("login") for r in records.get("user") or []}
    ids = {name: {r.get("id") for r in records.get(name) or []} for name in by_name}
    for tname, rows in records.items():
        table = by_name.get(tname)
        if table is None:
            continue
        limits = {}
        for c in insertable_columns(table):
            length = getattr(c.type, "length", None)
            if length:
                limits[c.name] = int(length)
            elif c.type.__class__.__name__ == "Text" and tname != "audit_event":
                limits[c.name] = LONG_TEXT_MAX
        fks = [(c.name, fk.column.table.name) for c in table.columns for fk in c.foreign_keys]
        for i, row in enumerate(rows, start=1):
            for col, limit in limits.items():
                v = row.get(col)
                if isinstance(v, str) and len(v) > limit:
                    bad(tname, i, col, f"is {len(v):,} characters long; at most {limit:,}")
            for (t_, col), allowed in CHOICES.items():
                if t_ == tname and col in row and row[col] is not None and row[col] not in allowed:
                    bad(tname, i, col, f"{str(row[col])[:40]!r} is not one of {', '.join(a for a in allowed if a)}")
            for col in SCORES.get(tname, ()):
                v = row.get(col)
                n = matrix.n_likelihood if "likelihood" in col else matrix.n_impact
                if v is not None and not (isinstance(v, int) and 1 <= v <= n):
                    bad(tname, i, col, f"must be between 1 and {n} (the matrix of the file), got {v}")
            for col in LOGINS.get(tname, ()):
                v = row.get(col)
                if v and v not in logins:
                    bad(tname, i, col, f"{str(v)[:64]!r} is not a user in the file")
            cad = row.get("review_cadence")
            if isinstance(cad, str) and cad.strip():
                try:
                    parse_cadence(cad)
                except CadenceError as exc:
                    bad(tname, i, "review_cadence", str(exc))
            for col, target in fks:
                v = row.get(col)
                if v is not None and v not in ids.get(target, set()):
                    bad(tname, i, col, f"points at {target} {v}, which is not in the file")
            if len(errors) >= MAX_RECORD_PROBLEMS:
                break
        if len(errors) >= MAX_RECORD_PROBLEMS:
            break
    if errors:
        raise ValidationError(errors[0][0], f"{errors[0][1]}; nothing was imported"
                              + (f" ({len(errors)} problems)" if len(errors) > 1 else ""), errors)


def restore(db: Database, records: dict[str, list[dict[str, Any]]],
            progress: Callable[[int, int], None] | None = None) -> dict[str, int]:
    """Write ``records`` ({table name: [row dicts with Python values]}) as they
    are, into an empty database, in one transaction; refuse otherwise.

    No audit event is added (the register is reproduced exactly); the audit
    chain is verified before commit, and a chain that does not verify is
    refused. There is no role check: an empty database has no users to ask
    (whoever may write the database file may restore into it).
    """
    by_name = {t.name: t for t in tables()}
    unknown = sorted(set(records) - set(by_name))
    if unknown:
        raise ValidationError("tables", f"unknown table(s) in the file: {', '.join(unknown)}")
    check_records(records)  # outside the write lock: the services' rules, all or nothing
    total = sum(len(v) for v in records.values())

    def tx(s: Session) -> dict[str, int]:
        have = record_counts(s)
        if have:
            listed = ", ".join(f"{n} {t}" for t, n in sorted(have.items()))
            raise AimsError(f"the database is not empty ({listed}); a JSON import only goes into an empty "
                            "database: give a new --db path")
        conn = s.connection()
        done = 0
        counts: dict[str, int] = {}
        for t in tables():
            rows = records.get(t.name) or []
            if not rows:
                continue
            names = {c.name for c in insertable_columns(t)}
            for i in range(0, len(rows), 1000):
                chunk = [{k: v for k, v in r.items() if k in names} for r in rows[i:i + 1000]]
                try:
                    conn.execute(insert(t), chunk)
                except IntegrityError as exc:
                    msg = str(exc.orig).splitlines()[0]
                    raise ValidationError(t.name, f"rows {i + 1}..{i + len(chunk)} break a rule of the "
                                          f"schema ({msg}); nothing was imported") from None
                done += len(chunk)
                if progress is not None:
                    progress(done, total)
            counts[t.name] = len(rows)
        if db.backend == "postgresql":
            for t in tables():
                pk = list(t.primary_key.columns)
                if len(pk) == 1 and pk[0].autoincrement in (True, "auto") and t.name in counts:
                    conn.execute(text(
                        f"SELECT setval(pg_get_serial_sequence('\"{t.name}\"', '{pk[0].name}'), "
                        f"(SELECT max(\"{pk[0].name}\") FROM \"{t.name}\"))"))
        result = audit.verify(s)
        if not result.ok:
            raise ValidationError("audit_event", f"the audit trail in the file does not verify at event "
                                  f"{result.broken_id}: {result.reason}; nothing was imported")
        return counts

    return db.transact(tx)
