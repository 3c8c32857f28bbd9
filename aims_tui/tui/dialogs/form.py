"""A form that runs its own save and stays open until the save has landed.

The old prompt dialog closed first and saved afterwards, so any refusal (a date
typed as 2027/06/30, a missing justification, a conflict) lost what was typed.
Here the dialog is the one that writes (``db_write``):

- a refusal keeps the dialog open with the text as typed, names the field by its
  label (not ``expires_on``) and marks its input;
- while the save is pending the dialog says "saving..." and every key typed is
  kept; if the user typed more meanwhile, the dialog stays open after the save
  (now editing the saved record) instead of dropping it;
- only a save that landed closes it, and the app says the message;
- fixed sets of values are chosen from a list (``Select``), dates are checked in
  place as typed, with the parser the service uses.
"""

from __future__ import annotations

from dataclasses import dataclass, field as dc_field
from typing import Any, Callable

from rich.text import Text
from textual import events
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widget import Widget
from textual.widgets import Button, Input, Label, Select, Static, TextArea

from ...core.errors import AimsError, Conflict, ValidationError
from ...core.fields import F
from ...core.services._base import clean
from ..base import DbMixin
from ..widgets.form_keys import type_stray_key
from ..widgets.typed import TypedInput
from ..widgets.typed_area import TypedTextArea
from ..widgets.footer import AimsFooter
from .conflict import ConflictDialog
from .confirm import ConfirmDialog

DATE = F("date")


@dataclass
class Field:
    """One input of a form.

    ``kind``: "text" (one line), "long" (a few wrapped lines), "choice" (from
    ``choices``, a list of (label, value)), "date" (checked as typed).
    ``aliases``: other names the service may use for it in an error (e.g. "system_id").
    """

    key: str
    label: str
    kind: str = "text"
    initial: Any = ""
    placeholder: str = ""
    choices: list[tuple[str, Any]] = dc_field(default_factory=list)
    blank: str | None = None  # a choice may be left empty; this is how the empty choice reads
    aliases: tuple[str, ...] = ()
    options_from: str | None = None  # choices read by the dialog's ``lists`` loader (e.g. "systems")


