"""What a readiness check reports (``aims readiness``): one finding per required
record, clause or control. Each area of the management system answers for its
own records with a function ``findings(session, today) -> list[Finding]``;
:mod:`aims_tui.core.readiness` gathers them clause by clause."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

OK, MISSING, STALE, UNAPPROVED = "ok", "missing", "stale", "unapproved"
STATES = (OK, MISSING, STALE, UNAPPROVED)


@dataclass(frozen=True)
class Finding:
    clause: str  # "4.1" ... "10.2", or a control code such as "A.6.2.4"
    requirement: str  # what is required, in our own words (never the standard's text)
    state: str  # one of STATES
    detail: str = ""  # e.g. "2 of 5 documents past their review date: DOC-002, DOC-004"
    fix: str = ""  # the command or key that closes the gap, e.g. "aims documents add ..."
    refs: tuple[str, ...] = ()  # the records concerned

    @property
    def ok(self) -> bool:
        return self.state == OK

    def to_dict(self) -> dict:
        return {"clause": self.clause, "requirement": self.requirement, "state": self.state,
                "detail": self.detail, "fix": self.fix, "refs": list(self.refs)}


def listed(refs: Sequence[str], limit: int = 5) -> str:
    """Refs as a finding's detail names them: the first ``limit``, then how many more
    (e.g. "DOC-001, DOC-002, DOC-003, DOC-004, DOC-005 and 2 more")."""
    return ", ".join(refs[:limit]) + (f" and {len(refs) - limit} more" if len(refs) > limit else "")


def past_review(rows: Sequence[Any], today: date) -> list[str]:
    """The refs of the records whose next review is before ``today`` (one without a next review is not late)."""
    return [r.ref for r in rows if r.next_review is not None and r.next_review < today]
