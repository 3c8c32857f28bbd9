"""Add or edit an AI system (the inventory record). Fields are checked as the
user types by core.fields, the rules the service uses; fixed sets (AI role, EU AI
Act tier) are chosen from a list; keys typed while the record loads are held and
applied once it is on screen; a pending save says so and loses no key."""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.suggester import SuggestFromList
from textual.widgets import Button, Checkbox, Input, Label, Select, Static

from ...core import fields, queries
from ...core.errors import AimsError, Conflict, ValidationError
from ...core.models import AI_ROLES, EU_AI_ACT_TIERS
from ...core.services import systems
from ..base import DbMixin
from ..render import lines
from ..widgets.form_keys import FOCUS_KEYS, FormInput, HoldKeysUntilLoaded, ready_to_save
from ..widgets.toggles import Check
from ..widgets.footer import AimsFooter
from .withdraw import withdraw_flow
from .conflict import ConflictDialog
from .confirm import ConfirmDialog

FIELDS = [  # key, label, kind
    ("name", "Name", "input"), ("purpose", "Purpose", "input"), ("intended_use", "Intended use", "input"),
    ("business_owner", "Business owner", "input"), ("technical_owner", "Technical owner", "input"),
    ("ai_role", "AI role", "select"), ("eu_ai_act_tier", "EU AI Act tier", "select"),
    ("personal_data", "Personal data", "check"), ("third_party", "Supplier", "input"),
    ("human_oversight", "Human oversight", "input"), ("review_cadence", "Review cadence", "input"),
    ("next_review", "Next review", "input"),
]
LABELS = {k: label for k, label, _ in FIELDS}
OWNERS = ("business_owner", "technical_owner")  # a user's login (suggested as typed), or a name outside aims
CHOICES = {"ai_role": AI_ROLES, "eu_ai_act_tier": EU_AI_ACT_TIERS}


