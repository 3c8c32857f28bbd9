"""Someone else saved first: show both values whole, who saved and when, and which
fields each side changed; then reload or overwrite knowingly."""

from __future__ import annotations

from typing import Any

from rich.console import Group
from rich.padding import Padding
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Static

from ...core import audit
from ...core.text import visible
from ..base import DbMixin

NOT_SHOWN = object()


def _text(v: Any) -> str:
    if v is NOT_SHOWN:
        return "(not shown)"
    if isinstance(v, (list, tuple)):
        v = ", ".join(str(x) for x in v)
    return "(empty)" if v in (None, "") else visible(str(v), keep_newlines=True)  # typed text: shown, never obeyed


def _same(a: Any, b: Any) -> bool:
    return _text(a) == _text(b)


class ConflictDialog(DbMixin, ModalScreen[str]):
    """Returns "reload", "overwrite" or "cancel".

    ``mine``: the values the user wants to save (field -> value); ``theirs``: the
    record as saved now. Optional ``base`` (the values the user started from) lets
    the dialog name the fields each side changed; ``entity_ref`` (and ``entity``)
    let it read who saved last and when from the audit trail, in a worker.
    """

    BINDINGS = [Binding("escape", "choose('cancel')", "Cancel"), Binding("r", "choose('reload')", "Reload"),
                Binding("o", "choose('overwrite')", "Overwrite")]

    def __init__(self, what: str, mine: dict[str, Any], theirs: dict[str, Any], their_version: Any, *,
                 base: dict[str, Any] | None = None, entity_ref: str | None = None,
                 entity: str | None = None) -> None:
        super().__init__()
        self.what, self.mine, self.theirs, self.their_version = what, mine, theirs, their_version
        if entity_ref is None and what.split() and any(c.isdigit() for c in what.split()[-1]):
            entity_ref = what.split()[-1]  # "Risk R-0001", "AI system AIS-002": the record's ref
        self.base, self.entity_ref, self.entity = base, entity_ref, entity
        self.event: dict[str, Any] | None = None

    def their_value(self, k: str) -> Any:
        if k in self.theirs:
            return self.theirs[k]
        return self.theirs.get(f"{k}_ref", NOT_SHOWN)

    def fields_they_changed(self) -> list[str]:
        """From the values the user started from, else from the audit event."""
        if self.base is not None:
            keys = list(dict.fromkeys(list(self.base) + list(self.mine)))
            return [k for k in keys if k in self.base and not _same(self.base[k], self.their_value(k))]
        if self.event:
            return list((self.event.get("changes") or {}).keys())
        return []

    def fields_i_changed(self) -> list[str]:
        if self.base is not None:
            return [k for k, v in self.mine.items() if not _same(v, self.base.get(k))]
        return list(self.mine)

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog conflict"):
            yield Static(Text(f"{self.what} was changed by someone else (now version {self.their_version})",
                              style="bold"), classes="dialog-title", id="conflict-title")
            yield Static(Text("who: reading the audit trail..."), id="conflict-who")
            yield Static(self._changed_text(), id="conflict-changed")
            with VerticalScroll(id="conflict-values"):
                yield Static(self._values_text(), id="conflict-body")
            yield Static("r Reload: drop your changes and show theirs.  o Overwrite: save yours over theirs.",
                         markup=False, classes="hint")
            with Horizontal(classes="buttons"):
                yield Button("Reload", id="reload", variant="primary", compact=True)
                yield Button("Overwrite", id="overwrite", variant="error", compact=True)
                yield Button("Cancel", id="cancel", compact=True)

    def _changed_text(self) -> Text:
        mine = ", ".join(self.fields_i_changed()) or "nothing"
        theirs = self.fields_they_changed()
        t = Text()
        t.append("You changed: ", style="bold")
        t.append(mine)
        t.append("\nThey changed: ", style="bold")
        t.append(", ".join(theirs) if theirs else ("see below" if self.base is None and not self.event else "nothing"))
        return t

    def _values_text(self) -> Group:
        """Each field: yours, then theirs, each whole and wrapped to the dialog's width."""
        parts: list = []
        for k, v in self.mine.items():
            theirs = self.their_value(k)
            head = Text(k, style="bold underline")
            if _same(v, theirs):
                head.append("  (the same on both sides)", style="italic")
            parts.append(head)
            parts.append(Text("  yours (not saved):", style="bold"))
            parts.append(Padding(Text(_text(v)), (0, 0, 0, 4)))
            parts.append(Text("  theirs (saved):", style="bold"))
            parts.append(Padding(Text(_text(theirs)), (0, 0, 0, 4)))
        return Group(*parts)

    def on_resize(self) -> None:
        """The values scroll; the title, who, what changed and the buttons stay in view."""
        fixed = sum(w.outer_size.height for w in self.query(".dialog > Static")) or 12
        self.query_one("#conflict-values").styles.max_height = max(3, self.size.height - fixed - 5)

    def on_mount(self) -> None:
        self.query_one("#cancel", Button).focus()
        self.call_after_refresh(self.on_resize)
        ref = self.entity_ref
        if not ref:
            self.query_one("#conflict-who", Static).update(Text("who: not known"))
            return
        database, entity = self.aims.database, self.entity

        def read() -> dict[str, Any] | None:
            with database.read() as s:
                for ev in audit.events(s, entity_ref=ref, limit=20):
                    if entity is None or ev["entity"] == entity:
                        return ev
            return None

        self.db_work(read, self._show_event, group="conflict-event")

    def _show_event(self, ev: dict[str, Any] | None) -> None:
        self.event = ev
        who = self.query_one("#conflict-who", Static)
        if ev is None:
            who.update(Text("who: no record of it in the audit trail"))
            return
        at = ev["at"]
        when = at.strftime("%Y-%m-%d %H:%M UTC") if hasattr(at, "strftime") else str(at)
        t = Text("Saved by ", style="bold")
        t.append(str(ev["actor"]))
        t.append(f" at {when} ({ev['action']})")
        who.update(t)
        self.query_one("#conflict-changed", Static).update(self._changed_text())
        self.call_after_refresh(self.on_resize)

    def on_button_pressed(self, event: Button.Pressed) -> None:
        self.dismiss(event.button.id or "cancel")

    def action_choose(self, what: str) -> None:
        self.dismiss(what)
