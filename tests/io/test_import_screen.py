"""The TUI import screen, driven in a tiny host app."""

from __future__ import annotations

from pathlib import Path

from aims_tui.tui import app as app_module
from aims_tui.tui.app import AimsApp
from textual.widgets import DataTable, Input, Log, Select, Static

from aims_tui.core.models import Risk
from aims_tui.tui.screens.import_screen import ImportScreen

from ..conftest import EDITOR, TODAY
from .helpers import count, risks


class Host(AimsApp):
    CSS_PATH = str(Path(app_module.__file__).with_name("app.tcss"))  # the real app's stylesheet

    def __init__(self, database, login, path=""):
        super().__init__(database, login, today=TODAY, poll_seconds=0, start_notice=False)
        self.path = path

    def make_screen(self, screen_id):  # the app starts on this screen
        return ImportScreen(self.database, self.login, self.path)


async def settle(app, pilot) -> None:
    for _ in range(5):
        await app.workers.wait_for_complete()
        await pilot.pause()


def log_text(screen) -> str:
    return "\n".join(screen.query_one("#messages", Log).lines)


async def test_the_screen_reads_a_file_shows_mapping_and_rows_then_imports(db, tmp_path):
    """Pick a file: the detected mapping (a Select per column) and the first rows
    show; a dry run writes nothing; Import creates the risks with progress."""
    path = tmp_path / "r.csv"
    path.write_text("Register\n\nRisk title;Probability;Severity;Remarks\nLeak;High;Major;x\nDrift;2;3;\n",
                    encoding="utf-8")
    app = Host(db, EDITOR)
    async with app.run_test(size=(120, 50)) as pilot:
        screen = app.screen
        assert isinstance(screen, ImportScreen)
        screen.query_one("#path", Input).value = str(path)
        await pilot.click("#read")
        await settle(app, pilot)
        values = {sel.id: sel.value for sel in screen.query(".map-select").results(Select)}
        assert values == {"map-0": "title", "map-1": "inherent_likelihood", "map-2": "inherent_impact",
                          "map-3": "notes"}
        assert screen.query_one("#preview", DataTable).row_count == 2
        assert "header in row 3" in str(screen.query_one("#summary", Static).content)
        await pilot.click("#dry-run")
        await settle(app, pilot)
        assert screen.result and screen.result["dry_run"] and count(db, Risk) == 0
        assert "Dry run: nothing was written." in log_text(screen)
        await pilot.click("#import")
        await settle(app, pilot)
        assert screen.result and not screen.result["dry_run"]
        assert [r.title for r in risks(db)] == ["Leak", "Drift"]
        assert "Imported 2 risk(s) (R-0001..R-0002)" in log_text(screen)


async def test_fixing_the_mapping_in_a_select_changes_what_is_imported(db, tmp_path):
    """A column the screen did not recognise is mapped by choosing its field."""
    path = tmp_path / "r.csv"
    path.write_text("Title,Col B,Col C\nOne,4,5\n", encoding="utf-8")
    app = Host(db, EDITOR, str(path))
    async with app.run_test(size=(120, 50)) as pilot:
        screen = app.screen
        await pilot.click("#read")
        await settle(app, pilot)
        assert screen.plan is not None
        screen.query_one("#map-1", Select).value = "inherent_likelihood"
        await settle(app, pilot)
        screen.query_one("#map-2", Select).value = "inherent_impact"
        await settle(app, pilot)
        await pilot.click("#import")
        await settle(app, pilot)
    (r,) = risks(db)
    assert (r.inherent_likelihood, r.inherent_impact) == (4, 5)


async def test_all_problems_are_listed_and_nothing_is_written(db, tmp_path):
    path = tmp_path / "r.csv"
    path.write_text("Title,Likelihood,Impact\nOk,1,1\nBad,zz,1\nWorse,1,99\n", encoding="utf-8")
    app = Host(db, EDITOR, str(path))
    async with app.run_test(size=(120, 50)) as pilot:
        screen = app.screen
        await pilot.click("#read")
        await settle(app, pilot)
        await pilot.click("#import")
        await settle(app, pilot)
        text = log_text(screen)
    assert "2 problems in 2 rows; nothing was imported" in text
    assert "row 3, column B 'Likelihood': value 'zz'" in text and "row 4, column C 'Impact'" in text
    assert count(db, Risk) == 0


