"""Keys that arrive in one burst (over SSH, typed ahead) are applied in the order typed.

Seen in a real terminal (tmux, 100x30): in the new measurement dialog, ``ctrl+u`` then a
date then ``ctrl+s`` sent together saved nothing and said "Measured on: is required":
the field's own ctrl+u ran after the date had been typed, and wiped it. ``abcX``,
backspace, ``d`` became ``abcXd`` (the backspace ran last). Each test here posts the
whole burst at once, as the terminal driver does, then looks at the row, its audit
event and the message.
"""

from __future__ import annotations

import ast
from pathlib import Path

from textual import events
from textual.widgets import Input, TextArea

from aims_tui.core.services import nonconformities, risks
from aims_tui.tui.dialogs.risk_editor import RiskEditor

from ..conftest import EDITOR
from ..tui.helpers import goto, settle
from ..core.helpers import audit_actions
from .formkeys import landed, make_app, notes

SIZE = (100, 30)
TUI = Path(__file__).resolve().parents[2] / "aims_tui" / "tui"

CHARACTERS = {"space": " ", "slash": "/", "backspace": None, "home": None, "end": None, "left": None, "ctrl+u": None,
              "ctrl+s": None, "delete": None}


def burst(app, keys: list[str]) -> None:
    """Post every key to the app at once, without waiting in between (as a burst arrives)."""
    for key in keys:
        character = CHARACTERS.get(key, key if len(key) == 1 else None)
        app.post_message(events.Key(key, character))


async def _new_nonconformity_title(pilot) -> None:
    """7 (nonconformities), n (a new one), the focus in its title."""
    await goto(pilot, "7")
    await pilot.press("n")
    await settle(pilot)
    pilot.app.screen.query_one("#f-title", Input).focus()
    await pilot.pause()


async def test_a_correction_and_a_jump_home_typed_in_one_burst_are_saved_in_the_order_typed(db):
    """``abcX`` backspace ``d`` home ``Z`` then ctrl+s: the title saved is ``Zabcd``."""
    app = make_app(db, EDITOR)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await _new_nonconformity_title(pilot)
        burst(app, [*"abcX", "backspace", "d", "home", "Z", "ctrl+s"])
        await landed(pilot)
        rows = nonconformities.list_nonconformities(db)
        assert [r["title"] for r in rows] == ["Zabcd"]
        assert audit_actions(db, rows[0]["ref"]) == ["create"]
        assert f"nonconformity {rows[0]['ref']} recorded" in notes(app)


async def test_clearing_a_field_and_typing_anew_in_one_burst_keeps_what_was_typed(db):
    """ctrl+u then the new text then ctrl+s, all at once: the new text is saved."""
    app = make_app(db, EDITOR)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await _new_nonconformity_title(pilot)
        await pilot.press(*"Old words")
        burst(app, ["ctrl+u", *"Drift", "ctrl+s"])
        await landed(pilot)
        rows = nonconformities.list_nonconformities(db)
        assert [r["title"] for r in rows] == ["Drift"]
        assert f"nonconformity {rows[0]['ref']} recorded" in notes(app)


async def test_a_burst_with_a_backspace_in_the_risk_description_is_saved_as_typed(db):
    """The risk editor's description is a text area: its backspace keeps its place too."""
    ref = risks.create_risk(db, EDITOR, {"title": "Drift", "inherent_likelihood": 2, "inherent_impact": 2})["ref"]
    app = make_app(db, EDITOR)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        app.push_screen(RiskEditor(db, EDITOR, ref))
        await settle(pilot)
        area = app.screen.query_one("#description", TextArea)
        area.focus()
        await pilot.pause()
        burst(app, [*"Labels", "backspace", "space", *"lag", "ctrl+s"])
        await landed(pilot)
        saved = risks.get_risk(db, ref)
        assert saved["description"] == "Label lag"
        assert audit_actions(db, ref) == ["create", "update"]


async def test_a_search_typed_with_a_correction_in_one_burst_searches_for_what_was_meant(db):
    """The register's search box: ``R-00X`` backspace ``1`` is the search ``R-001``."""
    app = make_app(db, EDITOR)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await goto(pilot, "2")
        box = app.screen.query_one("#search", Input)
        box.focus()
        await pilot.pause()
        burst(app, [*"R-00X", "backspace", "1"])
        await settle(pilot)
        assert box.value == "R-001"


def _constructed(path: Path) -> list[tuple[int, str]]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return [(node.lineno, node.func.id) for node in ast.walk(tree)
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in ("Input", "TextArea")]


def test_every_text_box_in_the_app_applies_its_editing_keys_in_order():
    """A plain Input or TextArea would lose keys in a burst again: the app builds only its own."""
    plain = [f"{p.relative_to(TUI)}:{line} {name}(" for p in sorted(TUI.rglob("*.py")) for line, name in _constructed(p)]
    assert plain == []


