"""Snapshots of the app as of a past day (the banner on the register) and of the changes since the
last management review, at 80x24 and 100x30 (issue 19), on the known history of history_story.py
(the tests' date). Each was looked at by a person."""

from __future__ import annotations

import pytest

from .test_editor_snapshots import _app, _keys

SIZES = [(80, 24), (100, 30)]
AS_OF_MR = ("2", "D", *"2026-03-31", "enter")  # the register, then the day of the last review


@pytest.mark.parametrize("size,no_color", [((80, 24), False), ((100, 30), True)])
def test_the_register_as_of_the_last_review_with_its_banner(story, snap_compare, monkeypatch, size, no_color):
    """R-0001 with its March scores, R-0002 still open, no R-0003; the banner under the title."""
    assert snap_compare(_app(story, monkeypatch, no_color), terminal_size=size, run_before=_keys(*AS_OF_MR))


@pytest.mark.parametrize("size", SIZES)
def test_the_changes_since_the_last_review(story, snap_compare, monkeypatch, size):
    """Added, closed, rescored (before and after) and accepted, each with its ref and day."""
    assert snap_compare(_app(story, monkeypatch, False), terminal_size=size, run_before=_keys("C"))


def test_the_date_dialog_refusing_a_future_date(story, snap_compare, monkeypatch):
    """The field named in the message, the date kept to correct."""
    assert snap_compare(_app(story, monkeypatch, False), terminal_size=(80, 24),
                        run_before=_keys("D", *"2026-07-01", "enter"))
