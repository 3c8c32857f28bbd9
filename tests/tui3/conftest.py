"""Fixtures of the app's tests (tests/tui3)."""

from .history_story import story  # noqa: F401 - a known history for the app as of a past day (issue 19)