class SystemEditor(HoldKeysUntilLoaded, DbMixin, ModalScreen[dict | None]):
    HELP_TITLE = "AI system"
    AUTO_FOCUS = ""  # nothing takes keys before the record is on screen
    BINDINGS = [Binding("ctrl+s", "save", "Save"), Binding("escape", "close", "Close"),
                Binding("ctrl+r", "withdraw", "Withdraw (retire)", show=False)] + FOCUS_KEYS

    def __init__(self, database, login: str, ref: str | None) -> None:
        super().__init__()
        self.database, self.login, self.ref = database, login, ref
        self.initial: dict[str, Any] = {}
        self.version: int | None = None
        self.loaded = False
        self.saving: dict[str, Any] | None = None
        self.users: list[str] | None = None  # the active users' logins, once read

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog editor"):
            yield Static(self._heading(), id="editor-title", classes="dialog-title")
            with VerticalScroll(id="form", disabled=True):
                for key, label, kind in FIELDS:
                    with Horizontal(classes="field"):
                        yield Label(label, classes="field-label")
                        if kind == "input":
                            yield FormInput(id=key)
                        elif kind == "select":
                            yield Select([(c, c) for c in CHOICES[key]], id=key, allow_blank=False, compact=True)
                        else:
                            yield Check("contains personal data", id=key, compact=True)  # reads blank when unticked, even in NO_COLOR
            yield Static("", id="status-line", markup=False)
            yield Static("", id="errors", markup=False, classes="error")
            with Horizontal(classes="buttons"):
                yield Button("Save", id="save", variant="primary", compact=True)
                yield Button("Close", id="close", compact=True)

        yield AimsFooter()

    def _heading(self) -> Text:
        t = Text(f"AI system {self.ref}" if self.ref else "New AI system", style="bold")
        if not self.loaded:
            t.append("  loading... (keys you type are kept)", style="italic")
        return t

    def on_mount(self) -> None:
        db = self.database
        self.db_work(lambda: list(queries.owners(db)), self._got_users, group="owners")
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
                self.query_one(f"#{key}", FormInput).set_text("" if v is None else str(v))
            elif kind == "select":
                self.query_one(f"#{key}", Select).value = v or CHOICES[key][0]
            else:
                self.query_one(f"#{key}", Checkbox).value = bool(v)
        self.initial = self.values()
        self.loaded = True
        self.query_one("#form").disabled = False
        self.query_one("#editor-title", Static).update(self._heading())
        self.query_one("#name", Input).focus()
        self._validate()
        self.release_keys()

    def _got_users(self, logins: list[str]) -> None:
        """The owners' boxes complete a user's login as it is typed (right arrow takes it)."""
        if not self.is_attached:  # closed before the read came back
            return
        self.users = logins
        for key in OWNERS:
            self.query_one(f"#{key}", Input).suggester = SuggestFromList(logins, case_sensitive=False)
        if self.loaded:
            self._validate()

    def _owner_notes(self, v: dict[str, Any]) -> list[str]:
        """An owner who is not a user is kept (a business owner may be outside aims), but said:
        the system's reminders and "my items" reach users only, and a typo would go unseen."""
        if not self.users:
            return []
        return [f"{LABELS[k]}: '{v[k].strip()}' is not a user here, so no reminder reaches them"
                for k in OWNERS if isinstance(v.get(k), str) and v[k].strip() and v[k].strip() not in self.users]

    def values(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for key, _, kind in FIELDS:
            w = self.query_one(f"#{key}")
            out[key] = w.value  # type: ignore[attr-defined]
        return out

    def problems(self, v: dict[str, Any]) -> dict[str, str]:
        """The service's own rules (core.fields), in the order of the form."""
        errs = fields.problems(fields.SYSTEM, v)
        return {k: errs[k] for k in LABELS if k in errs}

    def _validate(self) -> dict[str, str]:
        v = self.values()
        errs = self.problems(v)
        said = [f"{LABELS[k]}: {m}" for k, m in errs.items()] + self._owner_notes(v)
        self.query_one("#errors", Static).update(lines("\n".join(said)))
        for key, _, kind in FIELDS:
            if kind == "input":
                self.query_one(f"#{key}", Input).set_class(key in errs, "invalid")
        return errs

    def on_input_changed(self, event: Input.Changed) -> None:
        if self.loaded:
            self._validate()

    def action_save(self) -> None:
        if not ready_to_save(self, "saving an AI system", "AI system", LABELS):
            return
        v = self.values()
        db, login, today, ref = self.database, self.login, self.aims.today, self.ref
        if ref is None:
            data = {k: x for k, x in v.items() if x not in ("", None)}
            self._saving(v)
            self.db_write(lambda: systems.create_system(db, login, data, today=today),
                          lambda row: self._landed(row, v), failed=self._failed,
                          message=lambda row: f"{row['ref']} added")
            return
        changes = {k: x for k, x in v.items() if x != self.initial.get(k)}
        if not changes:
            self.dismiss(None)
            return
        self._save(changes, {k: self.initial[k] for k in changes}, self.version, v)

    def _saving(self, v: dict[str, Any]) -> None:
        self.saving = v
        self.query_one("#status-line", Static).update("saving... (you can keep typing; nothing you type is lost)")

    def _save(self, changes: dict, old: dict, version, v: dict[str, Any]) -> None:
        db, login, ref = self.database, self.login, self.ref
        self._saving(v)
        self.db_write(lambda: systems.update_system(db, login, ref, changes, expect_version=version),
                      lambda row: self._landed(row, v), failed=lambda e: self._failed(e, changes, old, v),
                      message=f"{ref} saved (ctrl+z undoes)",
                      undo=lambda row: (f"edit of {ref}", lambda: systems.update_system(
                          db, login, ref, old, expect_version=row["version"])))

    def _landed(self, row: dict[str, Any], v: dict[str, Any]) -> None:
        self.saving = None
        if self.values() == v:
            self.dismiss(row)
            return
        self.ref, self.version, self.initial = row["ref"], row["version"], v
        self.query_one("#editor-title", Static).update(self._heading())
        self.query_one("#status-line", Static).update(
            f"{self.ref} saved; what you typed since is not saved yet (ctrl+s saves it)")

    def _failed(self, err: AimsError, changes: dict | None = None, old: dict | None = None,
                v: dict | None = None) -> bool:
        self.saving = None
        self.query_one("#status-line", Static).update("not saved")
        if isinstance(err, ValidationError):
            self.query_one("#errors", Static).update(
                lines("\n".join(f"{LABELS.get(f, f)}: {m}" for f, m in err.errors)))
            return False
        if isinstance(err, Conflict) and changes is not None:
            cur = dict(err.current)

            def chosen(what: str | None) -> None:
                if what == "reload":
                    self.loaded = False
                    self._fill(cur)
                elif what == "overwrite":
                    self._save(changes, old or {}, cur.get("version"), v or self.values())

            self.app.push_screen(ConflictDialog(f"AI system {self.ref}", changes, cur, cur.get("version")), chosen)
            return True
        return False

    def action_close(self) -> None:
        if self.saving is not None and self.values() == self.saving:
            self.dismiss(None)  # the save goes on and says when it lands
            return
        if self.loaded and self.values() != self.initial:
            self.app.push_screen(ConfirmDialog("Discard your unsaved changes?", "Discard", "Keep editing"),
                                 lambda yes: self.dismiss(None) if yes else None)
            return
        self.dismiss(None)

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.action_save() if event.button.id == "save" else self.action_close()

    def action_withdraw(self) -> None:
        if not self.ref:
            return

        withdraw_flow(self, "ai_system", self.ref, self.version, done=lambda _r: self.dismiss(None))
