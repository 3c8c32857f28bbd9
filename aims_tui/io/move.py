"""``aims db move --to URL``: the whole register from one engine to another
(SQLite <-> PostgreSQL), losslessly, with the audit trail verified on arrival.

The path is the JSON export and import (:mod:`.jsonio`): the source is exported
from one read snapshot into a private temporary file (mode 0600 in a 0700
folder, removed afterwards), checked as the services would check it, and
restored into the EMPTY target in one transaction (ids, versions, timestamps
and the audit chain as they were; the restore verifies the chain before it
commits). On arrival the target's trail is verified again and compared with the
source's, event by event: the same ids and the same hashes.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from sqlalchemy import text

from ..core import audit
from ..core.db import Database
from ..core.errors import AimsError
from ..core.services.importing import record_counts
from . import jsonio


@dataclass
class MoveResult:
    counts: dict[str, int]
    events: int
    head: str
    last_id: int
    verified: bool
    records_checked: bool = False
    roles: list[str] = field(default_factory=list)

    @property
    def total(self) -> int:
        return sum(self.counts.values())


def trail_digest(database: Database) -> tuple[int, str]:
    """(events, digest of every event's id and hash in order): two trails with the same
    digest have the same events with the same hashes."""
    h = hashlib.sha256()
    n = 0
    with database.read() as s:
        for event_id, event_hash in s.connection().execute(text("SELECT id, hash FROM audit_event ORDER BY id")):
            h.update(f"{event_id}:{event_hash}\n".encode())
            n += 1
    return n, h.hexdigest()


def refuse_non_empty(target: Database) -> None:
    with target.read() as s:
        have = record_counts(s)
    if have:
        listed = ", ".join(f"{n} {t}" for t, n in sorted(have.items())[:6]) + (", ..." if len(have) > 6 else "")
        raise AimsError(f"the target {target.where} is not empty ({listed}); aims db move only goes into an "
                        "empty database (create a new one, or drop this one's records first)")


def move(source: Database, target: Database, *,
         on_export: Callable[[str, int], None] | None = None,
         on_import: Callable[[int, int], None] | None = None) -> MoveResult:
    """Copy the register of ``source`` into the empty ``target``; verify on arrival."""
    if source.url == target.url:
        raise AimsError("the target is the database being moved; give another --to")
    refuse_non_empty(target)
    src_events, src_digest = trail_digest(source)
    with source.read() as s:
        before = audit.verify(s, records=False)
    if not before.ok:
        raise AimsError(f"the source's audit trail does not verify ({before.message().splitlines()[0]}); "
                        "run 'aims audit verify' and repair it before moving")
    with tempfile.TemporaryDirectory(prefix="aims-move-") as folder:
        os.chmod(folder, 0o700)
        path = Path(folder) / "register.json"
        fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            exported = jsonio.write_export(source, fh, progress=on_export)
        records = jsonio.read_checked(path)
    counts = jsonio.restore(target, records, progress=on_import)
    dst_events, dst_digest = trail_digest(target)
    with target.read() as s:
        after = audit.verify(s)
    problems = []
    if not after.ok:
        problems.append(after.message().splitlines()[0])
    if (dst_events, dst_digest) != (src_events, src_digest):
        problems.append(f"the target has {dst_events} events, the source {src_events}, or their hashes differ")
    lost = {t: n for t, n in exported.items() if n and counts.get(t, 0) != n}
    if lost:
        problems.append("rows differ: " + ", ".join(f"{t} {n} -> {counts.get(t, 0)}" for t, n in sorted(lost.items())))
    if problems:
        raise AimsError(f"the register arrived at {target.where} but does not match the source: "
                        f"{'; '.join(problems)} (the source is unchanged)")
    return MoveResult(counts=counts, events=after.count, head=after.head, last_id=after.last_id, verified=True,
                      records_checked=after.records_checked)
