"""The check phase of a risk import: every row resolved and validated in a READ
session (no lock held), and everything the write needs prepared (stored values,
the canonical JSON of each audit event). Raises ImportRejected with every problem."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import func, select as sa_select
from sqlmodel import Session, col, select

from .. import audit
from ..errors import ValidationError
from ..models import AISystem, AuditEvent, Control, Risk, User
from ..schedule import next_review
from ..scoring import AWAITING_LEVEL
from . import risks as risk_service
from ..records import matrix_of, settings_row
from ._base import clean
from .import_types import ImportRejected, RiskRow, RowError, slug_login
from .users import LOGIN_RE

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
    (the audit trail still speaks of them): indexed look-ups of the candidate refs,
    500 at a time, not one query per risk."""
    start = int(s.exec(select(func.max(Risk.ref_num))).one() or 0) + 1
    out: list[int] = []
    k = start
    while len(out) < n:
        candidates = [f"R-{i:04d}" for i in range(k, k + (n - len(out)))]
        used: set[str] = set()
        for i in range(0, len(candidates), 500):
            used.update(ref for (ref,) in s.connection().execute(sa_select(col(AuditEvent.entity_ref)).where(
                AuditEvent.entity_ref.in_(candidates[i:i + 500]), AuditEvent.entity == "risk").distinct()))
        out.extend(int(c[2:]) for c in candidates if c not in used)
        k += len(candidates)
    return out


class _Names:
    """Owners and AI systems as the file names them, resolved against the register
    (read once); what --create-missing would create is collected, not written."""

    def __init__(self, s: Session, plan: "_Checked", problems: list[RowError], create_missing: bool) -> None:
        self.problems, self.create_missing = problems, create_missing
        users = s.exec(select(User)).all()
        self.by_login = {u.login: u for u in users}
        self.by_fold: dict[str, list[User]] = {}
        for u in users:
            for key in {u.login.casefold(), (u.display_name or "").casefold()} - {""}:
                self.by_fold.setdefault(key, []).append(u)
        systems = s.exec(select(AISystem.ref, AISystem.name, AISystem.id)).all()
        plan.system_ids = {ref: id_ for ref, _, id_ in systems if id_ is not None}
        self.sys_by_ref = {ref.casefold(): ref for ref, _, _ in systems}
        self.sys_by_name: dict[str, list[str]] = {}
        for ref, name, _ in systems:
            self.sys_by_name.setdefault(name.casefold().strip(), []).append(ref)
        self.owner_of: dict[str, str] = {}  # owner text -> login
        self.missing_users = plan.missing_users  # login to create -> display name
        self.system_of: dict[str, str] = {}  # system text -> ref
        self.missing_systems = plan.missing_systems  # folded name -> name as written

    def owner(self, r: RiskRow, value: str) -> str | None:
        if value in self.owner_of:
            return self.owner_of[value]
        fold = value.casefold()
        found = [self.by_login[value]] if value in self.by_login else self.by_fold.get(fold, [])
        if len({u.login for u in found}) > 1:
            self.problems.append(RowError(r.row, _col(r, "owner"), value,
                                     f"matches several users ({', '.join(sorted(u.login for u in found))}); "
                                     "use the login"))
            return None
        if found:
            u = found[0]
            if not u.active:
                self.problems.append(RowError(r.row, _col(r, "owner"), value,
                                         f"{u.login} is deactivated; an admin can reactivate them "
                                         f"(aims users add {u.login} --role editor)"))
                return None
            self.owner_of[value] = u.login
            return u.login
        if not self.create_missing:
            self.problems.append(RowError(r.row, _col(r, "owner"), value,
                                     "is not a user of this database; ask an admin to add them "
                                     "(aims users add LOGIN --role editor) or import with --create-missing"))
            return None
        login = slug_login(value)
        if not login or not LOGIN_RE.match(login):
            self.problems.append(RowError(r.row, _col(r, "owner"), value,
                                     "is not a user, and no login can be made from it; "
                                     "write the owner's OS login in the cell"))
            return None
        if login in self.by_login:  # "Alice Martin" -> alice.martin, who exists
            existing = self.by_login[login]
            if not existing.active:
                self.problems.append(RowError(r.row, _col(r, "owner"), value, f"{login} is deactivated"))
                return None
        else:
            self.missing_users.setdefault(login, value.strip())
        self.owner_of[value] = login
        return login

    def system(self, r: RiskRow, value: str) -> str | None:
        if value in self.system_of:
            return self.system_of[value]
        fold = value.casefold().strip()
        if fold in self.sys_by_ref:
            ref: str | None = self.sys_by_ref[fold]
        elif len(self.sys_by_name.get(fold, [])) == 1:
            ref = self.sys_by_name[fold][0]
        elif fold in self.sys_by_name:
            self.problems.append(RowError(r.row, _col(r, "system"), value,
                                     f"names several AI systems ({', '.join(self.sys_by_name[fold])}); use the ref"))
            return None
        elif not self.create_missing:
            self.problems.append(RowError(r.row, _col(r, "system"), value,
                                     "is not the ref or name of an AI system; register it first "
                                     "or import with --create-missing"))
            return None
        elif re.fullmatch(r"ais-\d+", fold):
            self.problems.append(RowError(r.row, _col(r, "system"), value,
                                     "looks like an AI system ref, but there is no such system"))
            return None
        else:
            if len(value.strip()) > 200:
                self.problems.append(RowError(r.row, _col(r, "system"), value,
                                         "is too long for an AI system name (at most 200 characters)"))
                return None
            self.missing_systems.setdefault(fold, value.strip())
            ref = None  # created in the write phase, once
        if ref is not None:
            self.system_of[value] = ref
        return ref


