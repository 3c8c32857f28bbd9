"""Small helpers that turn data into Rich Text. User text is always literal."""

from __future__ import annotations

import os
from datetime import date
from typing import Any

from rich.text import Text

# Under NO_COLOR the terminal turns colours into greys, and a red word on a dark
# background becomes nearly invisible: drop the colour, keep the word (and bold).
NO_COLOR = bool(os.environ.get("NO_COLOR"))


def colour(name: str) -> str:
    return "" if NO_COLOR else name


STATE_STYLE = {"overdue": "bold " + colour("red"), "due_soon": colour("yellow"), "ok": "", "none": "dim"}


def lit(value: Any, style: str = "") -> Text:
    """Literal text: never parsed as markup."""
    if value is None:
        value = ""
    if isinstance(value, bool):
        value = "yes" if value else "no"
    if isinstance(value, date):
        value = value.isoformat()
    return Text(str(value).replace("\n", " "), style=style, no_wrap=True, overflow="ellipsis")


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
            out.append("" if v is None else (("yes" if v else "no") if isinstance(v, bool) else str(v)))
    return out
