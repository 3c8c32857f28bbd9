"""The app's evidence keys, the SoA's links and the Readiness screen, driven by keys
(issue 17). Each write: the row, its audit event and the message are checked."""

from __future__ import annotations

import hashlib

from textual.widgets import DataTable, Static

from aims_tui.core.audit import events
from aims_tui.core.services import evidence as service
from aims_tui.core.services import registers, risks
from aims_tui.tui.dialogs.risk_editor import RiskEditor
from aims_tui.tui.screens.control_links import ControlLinksScreen
from aims_tui.tui.screens.evidence import EvidenceScreen
from aims_tui.tui.screens.readiness import ReadinessScreen

from ..conftest import EDITOR, TODAY, VIEWER
from ..tui.helpers import settle
from ..tui3.formkeys import landed, make_app, notes, open_register

SIZE = (100, 30)


async def test_r_recaptures_a_changed_file_with_its_event_and_message(db, tmp_path):
    """A file changed after it was recorded (verify says so): r takes it as it is now."""
    p = tmp_path / "minutes q2.txt"
    p.write_text("v1")
    ref = service.add(db, EDITOR, str(p), "A.6.2.4", "Minutes", today=TODAY)["ref"]
    p.write_text("v2, amended")
    app = make_app(db, EDITOR)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await open_register(pilot, "evidence")
        assert isinstance(app.screen, EvidenceScreen)
        await pilot.press("v")
        await settle(pilot)
        assert any(f"{ref} changed" in n for n in notes(app)), notes(app)
        await pilot.press("r")
        await landed(pilot)
    row = registers.show(db, "evidence", ref)
    assert row["sha256"] == hashlib.sha256(b"v2, amended").hexdigest() and row["version"] == 2
    with db.read() as s:
        assert events(s, entity_ref=ref, limit=1)[0]["action"] == "recapture"
    assert any(n.startswith(f"{ref} recaptured: {p}") for n in notes(app)), notes(app)


async def test_r_on_a_url_says_there_is_no_file_and_writes_nothing(db):
    ref = service.add(db, EDITOR, "https://wiki.example.com/x", "A.6.2.4", "Page", today=TODAY)["ref"]
    app = make_app(db, EDITOR)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await open_register(pilot, "evidence")
        await pilot.press("r")
        await landed(pilot)
    assert f"{ref} is a URL: there is no file to read" in notes(app)
    assert registers.show(db, "evidence", ref)["version"] == 1


async def test_a_viewer_is_not_offered_recapture(db, tmp_path):
    p = tmp_path / "f.txt"
    p.write_text("x")
    service.add(db, EDITOR, str(p), "A.6.2.4", "F", today=TODAY)
    app = make_app(db, VIEWER)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await open_register(pilot, "evidence")
        assert app.screen.check_action("recapture", ()) is False


async def test_l_on_the_soa_lists_a_controls_links_and_enter_opens_the_risk(db):
    r = risks.create_risk(db, EDITOR, {"title": "Leaky prompts", "inherent_likelihood": 3, "inherent_impact": 3,
                                       "controls": ["A.2.2"]}, today=TODAY)
    service.add(db, EDITOR, "https://wiki.example.com/policy", "A.2.2", "AI policy v2", today=TODAY)
    app = make_app(db, EDITOR)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("5")
        await settle(pilot)
        soa = app.screen
        assert soa.rows[0]["code"] == "A.2.2"
        assert str(soa.query_one(DataTable).get_row_at(0)[-1]) == "1/0/1"
        await pilot.press("L")
        await settle(pilot)
        assert isinstance(app.screen, ControlLinksScreen)
        assert [(x["kind"], x["ref"]) for x in app.screen.rows] == [("risk", r["ref"]), ("evidence", "EVD-001")]
        await pilot.press("home", "enter")
        await settle(pilot)
        assert isinstance(app.screen, RiskEditor)
        assert app.screen.ref == r["ref"]


async def test_the_readiness_screen_lists_the_gaps_and_enter_opens_where_one_is_closed(db):
    app = make_app(db, EDITOR)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await open_register(pilot, "readiness")
        assert isinstance(app.screen, ReadinessScreen)
        title = str(app.screen.query_one("#list-title", Static).render())
        assert "7 gaps (7 missing)" in title
        assert [x["finding"].clause for x in app.screen.rows][:2] == ["4.1", "6.1.2"]
        assert "Fix: aims context issues add" in str(app.screen.query_one("#finding", Static).render())
        await pilot.press("home", "enter")
        await settle(pilot)
        assert type(app.screen).__name__ == "ContextIssuesScreen"
