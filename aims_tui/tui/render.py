"""Small helpers that turn data into Rich Text. User text is always literal.

Literal twice over: never parsed as markup, and never obeyed by the terminal
(control and bidi characters are shown as visible escapes, core.text.visible).
Every widget that shows text from users or files builds it here.
"""

from __future__ import annotations

import os
from datetime import date
from typing import Any

from rich.text import Text

from ..core.text import visible

# Under NO_COLOR the terminal turns colours into greys, and a red word on a dark
# background becomes nearly invisible: drop the colour, keep the word (and bold).
NO_COLOR = bool(os.environ.get("NO_COLOR"))


def colour(name: str) -> str:
    return "" if NO_COLOR else name


STATE_STYLE = {"overdue": "bold " + colour("red"), "due_soon": colour("yellow"), "ok": "", "none": "dim"}


def use_colour(no_color: bool) -> None:
    """Set whether the app's own styles carry colour. The app calls it as it starts, from
    NO_COLOR as it was then (Textual removes NO_COLOR from the environment when an app is
    made, so a value read at import could belong to an earlier app in the same process)."""
    global NO_COLOR
    NO_COLOR = no_color
    STATE_STYLE.update({"overdue": "bold " + colour("red"), "due_soon": colour("yellow")})


def lit(value: Any, style: str = "") -> Text:
    """Literal text on one line (a cell): never parsed as markup, never obeyed
    by the terminal; a newline shows as a space."""
    if value is None:
        value = ""
    if isinstance(value, bool):
        value = "yes" if value else "no"
    if isinstance(value, date):
        value = value.isoformat()
    return Text(visible(str(value).replace("\r\n", " ").replace("\n", " ")), style=style, no_wrap=True,
                overflow="ellipsis")


def lines(value: Any, style: str = "") -> Text:
    """Literal text that may take several lines (a description, a message):
    newlines stay newlines, nothing else a terminal would obey gets through."""
    return Text(visible("" if value is None else value, keep_newlines=True), style=style)


def colour_of(name: str) -> str:
    return "" if NO_COLOR else (name or "")


def level(name: str, colour: str, score: int | None = None) -> Text:
    """A risk level: its word, and its colour as a second cue (never colour alone)."""
    label = f"{name} {score}" if score is not None else name
    return Text(label, style=f"bold {colour_of(colour)}".strip(), no_wrap=True)


def due(d: date | None, state: str, today: date) -> Text:
    """A due date said in words when it matters: 'late 12d', 'in 5d', else the date."""
    if d is None:
        return Text("-", style="dim")
    if state == "overdue":
        return Text(f"late {(today - d).days}d", style=STATE_STYLE["overdue"])
    if state == "due_soon":
        days = (d - today).days
        return Text("today" if days == 0 else f"in {days}d", style=STATE_STYLE["due_soon"])
    return Text(d.isoformat())


def kv(rows: list[tuple[str, Any]], width: int = 18) -> Text:
    """Label: value lines, values literal."""
    out = Text()
    for i, (k, v) in enumerate(rows):
        if i:
            out.append("\n")
        out.append(f"{k:<{width}}", style="bold")
        if isinstance(v, Text):
            out.append_text(v)
        else:
            out.append(visible("" if v is None else (("yes" if v else "no") if isinstance(v, bool) else str(v)),
                               keep_newlines=True))
    return out
