"""A whole register (read by ``aims_tui.io.jsonio``) back into an EMPTY database,
as it was: ids, versions, timestamps and audit chain. Checked first as the
services would check it (:func:`check_records`), outside any lock."""

from __future__ import annotations

from typing import Any, Callable

from sqlalchemy import Integer, func, insert, select as sa_select, text
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, SQLModel

from .. import audit, catalog
from ..db import Database
from ..errors import AimsError, ValidationError
from ..models import (ACTION_STATUSES, AI_ROLES, EU_AI_ACT_TIERS, IA_STATUSES, IMPLEMENTATION_STATUSES, MR_STATUSES,
                      NC_KINDS, NC_SEVERITIES, NC_STATUSES, REVIEW_KINDS, REVIEW_OUTCOMES, REVIEW_SUBJECTS,
                      RISK_CATEGORIES, RISK_SOURCES, RISK_STATUSES, ROLES, STAGES, TREATMENT_OPTIONS,
                      TREATMENT_STATUSES, WITHDRAWN)
from ..fields import LONG_TEXT_MAX
from ..schedule import CadenceError, parse_cadence
from ..scoring import Matrix, MatrixError

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
# A record withdrawn by mistake keeps "withdrawn" in its status (stage for an AI system).
for _key in (("risk", "status"), ("ai_system", "stage"), ("treatment", "status"), ("impact_assessment", "status"),
             ("nonconformity", "status")):
    CHOICES[_key] = CHOICES[_key] + (WITHDRAWN,)
# ... and those of every kind of core.catalog, from its field rules (a withdrawn record's
# status is "withdrawn", outside its choices).
for _k in catalog.ALL:
    _table = str(_k.model.__tablename__)
    for _name, _spec in _k.specs.items():
        if _spec.kind == "choice" and _name not in _k.links:
            CHOICES[(_table, _name)] = tuple(_spec.choices) + ((WITHDRAWN,) if _name == _k.status_field else ())
        elif _spec.kind == "login":
            LOGINS[_table] = LOGINS.get(_table, ()) + (_name,)
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
                if len(pk) == 1 and pk[0].autoincrement in (True, "auto") and t.name in counts \
                        and isinstance(pk[0].type, Integer):  # a text key (a control's id) has no sequence
                    conn.execute(text(
                        f"SELECT setval(pg_get_serial_sequence('\"{t.name}\"', '{pk[0].name}'), "
                        f"(SELECT max(\"{pk[0].name}\") FROM \"{t.name}\"))"))
        result = audit.verify(s)
        if not result.ok:
            raise ValidationError("audit_event", f"the audit trail in the file does not verify at event "
                                  f"{result.broken_id}: {result.reason}; nothing was imported")
        return counts

    return db.transact(tx)
