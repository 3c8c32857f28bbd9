"""Saves started from a dialog land, even when the screen below refreshes as the
dialog closes, and even while another connection holds the write lock."""

from __future__ import annotations

import sqlite3

from aims_tui.core.services import impact, nonconformities, systems

from ..conftest import ADMIN, EDITOR
from ..tui.helpers import goto, settle
from ..core.helpers import audit_actions
from .formkeys import fill, landed, make_app, notes

SIZE = (100, 30)


async def test_a_new_impact_assessment_is_saved_although_the_list_refreshes_as_the_dialog_closes(db):
    """Seen in a real terminal: the dialog closed, the impact screen refreshed in the same
    exclusive worker group as the save and cancelled it; no row, no event, no message."""
    systems.create_system(db, ADMIN, {"name": "Chatbot"})
    app = make_app(db, EDITOR)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await goto(pilot, "6")
        await pilot.press("n")
        await settle(pilot)
        await fill(pilot, {"system": "AIS-001 Chatbot", "title": "Hiring screen"})
        await pilot.press("ctrl+s")
        await settle(pilot)
        rows = impact.list_assessments(db)
        assert [r["title"] for r in rows] == ["Hiring screen"]
        assert audit_actions(db, rows[0]["ref"]) == ["create"]
        assert f"impact assessment {rows[0]['ref']} added" in notes(app)


async def test_a_nonconformity_saved_while_a_teammate_holds_the_write_lock_lands_after_release(db):
    """A save that waits for the write lock while the screen below refreshes must land when the
    lock is released, and say so."""
    app = make_app(db, EDITOR)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await goto(pilot, "7")
        await pilot.press("n")
        await settle(pilot)
        await fill(pilot, {"title": "Model drift unnoticed"})
        other = sqlite3.connect(db.path, timeout=1)
        other.execute("BEGIN IMMEDIATE")
        try:
            await pilot.press("ctrl+s")
            for _ in range(10):  # the screen refreshes several times while the save waits
                await pilot.pause(0.05)
                app.refresh_screens()
            assert nonconformities.list_nonconformities(db) == []
            assert app.pending_writes == 1
        finally:
            other.rollback()
            other.close()
        await landed(pilot)
        rows = nonconformities.list_nonconformities(db)
        assert [r["title"] for r in rows] == ["Model drift unnoticed"]
        assert audit_actions(db, rows[0]["ref"]) == ["create"]
        assert f"nonconformity {rows[0]['ref']} recorded" in notes(app)


async def test_screens_switched_before_their_header_is_set_do_not_stop_the_app(db):
    """Over SSH, a screen key typed while the app was starting switched the first screen
    away before its Header had set its title: Textual's header raised NoMatches and the
    app stopped with a traceback (seen in tmux). Three switches in one go, then a title
    change that every header watches."""
    app = make_app(db, EDITOR)
    async with app.run_test(size=(80, 24)) as pilot:
        app.goto("register")
        app.goto("systems")
        app.goto("register")
        await settle(pilot)
        app.sub_title = "after the switches"
        await settle(pilot)
        assert app.is_running and type(app.screen).__name__ == "RegisterScreen"