async def test_keys_typed_in_the_same_burst_as_enter_on_a_risk_reach_its_editor(db):
    """Enter on the register, then X, backspace, Y and ctrl+s in one burst: the editor opens
    (it holds keys until the risk is loaded) and saves the title with a Y at its end."""
    ref = risks.create_risk(db, EDITOR, {"title": "Drift", "inherent_likelihood": 2, "inherent_impact": 2})["ref"]
    app = make_app(db, EDITOR)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await goto(pilot, "2")
        burst(app, ["enter", "X", "backspace", "Y", "ctrl+s"])
        await landed(pilot)
        await settle(pilot)
        assert risks.get_risk(db, ref)["title"] == "DriftY"
        assert audit_actions(db, ref) == ["create", "update"]


async def test_keys_typed_in_the_same_burst_as_enter_on_a_record_reach_its_form(db):
    """Enter on a nonconformity, then text and ctrl+s in one burst: the edit form opens and the
    text typed lands in its first field, saved."""
    nc = nonconformities.create_nonconformity(db, EDITOR, {"title": "Drift"})
    app = make_app(db, EDITOR)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await goto(pilot, "7")
        burst(app, ["enter", "end", "space", *"found", "ctrl+s"])
        await landed(pilot)
        await settle(pilot)
        assert [r["title"] for r in nonconformities.list_nonconformities(db)] == ["Drift found"]
        assert audit_actions(db, nc["ref"]) == ["create", "update"]


async def test_enter_while_the_list_has_not_yet_taken_the_focus_still_opens_the_risk_before_the_keys_behind_it(db):
    """The register's list takes the focus just after the screen mounts: Enter in that moment
    went to the list's own binding, which ran after X backspace Y had gone to the list, so only
    the backspace (run against the editor once open) and ctrl+s arrived: "Drif" was saved."""
    ref = risks.create_risk(db, EDITOR, {"title": "Drift", "inherent_likelihood": 2, "inherent_impact": 2})["ref"]
    app = make_app(db, EDITOR)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await goto(pilot, "2")
        table = app.screen.pager.table
        app.screen.set_focus(None)
        await pilot.pause()
        burst(app, ["enter"])
        app.call_later(table.focus)  # the list's focus arrives in the middle of the burst
        burst(app, ["X", "backspace", "Y", "ctrl+s"])
        await landed(pilot)
        await settle(pilot)
        assert risks.get_risk(db, ref)["title"] == "DriftY"
        assert audit_actions(db, ref) == ["create", "update"]


async def test_a_search_typed_in_the_same_burst_as_the_slash_is_the_search(db):
    """On the register, ``/drift`` typed ahead: the letters are the search, not commands to the
    list (``f`` would open the filter, ``d``... nothing): seen in tmux, the search stayed empty."""
    for i, title in enumerate(["Model drift after deployment", "Bias in hiring", "Data drift unseen"]):
        risks.create_risk(db, EDITOR, {"title": title, "inherent_likelihood": 1 + i, "inherent_impact": 2})
    app = make_app(db, EDITOR)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await goto(pilot, "2")
        burst(app, ["slash", *"drift"])
        await settle(pilot)
        await pilot.pause(0.5)  # the search waits for a pause in the typing
        await settle(pilot)
        assert type(app.screen).__name__ == "RegisterScreen"  # no filter dialog over it
        assert app.screen.query_one("#search", Input).value == "drift"
        assert sorted(r["title"] for r in app.screen.pager.rows) == ["Data drift unseen",
                                                                      "Model drift after deployment"]


async def test_a_slash_typed_in_the_search_box_is_text_and_the_other_lists_search_the_same_way(db):
    """/ is a priority key on the lists that search: in the search box it is typed (``n/a``);
    on the AI systems list (3) the letters typed with it are its search too."""
    risks.create_risk(db, EDITOR, {"title": "Ratings n/a for minors", "inherent_likelihood": 2, "inherent_impact": 2})
    risks.create_risk(db, EDITOR, {"title": "Bias in hiring", "inherent_likelihood": 2, "inherent_impact": 2})
    app = make_app(db, EDITOR)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await goto(pilot, "2")
        burst(app, ["slash", "n", "slash", "a"])
        await settle(pilot)
        await pilot.pause(0.5)
        await settle(pilot)
        assert app.screen.query_one("#search", Input).value == "n/a"
        assert [r["title"] for r in app.screen.pager.rows] == ["Ratings n/a for minors"]
        await pilot.press("escape")  # back to the list: 3 is a screen key again
        await goto(pilot, "3")
        burst(app, ["slash", *"zzz"])
        await settle(pilot)
        assert type(app.screen).__name__ == "SystemsScreen"
        assert app.screen.query_one("#search", Input).value == "zzz"
