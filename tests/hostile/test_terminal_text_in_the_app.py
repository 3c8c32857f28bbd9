"""Pilot: text from users and files is shown, never obeyed by the terminal (issue 14).

The cells that motivated it: an import preview cell holding ESC ] 0 ; title BEL
(it set the terminal's title and, with ESC [ 2 J, cleared the screen) and a
right-to-left override that made a line read backwards.
"""

from __future__ import annotations

import sqlite3


from textual.widgets import DataTable, Input, Static

from aims_tui.core.services import risks
from aims_tui.tui.screens.import_screen import ImportScreen

from ..conftest import EDITOR
from ..tui.helpers import goto, make_app, notes, settle

TITLE_SEQ = "\x1b]0;owned\x07"
RLO = "\u202e"


def obeyed(text: str) -> bool:
    return any(ch in text for ch in ("\x1b", "\x07", RLO, "\x9b"))


async def test_a_title_with_a_terminal_sequence_and_a_bidi_override_shows_escaped_in_the_register(db):
    """A risk restored from a hostile file (written past the services) and one typed with an RLO."""
    risks.create_risk(db, EDITOR, {"title": f"Invoice {RLO}fdp.exe", "inherent_likelihood": 2,
                                   "inherent_impact": 2})
    risks.create_risk(db, EDITOR, {"title": "placeholder", "inherent_likelihood": 2, "inherent_impact": 2})
    con = sqlite3.connect(str(db.path))
    con.execute("UPDATE risk SET title = ? WHERE ref = 'R-0002'", (f"{TITLE_SEQ}Bad\x1b[2J",))
    con.commit()
    con.close()
    app = make_app(db, EDITOR)
    async with app.run_test(size=(140, 30)) as pilot:
        await settle(pilot)
        await goto(pilot, "2")
        table = app.screen.pager.table
        titles = {str(table.get_row_at(r)[0]): [str(c) for c in table.get_row_at(r)]
                  for r in range(table.row_count)}
        cells = [c for row in titles.values() for c in row]
        assert "Invoice <U+202E>fdp.exe" in cells
        assert "\\x1b]0;owned\\x07Bad\\x1b[2J" in cells
        assert not any(obeyed(c) for c in cells)
        assert not obeyed(app.export_screenshot())
        app.say(f"Saved {TITLE_SEQ}{RLO}")  # a message quoting user text
        await pilot.pause()
        assert any("Saved \\x1b]0;owned\\x07<U+202E>" in n for n in notes(app))
        assert not any(obeyed(n) for n in notes(app))


async def test_a_hostile_cell_and_header_show_escaped_in_the_import_preview(db, tmp_path):
    """The preview, the mapping labels and the messages of the import screen."""
    path = tmp_path / "hostile.csv"
    path.write_text(f"Title,Likelihood,Impact,Notes{RLO}x\n"
                    f"{TITLE_SEQ}Leak,2,3,{RLO}gnp.exe\nDrift,9,3,ok\n", encoding="utf-8")
    app = make_app(db, EDITOR)
    async with app.run_test(size=(140, 50)) as pilot:
        await settle(pilot)
        await app.push_screen(ImportScreen(db, EDITOR, str(path)))
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, ImportScreen)
        screen.query_one("#path", Input).value = str(path)
        await pilot.click("#read")
        for _ in range(6):
            await app.workers.wait_for_complete()
            await pilot.pause()
        table = screen.query_one("#preview", DataTable)
        assert table.row_count == 2
        cells = [str(c) for r in range(table.row_count) for c in table.get_row_at(r)]
        headers = [str(col.label) for col in table.columns.values()]
        assert "\\x1b]0;owned\\x07Leak" in cells and "<U+202E>gnp.exe" in cells
        # the importer labels a column with its header quoted (repr): escaped either way
        assert any("Notes<U+202E>x" in h or "Notes\\u202ex" in h for h in headers), headers
        labels = [str(s.content) for s in screen.query(".map-label").results(Static)]
        assert any("Notes" in lbl for lbl in labels)
        assert not any(obeyed(t) for t in cells + headers + labels)
        assert not obeyed(app.export_screenshot())


async def test_a_teammates_hostile_title_shows_escaped_in_the_conflict_dialog(db):
    """The conflict dialog printed both values with str(): a title a teammate saved with a
    right-to-left override reached the screen raw when the user's save collided with it."""
    from aims_tui.tui.dialogs.conflict import ConflictDialog
    from aims_tui.tui.dialogs.risk_editor import RiskEditor

    risks.create_risk(db, EDITOR, {"title": "Original", "inherent_likelihood": 2, "inherent_impact": 2})
    app = make_app(db, EDITOR)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        app.push_screen(RiskEditor(db, EDITOR, "R-0001"))
        await settle(pilot)
        box = app.screen.query_one("#title", Input)
        box.value = "Mine"
        risks.update_risk(db, EDITOR, "R-0001", {"title": f"{TITLE_SEQ}Theirs {RLO}x"})
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, ConflictDialog)
        import io

        from rich.console import Console

        out = io.StringIO()
        Console(file=out, width=100, color_system=None).print(app.screen._values_text())
        body = out.getvalue()
        # the service drops C0 controls on save; the bidi override it keeps shows escaped
        assert "Theirs <U+202E>x" in body, body
        assert not obeyed(body) and not obeyed(app.export_screenshot())