async def test_text_from_the_file_is_shown_literally_not_as_markup(db, tmp_path):
    """A header or cell that looks like Textual markup is data."""
    path = tmp_path / "r.csv"
    path.write_text("Title,[bold red]Likelihood[/],Impact\n[link=x]Leak[/link],1,1\n", encoding="utf-8")
    app = Host(db, EDITOR, str(path))
    async with app.run_test(size=(120, 50)) as pilot:
        screen = app.screen
        await pilot.click("#read")
        await settle(app, pilot)
        labels = [str(s.content) for s in screen.query(".map-label").results(Static)]
        assert "B '[bold red]Likelihood[/]'" in labels
        table = screen.query_one("#preview", DataTable)
        assert str(table.get_row_at(0)[1]) == "[link=x]Leak[/link]"


async def test_a_missing_file_is_reported_on_screen(db, tmp_path):
    app = Host(db, EDITOR, str(tmp_path / "nope.csv"))
    async with app.run_test(size=(120, 50)) as pilot:
        screen = app.screen
        await pilot.click("#read")
        await settle(app, pilot)
        assert "does not exist" in log_text(screen)
        assert screen.query_one("#import").disabled


async def test_two_columns_mapped_to_one_field_block_the_import_until_fixed(db, tmp_path):
    """Choosing "title" for a second column is refused on screen and Import is
    disabled (no stale mapping is imported); fixing the choice enables it again."""
    path = tmp_path / "r.csv"
    path.write_text("Title,Other,Likelihood,Impact\nOne,x,1,1\n", encoding="utf-8")
    app = Host(db, EDITOR, str(path))
    async with app.run_test(size=(120, 50)) as pilot:
        screen = app.screen
        await pilot.click("#read")
        await settle(app, pilot)
        screen.query_one("#map-1", Select).value = "title"
        await settle(app, pilot)
        assert "mapped to title" in log_text(screen)
        assert screen.plan is None and screen.query_one("#import").disabled
        screen.query_one("#map-1", Select).value = "notes"
        await settle(app, pilot)
        assert screen.plan is not None and not screen.query_one("#import").disabled


async def test_enter_in_the_path_field_reads_the_file(db, tmp_path):
    path = tmp_path / "r.csv"
    path.write_text("Title,Likelihood,Impact\nOne,1,1\n", encoding="utf-8")
    app = Host(db, EDITOR)
    async with app.run_test(size=(100, 30)) as pilot:
        screen = app.screen
        screen.query_one("#path", Input).focus()
        await pilot.press(*str(path), "enter")
        await settle(app, pilot)
        assert screen.plan is not None and len(screen.plan.rows) == 1


async def test_the_screen_asks_about_a_0_based_scale_and_imports_what_the_user_answers(db, tmp_path):
    """A CISO Assistant export's 0-based indexes would have imported one level too low
    without a word; the screen asks, and 'y' adds one to every score."""
    from aims_tui.core import audit

    path = tmp_path / "ciso.csv"
    path.write_text("ref_id,name,current_proba,current_impact,treatment\nR.1,Drift,0,4,open\nR.2,Leak,2,-1,open\n",
                    encoding="utf-8")
    app = Host(db, EDITOR, str(path))
    async with app.run_test(size=(120, 50)) as pilot:
        screen = app.screen
        await pilot.click("#read")
        await settle(app, pilot)
        assert "0-based" in str(app.screen.query_one(".dialog-text", Static).content)
        await pilot.press("y")
        await settle(app, pilot)
        assert screen.scale_offset == 1 and not screen.plan.zero_based
        assert "CISO Assistant" in log_text(screen)
        await pilot.click("#import")
        await settle(app, pilot)
        assert "Imported 2 risk(s) (R-0001..R-0002)" in log_text(screen)
    got = [(r.inherent_likelihood, r.inherent_impact, r.awaiting_assessment) for r in risks(db)]
    assert got == [(1, 5, False), (3, 1, True)]
    with db.read() as s:
        assert audit.events(s, "R-0001", limit=1)[0]["changes"]["inherent_likelihood"] == [None, 1]
