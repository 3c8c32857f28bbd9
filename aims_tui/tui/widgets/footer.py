"""The footer of every aims screen: the keys of the screen on one line, drawn by one widget.

Textual's Footer is a scrolling container of one ``FooterKey`` widget per key, rebuilt after
each change of the screen's bindings (a focus moved, a screen resumed): each key composed,
styled by the stylesheet, laid out and drawn alone. At the register's first paint that was the
largest cost after the table (issue 15: the register with a one-line footer of the same text
drawn by one widget started 0.1-0.2x of a bare Textual app sooner; cProfile named
``FooterKey._watch_compact`` restyling every key twice per rebuild, and the rebuilds' mounts).

This footer draws the same line (the same characters in the same colours: the snapshot tests
hold it to Textual's) from the screen's ``active_bindings``, and draws it again when they
change; nothing is mounted. It draws the keys that fit on the line, in order, and always
``? Help`` (its list has every key of the screen): Textual's drew every key, the ones past
the edge cut off, and the register's never showed Help at 80 or 100 columns. In a dialog
(the app's ordinary keys do not reach it) or while a text box has the focus (it types ?),
Help is ``F1 Help``.
A click on a key presses it, as on Textual's.
"""

from __future__ import annotations

from typing import Any, NamedTuple

from rich.cells import cell_len
from rich.style import Style
from rich.text import Text
from textual import events
from textual.filter import dim_color
from textual.widget import Widget

HELP_ACTION = "help"  # its key is always shown: its list has every key of the screen


class Key(NamedTuple):
    key: str
    display: str
    description: str
    action: str
    enabled: bool


class AimsFooter(Widget, can_focus=False):
    ALLOW_SELECT = False
    COMPONENT_CLASSES = {"footer-key--key", "footer-key--description", "footer--item",
                         "footer--border"}
    # Textual 8.2's Footer and FooterKey, as one line: a key's letter bold in the key colour
    # with a space each side, its description and a space; the command palette's key on the
    # right after a thin border, unpadded, a space after it
    DEFAULT_CSS = """
    AimsFooter {
        dock: bottom;
        height: 1;
        width: 100%;
        color: $footer-foreground;
        background: $footer-background;
        text-wrap: nowrap;
        .footer-key--key {
            color: $footer-key-foreground;
            background: $footer-key-background;
            text-style: bold;
        }
        .footer-key--description {
            color: $footer-description-foreground;
            background: $footer-description-background;
        }
        .footer--item {
            background: $footer-item-background;
        }
        .footer--border {
            color: $foreground 20%;
        }
    }
    """

    def __init__(self, *, show_command_palette: bool = True, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.show_command_palette = show_command_palette
        self._ranges: list[tuple[int, int, Key]] = []  # where each key was drawn, for a click

    def on_mount(self) -> None:
        self.screen.bindings_updated_signal.subscribe(self, self._bindings_changed)

    def on_unmount(self) -> None:
        self.screen.bindings_updated_signal.unsubscribe(self)

    def _bindings_changed(self, _screen: Any) -> None:
        self.refresh()

    # -- what is drawn ------------------------------------------------------------------
    def _keys(self) -> tuple[list[Key], Key | None]:
        """The screen's keys shown in the footer (one per action, the first bound), and the
        command palette's."""
        app = self.app
        bindings = self.screen.active_bindings
        keys: dict[str, Key] = {}
        for _node, b, enabled, _tooltip in bindings.values():
            if b.show and b.action not in keys:
                keys[b.action] = Key(b.key, app.get_key_display(b), b.description, b.action, enabled)
        if HELP_ACTION not in keys and hasattr(app, f"action_{HELP_ACTION}"):
            # a dialog (the app's ? does not reach it), or a text box has the focus (it types ?): F1
            keys[HELP_ACTION] = Key("f1", "F1", "Help", HELP_ACTION, True)
        palette = None
        entry = bindings.get(app.COMMAND_PALETTE_BINDING)
        if entry is not None and self.show_command_palette and app.ENABLE_COMMAND_PALETTE:
            b = entry[1]
            palette = Key(b.key, app.get_key_display(b), b.description, b.action, entry[2])
        return list(keys.values()), palette

    @staticmethod
    def _width(k: Key) -> int:
        return cell_len(k.display) + 2 + (cell_len(k.description) + 1 if k.description else 0)

    @staticmethod
    def _palette_width(k: Key) -> int:
        # border, the key unpadded, a space and its description, a space
        return 1 + cell_len(k.display) + (1 + cell_len(k.description) if k.description else 0) + 1

    def fitting(self, keys: list[Key], width: int) -> list[Key]:
        """The keys drawn on a line ``width`` wide: in order until one does not fit; Help's always."""
        room = width - sum(self._width(k) for k in keys if k.action == HELP_ACTION)
        out: list[Key] = []
        for k in keys:
            if k.action == HELP_ACTION:
                continue
            w = self._width(k)
            if w > room:
                break
            out.append(k)
            room -= w
        return out + [k for k in keys if k.action == HELP_ACTION]

    def render(self) -> Text:
        width = self.size.width
        line = Text(no_wrap=True, overflow="crop", end="")
        self._ranges = []
        if not self.is_attached:
            return line
        try:
            keys, palette = self._keys()
        except Exception:  # noqa: BLE001 - a screen going away: nothing to draw
            return line
        key_style = self.get_component_rich_style("footer-key--key")
        description_style = self.get_component_rich_style("footer-key--description")
        item = self.get_component_rich_style("footer--item")
        # a key not offered here is dimmed, as Textual's FooterKey.-disabled: its colours blended
        # towards the background (Textual's own dim_color)
        background = item.bgcolor or self.rich_style.bgcolor
        dim_key, dim_description = key_style, description_style
        if background is not None and key_style.color is not None and description_style.color is not None:
            dim_key = key_style + Style(color=dim_color(background, key_style.color))
            dim_description = description_style + Style(color=dim_color(background, description_style.color))
        room = width - (self._palette_width(palette) if palette is not None else 0)
        for k in self.fitting(keys, room):
            piece = Text.assemble((f" {k.display} ", key_style if k.enabled else dim_key),
                                  (f"{k.description} ", description_style if k.enabled else dim_description)
                                  if k.description else "")
            piece.stylize_before(item)
            self._ranges.append((line.cell_len, line.cell_len + piece.cell_len, k))
            line.append_text(piece)
        if palette is not None:
            gap = room - line.cell_len
            if gap > 0:
                line.append(" " * gap)
            start = line.cell_len
            piece = Text.assemble(("▏", self.get_component_rich_style("footer--border")),
                                  (palette.display, key_style if palette.enabled else dim_key),
                                  (f" {palette.description}", description_style if palette.enabled else dim_description)
                                  if palette.description else "", " ")
            piece.stylize_before(item)
            self._ranges.append((start + 1, start + piece.cell_len, palette))
            line.append_text(piece)
        return line

    # -- a click on a key presses it ----------------------------------------------------------
    def on_click(self, event: events.Click) -> None:
        for start, end, k in self._ranges:
            if start <= event.x < end:
                if k.enabled:
                    self.app.simulate_key(k.key)
                else:
                    self.app.bell()
                return
