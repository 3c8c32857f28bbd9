"""Risks added and closed since the last management review: the pack, ``aims diff`` and the
changes screen (key C) say the same, by one rule (core.history.diff: the state at each end).

The history: R-0001 closed before the review and, after it, reopened and closed again (its
``closed_at`` now falls after the review, yet it was closed at the review and is closed now:
not closed since); R-0002 closed after the review (closed since); R-0003 untouched; R-0004
added after the review and accepted later (added on the day it was made).

And the management review screen (9) shows a review's figures as of its date, whatever changes later."""

from __future__ import annotations

import json
from datetime import date

import pytest
from pypdf import PdfReader
from sqlalchemy.engine import make_url
from textual.widgets import OptionList, Static
from typer.testing import CliRunner

from aims_tui.cli import app as cli_app
from aims_tui.core import audit
from aims_tui.core.services import acceptances, management, risks, systems, users
from aims_tui.reports import build_pack
from aims_tui.reports import data as pack_data

from ..conftest import ADMIN, APPROVER, EDITOR, TODAY, VIEWER, make_db, where
from ..tui.helpers import settle
from .formkeys import make_app
from .history_story import Clock

MR_DAY = date(2026, 3, 31)
pytestmark = pytest.mark.engines  # SQLite and, with --engine postgresql, PostgreSQL


def _status(db, ref: str, status: str) -> None:
    risks.update_risk(db, EDITOR, ref, {"status": status}, expect_version=risks.get_risk(db, ref)["version"])


@pytest.fixture
def churn(tmp_path, monkeypatch):
    clock = Clock(date(2026, 1, 5))
    monkeypatch.setattr(audit, "utcnow", clock)
    db = make_db(tmp_path / "churn.db")
    clock.on(date(2026, 2, 2))
    for title in ("Model drift", "Stale training data", "Prompt leakage"):
        risks.create_risk(db, EDITOR, {"title": title, "inherent_likelihood": 3, "inherent_impact": 3},
                          today=date(2026, 2, 2))
    clock.on(date(2026, 2, 20))
    _status(db, "R-0001", "closed")
    clock.on(MR_DAY)
    management.create_review(db, EDITOR, {"held_on": MR_DAY.isoformat(), "attendees": "Eve"})
    clock.on(date(2026, 4, 10))
    _status(db, "R-0001", "open")
    clock.on(date(2026, 4, 12))
    _status(db, "R-0001", "closed")
    clock.on(date(2026, 5, 5))
    _status(db, "R-0002", "closed")
    clock.on(date(2026, 5, 20))
    risks.create_risk(db, EDITOR, {"title": "Jailbreak", "inherent_likelihood": 3, "inherent_impact": 4},
                      today=date(2026, 5, 20))
    clock.on(date(2026, 6, 1))
    acceptances.accept_risk(db, APPROVER, "R-0004", "within appetite after the red-team review",
                            expires_on="2026-12-31", today=date(2026, 6, 1))
    clock.on(TODAY)
    yield db
    db.dispose()


async def test_the_pack_aims_diff_and_the_changes_screen_agree_on_risks_added_and_closed(churn, tmp_path,
                                                                                       monkeypatch):
    db = churn
    # the pack: its data, and its text read back from the PDF
    d = pack_data.gather(db, TODAY)
    assert d["head"]["since"] == MR_DAY
    added = [(x["ref"], x["at"]) for x in d["changes"]["risks_added"]]
    closed = [(x["ref"], x["at"]) for x in d["changes"]["risks_closed"]]
    assert added == [("R-0004", date(2026, 5, 20))]
    assert closed == [("R-0002", date(2026, 5, 5))]
    res = build_pack(db, tmp_path / "pack.pdf", as_of=TODAY, generated_by=EDITOR)
    text = " ".join(" ".join((p.extract_text() or "").split()) for p in PdfReader(str(res.path)).pages)
    assert f"Since {MR_DAY.isoformat()}: 1 risk added, 1 closed," in text
    assert "Risks closed (1)" in text and "Risks added (1)" in text

    # aims diff --since-review, as the editor (on PostgreSQL: the URL's role, a viewer)
    me = (make_url(db.url).username if db.path is None else None) or EDITOR
    if me not in (ADMIN, APPROVER, EDITOR, VIEWER):
        users.add_user(db, ADMIN, me, "viewer")
    monkeypatch.setattr("aims_tui.core.identity.os_login", lambda: me)
    monkeypatch.setenv("AIMS_DB", where(db))
    out = CliRunner().invoke(cli_app, ["diff", "--since-review", "MR-2026-01", TODAY.isoformat(), "--format",
                                       "json"])
    assert out.exit_code == 0, out.output
    js = json.loads(out.stdout)
    assert [(c["ref"], c["at"][:10]) for c in js["added"]] == [("R-0004", "2026-05-20")]
    assert [(c["ref"], c["at"][:10]) for c in js["closed"]] == [("R-0002", "2026-05-05")]

    # the changes screen (key C)
    app = make_app(db, EDITOR)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await pilot.press("C")
        await settle(pilot)
        assert type(app.screen).__name__ == "ChangesScreen"
        ol = app.screen.query_one("#changes", OptionList)
        lines = [str(ol.get_option_at_index(i).prompt) for i in range(ol.option_count)]
        assert lines[0] == "Added (1)" and lines[1].startswith("R-0004") and lines[1].endswith("2026-05-20")
        assert lines[2] == "Closed (1)" and lines[3].startswith("R-0002") and lines[3].endswith("2026-05-05")
        assert not any(line.startswith("R-0001") for line in lines)


async def test_a_signed_off_reviews_figures_stay_those_of_its_date_after_todays_edits(churn):
    """Screen 9: MR-2026-01's figures are the register as of its day (31 March: three risks, R-0001
    closed); an AI system and a risk added and a risk rescored today leave them as they were."""
    db = churn
    management.update_review(db, EDITOR, "MR-2026-01", {"decisions": "Keep the appetite"})
    management.sign_off(db, APPROVER, "MR-2026-01")
    app = make_app(db, EDITOR)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("9")
        await settle(pilot)
        screen = app.screen
        assert type(screen).__name__ == "ManagementScreen" and screen.inputs is not None
        before = dict(screen.inputs.figures)
        assert before["Active risks"] == "2"
        s = systems.create_system(db, EDITOR, {"name": "Late addition"}, today=TODAY)
        risks.create_risk(db, EDITOR, {"system": s["ref"], "title": "Added after the review",
                                       "inherent_likelihood": 5, "inherent_impact": 5}, today=TODAY)
        risks.update_risk(db, EDITOR, "R-0003", {"residual_likelihood": 5, "residual_impact": 5})
        await pilot.press("f5")
        await settle(pilot)
        assert "signed off" in str(screen.query_one("#mr-title", Static).render())
        assert dict(screen.inputs.figures) == before
