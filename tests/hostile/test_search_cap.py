"""Search input is capped on every face (issue 14: a 40 KB paste into the search
box took ~20 s and ~1 GB; `--search` with 120 KB took 51 s and 1.5 GB)."""

from __future__ import annotations

import json

from hypothesis import given
from hypothesis import strategies as st
from textual import events
from textual.widgets import Input
from typer.testing import CliRunner

from aims_tui.cli import app as cli_app
from aims_tui.core import queries, search
from aims_tui.core.search import MAX_SEARCH_CHARS
from aims_tui.core.services import risks

from ..conftest import EDITOR
from ..tui.helpers import goto, make_app, notes, settle

PASTE = "model drift data " * 2400  # ~40 KB of words that match


@given(st.text(min_size=0, max_size=3 * MAX_SEARCH_CHARS))
def test_what_the_search_uses_never_exceeds_the_cap(text):
    """However long the input, the phrases come from its first MAX_SEARCH_CHARS characters."""
    used = search.phrases(text)
    assert used == search.phrases(text[:MAX_SEARCH_CHARS])
    assert (search.cap_message(text) is None) == (len(text) <= MAX_SEARCH_CHARS)


def test_a_40_kb_search_is_cut_and_finds_what_its_start_finds(db):
    """Every path (FTS5, the LIKE fallback, counting) sees the capped text."""
    risks.create_risk(db, EDITOR, {"title": "Model drift data", "inherent_likelihood": 2, "inherent_impact": 2})
    risks.create_risk(db, EDITOR, {"title": "Unrelated", "inherent_likelihood": 2, "inherent_impact": 2})
    assert len(search.match_query(PASTE)) < 2 * MAX_SEARCH_CHARS
    long = queries.risk_page(db, queries.RiskFilter(search=PASTE), limit=10)
    assert [r["title"] for r in long.rows] == ["Model drift data"]
    for fts in (True, False):
        with db.read() as s:
            cond = search.risk_condition(s, PASTE, fts=fts)
            assert len(str(cond.compile(compile_kwargs={"literal_binds": True}))) < 40 * MAX_SEARCH_CHARS
    assert "40,800" in search.cap_message(PASTE)


def test_the_cli_says_that_a_long_search_was_cut(db, monkeypatch):
    monkeypatch.setattr("aims_tui.core.identity.os_login", lambda: EDITOR)
    risks.create_risk(db, EDITOR, {"title": "Model drift", "inherent_likelihood": 2, "inherent_impact": 2})
    r = CliRunner().invoke(cli_app, ["risks", "list", "--db", str(db.path), "--search", "model " * 20_000,
                                     "-f", "json"])
    assert r.exit_code == 0, r.output
    assert f"--search: search text cut to its first {MAX_SEARCH_CHARS} characters (it had 120,000)" in r.stderr
    assert [x["title"] for x in json.loads(r.stdout)] == ["Model drift"]


async def test_a_40_kb_paste_into_the_register_search_box_is_cut_with_a_message(db):
    """The paste lands, the box keeps its first MAX_SEARCH_CHARS characters, a message says so."""
    risks.create_risk(db, EDITOR, {"title": "Model drift data", "inherent_likelihood": 2, "inherent_impact": 2})
    app = make_app(db, EDITOR)
    async with app.run_test(size=(120, 30)) as pilot:
        await settle(pilot)
        await goto(pilot, "2")
        await pilot.press("slash")
        box = app.screen.query_one("#search", Input)
        box.post_message(events.Paste(PASTE))
        await pilot.pause(0.3)
        await settle(pilot)
        assert len(box.value) == MAX_SEARCH_CHARS and PASTE.startswith(box.value)
        assert any("search text cut to its first" in n for n in notes(app))
        assert app.screen.filter.search == box.value
