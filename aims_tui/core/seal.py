"""The register seal: a digest of every record as aims last left it (SQLite).

The hash chain proves the trail; the seal proves the register. Every write
transaction of aims notes the records it touches (TEMP triggers on the write
connection, so whatever code path writes, ORM, Core or a bulk ``executemany``,
is seen, and nothing of it lives in the database file), and just before it
commits writes one ``audit_seal`` row per touched record: the record's kind
(its table), key, ref and a digest of the stored row ('' when deleted). The
transaction's last audit event carries a digest of those rows (``seal``,
covered by the event hash).

``aims audit verify`` then compares every record with its latest seal row: a
row inserted, updated or deleted behind aims' back (the sqlite3 shell has no
TEMP triggers, and does not write seals) is named with its ref. The digest
(built by SQLite itself: each non-NULL column by name and ``quote(value)``, JSON
columns in canonical form) leaves out NULL columns, so a migration that adds a
nullable column keeps every seal valid; a migration that rewrites stored values must re-seal (see
``audit.seal_baseline``).

Nothing here is a secret: whoever can write the file can recompute digests.
What it catches is an edit made without aims (the case of a teammate with the
sqlite3 shell); a history rewritten as a whole is caught by an anchor (an
``ID:HASH`` written down elsewhere, see ``aims backup``).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any, Iterable, Iterator

# Tables that are the trail itself or kept by the database, not records.
SKIP = frozenset({"audit_event", "audit_head", "audit_seal", "audit_tally", "alembic_version",
                  "risk_tally_cells", "risk_tally_due", "risk_tally_cover", "risk_tally_expiry"})  # counts kept by triggers (0014)
SHIFT = 1 << 32  # key of a two-column primary key: first * SHIFT + second

# How a record names itself in a report (SQL over the row ``t``); else "<table> #key".
REF_SQL = {
    "user": "t.login",
    "settings": "'#' || t.id",
    "control": "t.code",
    "ai_system": "t.ref",
    "risk": "t.ref",
    "impact_assessment": "t.ref",
    "nonconformity": "t.ref",
    "management_review": "t.ref",
    "applicability": "(SELECT code FROM control WHERE id = t.control_id) || ' applicability'",
    "risk_control": "(SELECT ref FROM risk WHERE id = t.risk_id) || ' ~ ' || "
                    "(SELECT code FROM control WHERE id = t.control_id)",
    "treatment": "(SELECT ref FROM risk WHERE id = t.risk_id) || '/T' || t.id",
    "acceptance": "(SELECT ref FROM risk WHERE id = t.risk_id) || '/acceptance ' || t.id",
    "stage_event": "(SELECT ref FROM ai_system WHERE id = t.system_id) || '/stage event ' || t.id",
    "review": "'review ' || t.id || ' (' || t.subject_type || ' #' || t.subject_id || ')'",
    "management_review_action": "(SELECT ref FROM management_review WHERE id = t.review_id) || '/A' || t.id",
}


@dataclass(frozen=True)
class Kind:
    """One table of records: how its key and ref are read."""

    name: str
    key: str  # SQL over ``t``: the record's integer key
    match: str  # SQL condition: ``t`` is the record whose key is ``{k}``
    ref: str  # SQL over ``t``: the record's ref
    order: str = "t.rowid"  # SQL: ORDER BY that reads the records by key (an index, no sort)
    body: str = "''"  # SQL over ``t``: the row's plain columns as text (see ``digest``)
    json: tuple[str, ...] = ()  # SQL over ``t``: its JSON columns, in name order

    def state(self) -> str:
        """SQL columns: the body, then the JSON columns (``digest(row[i], row[i+1:...])``)."""
        return ", ".join([self.body, *self.json])

    def q(self) -> str:
        return '"' + self.name.replace('"', '""') + '"'


def _same_json(v: Any) -> str:
    """JSON text in canonical form (an export and import re-serializes JSON columns
    with another key order; the record is the same)."""
    try:
        return json.dumps(json.loads(v), sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    except (TypeError, ValueError):
        return repr(v)


def digest(body: str, json_values: tuple = ()) -> str:
    """The digest of one stored row from ``Kind.body`` (its non-NULL plain columns by
    name, SQLite's ``quote()`` of each value: typed, so 1 and '1' differ) and its JSON
    columns in canonical form."""
    h = hashlib.blake2b(body.encode("utf-8", "surrogatepass"), digest_size=16)
    for v in json_values:
        h.update(b"\x1e" + (b"" if v is None else _same_json(v).encode("utf-8", "surrogatepass")))
    return h.hexdigest()


def has_seal_tables(raw) -> bool:
    return raw.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'audit_seal'").fetchone() \
        is not None


def kinds(raw) -> dict[str, Kind]:
    """Every table of records in the database file (virtual tables and their
    shadow tables, SQLite's own and the trail's tables left out)."""
    rows = raw.execute("SELECT name, sql FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite%'"
                       " ORDER BY name").fetchall()
    virtual = [n for n, sql in rows if (sql or "").upper().startswith("CREATE VIRTUAL")]
    out: dict[str, Kind] = {}
    for name, sql in rows:
        if name in SKIP or name in virtual or any(name.startswith(v + "_") for v in virtual):
            continue
        qn = '"' + name.replace('"', '""') + '"'
        info = raw.execute(f"PRAGMA table_info({qn})").fetchall()
        pk = [r[1] for r in sorted((r for r in info if r[5]), key=lambda r: r[5])]
        if len(pk) == 1 and str(info[[r[1] for r in info].index(pk[0])][2]).upper() == "INTEGER":
            key, match = f't."{pk[0]}"', f't."{pk[0]}" = {{k}}'
            order = key
        elif len(pk) == 2:
            key = f't."{pk[0]}" * {SHIFT} + t."{pk[1]}"'
            match = f't."{pk[0]}" = ({{k}}) / {SHIFT} AND t."{pk[1]}" = ({{k}}) % {SHIFT}'
            order = f't."{pk[0]}", t."{pk[1]}"'
        else:
            key, match, order = "t.rowid", "t.rowid = {k}", "t.rowid"
        ref = f"'{name} #' || {key}"
        if name not in REF_SQL and "ref" in [r[1] for r in info]:  # every kind of core.catalog has a ref
            ref = f"coalesce(t.ref, {ref})"
        if name in REF_SQL:
            try:
                raw.execute(f"SELECT {REF_SQL[name]} FROM {qn} AS t LIMIT 0")
                ref = f"coalesce({REF_SQL[name]}, {ref})"
            except Exception:  # noqa: BLE001 - a column renamed by a later migration: the plain form
                pass
        cols = sorted((r[1], str(r[2]).upper()) for r in raw.execute(f"PRAGMA table_xinfo({qn})") if r[6] == 0)
        plain = [c for c, t in cols if "JSON" not in t]
        body = " || ".join(f"""CASE WHEN t."{c}" IS NULL THEN '' ELSE '{c}=' || quote(t."{c}") || char(31) END"""
                           for c in plain) or "''"
        json_cols = tuple(f't."{c}"' for c, t in cols if "JSON" in t)
        out[name] = Kind(name, key, match, ref, order, body, json_cols)
    return out


# -- noting what a write transaction touches ---------------------------------

TOUCHED = "aims_touched"


def arm(raw) -> bool:
    """Make sure this connection notes every record its transactions touch.

    TEMP triggers (per connection, never in the file): cheap to check, made
    once per connection and again when the schema changed (a migration that
    recreates a table drops its triggers). False when the database has no
    seal tables yet (older than migration 0006)."""
    if not has_seal_tables(raw):
        return False
    raw.execute(f"CREATE TEMP TABLE IF NOT EXISTS {TOUCHED} (kind TEXT NOT NULL, key INTEGER NOT NULL, "
                "PRIMARY KEY (kind, key)) WITHOUT ROWID")
    have = {r[0] for r in raw.execute(
        "SELECT name FROM sqlite_temp_master WHERE type = 'trigger' AND name LIKE 'aims_seal_%'")}
    for k in kinds(raw).values():
        new_key = k.key.replace("t.", "NEW.")
        old_key = k.key.replace("t.", "OLD.")
        lit = "'" + k.name.replace("'", "''") + "'"
        bodies = {
            "i": ("INSERT", f"INSERT OR IGNORE INTO {TOUCHED} VALUES ({lit}, {new_key});"),
            "u": ("UPDATE", f"INSERT OR IGNORE INTO {TOUCHED} VALUES ({lit}, {old_key}); "
                            f"INSERT OR IGNORE INTO {TOUCHED} VALUES ({lit}, {new_key});"),
            "d": ("DELETE", f"INSERT OR IGNORE INTO {TOUCHED} VALUES ({lit}, {old_key});"),
        }
        for suffix, (op, body) in bodies.items():
            name = f"aims_seal_{k.name}_{suffix}"
            if name not in have:
                raw.execute(f'CREATE TEMP TRIGGER "{name}" AFTER {op} ON main.{k.q()} BEGIN {body} END')
    return True


def forget_touched(raw) -> None:
    try:
        raw.execute(f"DELETE FROM temp.{TOUCHED}")
    except Exception:  # noqa: BLE001 - never armed on this connection
        pass


def seal_touched(raw, event_id: int) -> str | None:
    """Write the seal rows of the records touched in this transaction for
    ``event_id``, update the tally, forget them; returns the event's seal (None
    when nothing was touched)."""
    try:
        touched = [r[0] for r in raw.execute(f"SELECT DISTINCT kind FROM temp.{TOUCHED} ORDER BY kind")]
    except Exception:  # noqa: BLE001 - never armed (a database older than 0006)
        return None
    if not touched:
        return None
    all_kinds = kinds(raw)
    for name in touched:
        k = all_kinds.get(name)
        if k is not None:
            _write(raw, name, _seal_rows(raw, k, event_id), add=True)
    forget_touched(raw)
    return event_seal(raw, event_id)


INSERT_SEAL = "INSERT INTO audit_seal (event_id, kind, key, ref, digest) VALUES (?, ?, ?, ?, ?)"
BATCH = 10_000


def _write(raw, kind: str, rows: Iterable[tuple[tuple, Any]], *, add: bool) -> int:
    """Insert seal rows in batches (a bulk load never holds them all); keep the tally."""
    batch: list[tuple] = []
    n = live = 0
    for row, prev in rows:
        if row[4] and not prev:
            live += 1
        elif not row[4] and prev:
            live -= 1
        batch.append(row)
        if len(batch) >= BATCH:
            raw.executemany(INSERT_SEAL, batch)
            n += len(batch)
            batch = []
    if batch:
        raw.executemany(INSERT_SEAL, batch)
        n += len(batch)
    if live or (n and not add):
        raw.execute("INSERT INTO audit_tally (kind, live) VALUES (?, ?) ON CONFLICT (kind) DO UPDATE SET "
                    + ("live = live + excluded.live" if add else "live = excluded.live"), (kind, live))
    return n


SEAL_LINE = "kind || char(9) || key || char(9) || digest || char(10)"


def event_seal(raw, event_id: int) -> str | None:
    """The seal of one event: a digest of its audit_seal rows in (kind, key) order."""
    h = hashlib.sha256()
    n = 0
    for (line,) in raw.execute(f"SELECT {SEAL_LINE} FROM audit_seal WHERE event_id = ? ORDER BY kind, key",
                               (event_id,)):
        h.update(line.encode("utf-8"))
        n += 1
    return h.hexdigest() if n else None


_LATEST = ("(SELECT digest FROM audit_seal s WHERE s.kind = {kind} AND s.key = {key} "
           "ORDER BY s.event_id DESC LIMIT 1)")


def _seal_rows(raw, k: Kind, event_id: int) -> Iterator[tuple[tuple, Any]]:
    """((event_id, kind, key, ref, digest), previous digest) for each touched record of ``k``."""
    lit = "'" + k.name.replace("'", "''") + "'"
    cur = raw.execute(
        f"SELECT k.key, {k.ref}, {_LATEST.format(kind=lit, key='k.key')}, {k.state()} "
        f"FROM temp.{TOUCHED} k JOIN main.{k.q()} t ON {k.match.format(k='k.key')} WHERE k.kind = ?", (k.name,))
    for row in cur:
        yield (event_id, k.name, row[0], str(row[1]), digest(row[3], row[4:])), row[2]
    # touched and gone: deleted (skipped when no seal ever recorded it: made and dropped in one go)
    cur = raw.execute(
        f"SELECT k.key, s.ref, s.digest FROM temp.{TOUCHED} k JOIN audit_seal s ON s.kind = k.kind AND "
        f"s.key = k.key AND s.event_id = (SELECT max(event_id) FROM audit_seal WHERE kind = k.kind AND "
        f"key = k.key) WHERE k.kind = ? AND NOT EXISTS (SELECT 1 FROM main.{k.q()} t WHERE "
        f"{k.match.format(k='k.key')})", (k.name,))
    for key, ref, d in cur:
        if d:
            yield (event_id, k.name, key, ref, ""), d


def seal_all(raw, event_id: int) -> tuple[str | None, int]:
    """Seal every record in the file (the baseline of a database sealed for the
    first time). Returns (seal, records)."""
    n = 0
    for k in sorted(kinds(raw).values(), key=lambda k: k.name):
        cur = raw.execute(f"SELECT {k.key}, {k.ref}, {k.state()} FROM main.{k.q()} t ORDER BY {k.order}")
        n += _write(raw, k.name, (((event_id, k.name, r[0], str(r[1]), digest(r[2], r[3:])), None) for r in cur),
                    add=False)
    return event_seal(raw, event_id), n


# -- checking --------------------------------------------------------------------


def event_seals(raw) -> Iterator[tuple[int, str]]:
    """(event_id, seal recomputed from its audit_seal rows), in event order."""
    cur = raw.execute(f"SELECT event_id, {SEAL_LINE} FROM audit_seal ORDER BY event_id, kind, key")
    current, h = None, None
    for eid, line in cur:
        if eid != current:
            if current is not None:
                yield current, h.hexdigest()  # type: ignore[union-attr]
            current, h = eid, hashlib.sha256()
        h.update(line.encode("utf-8"))  # type: ignore[union-attr]
    if current is not None:
        yield current, h.hexdigest()  # type: ignore[union-attr]


def _latest(raw, kind: str) -> Iterator[tuple]:
    """(key, digest, event_id, ref) of each record's latest seal, by key (one scan of the
    primary key, no lookups)."""
    prev = None
    for row in raw.execute("SELECT key, digest, event_id, ref FROM audit_seal WHERE kind = ? ORDER BY key, event_id",
                           (kind,)):
        if prev is not None and row[0] != prev[0]:
            yield prev
        prev = row
    if prev is not None:
        yield prev


def register_problems(raw) -> Iterator[str]:
    """Every record whose stored state is not the one its latest seal says,
    and every sealed record that is gone, one line each naming its ref.

    Two scans in key order, merged: the records (their state built by SQLite)
    and their latest seals."""
    for k in sorted(kinds(raw).values(), key=lambda k: k.name):
        rows = raw.execute(f"SELECT {k.key}, {k.state()} FROM main.{k.q()} t ORDER BY {k.order}")
        seals = _latest(raw, k.name)
        r, sl = next(rows, None), next(seals, None)
        bad: list[tuple[int, str]] = []
        while r is not None or sl is not None:
            if sl is None or (r is not None and r[0] < sl[0]):
                bad.append((r[0], "was inserted outside aims (no audit event records it)"))  # type: ignore[index]
                r = next(rows, None)
            elif r is None or sl[0] < r[0]:
                if sl[1]:
                    yield f"{k.name} {sl[3] or sl[0]}: was deleted outside aims (audit event #{sl[2]} left it in place)"
                sl = next(seals, None)
            else:
                if sl[1] == "":
                    bad.append((r[0], f"is present, but audit event #{sl[2]} recorded its deletion (inserted "
                                      "again outside aims)"))
                elif digest(r[1], r[2:]) != sl[1]:
                    bad.append((r[0], f"was changed outside aims (it is not as audit event #{sl[2]} left it)"))
                r, sl = next(rows, None), next(seals, None)
        for key, why in bad:
            ref = raw.execute(f"SELECT {k.ref} FROM main.{k.q()} t WHERE {k.match.format(k='?')}",
                              (key,) * k.match.count("{k}")).fetchone()
            yield f"{k.name} {ref[0] if ref else key}: {why}"


def tally_problems(raw) -> list[str]:
    """The quick form: record counts against the tally (no digests)."""
    out: list[str] = []
    tally = dict(raw.execute("SELECT kind, live FROM audit_tally").fetchall())
    if not tally:
        return out
    for k in sorted(kinds(raw).values(), key=lambda k: k.name):
        n = raw.execute(f"SELECT count(*) FROM main.{k.q()}").fetchone()[0]
        want = tally.get(k.name, 0)
        if n > want:
            out.append(f"{k.name}: {n - want} record(s) more than the audit trail records (inserted outside aims)")
        elif n < want:
            out.append(f"{k.name}: {want - n} record(s) fewer than the audit trail records (deleted outside aims)")
    return out
