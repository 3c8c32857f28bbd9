"""The controls picker marks only the controls that are linked (Textual's SelectionList draws
an X on every row and tells them apart by colour alone: every control looked linked), and a
message shown while a dialog is open sits above it, not over its buttons."""

from __future__ import annotations

import re

import pytest
from textual.widgets import Button

from aims_tui.core.services import risks
from aims_tui.tui.dialogs.controls_picker import ControlsList, ControlsPicker
from aims_tui.tui.dialogs.risk_editor import RiskEditor

from ..conftest import EDITOR
from ..core.helpers import audit_events
from ..tui.helpers import goto, settle
from .formkeys import landed, make_app, notes

SIZES = [(80, 24), (100, 30)]
_ROW = re.compile(r"(▐.▌) (\S+)")


def _rows(picker: ControlsPicker) -> dict[str, str]:
    """Each control's row as drawn on screen: its code, and the three cells of its box."""
    lst = picker.query_one(ControlsList)
    drawn: dict[str, str] = {}
    for y in range(lst.scrollable_content_region.height):
        found = _ROW.search(lst.render_line(y).text)
        if found:
            drawn[found.group(2)] = found.group(1)
    return drawn


@pytest.mark.parametrize("size", SIZES)
async def test_only_linked_controls_carry_the_mark_and_a_picked_one_is_saved(db, size):
    """ctrl+l on a risk linked to A.5.2: that row alone shows X, the title counts 1; space on
    A.2.3 marks it and counts 2; ctrl+s puts both in the editor, whose ctrl+s saves them: the
    risk's links, its update event naming the controls, and the message."""
    ref = risks.create_risk(db, EDITOR, {"title": "Drift", "inherent_likelihood": 3, "inherent_impact": 3,
                                         "controls": ["A.5.2"]})["ref"]
    app = make_app(db, EDITOR)
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        await goto(pilot, "2")
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, RiskEditor)
        await pilot.press("ctrl+l")
        await settle(pilot)
        picker = app.screen
        assert isinstance(picker, ControlsPicker)
        rows = _rows(picker)
        assert rows["A.5.2"] == "▐X▌"
        assert rows["A.2.2"] == rows["A.2.3"] == "▐ ▌"
        assert [code for code, box in rows.items() if "X" in box] == ["A.5.2"]
        assert "1 chosen" in str(picker.query_one("#picker-title").render())
        await pilot.press("down", "space")  # the list opens on A.2.2: down is A.2.3
        await settle(pilot)
        rows = _rows(picker)
        assert sorted(code for code, box in rows.items() if "X" in box) == ["A.2.3", "A.5.2"]
        assert "2 chosen" in str(picker.query_one("#picker-title").render())
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, RiskEditor)
        assert app.screen.query_one("#controls").value == "A.2.3, A.5.2"
        await pilot.press("ctrl+s")
        await landed(pilot)
        assert risks.get_risk(db, ref)["controls"] == ["A.2.3", "A.5.2"]
        event = audit_events(db, ref)[0]
        assert event["action"] == "update" and "A.2.3" in str(event["changes"]["controls"])
        assert f"{ref} saved (ctrl+z undoes)" in notes(app)


@pytest.mark.parametrize("size", SIZES)
async def test_a_message_while_a_dialog_is_open_does_not_cover_its_buttons(db, size):
    """The start's notice (overdue items) arrived over the editor's Save and Close: a message
    shown while a dialog is open is now at the top, clear of the dialog's buttons."""
    risks.create_risk(db, EDITOR, {"title": "Drift", "inherent_likelihood": 3, "inherent_impact": 3})
    app = make_app(db, EDITOR)
    async with app.run_test(size=size, notifications=True) as pilot:
        await settle(pilot)
        await goto(pilot, "2")
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, RiskEditor)
        app.notify("You have 4 overdue items, 3 due soon: see the Due screen.", title="Overdue", timeout=30)
        await settle(pilot)
        from textual.widgets._toast import Toast

        toasts = list(app.screen.query(Toast))
        assert toasts, "the message is shown"
        buttons = [b.region for b in app.screen.query(Button) if b.region.area]
        assert buttons
        for toast in toasts:
            assert toast.region.area
            assert not any(toast.region.overlaps(b) for b in buttons), (toast.region, buttons)
