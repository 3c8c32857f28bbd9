"""The management review screen in a tiny host app: list, create, decide, add actions, export."""

from __future__ import annotations

from pathlib import Path

import io
from datetime import date

import pytest
from rich.console import Console
from aims_tui.tui import app as app_module
from aims_tui.tui.app import AimsApp
from textual.widgets import DataTable, Input, Static, TextArea

from aims_tui.core.services import management, risks, systems
from aims_tui.reports import data as pack_data
from aims_tui.tui.screens.management import ManagementScreen, figures_db, pack_dates
from tests.conftest import APPROVER, EDITOR, TODAY


class Host(AimsApp):
    CSS_PATH = str(Path(app_module.__file__).with_name("app.tcss"))  # the real app's stylesheet

    def __init__(self, database, login, exports_dir):
        super().__init__(database, login, today=TODAY, poll_seconds=0, start_notice=False)
        self.exports_dir = exports_dir

    def make_screen(self, screen_id):  # the app starts on this screen
        return ManagementScreen(self.database, self.login, today=TODAY, exports_dir=self.exports_dir)


async def settle(pilot) -> None:
    for _ in range(4):
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()


def cells(table: DataTable) -> list[list[str]]:
    return [[str(c) for c in table.get_row_at(i)] for i in range(table.row_count)]


def text_of(static: Static) -> str:
    return str(static.render())


def rendered(static: Static, width: int = 200) -> str:
    """What a Static holding a Rich renderable (e.g. a table) prints, as plain text."""
    console = Console(width=width, record=True, file=io.StringIO())
    console.print(static.content)
    return console.export_text()


@pytest.fixture
def seeded(demo_db):
    mr = management.create_review(demo_db, EDITOR, {"held_on": date(2026, 6, 1),
                                                    "attendees": "[b]Ada[/b] & <Bob>"})
    return demo_db, mr["ref"]


async def test_the_screen_lists_reviews_and_shows_the_figures_the_pack_prints(seeded, tmp_path):
    """The inputs pane uses the pack's own functions: the same key figures, for the same as-of date."""
    db, ref = seeded
    app = Host(db, EDITOR, tmp_path)
    async with app.run_test(size=(150, 50)) as pilot:
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, ManagementScreen)
        assert cells(screen.query_one("#reviews", DataTable))[0][0] == ref
        review = management.get_review(db, ref)
        as_of, since = pack_dates(review, TODAY)
        expected = pack_data.key_figure_lines(pack_data.gather(figures_db(db, as_of), as_of, since, ref))
        assert screen.inputs.figures == expected
        shown = " ".join(rendered(screen.query_one("#inputs", Static)).split())
        for label, value in expected:
            assert f"{label} {value}" in shown


async def test_a_past_reviews_figures_are_those_of_its_date_not_todays(seeded, tmp_path):
    """A review's figures are the register as of its date: a risk and an AI system added and a
    risk rescored today (after it was held and signed off) leave them as they were."""
    db, ref = seeded
    management.update_review(db, EDITOR, ref, {"decisions": "Keep the appetite"})
    management.sign_off(db, APPROVER, ref)
    app = Host(db, EDITOR, tmp_path)
    async with app.run_test(size=(150, 50)) as pilot:
        await settle(pilot)
        screen = app.screen
        before = dict(screen.inputs.figures)
        assert int(before["Active risks"]) > 0
        s = systems.create_system(db, EDITOR, {"name": "Late addition", "purpose": "added after the review"})
        risks.create_risk(db, EDITOR, {"system": s["ref"], "title": "Added after the review",
                                       "inherent_likelihood": 5, "inherent_impact": 5,
                                       "residual_likelihood": 5, "residual_impact": 5})
        risks.update_risk(db, EDITOR, "R-0002", {"residual_likelihood": 1, "residual_impact": 1})
        await pilot.press("f5")
        await settle(pilot)
        assert "signed off" in text_of(screen.query_one("#mr-title", Static))
        assert dict(screen.inputs.figures) == before


async def test_user_text_is_shown_literally_not_as_markup(seeded, tmp_path):
    """Attendees typed as `[b]Ada[/b] & <Bob>` appear with their brackets."""
    db, _ref = seeded
    app = Host(db, EDITOR, tmp_path)
    async with app.run_test(size=(150, 50)) as pilot:
        await settle(pilot)
        title = text_of(app.screen.query_one("#mr-period", Static))
        assert "[b]Ada[/b] & <Bob>" in title


