"""Evidence (issue 17): a file on the host (or a share) or a URL that shows a
control or a record at work, linked to any record by its ref.

- ``location`` is a path or a URL. For a path, aims reads the file once when the
  evidence is recorded (its SHA-256 and size are stored, never typed) and again
  on ``aims evidence verify``; the file stays where it is: aims never copies,
  uploads, opens with a program or passes it to a shell.
- ``for_ref`` names the record: a control code (``A.6.2.4``), a risk
  (``R-0001``), a treatment (``R-0001/T3``), an AI system, an impact
  assessment, a nonconformity, a management review, or a record of any kind of
  :mod:`aims_tui.core.catalog` (``CTX-001``, ``DOC-002``...). ``for_kind`` is
  what :func:`resolve` found, never typed.

Reading a file: only a regular file is read (a FIFO, a device, a socket or a
folder is refused before a byte is read, a FIFO opened without waiting for a
writer); the read is in chunks and stops at :data:`MAX_BYTES`; a symlink is
followed to its target and said (``symlink to ...``). Paths reach the screen only
through :func:`aims_tui.core.text.visible`.
"""

from __future__ import annotations

import hashlib
import os
import re
import stat
from dataclasses import dataclass
from datetime import date
from typing import Any, Iterable

from sqlalchemy import func
from sqlmodel import Session, select

from .db import Database
from .errors import ValidationError
from .fields import F
from .kind import Due, Kind
from .models import (
    EVIDENCE_STATUSES,
    WITHDRAWN,
    AISystem,
    Control,
    Evidence,
    ImpactAssessment,
    ManagementReview,
    Nonconformity,
    Risk,
    RiskControl,
    Treatment,
)
from .text import visible

MAX_BYTES = 8 * 1024 ** 3  # a file larger than this is not hashed (8 GiB)
CHUNK = 1 << 20
URL_RE = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://\S+$")
TREATMENT_REF = re.compile(r"^(?P<risk>[^/\s]+)/T(?P<id>\d+)$")
CURRENT = "current"

# File states of a check (``hash_file`` and ``verify``).
OK, CHANGED, MISSING, UNREADABLE, NOT_A_FILE, TOO_LARGE = (
    "ok", "changed", "missing", "unreadable", "not_a_file", "too_large")


# ---------------------------------------------------------------------------
# Reading a file
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class FileCheck:
    path: str
    state: str  # OK, MISSING, UNREADABLE, NOT_A_FILE, TOO_LARGE
    sha256: str = ""
    size: int | None = None
    target: str = ""  # what a symlink points to ('' when the path is not a symlink)
    reason: str = ""  # why it could not be read, in words

    @property
    def ok(self) -> bool:
        return self.state == OK

    def describe(self) -> str:
        """One line, the path shown literally (control characters escaped)."""
        link = f" (symlink to {visible(self.target)})" if self.target else ""
        return f"{visible(self.path)}{link}: {self.reason or self.state}"


def is_url(location: str) -> bool:
    return bool(URL_RE.match(location))


def _kind_of_mode(mode: int) -> str:
    return ("a folder" if stat.S_ISDIR(mode) else "a FIFO (named pipe)" if stat.S_ISFIFO(mode) else
            "a device" if stat.S_ISCHR(mode) or stat.S_ISBLK(mode) else
            "a socket" if stat.S_ISSOCK(mode) else "not a regular file")