def _col(r: RiskRow, f: str) -> str:
    return r.columns.get(f, f)


def _resolve(r: RiskRow, data: dict[str, Any], names: _Names, missing_systems: dict[str, str]) -> bool:
    """Owner and system of one row resolved in ``data``; whether it awaits assessment
    (no likelihood or impact: placeholders of the lowest cell are put in)."""
    owner = str(data.get("owner") or "").strip()
    if owner:
        login = names.owner(r, owner)
        data["owner"] = login or ""
        if login is None:
            r.failed.add("owner")
    system = str(data.get("system") or "").strip()
    if system:
        ref = names.system(r, system)
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
    return awaiting


def _prepare(plan: _Checked, r: RiskRow, values: dict[str, Any], cids: list[int], awaiting: bool, actor: str,
             today: date) -> None:
    """A valid row made ready to insert: defaults as risks._create sets them, its
    levels, next review, stored values and the canonical JSON of its audit event."""
    m = plan.matrix
    sys_value = values["system"]
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
    plan.to_create.append((r, values, cids, awaiting))
    if not str(sys_value or "").startswith("new:"):  # a system made by the import: its ref comes later
        plan.changes_json[r.row] = _changes_json(values, [plan.control_codes[c] for c in cids], awaiting)
    plan.stored[r.row] = _stored_base(values, awaiting)


def _check(s: Session, actor: str, rows: list[RiskRow], problems: list[RowError], create_missing: bool,
           today: date) -> _Checked:
    settings = settings_row(s)
    plan = _Checked(matrix=matrix_of(s), cadences=dict(settings.cadences or {}))
    col = _col

    names = _Names(s, plan, problems, create_missing)
    missing_systems = plan.missing_systems
    controls = {code: id_ for code, id_ in s.exec(select(Control.code, Control.id)).all() if id_ is not None}
    plan.control_codes = {v: k for k, v in controls.items()}

    # -- keys already in the register (indexed, 500 at a time) ----------------
    existing: dict[str, str] = {}
    keys = [r.data.get("source_key") for r in rows if r.data.get("source_key")]
    for i in range(0, len(keys), 500):
        chunk = keys[i:i + 500]
        for ref, key in s.exec(select(Risk.ref, Risk.source_key).where(Risk.source_key.in_(chunk))):
            if key is not None:
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
        awaiting = _resolve(r, data, names, missing_systems)
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
        _prepare(plan, r, values, sorted({controls[c] for c in codes or []}), awaiting, actor, today)
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


def _control_sort(code: str) -> list:
    return [int(p) if p.isdigit() else p for p in re.split(r"(\d+)", code)]
