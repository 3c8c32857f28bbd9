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

import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Callable, Iterable

from sqlalchemy import func, insert, select as sa_select, text
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, SQLModel, select

from .. import audit
from ..db import Database
from ..errors import AimsError, ValidationError
from ..identity import ADMIN, EDIT, require
from ..models import AISystem, Risk, StageEvent, User
from ..schedule import next_review, today as _today
from . import risks as risk_service
from . import systems as system_service
from ._base import clean, settings_row, to_dict, next_ref
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

    ``problems`` are those the reader found already (bad cells); they are
    reported together with the ones found here. With ``dry_run`` everything
    is done and then rolled back, so the result says exactly what an import
    would create. Rows whose ``source_key`` is already in the register are
    skipped (a re-import does not duplicate).
    """
    pre = list(problems)

    def tx(s: Session) -> dict[str, Any]:
        require(s, actor, EDIT, "importing risks")
        result = _import(s, actor, rows, pre, create_missing, source, progress, today or _today())
        if dry_run:
            raise _DryRun(result)
        return result

    try:
        result = db.transact(tx)
        result["dry_run"] = False
    except _DryRun as d:
        result = d.result
        result["dry_run"] = True
    return result


def _import(s: Session, actor: str, rows: list[RiskRow], problems: list[RowError], create_missing: bool,
            source: str, progress: Callable[[int, int], None] | None, today: date) -> dict[str, Any]:
    # Held for the whole import: the session's identity map keeps only weak
    # references, and every risk created reads the settings (matrix, cadences).
    settings = settings_row(s)  # noqa: F841
    col = lambda r, f: r.columns.get(f, f)  # noqa: E731

    # -- who and what the file names ----------------------------------------
    users = s.exec(select(User)).all()
    by_login = {u.login: u for u in users}
    by_fold: dict[str, list[User]] = {}
    for u in users:
        for key in {u.login.casefold(), (u.display_name or "").casefold()} - {""}:
            by_fold.setdefault(key, []).append(u)
    systems = s.exec(select(AISystem.ref, AISystem.name)).all()
    sys_by_ref = {ref.casefold(): ref for ref, _ in systems}
    sys_by_name: dict[str, list[str]] = {}
    for ref, name in systems:
        sys_by_name.setdefault(name.casefold().strip(), []).append(ref)

    owner_of: dict[str, str] = {}  # owner text -> login
    missing_users: dict[str, str] = {}  # login to create -> display name
    system_of: dict[str, str] = {}  # system text -> ref
    missing_systems: dict[str, str] = {}  # folded name -> name as written

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
            ref = None  # created below, once
        if ref is not None:
            system_of[value] = ref
        return ref

    prepared: list[tuple[RiskRow, dict[str, Any]]] = []
    for r in rows:
        data = dict(r.data)
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
            data["system"] = ref or system
        prepared.append((r, data))

    # -- create what is missing (in this transaction: rolled back on any problem)
    users_created: list[dict[str, str]] = []
    systems_created: list[dict[str, str]] = []
    if missing_users:
        require(s, actor, ADMIN, "creating users for unknown owners (--create-missing)")
        for login, display in sorted(missing_users.items()):
            _create_user(s, actor, login, display)
            users_created.append({"login": login, "display_name": display, "role": "editor"})
    if missing_systems:
        for fold, name in sorted(missing_systems.items()):
            ref = _create_system(s, actor, name, today)
            for r, data in prepared:
                if "system" not in r.failed and str(data.get("system", "")).casefold().strip() == fold:
                    data["system"] = ref
            systems_created.append({"ref": ref, "name": name, "stage": "design"})

    # -- validate every row (nothing of the rows is written yet) ------------
    seen_keys: dict[str, int] = {}
    existing: dict[str, str] = {}
    keys = [d.get("source_key") for _, d in prepared if d.get("source_key")]
    for i in range(0, len(keys), 500):
        chunk = keys[i:i + 500]
        for ref, key in s.exec(select(Risk.ref, Risk.source_key).where(Risk.source_key.in_(chunk))):
            existing[key] = ref
    to_create: list[tuple[RiskRow, dict[str, Any]]] = []
    skipped: list[dict[str, Any]] = []
    for r, data in prepared:
        key = data.get("source_key")
        if key and key in seen_keys:
            what = "ID" if str(key).startswith("id:") else "title, description and system"
            problems.append(RowError(r.row, col(r, "source_key"), r.raw.get("source_key", ""),
                                     f"the same {what} as row {seen_keys[key]} (a risk would be imported twice)"))
            continue
        if key:
            seen_keys[key] = r.row
        if key and key in existing:
            skipped.append({"row": r.row, "ref": existing[key], "title": data.get("title", "")})
            continue
        for f in r.failed:
            data.pop(f, None)
        try:
            values = clean(risk_service.SPECS, data, partial=False, session=s)
            risk_service._check_scores(s, values)
            risk_service._resolve_controls(s, values.get("controls"))
        except ValidationError as exc:
            for f, msg in exc.errors:
                if f in r.failed:
                    continue
                if f in ("inherent_likelihood", "inherent_impact") and msg == "is required" \
                        and f not in r.columns:
                    msg = "no column of the file maps to it (use --map COLUMN=" + f + ")"
                problems.append(RowError(r.row, col(r, f), r.raw.get(f, str(data.get(f, "") or "")), msg))
            continue
        if values.get("status") == "accepted":
            # As in update_risk: acceptance is an approver's recorded decision, not a status to type.
            problems.append(RowError(r.row, col(r, "status"), r.raw.get("status", "accepted"),
                                     "a risk is accepted by an approver, who records why (an acceptance in "
                                     "aims); import it as open and record the acceptance"))
            continue
        if r.failed:
            continue
        to_create.append((r, data))

    if problems:
        raise ImportRejected(problems)

    # -- write ---------------------------------------------------------------
    created = []
    total = len(to_create)
    for i, (r, data) in enumerate(to_create, start=1):
        out = risk_service._create(s, actor, data, today=today, check_role=False)
        created.append({"row": r.row, "ref": out["ref"], "title": out["title"], "system_ref": out["system_ref"],
                        "owner": out["owner"], "inherent_likelihood": out["inherent_likelihood"],
                        "inherent_impact": out["inherent_impact"], "inherent_level": out["inherent_level"],
                        "residual_likelihood": out["residual_likelihood"],
                        "residual_impact": out["residual_impact"], "residual_level": out["residual_level"],
                        "treatment_option": out["treatment_option"], "status": out["status"],
                        "category": out["category"], "source_key": out["source_key"]})
        if progress is not None and (i % 50 == 0 or i == total):
            progress(i, total)
    if created or users_created or systems_created:
        audit.record(s, actor, "import", (source or "spreadsheet")[-64:], "import_risks", {
            "risks_created": [None, len(created)],
            "rows_skipped": [None, len(skipped)],
            **({"first_ref": [None, created[0]["ref"]], "last_ref": [None, created[-1]["ref"]]} if created else {}),
            **({"users_created": [None, [u["login"] for u in users_created]]} if users_created else {}),
            **({"systems_created": [None, [x["ref"] for x in systems_created]]} if systems_created else {}),
        })
    return {"created": created, "skipped": skipped, "users_created": users_created,
            "systems_created": systems_created, "source": source}


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