def hash_file(path: str, max_bytes: int = MAX_BYTES) -> FileCheck:
    """The SHA-256 and size of the regular file at ``path``, read in chunks.

    Never raises for a file's sake: a missing, unreadable or special file, or one
    larger than ``max_bytes`` (or growing past it while read), is a state with a
    reason. A symlink is followed; its target is reported."""
    target = ""
    try:
        if stat.S_ISLNK(os.lstat(path).st_mode):
            target = os.readlink(path)
    except FileNotFoundError:
        return FileCheck(path, MISSING, reason="no such file")
    except OSError as exc:
        return FileCheck(path, UNREADABLE, reason=f"cannot read it ({exc.strerror})")
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0) | getattr(os, "O_BINARY", 0)
    try:
        fd = os.open(path, flags)
    except FileNotFoundError:
        why = "the symlink's target does not exist" if target else "no such file"
        return FileCheck(path, MISSING, target=target, reason=why)
    except IsADirectoryError:
        return FileCheck(path, NOT_A_FILE, target=target, reason="a folder, not a file")
    except OSError as exc:
        return FileCheck(path, UNREADABLE, target=target, reason=f"cannot read it ({exc.strerror})")
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            return FileCheck(path, NOT_A_FILE, target=target,
                             reason=f"{_kind_of_mode(st.st_mode)}, not a regular file")
        if st.st_size > max_bytes:
            return FileCheck(path, TOO_LARGE, size=st.st_size, target=target,
                             reason=f"{st.st_size} bytes; aims hashes files up to {max_bytes} bytes")
        digest, size = hashlib.sha256(), 0
        while True:
            chunk = os.read(fd, CHUNK)
            if not chunk:
                break
            size += len(chunk)
            if size > max_bytes:
                return FileCheck(path, TOO_LARGE, size=size, target=target,
                                 reason=f"grew past {max_bytes} bytes while read")
            digest.update(chunk)
        return FileCheck(path, OK, sha256=digest.hexdigest(), size=size, target=target)
    except OSError as exc:
        return FileCheck(path, UNREADABLE, target=target, reason=f"cannot read it ({exc.strerror})")
    finally:
        os.close(fd)


def normal_path(location: str) -> str:
    """A path made absolute (not resolved: a symlink stays a symlink), so that
    ``verify`` finds it whatever folder it is run from."""
    return os.path.abspath(os.path.expanduser(location))


# A file hashed just before its transaction (services.evidence) is not read again inside
# it: the digest is reused while the file's identity, size and time are the same.
_RECENT: dict[tuple, FileCheck] = {}


def _signature(path: str) -> tuple | None:
    try:
        st = os.stat(path)
    except OSError:
        return None
    return (path, st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns)


def hash_now(path: str) -> FileCheck:
    """``hash_file``, remembered for the next call on the same unchanged file."""
    sig = _signature(path)
    if sig is not None and sig in _RECENT:
        return _RECENT[sig]
    check = hash_file(path)
    if sig is not None and check.ok and _signature(path) == sig:
        if len(_RECENT) >= 64:
            _RECENT.clear()
        _RECENT[sig] = check
    return check


# ---------------------------------------------------------------------------
# What a ref names
# ---------------------------------------------------------------------------

# The record kinds outside core.catalog that evidence can name: (entity, model, what).
_BY_REF: tuple[tuple[str, Any, str], ...] = (
    ("risk", Risk, "risk"), ("ai_system", AISystem, "AI system"),
    ("impact_assessment", ImpactAssessment, "impact assessment"),
    ("nonconformity", Nonconformity, "nonconformity"), ("management_review", ManagementReview, "management review"),
)
# The kinds of core.catalog, by prefix. core.catalog imports this module (EVIDENCE is one of
# its kinds), so it hands its kinds over once it has made its list (``know_kinds``).
_CATALOG: dict[str, Kind] = {}


def know_kinds(kinds: Iterable[Kind]) -> None:
    _CATALOG.clear()
    _CATALOG.update({k.prefix: k for k in kinds})