async def test_a_review_is_created_decided_and_given_an_action(db, tmp_path):
    """n creates a review, d records decisions, a adds an action with an owner and a due date."""
    app = Host(db, EDITOR, tmp_path)
    async with app.run_test(size=(150, 50)) as pilot:
        await settle(pilot)
        await pilot.press("n")
        await pilot.pause()
        dialog = app.screen
        dialog.query_one("#f-held_on", Input).value = "2026-06-10"
        dialog.query_one("#f-attendees", Input).value = "Ada, Eve"
        await pilot.click("#save")
        await settle(pilot)
        reviews = management.list_reviews(db)
        assert [r["held_on"] for r in reviews] == [date(2026, 6, 10)]
        ref = reviews[0]["ref"]

        await pilot.press("d")
        await pilot.pause()
        app.screen.query_one("#f-decisions", TextArea).text = "Fund the [red]bias[/red] audit"
        await pilot.click("#save")
        await settle(pilot)
        assert management.get_review(db, ref)["decisions"] == "Fund the [red]bias[/red] audit"
        assert "Fund the [red]bias[/red] audit" in text_of(app.screen.query_one("#mr-decisions", Static))

        await pilot.press("a")
        await pilot.pause()
        app.screen.query_one("#f-action", Input).value = "Run the audit"
        app.screen.query_one("#f-due_date", Input).value = "2026-09-30"
        await pilot.click("#save")
        await settle(pilot)
        actions = management.get_review(db, ref)["actions"]
        assert [(a["action"], a["owner"], a["due_date"]) for a in actions] == [
            ("Run the audit", EDITOR, date(2026, 9, 30))]
        assert cells(app.screen.query_one("#actions", DataTable))[0][:3] == ["Run the audit", EDITOR, "2026-09-30"]


async def test_a_bad_date_is_refused_with_the_field_named_and_nothing_saved(db, tmp_path):
    """A held-on date that is not a date: the form stays open, names the field as the
    user sees it ("Held on") and keeps the text; no review is created."""
    app = Host(db, EDITOR, tmp_path)
    async with app.run_test(size=(150, 50)) as pilot:
        await settle(pilot)
        await pilot.press("n")
        await pilot.pause()
        app.screen.query_one("#f-held_on", Input).value = "tomorrow"
        await pilot.click("#save")
        await settle(pilot)
        assert management.list_reviews(db) == []
        assert app.screen.query_one("#f-held_on", Input).value == "tomorrow"
        assert text_of(app.screen.query_one("#form-error", Static)).startswith("Held on: ")


async def test_export_writes_the_pack_shows_progress_and_records_it_on_the_review(seeded, tmp_path):
    """e builds the pack in a worker; the bar reaches 100 and the review keeps the path and digest."""
    db, ref = seeded
    app = Host(db, EDITOR, tmp_path)
    async with app.run_test(size=(150, 50)) as pilot:
        await settle(pilot)
        await pilot.press("e")
        await settle(pilot)
        screen = app.screen
        res = screen.last_pack
        assert res is not None and res.path.exists() and res.path.parent == tmp_path
        assert screen.query_one("#pack-progress").progress == 100
        review = management.get_review(db, ref)
        assert review["pack_digest"] == res.digest
        assert review["pack_path"] == str(res.path)
        assert f"Last pack: {res.path}" in text_of(screen.query_one("#mr-period", Static))


async def test_an_action_is_marked_done_from_the_screen(seeded, tmp_path):
    """c on a highlighted action completes it through the service (with its version)."""
    db, ref = seeded
    management.add_action(db, EDITOR, ref, {"action": "Write the policy", "due_date": date(2026, 5, 1)})
    app = Host(db, EDITOR, tmp_path)
    async with app.run_test(size=(150, 50)) as pilot:
        await settle(pilot)
        assert cells(app.screen.query_one("#actions", DataTable))[0][3] == "planned (overdue)"
        app.screen.query_one("#actions", DataTable).focus()
        await pilot.press("c")
        await settle(pilot)
        assert [a["status"] for a in management.get_review(db, ref)["actions"]] == ["done"]
        assert cells(app.screen.query_one("#actions", DataTable))[0][3] == "done"


async def test_a_viewer_is_not_offered_a_new_review_and_the_screen_keeps_running(db, tmp_path):
    """Issue 11: viewers were offered management-review actions that failed only on submit.
    Now n is not theirs: no form opens, nothing is written."""
    from tests.conftest import VIEWER

    app = Host(db, VIEWER, tmp_path)
    async with app.run_test(size=(150, 50)) as pilot:
        await settle(pilot)
        await pilot.press("n")
        await settle(pilot)
        assert management.list_reviews(db) == []
        assert isinstance(app.screen, ManagementScreen)
        assert "new_review" not in {b.binding.action for b in app.screen.active_bindings.values() if b.enabled}
