"""The Due screen: bounded rows, a review recorded in two keystrokes."""

from __future__ import annotations

from pathlib import Path

from aims_tui.tui import app as app_module
from aims_tui.tui.app import AimsApp
from textual.widgets import DataTable, Static

from aims_tui.core import reminders
from aims_tui.core.services import reviews, risks
from aims_tui.tui.screens.due import DueScreen, ReviewDialog

from ..conftest import ADMIN, TODAY


class Host(AimsApp):
    CSS_PATH = str(Path(app_module.__file__).with_name("app.tcss"))  # the real app's stylesheet

    def __init__(self, database, login):
        super().__init__(database, login, today=TODAY, poll_seconds=0, start_notice=False)

    def make_screen(self, screen_id):  # the app starts on this screen
        return DueScreen(self.database, self.login, today=TODAY)


async def _settle(pilot, app, predicate, tries=100):
    for _ in range(tries):
        await pilot.pause(0.02)
        await app.workers.wait_for_complete()
        if predicate():
            return True
    return False


async def test_r_then_enter_records_a_review_and_the_risk_leaves_the_overdue_list(demo_db):
    """Two keystrokes from the Due screen: r opens the dialog with still valid
    chosen, Enter saves through services.reviews, and the row is gone."""
    late = next(i for i in reminders.window(demo_db, today=TODAY)["buckets"]["overdue"] if i.kind == "risk_review")
    risks.update_risk(demo_db, ADMIN, late.ref, {"owner": ADMIN})  # the demo keeps a few overdue, not all the admin's
    before = reminders.window(demo_db, today=TODAY, owner=ADMIN)
    first = next(i for i in before["buckets"]["overdue"] if i.kind == "risk_review")
    app = Host(demo_db, ADMIN)
    async with app.run_test(size=(140, 40)) as pilot:
        screen = app.screen
        assert isinstance(screen, DueScreen)
        assert await _settle(pilot, app, lambda: len(screen.items) > 0)
        table = screen.query_one(DataTable)
        table.move_cursor(row=table.get_row_index(f"risk_review:{first.ref}"))
        await pilot.press("r")
        assert await _settle(pilot, app, lambda: isinstance(app.screen, ReviewDialog))
        await pilot.press("enter")
        assert await _settle(pilot, app, lambda: f"risk_review:{first.ref}" not in screen.items)
        assert isinstance(app.screen, DueScreen)
    done = reviews.list_reviews(demo_db, "risk", first.ref)
    assert [r["outcome"] for r in done] == ["still_valid"]
    assert done[0]["reviewer"] == ADMIN and done[0]["next_review"] > TODAY
    after = reminders.window(demo_db, today=TODAY, owner=ADMIN)
    assert first.ref not in {i.ref for i in after["buckets"]["overdue"] if i.kind == "risk_review"}
    assert after["totals"]["overdue"] == before["totals"]["overdue"] - 1


async def test_escape_in_the_dialog_records_nothing(demo_db):
    """Cancelling the dialog must not write a review."""
    app = Host(demo_db, ADMIN)
    async with app.run_test(size=(140, 40)) as pilot:
        screen = app.screen
        assert await _settle(pilot, app, lambda: len(screen.items) > 0)
        key = next(k for k, i in screen.items.items() if i.kind == "risk_review")
        table = screen.query_one(DataTable)
        table.move_cursor(row=table.get_row_index(key))
        await pilot.press("r")
        assert await _settle(pilot, app, lambda: isinstance(app.screen, ReviewDialog))
        await pilot.press("escape")
        await _settle(pilot, app, lambda: isinstance(app.screen, DueScreen))
        assert key in screen.items
    assert reviews.list_reviews(demo_db, "risk", key.split(":", 1)[1]) == []


async def test_a_title_with_markup_is_shown_literally(db):
    """A risk titled like Rich markup must not be parsed (user text is data)."""
    from datetime import timedelta

    from aims_tui.core.services import risks

    r = risks.create_risk(db, ADMIN, {"title": "[bold]R&D[/bold] <b>x</b> [link=x]y", "owner": ADMIN,
                                      "inherent_likelihood": 2, "inherent_impact": 2,
                                      "next_review": (TODAY - timedelta(days=3)).isoformat()})
    app = Host(db, ADMIN)
    async with app.run_test(size=(140, 40)) as pilot:
        screen = app.screen
        assert await _settle(pilot, app, lambda: len(screen.items) > 0)
        table = screen.query_one(DataTable)
        cell = table.get_row(f"risk_review:{r['ref']}")[5]
        assert str(cell) == "[bold]R&D[/bold] <b>x</b> [link=x]y"
        summary = str(screen.query_one("#due-summary", Static).render())
        assert "1 overdue" in summary


