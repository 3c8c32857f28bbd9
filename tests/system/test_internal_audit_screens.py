"""The keys of the internal audit screens beyond n/e/w (issue 16, 9.2): f on an
internal audit raises a finding as a nonconformity; A on an audit programme
approves it. Each presses the user's keys, then checks the rows, the audit
events and the message."""

from __future__ import annotations


from textual.widgets import DataTable

from aims_tui.core.services import nonconformities, registers
from aims_tui.tui.screens.internal_audits import AuditProgrammesScreen, InternalAuditsScreen
from aims_tui.tui.screens.nonconformities import NonconformitiesScreen
from aims_tui.tui.screens import registry

from ..conftest import APPROVER, EDITOR, VIEWER
from ..tui.helpers import settle
from ..core.helpers import audit_actions
from ..tui3.formkeys import choose, landed, make_app, notes, open_register, type_into

SIZE = (100, 30)


def _audit(db) -> str:
    return registers.create(db, EDITOR, "internal_audit", {
        "title": "Audit of risk treatment", "area": "Risk management", "area_owner": APPROVER, "auditor": EDITOR,
        "planned_on": "2026-06-01"})["ref"]


def test_the_three_registers_are_on_the_m_screen():
    ids = [e.id for e in registry.registers()]
    assert {"audit_programmes", "internal_audits", "corrective_actions"} <= set(ids)


async def test_f_on_an_internal_audit_raises_a_finding_as_a_nonconformity(db):
    """An auditor found a gap during the audit: f, the finding typed, major chosen, ctrl+s.
    The nonconformity is an audit finding linked to the audit, owned by the area's owner;
    both records have their event; the NC screen shows the audit."""
    ref = _audit(db)
    app = make_app(db, EDITOR)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await open_register(pilot, "internal_audits")
        assert isinstance(app.screen, InternalAuditsScreen)
        await pilot.press("f")
        await settle(pilot)
        await type_into(pilot, "title", "Treatments without owners")
        await choose(pilot, "severity", "major")
        await type_into(pilot, "description", "R-0003 & R-0007: no owner [sic]")
        await pilot.press("ctrl+s")
        await landed(pilot)
        assert isinstance(app.screen, InternalAuditsScreen), notes(app)
        assert f"finding NC-001 raised from {ref}" in notes(app)
        await pilot.press("7")
        await settle(pilot)
        assert isinstance(app.screen, NonconformitiesScreen)
        row = app.screen.query_one(DataTable).get_row_at(0)
        assert str(row[0]) == "NC-001" and str(row[1]) == f"audit {ref}"
    [nc] = nonconformities.list_nonconformities(db)
    assert (nc["kind"], nc["severity"], nc["internal_audit"], nc["owner"]) == ("audit_finding", "major", ref, APPROVER)
    assert nc["description"] == "R-0003 & R-0007: no owner [sic]"
    assert audit_actions(db, "NC-001") == ["create"]
    assert audit_actions(db, ref) == ["create", "finding"]


async def test_a_finding_without_a_title_keeps_the_dialog_open_and_writes_nothing(db):
    ref = _audit(db)
    app = make_app(db, EDITOR)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await open_register(pilot, "internal_audits")
        await pilot.press("f")
        await settle(pilot)
        await pilot.press("ctrl+s")
        await landed(pilot)
        assert not isinstance(app.screen, InternalAuditsScreen)
        assert "Finding" in str(app.screen.query_one("#form-status").render())
    assert nonconformities.list_nonconformities(db) == []
    assert audit_actions(db, ref) == ["create"]


async def test_a_viewer_pressing_f_raises_nothing(db):
    ref = _audit(db)
    app = make_app(db, VIEWER)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await open_register(pilot, "internal_audits")
        assert app.screen.check_action("finding", ()) is False
        await pilot.press("f")
        await settle(pilot)
        assert isinstance(app.screen, InternalAuditsScreen)
    assert nonconformities.list_nonconformities(db) == []
    assert audit_actions(db, ref) == ["create"]


def _programme(db) -> str:
    return registers.create(db, EDITOR, "audit_programme", {
        "title": "Programme 2027", "period": "2027", "scope": "Every clause", "criteria": "ISO/IEC 42001"})["ref"]


async def test_A_approves_the_highlighted_programme_as_an_approver(db):
    ref = _programme(db)
    app = make_app(db, APPROVER)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await open_register(pilot, "audit_programmes")
        assert isinstance(app.screen, AuditProgrammesScreen)
        await pilot.press("A")
        await landed(pilot)
        assert f"{ref} approved" in notes(app)
        row = app.screen.query_one(DataTable).get_row_at(0)
        assert str(row[4]) == "approved" and str(row[5]) == APPROVER
    r = registers.show(db, "audit_programme", ref)
    assert (r["status"], r["approved_by"]) == ("approved", APPROVER)
    assert audit_actions(db, ref) == ["create", "approve"]


async def test_A_by_an_editor_is_refused_naming_the_approver_role(db):
    ref = _programme(db)
    app = make_app(db, EDITOR)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await open_register(pilot, "audit_programmes")
        await pilot.press("A")
        await landed(pilot)
        assert any("approver" in n and "editor" in n for n in notes(app)), notes(app)
    assert registers.show(db, "audit_programme", ref)["status"] == "planned"
    assert audit_actions(db, ref) == ["create"]
