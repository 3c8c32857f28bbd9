"""The header of every aims screen: Textual's Header, safe when its screen is
switched away before the header has set its title.

Textual 8.2's Header sets its title from watchers that run after it mounts and
catch only NoScreen; a screen switched away at once (a screen key typed while
the app was starting, over a slow SSH link) had its children removed first, so
the title's widget was gone and the app stopped with a traceback (NoMatches).
Same watchers, one more exception caught.

While the app shows the register as of a past day (key D, issue 19) the header
grows a second line, a banner saying so on every screen: which day, read only,
and how to return to today (a screen that shows today's records says that too).
"""

from __future__ import annotations

from datetime import date

from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.css.query import NoMatches
from textual.dom import NoScreen
from textual.events import Mount
from textual.widgets import Header, Static
from textual.widgets._header import HeaderTitle


def as_of_banner(day: date, shows_as_of: bool, key: str = "D") -> str:
    """The banner's words (the same with and without colour)."""
    if shows_as_of:
        return f"Viewing the register as of {day.isoformat()} · read only · {key}, Escape: back to today"
    return f"As of {day.isoformat()} (this screen shows today) · read only · {key}, Escape: today"


class AimsHeader(Header):
    DEFAULT_CSS = """
    AimsHeader { layout: vertical; }
    AimsHeader > #aims-header-row { height: 1; width: 100%; }
    AimsHeader > #as-of-banner { width: 100%; height: 1; display: none;
                                 background: $warning; color: $background; text-style: bold;
                                 text-wrap: nowrap; text-overflow: ellipsis; padding: 0 1; }
    AimsHeader.-as-of { height: 2; }
    AimsHeader.-as-of > #as-of-banner { display: block; }
    """

    def compose(self) -> ComposeResult:
        with Horizontal(id="aims-header-row"):  # Header's own row: icon, title, clock space
            yield from super().compose()
        yield Static("", id="as-of-banner", markup=False)

    def _on_mount(self, event: Mount) -> None:
        event.prevent_default()  # instead of Header._on_mount, not as well

        async def set_title() -> None:
            try:
                self.query_one(HeaderTitle).update(self.format_title())
            except (NoScreen, NoMatches):  # NoMatches: the screen is going away
                pass

        self.watch(self.app, "title", set_title)
        self.watch(self.app, "sub_title", set_title)
        self.watch(self.screen, "title", set_title)
        self.watch(self.screen, "sub_title", set_title)
        if hasattr(self.app, "as_of"):
            self.watch(self.app, "as_of", self._show_as_of)

    def _show_as_of(self, day: date | None) -> None:
        try:
            shows = bool(getattr(self.screen, "SHOWS_AS_OF", False))
            banner = self.query_one("#as-of-banner", Static)
        except (NoScreen, NoMatches):
            return
        if day is not None:
            banner.update(as_of_banner(day, shows, getattr(self.app, "AS_OF_KEY", "D")))
        self.set_class(day is not None, "-as-of")
