"""The header of every aims screen: Textual's Header, safe when its screen is
switched away before the header has set its title.

Textual 8.2's Header sets its title from watchers that run after it mounts and
catch only NoScreen; a screen switched away at once (a screen key typed while
the app was starting, over a slow SSH link) had its children removed first, so
the title's widget was gone and the app stopped with a traceback (NoMatches).
Same watchers, one more exception caught.
"""

from __future__ import annotations

from textual.css.query import NoMatches
from textual.dom import NoScreen
from textual.events import Mount
from textual.widgets import Header
from textual.widgets._header import HeaderTitle


class AimsHeader(Header):
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
