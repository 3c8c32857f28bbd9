"""Textual's Footer, composed again only when what it shows changes (issue 15).

Textual's Footer rebuilds every key of the footer after each change of the screen's
bindings (a focus moved, a screen resumed), even when the keys shown are the same:
at the register's first paint that was ~150 ms of CPU (cProfile: FooterKey's
``_watch_compact`` restyling each key twice, per rebuild), half of a bare Textual
app's whole run. This footer remembers what it drew and skips a rebuild that would
draw the same keys.
"""

from __future__ import annotations

from typing import Any

from textual.app import ComposeResult
from textual.widgets import Footer
from textual.widgets._footer import FooterKey


class AimsFooter(Footer):
    _drawn: Any = None

    def _keys(self) -> Any:
        """What compose would draw: each shown binding, enabled or not, with its tooltip."""
        if not self._bindings_ready or not self.is_attached:
            return None
        app = self.app
        shown = tuple((b.key, app.get_key_display(b), b.description, b.action, id(b.group), enabled, tooltip)
                      for (_node, b, enabled, tooltip) in self.screen.active_bindings.values() if b.show)
        entry = self.screen.active_bindings.get(app.COMMAND_PALETTE_BINDING)
        palette = None if entry is None else (entry[1].key, entry[1].description, entry[2], entry[1].tooltip)
        return shown, palette, self.compact, self.show_command_palette, app.ENABLE_COMMAND_PALETTE

    def compose(self) -> ComposeResult:
        self._drawn = self._keys()
        for widget in super().compose():
            if isinstance(widget, FooterKey):
                # born with the footer's style: a key's own ``compact`` starts True and is bound
                # to the footer's (False), so each key was restyled twice as it mounted, a
                # stylesheet pass each time (the class added, then taken away)
                # (the command palette's key is not bound: it keeps its own True)
                compact = widget.compact if widget.has_class("-command-palette") else self.compact
                widget.set_reactive(FooterKey.compact, compact)
                widget.set_class(compact, "-compact", update=False)
            yield widget

    async def recompose(self) -> None:
        if self._drawn is not None and self._keys() == self._drawn:
            return
        await super().recompose()
