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

from rich.cells import cell_len
from textual import events
from textual.app import ComposeResult
from textual.widgets import Footer
from textual.widgets._footer import FooterKey


HELP_ACTION = "help"  # its key is always shown: its list has every key of the screen


class AimsFooter(Footer):
    """Textual's Footer, drawing only the keys that fit on its line, with ``? Help`` always
    among them (it was cut off the register's footer at 100 columns, after eight keys), and
    composed again only when what it shows changes."""

    _drawn: Any = None

    def _keys(self) -> Any:
        """What compose would draw: each shown binding, enabled or not, with its tooltip,
        and which of them fit."""
        if not self._bindings_ready or not self.is_attached:
            return None
        app = self.app
        shown = tuple((b.key, app.get_key_display(b), b.description, b.action, id(b.group), enabled, tooltip)
                      for (_node, b, enabled, tooltip) in self.screen.active_bindings.values() if b.show)
        entry = self.screen.active_bindings.get(app.COMMAND_PALETTE_BINDING)
        palette = None if entry is None else (entry[1].key, entry[1].description, entry[2], entry[1].tooltip)
        fits = self._fitting(shown, palette)
        return shown, palette, self.compact, self.show_command_palette, app.ENABLE_COMMAND_PALETTE, fits

    def _fitting(self, shown: tuple, palette: tuple | None) -> frozenset[str] | None:
        """The actions whose keys fit on the line (None: all), in order until one does not
        fit, and Help's. A key drawn past the edge was composed, styled and laid out for nothing
        (issue 15: the register's footer composed 19 keys and showed 8)."""
        if any(group != id(None) for _k, _d, _desc, _a, group, _e, _t in shown):
            return None  # binding groups draw otherwise: every key, as Textual does
        width = self.app.size.width

        def key_width(display: str, description: str, compact: bool) -> int:
            if compact:  # key unpadded, description padded left, a margin after the key
                return cell_len(display) + (cell_len(description) + 1 if description else 0) + 1
            return cell_len(display) + 2 + (cell_len(description) + 1 if description else 0)

        room = width
        if palette is not None and self.show_command_palette and self.app.ENABLE_COMMAND_PALETTE:
            room -= key_width(self.app.get_key_display(self.screen.active_bindings[self.app.COMMAND_PALETTE_BINDING][1]),
                              palette[1], True) + 1  # its left border; its right padding is the margin
        widths: dict[str, int] = {}
        for _key, display, description, action, _g, _e, _t in shown:
            widths.setdefault(action, key_width(display, description, self.compact))
        room -= widths.get(HELP_ACTION, 0)
        keep = {HELP_ACTION} & widths.keys()
        for action, w in widths.items():
            if action == HELP_ACTION:
                continue
            if w > room:
                break
            keep.add(action)
            room -= w
        return frozenset(keep) if len(keep) < len(widths) else None

    def compose(self) -> ComposeResult:
        self._drawn = self._keys()
        fits = self._drawn[-1] if self._drawn is not None else None
        for widget in super().compose():
            if isinstance(widget, FooterKey):
                if fits is not None and not widget.has_class("-command-palette") and widget.action not in fits:
                    continue  # past the edge of the line
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

    def on_resize(self, event: events.Resize) -> None:
        """A wider or narrower terminal: the keys that fit change."""
        if self._drawn is not None and self._keys() != self._drawn:
            self.call_after_refresh(self.recompose)
