"""Snapshots of the M screen (with the AIMS scope row), the documents register and its
form, and the scope form, at 80x24 and 100x30 (issue 16): every column and input reads
at both sizes; user text (a location with markup-like characters) shows literally."""

from __future__ import annotations

import pytest
from textual.widgets import Input, TextArea

from aims_tui.core.services import documents, registers, scope

from ..conftest import ADMIN, APPROVER, EDITOR, TODAY
from ..tui.helpers import make_app, settle

SIZES = [(80, 24), (100, 30)]


async def _still(pilot) -> None:
    await settle(pilot)
    for w in pilot.app.screen.query(Input):
        w.cursor_blink = False
    for w in pilot.app.screen.query(TextArea):
        w.cursor_blink = False
    await pilot.pause(0.1)
    await settle(pilot)


def _seed(db) -> None:
    scope.set_scope(db, ADMIN, "Every AI system of the lending division, from design to retirement; "
                               "research prototypes are out of scope.")
    policy = registers.create(db, EDITOR, "document", {
        "title": "AI policy", "doc_type": "ai_policy", "version_label": "2.1", "owner": EDITOR,
        "location": "https://intranet.example/policies/ai-policy.pdf?v=2.1&[b]x[/b]",
        "review_cadence": "yearly", "retention": "7 years after retirement"}, today=TODAY)
    documents.approve(db, APPROVER, policy["ref"], today=TODAY)
    registers.create(db, EDITOR, "document", {"title": "Model release procedure", "doc_type": "procedure",
                                              "version_label": "0.3", "location": "docs/release.md"}, today=TODAY)


def _open(*keys: str, register: str | None = None):
    async def run_before(pilot):
        await settle(pilot)
        await pilot.press("M")
        await settle(pilot)
        if register:
            ids = [r["id"] for r in pilot.app.screen.rows]
            await pilot.press("home", *["down"] * ids.index(register), "enter")
            await settle(pilot)
        for k in keys:
            await pilot.press(k)
            await settle(pilot)
        await _still(pilot)

    return run_before


CASES = {
    "m_screen": _open(),
    "scope_form": _open("s"),
    "documents_screen": _open(register="documents"),
    "document_edit_form": _open("e", register="documents"),
}


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
@pytest.mark.parametrize("case", sorted(CASES))
def test_the_context_screens_and_forms_at_both_sizes(db, snap_compare, case, size):
    _seed(db)
    assert snap_compare(make_app(db, ADMIN), terminal_size=size, run_before=CASES[case])