def resolve(s: Session, ref: str, field: str = "for_ref") -> tuple[str, str]:
    """``(kind, ref)`` of the record ``ref`` names: a control code, a treatment
    (``R-0001/T3``), or the ref of any record; ValidationError naming ``field`` when
    nothing has that ref (or it is withdrawn)."""
    ref = (ref or "").strip()
    if not ref:
        raise ValidationError(field, "name the record it supports: a control code such as A.6.2.4, or a ref")
    code = s.exec(select(Control.code).where(func.upper(Control.code) == ref.upper())).first()
    if code is not None:
        return "control", code
    m = TREATMENT_REF.match(ref)
    if m:
        row = s.exec(select(Treatment.status, Risk.ref).join(Risk, Risk.id == Treatment.risk_id)
                     .where(Treatment.id == int(m.group("id")), Risk.ref == m.group("risk"))).first()
        if row is None:
            raise ValidationError(field, f"treatment {visible(ref)} does not exist")
        if row[0] == WITHDRAWN:
            raise ValidationError(field, f"treatment {visible(ref)} is withdrawn")
        return "treatment", f"{row[1]}/T{int(m.group('id'))}"
    candidates = [(e, model, what) for e, model, what in _BY_REF]
    prefix = ref.split("-", 1)[0].upper()
    if prefix in _CATALOG:
        k = _CATALOG[prefix]
        candidates.insert(0, (k.entity, k.model, k.what))
    for entity, model, what in candidates:
        status_col = model.stage if model is AISystem else model.status
        row = s.exec(select(model.ref, status_col).where(model.ref == ref.upper())).first()
        if row is not None:
            if row[1] == WITHDRAWN:
                raise ValidationError(field, f"{what} {row[0]} is withdrawn")
            return entity, row[0]
    raise ValidationError(field, f"{visible(ref)} is neither a control code nor the ref of a record")


# ---------------------------------------------------------------------------
# The kind
# ---------------------------------------------------------------------------


def _prepare(s: Session, values: dict[str, Any], row: Any, today: date) -> None:
    if "location" in values:
        location = values["location"] or ""
        if not location.strip():
            raise ValidationError("location", "give a file path or a URL")
        if is_url(location.strip()):
            location = location.strip()
            values.update(location=location, sha256="", size=None)
        else:
            path = normal_path(location)
            check = hash_now(path)
            if not check.ok:
                raise ValidationError("location", check.describe())
            if row is None or path != row.location or check.sha256 != row.sha256:
                values.update(location=path, sha256=check.sha256, size=check.size)
                if row is not None and "captured_on" not in values:
                    values["captured_on"] = today
            else:
                values["location"] = path
    if "for_ref" in values:
        values["for_kind"], values["for_ref"] = resolve(s, values["for_ref"])
    if row is None and not values.get("captured_on"):
        values["captured_on"] = today


EVIDENCE = Kind(
    entity="evidence", model=Evidence, what="evidence", plural="evidence", prefix="EVD",
    specs={
        "title": F("text", required=True, max_len=300, label="Title"),
        # a path keeps every character it has (spaces, control characters): it is data
        "location": F("path", required=True, max_len=4096, label="File path or URL"),
        "for_ref": F("text", required=True, max_len=64, label="For (code or ref)"),
        "shows": F("longtext", label="What it shows"),
        "captured_by": F("login", max_len=64, label="Captured by"),
        "captured_on": F("date", label="Captured on"),
        "status": F("choice", choices=EVIDENCE_STATUSES, label="Status"),
        "review_cadence": F("cadence", label="Review cadence"),
        "next_review": F("date", label="Next review"),
    },
    owner_field="captured_by", closed=("superseded",), due=(Due("next_review", "evidence review"),),
    prepare=_prepare, summary=("location", "for_ref", "sha256"),
)


# ---------------------------------------------------------------------------
# Reads: what is current, what each record has
# ---------------------------------------------------------------------------


def is_current(row: Any, today: date) -> bool:
    """In force and not past its review date (an evidence record with no review date
    stays current until superseded)."""
    return row.status == CURRENT and (row.next_review is None or row.next_review >= today)


def for_refs(s: Session, kind: str | None = None) -> dict[str, list[Evidence]]:
    """Live evidence (not withdrawn) by the ref it supports, in ref order."""
    q = select(Evidence).where(Evidence.status != WITHDRAWN)
    if kind is not None:
        q = q.where(Evidence.for_kind == kind)
    out: dict[str, list[Evidence]] = {}
    for e in s.exec(q.order_by(Evidence.ref)):
        out.setdefault(e.for_ref, []).append(e)
    return out


