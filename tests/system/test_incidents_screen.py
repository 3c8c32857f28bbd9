"""The Incidents screen's own key (issue 16): r raises a nonconformity from the
highlighted incident once it is resolved. Keys are pressed as a user would; the
rows, both audit events and the message are checked."""

from __future__ import annotations

from aims_tui.core.services import nonconformities, registers
from aims_tui.tui.screens.third_parties import IncidentsScreen

from ..conftest import EDITOR, TODAY, VIEWER
from ..tui.helpers import settle
from ..core.helpers import audit_actions
from ..tui3.formkeys import landed, make_app, notes, open_register
from .test_record_screens import SIZE, record_entries


def _entry():
    return next(e for e in record_entries() if e.id == "incidents")


async def test_r_on_a_resolved_incident_raises_a_linked_nonconformity_audited_on_both(db):
    """The motivating case: an incident is resolved and the team wants the corrective
    action tracked as a nonconformity without typing it all again."""
    registers.create(db, EDITOR, "incident", {"title": "Open one"}, today=TODAY)
    inc = registers.create(db, EDITOR, "incident", {"title": "Chatbot leaked an order", "status": "resolved",
                                                    "severity": "critical", "owner": EDITOR}, today=TODAY)
    app = make_app(db, EDITOR)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await open_register(pilot, _entry().id)
        assert isinstance(app.screen, IncidentsScreen)
        await pilot.press("home", "down", "r")
        await landed(pilot)
        ncs = nonconformities.list_nonconformities(db)
        assert len(ncs) == 1, notes(app)
        nc = ncs[0]
        assert f"nonconformity {nc['ref']} raised from {inc['ref']}" in notes(app)
    assert nc["kind"] == "incident" and nc["severity"] == "critical" and nc["owner"] == EDITOR
    assert nc["title"] == "Chatbot leaked an order" and inc["ref"] in nc["description"]
    assert registers.show(db, "incident", inc["ref"])["nonconformity"] == nc["ref"]
    assert audit_actions(db, inc["ref"]) == ["create", "raise_nc"]
    assert audit_actions(db, nc["ref"]) == ["create"]


async def test_r_on_an_open_incident_is_refused_saying_why_and_writes_nothing(db):
    """An incident still open has no settled facts to correct yet."""
    inc = registers.create(db, EDITOR, "incident", {"title": "Still burning"}, today=TODAY)
    app = make_app(db, EDITOR)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await open_register(pilot, _entry().id)
        await pilot.press("home", "r")
        await landed(pilot)
        assert any(f"{inc['ref']} is open" in n for n in notes(app)), notes(app)
    assert nonconformities.list_nonconformities(db) == []
    assert audit_actions(db, inc["ref"]) == ["create"]


async def test_a_viewer_is_not_offered_r(db):
    registers.create(db, EDITOR, "incident", {"title": "Resolved", "status": "resolved"}, today=TODAY)
    app = make_app(db, VIEWER)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await open_register(pilot, _entry().id)
        assert app.screen.check_action("raise_nc", ()) is False
        await pilot.press("r")
        await landed(pilot)
    assert nonconformities.list_nonconformities(db) == []
