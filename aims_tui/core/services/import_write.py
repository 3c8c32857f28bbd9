"""The write phase of a risk import: one short IMMEDIATE transaction of bulk inserts
(risks, control links, search entries, audit events chained from the newest)."""

from __future__ import annotations

import json
from datetime import date, datetime
from typing import Any, Callable, cast

from sqlalchemy import insert, select as sa_select
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from .. import audit
from ..errors import AimsError
from ..models import AuditEvent, Risk, RiskControl, User
from . import systems as system_service
from .import_check import RISK_COLUMNS, _changes_json, _Checked, _stored, _stored_base, next_risk_nums

def _write(s: Session, actor: str, plan: _Checked, source: str,
           progress: Callable[[int, int], None] | None, today: date) -> dict[str, Any]:
    """The write phase: bulk inserts in the caller's (short) transaction."""
    conn = s.connection()
    # Another import may have brought the same rows in since the check: skip them.
    keys = [v.get("source_key") for _, v, _, _ in plan.to_create if v.get("source_key")]
    taken: dict[str, str] = {}
    for i in range(0, len(keys), 500):
        for ref, key in conn.execute(sa_select(col(Risk.ref), col(Risk.source_key)).where(
                Risk.source_key.in_(keys[i:i + 500]))):
            if key is not None:
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
        system = system_service._register(s, actor, {"name": name}, today=today, note="registered by a risk import")
        ref = system.ref
        new_refs["new:" + fold] = ref
        sys_ids[ref] = cast(int, system.id)  # flushed by _register: the database gave it its id
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
    table = Risk.__table__
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
    ids = {n: i for n, i in conn.execute(sa_select(col(Risk.ref_num), col(Risk.id)).where(Risk.ref_num >= nums[0]))} if nums else {}
    links = [{"risk_id": ids[num], "control_id": cid}
             for (_, _, cids, _), num in zip(plan.to_create, nums) for cid in cids]
    if links:
        conn.execute(insert(RiskControl.__table__), links)
    # One audit event per risk, chained from the newest event (the JSON was made in the check phase).
    sys_refs = {v: k for k, v in sys_ids.items()}
    items = []
    for (r, v, cids, awaiting), ref in zip(plan.to_create, refs):
        cj = plan.changes_json.get(r.row) or _changes_json(v, [plan.control_codes[c] for c in cids], awaiting)
        items.append((ref, cj))
    hashes = audit.chain(audit.chain_head(s), now, actor, "risk", "create", items)
    sqlite = conn.dialect.name == "sqlite"
    events = [{"at": now, "actor": actor, "entity": "risk", "entity_ref": ref, "action": "create",
               # on SQLite the JSON column holds text: the canonical JSON goes in as made
               "changes": _Raw(cj) if sqlite else json.loads(cj), "prev_hash": prev, "hash": h}
              for (ref, cj), (prev, h) in zip(items, hashes)]
    for i in range(0, len(events), 2000):
        _insert_many(conn, AuditEvent.__table__, events[i:i + 2000])
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


def _create_user(s: Session, actor: str, login: str, display_name: str) -> None:
    """An owner named by the file, added as an editor (as users.add_user does)."""
    display_name = display_name.replace("\n", " ").strip()[:200]
    u = User(login=login, role="editor", display_name=display_name or login)
    s.add(u)
    s.flush()
    audit.record(s, actor, "user", login, "create", {"role": [None, "editor"], "source": [None, "import"]})


def db_dialect(s: Session) -> str:
    return s.connection().dialect.name
