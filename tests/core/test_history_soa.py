"""The Statement of Applicability and the organization's own controls as of a past
moment: each entry's decision, justification, status and approval, and custom controls,
as they were then. Runs on both engines (ENGINE_MODULES). The `past` and `clock` fixtures:
tests/core/conftest.py."""

from __future__ import annotations

import csv
import io
from datetime import datetime

from aims_tui.core import history, readiness
from aims_tui.core.services import controls
from aims_tui.io import exports
from tests.conftest import ADMIN, APPROVER, EDITOR, TODAY

FIELDS = ("applicable", "justification", "implementation_status", "owner", "next_review", "approved_by",
          "approved_at", "version", "title", "description", "custom")


def _plain(v):
    if isinstance(v, datetime):  # SQLite gives naive UTC, PostgreSQL may too: compare as text
        return v.replace(tzinfo=None).isoformat(sep=" ")
    return None if v is None else str(v)


def soa(db) -> dict[str, dict]:
    """The SoA as the screen lists it: every entry by code, the fields that matter."""
    return {r["code"]: {f: _plain(r.get(f)) for f in FIELDS} for r in controls.list_soa(db)}


def soa_export(db) -> list[dict]:
    buf = io.StringIO()
    exports.export(db, "soa", "csv", buf, today=TODAY)
    return list(csv.DictReader(io.StringIO(buf.getvalue())))


def soa_finding(db):
    got = readiness.readiness(db, today=TODAY, areas=[readiness.soa_findings])
    return [(f.state, f.detail, f.refs) for f in got.findings]


def test_the_soa_as_of_each_moment_shows_the_decisions_approvals_and_custom_controls_of_then(past, clock):
    """The case: an auditor asks what the SoA said on the day of the last review. Since then
    entries were decided and re-justified, the SoA approved, an entry edited (its approval
    cleared), approved again, and an own control added; each moment reads back as saved."""
    db = past
    moments: list[tuple[datetime, dict, list, list]] = []

    def keep():
        t = clock.advance()
        moments.append((t, soa(db), soa_export(db), soa_finding(db)))
        clock.advance()

    codes = [r["code"] for r in controls.list_soa(db)]
    keep()  # nothing decided yet
    for code in codes:
        controls.update_applicability(db, EDITOR, code, {"applicable": True, "justification": f"needed for {code}"})
    keep()  # all decided, none approved
    controls.update_applicability(db, EDITOR, codes[0], {"implementation_status": "implemented",
                                                         "owner": EDITOR})
    controls.update_applicability(db, EDITOR, codes[1], {"applicable": False, "justification": "no such system"})
    assert controls.approve_soa(db, APPROVER) == len(codes)
    keep()  # approved
    controls.update_applicability(db, EDITOR, codes[0], {"justification": "reworded"})
    keep()  # one approval cleared by the edit
    clock.advance()
    controls.approve_soa(db, ADMIN)
    keep()  # approved again, by someone else, later
    controls.add_control(db, ADMIN, {"code": "ORG.1", "title": "Model cards", "description": "for every model",
                                     "justification": "our own"})
    controls.update_applicability(db, EDITOR, "ORG.1", {"implementation_status": "partial"})
    keep()  # an own control, not approved
    now = (soa(db), soa_export(db), soa_finding(db))

    assert len({str(m[1]) for m in moments}) == len(moments)  # every moment differs from the others
    for t, saved, export, finding in moments:
        then = history.at(db, t)
        assert soa(then) == saved, t
        assert soa_export(then) == export, t
        assert soa_finding(then) == finding, t
    assert "ORG.1" not in soa(history.at(db, moments[-2][0]))
    assert (soa(db), soa_export(db), soa_finding(db)) == now  # the live register is untouched


def test_an_soa_review_as_of_a_moment_shows_the_next_review_of_then(past, clock):
    """The case: a review of an SoA entry moved its next review date; before it the old date shows."""
    from aims_tui.core.services import reviews

    db = past
    code = controls.list_soa(db)[0]["code"]
    controls.update_applicability(db, EDITOR, code, {"applicable": True, "justification": "needed",
                                                     "next_review": "2026-07-01"})
    t = clock.advance()
    before = soa(db)[code]
    clock.advance()
    reviews.record_review(db, EDITOR, "applicability", code, {"outcome": "still_valid"}, today=TODAY)
    assert soa(db)[code]["next_review"] != before["next_review"]
    assert soa(history.at(db, t))[code] == before
