"""Add or edit an AI system (the inventory record)."""

from __future__ import annotations

from typing import Any

from dateutil.parser import isoparse
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Footer, Button, Checkbox, Input, Label, Select, Static

from ...core.errors import AimsError, Conflict, ValidationError
from ...core.identity import EDIT
from ...core.models import AI_ROLES, EU_AI_ACT_TIERS
from ...core.schedule import CadenceError, parse_cadence
from ...core.services import systems
from ..base import DbMixin
from ..render import lines

FIELDS = [  # key, label, kind
    ("name", "Name", "input"), ("purpose", "Purpose", "input"), ("intended_use", "Intended use", "input"),
    ("business_owner", "Business owner", "input"), ("technical_owner", "Technical owner", "input"),
    ("ai_role", "AI role", "select"), ("eu_ai_act_tier", "EU AI Act tier", "select"),
    ("personal_data", "Personal data", "check"), ("third_party", "Third party / supplier", "input"),
    ("human_oversight", "Human oversight", "input"), ("review_cadence", "Review cadence", "input"),
    ("next_review", "Next review", "input"),
]
LABELS = {k: label for k, label, _ in FIELDS}
CHOICES = {"ai_role": AI_ROLES, "eu_ai_act_tier": EU_AI_ACT_TIERS}


class SystemEditor(DbMixin, ModalScreen[dict | None]):
    HELP_TITLE = "AI system"
    BINDINGS = [Binding("ctrl+s", "save", "Save"), Binding("escape", "close", "Close")]

    def __init__(self, database, login: str, ref: str | None) -> None:
        super().__init__()
        self.database, self.login, self.ref = database, login, ref
        self.initial: dict[str, Any] = {}
        self.version: int | None = None
        self.loaded = False

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog editor"):
            yield Static(Text(f"AI system {self.ref}" if self.ref else "New AI system", style="bold"),
                         classes="dialog-title")
            with VerticalScroll(id="form"):
                for key, label, kind in FIELDS:
                    with Horizontal(classes="field"):
                        yield Label(label, classes="field-label")
                        if kind == "input":
                            yield Input(id=key, compact=True)
                        elif kind == "select":
                            yield Select([(c, c) for c in CHOICES[key]], id=key, allow_blank=False, compact=True)
                        else:
                            yield Checkbox("contains personal data", id=key, compact=True)
            yield Static("", id="errors", markup=False, classes="error")
            with Horizontal(classes="buttons"):
                yield Button("Save", id="save", variant="primary", compact=True)
                yield Button("Close", id="close", compact=True)

        yield Footer()
    def on_mount(self) -> None:
        self.query_one("#name", Input).focus()
        if self.ref:
            db, ref = self.database, self.ref
            self.db_work(lambda: systems.get_system(db, ref), self._fill)
        else:
            self._fill({"ai_role": "deployer", "eu_ai_act_tier": "unclassified", "personal_data": False})

    def _fill(self, row: dict[str, Any]) -> None:
        self.version = row.get("version")
        for key, _, kind in FIELDS:
            v = row.get(key)
            if kind == "input":
                self.query_one(f"#{key}", Input).value = "" if v is None else str(v)
            elif kind == "select":
                self.query_one(f"#{key}", Select).value = v or CHOICES[key][0]
            else:
                self.query_one(f"#{key}", Checkbox).value = bool(v)
        self.initial = self.values()
        self.loaded = True
        self._validate()

    def values(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for key, _, kind in FIELDS:
            w = self.query_one(f"#{key}")
            out[key] = w.value  # type: ignore[attr-defined]
        return out

    def problems(self, v: dict[str, Any]) -> dict[str, str]:
        errs = {}
        if not str(v["name"]).strip():
            errs["name"] = "must not be empty"
        if v["review_cadence"].strip():
            try:
                parse_cadence(v["review_cadence"])
            except CadenceError as exc:
                errs["review_cadence"] = str(exc)
        if v["next_review"].strip():
            try:
                isoparse(v["next_review"].strip())
            except (ValueError, OverflowError):
                errs["next_review"] = f"'{v['next_review']}' is not a date (use YYYY-MM-DD)"
        return errs

    def _validate(self) -> dict[str, str]:
        errs = self.problems(self.values())
        self.query_one("#errors", Static).update(lines("\n".join(f"{LABELS[k]}: {m}" for k, m in errs.items())))
        for key, _, kind in FIELDS:
            if kind == "input":
                self.query_one(f"#{key}", Input).set_class(key in errs, "invalid")
        return errs

    def on_input_changed(self, event: Input.Changed) -> None:
        if self.loaded:
            self._validate()

    def action_save(self) -> None:
        if not self.allowed(EDIT, "saving an AI system") or not self.loaded:
            return
        errs = self._validate()
        if errs:
            self.aims.say(f"{LABELS[next(iter(errs))]}: {next(iter(errs.values()))}", error=True)
            return
        v = self.values()
        db, login, today, ref = self.database, self.login, self.aims.today, self.ref
        if ref is None:
            data = {k: x for k, x in v.items() if x not in ("", None)}

            def created(row: dict) -> None:
                self.aims.say(f"{row['ref']} added")
                self.dismiss(row)

            self.db_write(lambda: systems.create_system(db, login, data, today=today), created, failed=self._failed)
            return
        changes = {k: x for k, x in v.items() if x != self.initial.get(k)}
        if not changes:
            self.dismiss(None)
            return
        old = {k: self.initial[k] for k in changes}

        def saved(row: dict) -> None:
            nv = row["version"]
            self.aims.push_undo(f"edit of {ref}", lambda: systems.update_system(db, login, ref, old, expect_version=nv))
            self.aims.say(f"{ref} saved (ctrl+z undoes)")
            self.dismiss(row)

        self._save(changes, saved, self.version)

    def _save(self, changes: dict, saved, version) -> None:
        db, login, ref = self.database, self.login, self.ref
        self.db_write(lambda: systems.update_system(db, login, ref, changes, expect_version=version), saved,
                     failed=lambda e: self._failed(e, changes, saved))

    def _failed(self, err: AimsError, changes: dict | None = None, saved=None) -> bool:
        if isinstance(err, ValidationError):
            self.query_one("#errors", Static).update(
                lines("\n".join(f"{LABELS.get(f, f)}: {m}" for f, m in err.errors)))
            return False
        if isinstance(err, Conflict) and changes is not None:
            from .conflict import ConflictDialog

            cur = dict(err.current)

            def chosen(what: str | None) -> None:
                if what == "reload":
                    self.loaded = False
                    self._fill(cur)
                elif what == "overwrite":
                    self._save(changes, saved, cur.get("version"))

            self.app.push_screen(ConflictDialog(f"AI system {self.ref}", changes, cur, cur.get("version")), chosen)
            return True
        return False

    def action_close(self) -> None:
        if self.loaded and self.values() != self.initial:
            from .confirm import ConfirmDialog

            self.app.push_screen(ConfirmDialog("Discard your unsaved changes?", "Discard", "Keep editing"),
                                 lambda yes: self.dismiss(None) if yes else None)
            return
        self.dismiss(None)

    def on_button_pressed(self, event: Button.Pressed) -> None:
        self.action_save() if event.button.id == "save" else self.action_close()