async def test_a_long_list_is_capped_with_a_more_row_and_a_shows_everyones(demo_db, monkeypatch):
    """The table holds at most ROW_LIMIT rows a bucket plus a 'more' note; `a` widens to everyone."""
    from aims_tui.tui.screens import due

    monkeypatch.setattr(due, "ROW_LIMIT", 3)
    app = Host(demo_db, ADMIN)
    async with app.run_test(size=(140, 40)) as pilot:
        screen = app.screen
        assert await _settle(pilot, app, lambda: len(screen.items) > 0)
        table = screen.query_one(DataTable)
        mine_total = screen.totals["overdue"]
        assert mine_total > 3
        assert sum(1 for i in screen.items.values() if i.state == "overdue") == 3
        more = table.get_row("more:overdue")
        assert str(more[0]) == f"Overdue: {mine_total - 3} more"
        assert {i.owner for i in screen.items.values()} == {ADMIN}
        await pilot.press("a")
        assert await _settle(pilot, app, lambda: screen.totals.get("overdue", 0) > mine_total)
        assert screen.show_all


def test_the_start_notice_names_the_overdue_count_or_stays_silent(demo_db):
    """For the app's start: a line when the login has overdue items, None otherwise."""
    n = reminders.counts_for(demo_db, ADMIN, TODAY)["overdue"]
    assert reminders.start_notice(demo_db, ADMIN, TODAY).startswith(f"You have {n} overdue item")
    assert reminders.start_notice(demo_db, "nobody", TODAY) is None


async def test_enter_on_a_row_then_enter_also_records_the_review(demo_db):
    """Enter opens the same dialog as r; a second Enter saves still valid."""
    app = Host(demo_db, ADMIN)
    async with app.run_test(size=(140, 40)) as pilot:
        screen = app.screen
        assert await _settle(pilot, app, lambda: len(screen.items) > 0)
        key = next(k for k, i in screen.items.items() if i.kind == "risk_review")
        table = screen.query_one(DataTable)
        table.move_cursor(row=table.get_row_index(key))
        await pilot.press("enter")
        assert await _settle(pilot, app, lambda: isinstance(app.screen, ReviewDialog))
        await pilot.press("enter")
        assert await _settle(pilot, app, lambda: key not in screen.items)
    assert [r["outcome"] for r in reviews.list_reviews(demo_db, "risk", key.split(":", 1)[1])] == ["still_valid"]


async def test_r_and_y_on_a_register_review_record_it_and_move_the_next_review(db):
    """A context issue (any register of the management system) overdue for review:
    r asks, y records the review through services.registers (audit action "review"),
    its next review follows the cadence and the row leaves the list."""
    from datetime import timedelta

    from aims_tui.core.services import registers
    from aims_tui.tui.dialogs.confirm import ConfirmDialog

    issue = registers.create(db, ADMIN, "context_issue", {
        "title": "New AI regulation", "owner": ADMIN, "review_cadence": "quarterly",
        "next_review": (TODAY - timedelta(days=5)).isoformat()}, today=TODAY)
    app = Host(db, ADMIN)
    key = f"context_issue_next_review:{issue['ref']}"
    async with app.run_test(size=(140, 40)) as pilot:
        screen = app.screen
        assert await _settle(pilot, app, lambda: key in screen.items)
        table = screen.query_one(DataTable)
        table.move_cursor(row=table.get_row_index(key))
        await pilot.press("r")
        assert await _settle(pilot, app, lambda: isinstance(app.screen, ConfirmDialog))
        await pilot.press("y")
        assert await _settle(pilot, app, lambda: key not in screen.items and app.pending_writes == 0)
        said = [n.message for n in app._notifications]
    after = registers.show(db, "context_issue", issue["ref"])
    assert after["last_reviewed"] == TODAY and after["next_review"] > TODAY
    assert any(m.startswith(f"{issue['ref']} reviewed; next review {after['next_review']}") for m in said), said
    with db.read() as s:
        from aims_tui.core.audit import events
        assert events(s, entity_ref=issue["ref"], limit=1)[0]["action"] == "review"