class FormDialog(DbMixin, ModalScreen[Any]):
    """Fields in, one save out. ``save(values, state)`` runs off the UI thread and
    returns the saved record; ``state`` holds what the save needs across tries:
    ``ref`` and ``version`` of the record (none yet for a new one), ``baseline``
    (the values last saved or first shown). After a landed save the dialog sets
    ``state['ref']`` (from ``ref_key`` of the result), ``state['version']`` and
    ``state['baseline']``, so the same ``save`` turns into an update.

    ``landed(result)`` runs on the UI thread after each landed save (undo, refresh).
    ``again``: whether the same save may run again for more typing (False for
    one-shot actions like an acceptance: then the dialog closes, saying so).
    """

    BINDINGS = [Binding("escape", "cancel", "Cancel"), Binding("ctrl+s", "save", "Save"),
                # priority: focus moves when Tab is read, so the keys typed right after it reach
                # the next field (else they went to the old one while Tab bubbled up to the screen)
                Binding("tab", "app.focus_next", "Next field", show=False, priority=True),
                Binding("shift+tab", "app.focus_previous", "Previous field", show=False, priority=True)]

    def __init__(self, title: str, fields: list[Field], save: Callable[[dict, dict], Any], *,
                 ok: str = "Save", explain: str = "", message: str | Callable[[Any], str] | None = None,
                 state: dict | None = None, ref_key: str = "ref", what: str = "record",
                 landed: Callable[[Any], None] | None = None, again: bool = True,
                 check: Callable[[dict], list[tuple[str, str]]] | None = None,
                 lists: Callable[[], dict[str, list[tuple[str, Any]]]] | None = None) -> None:
        super().__init__()
        self.lists_fn = lists
        # lists (AI systems, users) are read after the dialog opens, so that keys typed at
        # once land in the first field instead of the screen below; until then a list
        # field keeps its current value
        self.pending_lists = {f.key for f in fields if f.options_from} if lists else set()
        self.title_text, self.fields, self.save_fn, self.ok_label = title, fields, save, ok
        self.explain, self.message, self.ref_key, self.what = explain, message, ref_key, what
        self.landed_fn, self.again, self.check = landed, again, check
        self.state: dict = dict(state or {})
        self.initial = {f.key: self._normal(f, f.initial) for f in fields}
        self.state.setdefault("baseline", dict(self.initial))
        self.saving = False
        self.submitted: dict | None = None
        self.by_name = {f.key: f for f in fields}
        for f in fields:
            for a in f.aliases:
                self.by_name[a] = f

    # -- building ---------------------------------------------------------------------
    @staticmethod
    def _normal(f: Field, v: Any) -> Any:
        if f.kind == "choice":
            return "" if v is None else v
        return "" if v is None else str(v)

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog form"):
            yield Static(Text(self.title_text, style="bold"), classes="dialog-title")
            if self.explain:
                yield Static(self.explain, markup=False, classes="dialog-text")
            with VerticalScroll(id="form-fields"):
                for f in self.fields:
                    with Horizontal(classes="field long" if f.kind == "long" else "field"):
                        yield Label(f.label, classes="field-label", markup=False, id=f"l-{f.key}")
                        yield self._widget(f)
                    if f.kind == "date":
                        hint = Static("", id=f"hint-{f.key}", markup=False, classes="field-hint")
                        hint.display = False
                        yield hint
            status = Static("", id="form-status", markup=False, classes="error")
            status.display = False
            yield status
            with Horizontal(classes="buttons"):
                yield Button(self.ok_label, id="ok", variant="primary", compact=True)
                yield Button("Cancel", id="cancel", compact=True)
        yield AimsFooter()

    def _widget(self, f: Field):
        wid = f"f-{f.key}"
        v = self.initial[f.key]
        if f.kind == "choice":
            options = [(label, value) for label, value in f.choices]
            if f.key in self.pending_lists:
                return Select([], prompt="reading the list...", allow_blank=True, id=wid, compact=True)
            if f.blank is not None:
                return Select(options, value=v if v not in (None, "") else Select.NULL, prompt=f.blank,
                              allow_blank=True, id=wid, compact=True)
            return Select(options, value=v if any(v == o for _, o in options) else options[0][1],
                          allow_blank=False, id=wid, compact=True)
        if f.kind == "long":
            area = TypedTextArea(v, id=wid, soft_wrap=True, compact=True, show_line_numbers=False,
                            tab_behavior="focus", placeholder=f.placeholder)
            return area
        return TypedInput(v, placeholder=f.placeholder or ("YYYY-MM-DD" if f.kind == "date" else ""), id=wid,
                     compact=True, select_on_focus=False, classes="date-input" if f.kind == "date" else "")

    def on_resize(self) -> None:
        """The fields scroll; everything else (title, message, buttons, footer) stays in view."""
        status = self.query_one("#form-status", Static)
        lines = min(4, len(str(status.render()).splitlines())) + 1 if status.display else 0
        explain = len(self.query(".dialog-text")) and 2
        hints = sum(1 for h in self.query(".field-hint") if h.display)
        # borders 2, title 2, buttons 2, footer 1, one spare
        self.query_one("#form-fields").styles.max_height = max(3, self.size.height - 8 - lines - explain - hints)

    def on_mount(self) -> None:
        first = self.fields[0].key if self.fields else None
        if first:
            self.query_one(f"#f-{first}").focus()
        if self.pending_lists and self.lists_fn is not None:
            self.db_work(self.lists_fn, self._lists_read, group="form-lists")

    def _lists_read(self, lists: dict[str, list[tuple[str, Any]]]) -> None:
        for f in self.fields:
            if f.key not in self.pending_lists:
                continue
            options = list(lists.get(f.options_from or "", []))
            v = self.initial[f.key]
            if v not in (None, "") and all(o != v for _, o in options):
                options.append((f"{v} (not in the list)", v))
            sel = self.query_one(f"#f-{f.key}", Select)
            sel.set_options(options)
            sel.prompt = f.blank or "(choose one)"
            sel.value = v if v not in (None, "") else Select.NULL
        self.pending_lists = set()

    def on_key(self, event: events.Key) -> None:
        """Keys typed while the dialog was opening reach the dialog itself (nothing had focus
        yet): they go into the focused field, or the first one, not nowhere."""
        def first() -> Widget | None:
            field = next((f for f in self.fields if f.kind != "choice"), None)
            return None if field is None else self.query_one(f"#f-{field.key}")

        type_stray_key(event, self.focused, first)

    # -- values -----------------------------------------------------------------------
    def value_of(self, f: Field) -> Any:
        if f.key in self.pending_lists:
            return self.initial[f.key]
        w = self.query_one(f"#f-{f.key}")
        if isinstance(w, Select):
            v = w.value
            return "" if v is Select.NULL or v is Select.BLANK else v
        if isinstance(w, TextArea):
            return w.text
        return w.value  # type: ignore[attr-defined]

    def values(self) -> dict[str, Any]:
        return {f.key: self.value_of(f) for f in self.fields}

    def set_values(self, values: dict[str, Any]) -> None:
        for f in self.fields:
            if f.key not in values:
                continue
            w = self.query_one(f"#f-{f.key}")
            v = self._normal(f, values[f.key])
            if isinstance(w, Select):
                w.value = v if v not in (None, "") else Select.NULL
            elif isinstance(w, TextArea):
                w.text = v
            else:
                w.value = v  # type: ignore[attr-defined]

    # -- checking in place ----------------------------------------------------------------
    def _date_problem(self, f: Field, text: str) -> str | None:
        try:
            clean({f.key: DATE}, {f.key: text}, partial=True)
        except ValidationError as exc:
            return exc.message
        return None

    def local_problems(self, values: dict[str, Any]) -> list[tuple[str, str]]:
        out = []
        for f in self.fields:
            if f.kind == "date" and values[f.key].strip():
                p = self._date_problem(f, values[f.key])
                if p:
                    out.append((f.key, p))
        if self.check:
            out += self.check(values)
        return out

    def on_input_changed(self, event: Input.Changed) -> None:
        key = (event.input.id or "")[2:]
        f = self.by_name.get(key)
        if f is not None:
            self.mark(f, False)
        if f is None or f.kind != "date":
            return
        hint = self.query_one(f"#hint-{f.key}", Static)
        problem = self._date_problem(f, event.value) if event.value.strip() else None
        hint.update(f"{f.label}: {problem}" if problem else "")
        hint.display = bool(problem)
        self.on_resize()
        self.mark(f, bool(problem))

    def on_input_submitted(self, event: Input.Submitted) -> None:
        """Enter in a one-line field saves, as ctrl+s does (and as the management forms do);
        in a multi-line field (a text area) Enter starts a new line."""
        event.stop()
        self.action_save()

    def on_text_area_changed(self, event: TextArea.Changed) -> None:
        f = self.by_name.get((event.text_area.id or "")[2:])
        if f is not None:
            self.mark(f, False)

    def on_select_changed(self, event: Select.Changed) -> None:
        f = self.by_name.get((event.select.id or "")[2:])
        if f is not None:
            self.mark(f, False)

    def mark(self, f: Field, bad: bool) -> None:
        """An input refused: marked in colour and, for NO_COLOR, with "!" before its label.
        Once the user has changed every field named, the refusal message goes too."""
        widget = self.query_one(f"#f-{f.key}")
        was = widget.has_class("invalid")
        widget.set_class(bad, "invalid")
        label = self.query_one(f"#l-{f.key}", Label)
        label.update(Text(f"! {f.label}" if bad else f.label))
        label.set_class(bad, "invalid")
        if was and not bad and not self.saving and not self.query("#form-fields .invalid"):
            self.status("")

    # -- saving -------------------------------------------------------------------------
    def label_of(self, name: str) -> str:
        f = self.by_name.get(name)
        return f.label if f else name.replace("_", " ")

    def show_problems(self, problems: list[tuple[str, str]]) -> None:
        lines = []
        first = None
        for name, message in problems:
            lines.append(f"{self.label_of(name)}: {message}")
            f = self.by_name.get(name)
            if f is not None:
                self.mark(f, True)
                first = first or f
        self.status("\n".join(lines), error=True)
        if first is not None:
            self.query_one(f"#f-{first.key}").focus()

    def status(self, text: str, *, error: bool = False) -> None:
        s = self.query_one("#form-status", Static)
        s.update(text)
        s.set_class(not error, "saving")
        s.display = bool(text)
        self.on_resize()

    def action_save(self) -> None:
        if self.saving:
            self.status("saving... (the dialog closes when the save has landed)")
            return
        values = self.values()
        problems = self.local_problems(values)
        if problems:
            self.show_problems(problems)
            return
        for f in self.fields:
            self.mark(f, False)
        self.saving = True
        self.submitted = values
        self.status("saving...")
        save, state = self.save_fn, self.state
        # saving again what was typed after a new record landed: it is an update of that record
        message = f"{state['ref']} saved" if state.get("created_here") else self.message
        self.db_write(lambda: save(values, state), self._landed, failed=self._failed, message=message)

    def _landed(self, result: Any) -> None:
        self.saving = False
        submitted = self.submitted or {}
        if isinstance(result, dict):
            if self.state.get("ref") is None and result.get(self.ref_key) is not None:
                self.state["ref"] = result.get(self.ref_key)
                self.state["created_here"] = True
            if "version" in result:
                self.state["version"] = result["version"]
        self.state["baseline"] = dict(submitted)
        if self.landed_fn is not None:
            self.landed_fn(result)
        if self.values() != submitted:
            if self.again:
                self.status("saved; you typed more since: ctrl+s saves that too, Escape drops it")
                return
            self.status("saved; what you typed since was not saved (Escape closes)", error=True)
            return
        self.dismiss(result)

    def _failed(self, err: AimsError) -> bool:
        self.saving = False
        if isinstance(err, ValidationError):
            self.show_problems(err.errors)
            return True
        if isinstance(err, Conflict):
            self._conflict(err)
            return True
        self.status(str(err), error=True)
        return True

    def _conflict(self, err: Conflict) -> None:
        mine = {f.label: v for f in self.fields
                if (v := (self.submitted or {}).get(f.key)) != self.state["baseline"].get(f.key)}
        theirs = {f.label: err.current.get(f.key, err.current.get(f"{f.key}_ref")) for f in self.fields}
        base = {f.label: self.state["baseline"].get(f.key) for f in self.fields}
        self.status(f"not saved: {err}", error=True)

        def chosen(what: str | None) -> None:
            if what == "overwrite":
                self.state["version"] = err.current.get("version")
                self.action_save()
            elif what == "reload":
                self.dismiss(None)
                self.aims.refresh_screens()

        self.app.push_screen(ConflictDialog(f"{self.what} {err.ref}", mine, theirs, err.current.get("version"),
                                            base=base, entity_ref=str(err.ref)), chosen)

    def action_cancel(self) -> None:
        """Escape backs out; if something was typed and not saved, only after confirming."""
        if self.saving:
            self.status("saving... (the dialog closes when the save has landed)")
            return
        if self.values() != self.state["baseline"]:
            self.app.push_screen(ConfirmDialog("Discard what you typed?", "Discard", "Keep editing"),
                                 lambda yes: self.dismiss(None) if yes else None)
            return
        self.dismiss(None)


def changes(values: dict[str, Any], baseline: dict[str, Any]) -> dict[str, Any]:
    """The fields whose value differs from what was last saved (or first shown)."""
    return {k: v for k, v in values.items() if v != baseline.get(k)}
