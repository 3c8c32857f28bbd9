"""The first-run screen offers demo data to admins only (demo loads are an admin's act)."""

from __future__ import annotations

from textual.widgets import Button

from aims_tui.core import audit, queries
from aims_tui.tui.screens.first_run import FirstRunScreen

from ..conftest import ADMIN, EDITOR
from ..tui.helpers import make_app, notes, settle

SIZE = (100, 30)


async def test_an_editor_on_an_empty_register_is_not_offered_demo_data_and_d_loads_nothing(db):
    """Seen over SSH: an editor could load demo records into the live register from this screen."""
    app = make_app(db, EDITOR)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, FirstRunScreen)
        assert [b.id for b in app.screen.query(Button)] == ["add"]
        await pilot.press("d")
        await settle(pilot)
    assert queries.risk_count(db) == 0


async def test_an_admin_loads_demo_data_with_d_and_it_is_audited(db):
    app = make_app(db, ADMIN)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, FirstRunScreen)
        await pilot.press("d")
        for _ in range(40):
            await settle(pilot)
            if app.pending_writes == 0 and queries.risk_count(db):
                break
        assert any(n.startswith("loaded ") for n in notes(app))
    assert queries.risk_count(db) > 0
    with db.read() as s:
        assert any(e["actor"] == ADMIN and "demo" in (e["entity"] + e["entity_ref"] + e["action"])
                   for e in audit.events(s, limit=None))
