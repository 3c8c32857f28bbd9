"""Every register screen of the management system, driven by keys (issue 16): M opens
the list of registers, Enter the highlighted one; n, typed fields and ctrl+s record
one; e and ctrl+s change it; w and y withdraw it, ctrl+z restores it. After each,
the row, its audit event and the message are checked."""

from __future__ import annotations


import pytest
from textual.widgets import DataTable

from aims_tui.core import catalog
from aims_tui.core.services import registers
from aims_tui.tui.screens import registry
from aims_tui.tui.screens.records import RecordScreen

from ..conftest import EDITOR, VIEWER
from ..tui.helpers import settle
from ..core.helpers import audit_actions
from ..tui3.formkeys import fill, landed, make_app, notes, open_register, type_into
from .examples import EXAMPLES

SIZE = (100, 30)


def record_entries() -> list[registry.Entry]:
    return [e for e in registry.registers() if issubclass(e.load(), RecordScreen)]


IDS = [e.id for e in record_entries()]


def test_every_register_screen_is_on_the_m_screen_and_has_an_example():
    assert IDS, "no register screens"
    for e in record_entries():
        assert e.load().KIND in EXAMPLES, e.id


@pytest.mark.parametrize("entry", record_entries(), ids=IDS)
async def test_n_typed_fields_and_ctrl_s_record_one_e_changes_it_w_withdraws_it(db, entry):
    cls = entry.load()
    k = catalog.KINDS[cls.KIND]
    ex = EXAMPLES[cls.KIND]
    ex.setup(db)
    app = make_app(db, EDITOR)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await open_register(pilot, entry.id)
        assert isinstance(app.screen, cls)
        await pilot.press("n")
        await settle(pilot)
        await fill(pilot, ex.typed)
        await pilot.press("ctrl+s")
        await landed(pilot)
        rows = registers.listing(db, k)
        assert len(rows) == 1, notes(app)
        ref = rows[0]["ref"]
        assert rows[0][k.title_field] == ex.typed[k.title_field]
        assert f"{k.what} {ref} recorded" in notes(app)
        assert audit_actions(db, ref) == ["create"]

        assert isinstance(app.screen, cls)
        table = app.screen.query_one(DataTable)
        assert table.row_count == 1
        await pilot.press("e")
        await settle(pilot)
        await type_into(pilot, k.title_field, "Renamed by keys")
        await pilot.press("ctrl+s")
        await landed(pilot)
        assert registers.show(db, k, ref)[k.title_field] == "Renamed by keys"
        assert f"{ref} saved" in notes(app)
        assert audit_actions(db, ref) == ["create", "update"]

        await pilot.press("w")
        await settle(pilot)
        await pilot.press("y")
        await landed(pilot)
        assert registers.listing(db, k) == []
        assert f"{ref} withdrawn (ctrl+z restores it)" in notes(app)
        await pilot.press("ctrl+z")
        await landed(pilot)
    assert [r["ref"] for r in registers.listing(db, k)] == [ref]
    assert audit_actions(db, ref) == ["create", "update", "withdraw", "restore"]


@pytest.mark.parametrize("entry", record_entries()[:1], ids=IDS[:1])
async def test_a_viewer_is_offered_no_new_key_and_records_nothing(db, entry):
    cls = entry.load()
    app = make_app(db, VIEWER)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await open_register(pilot, entry.id)
        assert isinstance(app.screen, cls)
        assert app.screen.check_action("new", ()) is False
        await pilot.press("n")
        await settle(pilot)
        assert isinstance(app.screen, cls)
    assert registers.listing(db, cls.KIND) == []


async def test_a_refused_value_keeps_the_form_open_with_the_text_and_names_the_field(db):
    entry = record_entries()[0]
    cls = entry.load()
    k = catalog.KINDS[cls.KIND]
    app = make_app(db, EDITOR)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await open_register(pilot, entry.id)
        await pilot.press("n")
        await settle(pilot)
        await pilot.press("ctrl+s")  # no title
        await landed(pilot)
        assert not isinstance(app.screen, cls)  # still the form
        status = str(app.screen.query_one("#form-status").render())
        assert k.label(k.title_field) in status
    assert registers.listing(db, k) == []
