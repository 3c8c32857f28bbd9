"""Home and End go to the first and last row of every list (Textual's DataTable moves
between columns on Home and End). Seen in a real terminal on the Management system
screen: Home left the cursor on Objectives, and the Enter after it opened Objectives
instead of Readiness."""

from __future__ import annotations

import ast
from pathlib import Path

from textual.widgets import DataTable

from ..conftest import EDITOR
from ..tui.helpers import goto, make_app, settle

TUI = Path(__file__).resolve().parents[2] / "aims_tui" / "tui"


async def test_home_and_end_move_to_the_first_and_last_register_and_enter_opens_it(db):
    app = make_app(db, EDITOR)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await goto(pilot, "M")
        table = app.screen.query_one("#list", DataTable)
        await pilot.press("down", "down", "down")
        assert table.cursor_row == 3
        await pilot.press("end")
        assert table.cursor_row == table.row_count - 1
        await pilot.press("home")
        assert table.cursor_row == 0
        await pilot.press("enter")
        await settle(pilot)
        assert type(app.screen).__name__ == "ReadinessScreen"


def test_every_list_in_the_app_is_a_row_table():
    """A plain DataTable would take Home and End for columns again."""
    plain = []
    for path in sorted(TUI.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "DataTable":
                plain.append(f"{path.relative_to(TUI)}:{node.lineno}")
    assert plain == []