@dataclass(frozen=True)
class Verified:
    ref: str
    title: str
    location: str
    state: str  # OK, CHANGED, MISSING, UNREADABLE, NOT_A_FILE, TOO_LARGE
    detail: str  # one line, the path shown literally
    recorded: str  # the SHA-256 recorded
    found: str  # the SHA-256 read now ('' when it could not be read)

    def to_dict(self) -> dict[str, Any]:
        return {"ref": self.ref, "title": self.title, "location": self.location, "state": self.state,
                "detail": self.detail, "recorded_sha256": self.recorded, "sha256": self.found}


def files_to_verify(s: Session) -> list[tuple[str, str, str, str, int | None]]:
    """(ref, title, path, sha256, size) of every live evidence record that is a file."""
    rows = s.exec(select(Evidence.ref, Evidence.title, Evidence.location, Evidence.sha256, Evidence.size)
                  .where(Evidence.status != WITHDRAWN).order_by(Evidence.ref)).all()
    return [tuple(r) for r in rows if not is_url(r[2])]


def verify_files(files: Iterable[tuple[str, str, str, str, int | None]]) -> list[Verified]:
    """Read every file again (outside any transaction): unchanged, changed, or why not."""
    out = []
    for ref, title, path, recorded, size in files:
        check = hash_file(path)
        if check.ok and check.sha256 == recorded:
            state, detail = OK, check.describe()
        elif check.ok:
            state = CHANGED
            detail = (f"{visible(path)}{f' (symlink to {visible(check.target)})' if check.target else ''}: "
                      f"changed since it was recorded ({size} bytes then, {check.size} now)")
        else:
            state, detail = check.state, check.describe()
        out.append(Verified(ref, title, path, state, detail, recorded, check.sha256))
    return out


# ---------------------------------------------------------------------------
# What supports each control: the SoA's links (issue 17)
# ---------------------------------------------------------------------------


@dataclass
class ControlLinks:
    """The records linked to one control: risks it treats, treatments that apply it,
    evidence that shows it. Each item: (ref, title, state)."""

    risks: list[tuple[str, str, str]]
    treatments: list[tuple[str, str, str]]
    evidence: list[tuple[str, str, str]]

    def current_evidence(self) -> int:
        return sum(1 for _, _, state in self.evidence if state == CURRENT)

    def to_dict(self) -> dict[str, Any]:
        return {"risks": [r for r, _, _ in self.risks], "treatments": [r for r, _, _ in self.treatments],
                "evidence": [r for r, _, _ in self.evidence]}


def links_by_control(s: Session, today: date) -> dict[str, ControlLinks]:
    """Every control's links, in three queries (withdrawn records left out). An
    evidence item's state is ``current`` or ``stale`` (superseded or past review)."""
    out: dict[str, ControlLinks] = {}

    def entry(code: str) -> ControlLinks:
        return out.setdefault(code, ControlLinks([], [], []))

    for code, ref, title, status in s.exec(
            select(Control.code, Risk.ref, Risk.title, Risk.status).join(RiskControl, RiskControl.control_id == Control.id)
            .join(Risk, Risk.id == RiskControl.risk_id).where(Risk.status != WITHDRAWN)
            .order_by(Control.code, Risk.ref_num)):
        entry(code).risks.append((ref, title, status))
    for code, rref, tid, action, status in s.exec(
            select(Control.code, Risk.ref, Treatment.id, Treatment.action, Treatment.status)
            .join(Treatment, Treatment.control_id == Control.id).join(Risk, Risk.id == Treatment.risk_id)
            .where(Treatment.status != WITHDRAWN, Risk.status != WITHDRAWN).order_by(Control.code, Treatment.id)):
        entry(code).treatments.append((f"{rref}/T{tid}", action, status))
    for code, rows in for_refs(s, "control").items():
        entry(code).evidence.extend((e.ref, e.title, CURRENT if is_current(e, today) else "stale") for e in rows)
    return out


def control_links(db: Database, today: date) -> dict[str, ControlLinks]:
    with db.read() as s:
        return links_by_control(s, today)
