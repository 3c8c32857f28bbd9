"""The keys of clauses 4, 5 and 7.5 in the app (issue 16), pressed as a user does: s on the
M screen sets the AIMS scope (admins), a on the documents screen approves (approvers), an
edit of an approved document's content says it returns to draft. After each, the row,
its audit event and the message are checked."""

from __future__ import annotations


from textual.widgets import DataTable

from aims_tui.core.services import documents, registers, scope
from aims_tui.tui.dialogs.form import FormDialog
from aims_tui.tui.screens.documents import DocumentsScreen
from aims_tui.tui.screens.management_system import SCOPE_ID, ManagementSystemScreen

from ..conftest import ADMIN, APPROVER, EDITOR, TODAY
from ..tui.helpers import settle
from ..core.helpers import audit_events
from ..tui3.formkeys import landed, make_app, notes, type_into

SIZE = (100, 30)


def _events(db, ref):
    return [(e["actor"], e["action"], e["changes"]) for e in reversed(audit_events(db, ref))]


async def _m_screen(pilot) -> None:
    await settle(pilot)
    await pilot.press("M")
    await settle(pilot)
    assert isinstance(pilot.app.screen, ManagementSystemScreen)


async def test_s_on_the_m_screen_opens_the_scope_form_and_an_admin_saves_the_typed_scope(db):
    app = make_app(db, ADMIN)
    async with app.run_test(size=SIZE) as pilot:
        await _m_screen(pilot)
        row = next(r for r in app.screen.rows if r["id"] == SCOPE_ID)
        assert row["help"].startswith("(not set)")
        await pilot.press("s")
        await settle(pilot)
        assert isinstance(app.screen, FormDialog)
        await type_into(pilot, "scope", "All AI systems of the product division\nexcept research prototypes")
        await pilot.press("ctrl+s")
        await landed(pilot)
        text = "All AI systems of the product division\nexcept research prototypes"
        assert scope.get_scope(db)["scope"] == text
        assert f"scope saved ({len(text)} characters)" in notes(app)
        assert _events(db, "scope") == [(ADMIN, "update", {"scope": ["", text]})]
        assert isinstance(app.screen, ManagementSystemScreen)
        row = next(r for r in app.screen.rows if r["id"] == SCOPE_ID)
        assert row["help"] == "All AI systems of the product division"


async def test_enter_on_the_scope_row_opens_the_form_with_the_current_scope(db):
    scope.set_scope(db, ADMIN, "Every AI system")
    app = make_app(db, ADMIN)
    async with app.run_test(size=SIZE) as pilot:
        await _m_screen(pilot)
        ids = [r["id"] for r in app.screen.rows]
        await pilot.press("home", *["down"] * ids.index(SCOPE_ID), "enter")
        await settle(pilot)
        assert isinstance(app.screen, FormDialog)
        assert app.screen.query_one("#f-scope").text == "Every AI system"
        await type_into(pilot, "scope", "Every AI system we build")
        await pilot.press("ctrl+s")
        await landed(pilot)
    assert scope.get_scope(db)["scope"] == "Every AI system we build"
    assert [e[2]["scope"] for e in _events(db, "scope")] == [["", "Every AI system"],
                                                             ["Every AI system", "Every AI system we build"]]


async def test_an_editor_pressing_s_is_told_only_an_admin_sets_the_scope_and_nothing_opens(db):
    app = make_app(db, EDITOR)
    async with app.run_test(size=SIZE) as pilot:
        await _m_screen(pilot)
        await pilot.press("s")
        await settle(pilot)
        assert isinstance(app.screen, ManagementSystemScreen)
        assert "setting the AIMS scope needs the admin role (you are editor)" in notes(app)
    assert _events(db, "scope") == []


async def _documents(pilot) -> None:
    await _m_screen(pilot)
    ids = [r["id"] for r in pilot.app.screen.rows]
    await pilot.press("home", *["down"] * ids.index("documents"), "enter")
    await settle(pilot)
    assert isinstance(pilot.app.screen, DocumentsScreen)


def _policy(db) -> str:
    return registers.create(db, EDITOR, "document", {"title": "AI policy", "doc_type": "ai_policy",
                                                     "version_label": "1.0", "review_cadence": "yearly"},
                            today=TODAY)["ref"]


async def test_a_on_the_documents_screen_approves_the_highlighted_document_as_an_approver(db):
    ref = _policy(db)
    app = make_app(db, APPROVER)
    async with app.run_test(size=SIZE) as pilot:
        await _documents(pilot)
        await pilot.press("a")
        await landed(pilot)
        assert f"{ref} approved by {APPROVER} (version 1.0)" in notes(app)
        cells = [str(c) for c in app.screen.query_one(DataTable).get_row_at(0)]
        assert "approved" in cells and APPROVER in cells
    r = registers.show(db, "document", ref)
    assert (r["status"], r["approved_by"], r["approved_on"]) == ("approved", APPROVER, TODAY)
    assert [(a, act) for a, act, _ in _events(db, ref)] == [(EDITOR, "create"), (APPROVER, "approve")]


async def test_an_editor_pressing_a_is_told_it_needs_an_approver_and_the_document_stays_draft(db):
    ref = _policy(db)
    app = make_app(db, EDITOR)
    async with app.run_test(size=SIZE) as pilot:
        await _documents(pilot)
        await pilot.press("a")
        await landed(pilot)
        assert "approving a document needs the approver role (you are editor)" in notes(app)
    assert registers.show(db, "document", ref)["status"] == "draft"
    assert [act for _, act, _ in _events(db, ref)] == ["create"]


async def test_editing_the_version_of_an_approved_document_saves_it_as_a_draft_and_says_so(db):
    ref = _policy(db)
    documents.approve(db, APPROVER, ref, today=TODAY)
    app = make_app(db, EDITOR)
    async with app.run_test(size=SIZE) as pilot:
        await _documents(pilot)
        await pilot.press("e")
        await settle(pilot)
        await type_into(pilot, "version_label", "1.1")
        await pilot.press("ctrl+s")
        await landed(pilot)
        assert f"{ref} saved; it was approved and returns to draft (a approves it again)" in notes(app)
    r = registers.show(db, "document", ref)
    assert (r["status"], r["version_label"], r["approved_by"]) == ("draft", "1.1", "")
    _, action, changes = _events(db, ref)[-1]
    assert action == "update" and changes["status"] == ["approved", "draft"]
