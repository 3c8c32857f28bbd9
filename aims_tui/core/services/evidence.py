"""Evidence (issue 17): recording it from a path, taking a changed file as the new
version, and checking every file again.

A file is read before the transaction that records it (the write lock is held for
a look at the file's identity, not for the hash of a large file):
:func:`aims_tui.core.evidence.hash_now` remembers the digest, and the kind's
``prepare`` reuses it while the file is unchanged. Creating, changing, listing,
withdrawing go through the generic write path (:mod:`.registers`); this module
adds what evidence alone has.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlmodel import Session

from .. import evidence as ev
from ..db import Database
from ..errors import ValidationError
from ..identity import EDIT, require
from ..models import WITHDRAWN, Evidence
from ..schedule import today as _today
from . import registers
from ._base import apply, fetch_ref_for_change, record_change


def add(db: Database, actor: str, location: str, for_ref: str, title: str, *, shows: str = "",
        extra: dict[str, Any] | None = None, today: date | None = None) -> dict[str, Any]:
    """Record evidence at ``location`` (a path, hashed, or a URL) for the record
    ``for_ref``; captured by ``actor`` unless ``extra`` says who."""
    if location and not ev.is_url(location.strip()):
        ev.hash_now(ev.normal_path(location))  # read outside the transaction; prepare reuses it
    data = {"captured_by": actor, **(extra or {}), "location": location, "for_ref": for_ref, "title": title}
    if shows:
        data["shows"] = shows
    return registers.create(db, actor, ev.EVIDENCE, data, today=today)


def recapture(db: Database, actor: str, ref: str, expect_version: int | None = None, *,
              today: date | None = None) -> dict[str, Any]:
    """Take the file as it is now as the evidence (after ``verify`` said it changed):
    its new SHA-256 and size, captured today. Refused for a URL or a file that cannot
    be read, naming why."""
    with db.read() as s:
        row = registers.find(s, ev.EVIDENCE, ref)
        location = row.location
    if ev.is_url(location):
        raise ValidationError("location", f"{ref} is a URL: there is no file to read")
    check = ev.hash_file(location)
    if not check.ok:
        raise ValidationError("location", check.describe())
    day = today or _today()

    def tx(s: Session) -> dict[str, Any]:
        require(s, actor, EDIT, "recapturing evidence")
        r = fetch_ref_for_change(s, Evidence, ref, expect_version, "evidence")
        if r.status == WITHDRAWN:
            raise ValidationError("status", f"{ref} is withdrawn; restore it first")
        if r.location != location:
            raise ValidationError("location", f"{ref} now points elsewhere; verify it again")
        changes = apply(r, {"sha256": check.sha256, "size": check.size, "captured_on": day})
        record_change(s, actor, r, ev.EVIDENCE.entity, ref, "recapture", changes or {"sha256": [r.sha256, r.sha256]},
                      stamp=True)
        return registers.record_dict(s, ev.EVIDENCE, r)

    return db.transact(tx)


def verify(db: Database) -> list[ev.Verified]:
    """Every file of live evidence read again (after the read transaction ends)."""
    with db.read() as s:
        files = ev.files_to_verify(s)
    return ev.verify_files(files)
