"""Move an AI system to its next stage: failing gates listed, override with a
written justification (admins and approvers)."""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Label, Select, Static

from ...core import lifecycle
from ...core.errors import AimsError, GateFailed
from ...core.identity import APPROVE, EDIT
from ...core.services import systems
from ..base import DbMixin
from ..render import lines as multiline
from ..widgets.form_keys import FOCUS_KEYS, FormInput, HoldKeysUntilLoaded
from ..widgets.footer import AimsFooter
from .review import SystemReviewDialog


class TransitionDialog(HoldKeysUntilLoaded, DbMixin, ModalScreen[dict | None]):
    HELP_TITLE = "Stage transition"
    HELP = ("The note comes first (focus starts there); then the next stage. Each failing gate says how "
            "to satisfy it; ctrl+r records the verification and validation review. ctrl+z after a move "
            "takes it back.")
    BINDINGS = [Binding("escape", "close", "Close"), Binding("ctrl+s", "move", "Move"),
                Binding("ctrl+r", "review", "Record V&V review")] + FOCUS_KEYS

    def __init__(self, database, login: str, ref: str, stage: str, version: int | None) -> None:
        super().__init__()
        self.database, self.login, self.ref, self.stage, self.version = database, login, ref, stage, version
        self.failing: list[dict[str, str]] = []

    def compose(self) -> ComposeResult:
        nxt = lifecycle.next_stages(self.stage)
        with Vertical(classes="dialog"):
            yield Static(Text(f"Move {self.ref} from {self.stage} to another stage", style="bold"),
                         classes="dialog-title")
            with Horizontal(classes="field"):
                yield Label("Note", classes="field-label")
                yield FormInput(id="note", placeholder="optional: why, what changed")
            with Horizontal(classes="field"):
                yield Label("Next stage", classes="field-label")
                yield Select([(f"{s} ({lifecycle.STAGE_TITLES[s]})", s) for s in nxt], id="to",
                             allow_blank=False, compact=True) if nxt else Static("none (retired is final)")
            yield Static("", id="gates", markup=False, classes="dialog-text")
            with Horizontal(classes="field", id="justification-row"):
                yield Label("Override because", classes="field-label")
                yield FormInput(id="justification", placeholder="why the failing gates may be overridden")
            yield Static("", id="errors", markup=False, classes="error")
            with Horizontal(classes="buttons"):
                yield Button("Move", id="move", variant="primary", compact=True)
                yield Button("Close", id="close", compact=True)

        yield AimsFooter()
    def on_mount(self) -> None:
        self.query_one("#justification-row").display = False
        self.query_one("#note", FormInput).focus()  # what the user types first is the note
        if lifecycle.next_stages(self.stage):
            self._check()
        else:
            self.query_one("#move", Button).disabled = True

    @property
    def to_stage(self) -> str | None:
        sel = self.query("#to")
        if not sel or not isinstance(sel.first(), Select):
            return None
        v = sel.first().value
        return None if v is Select.NULL else v  # type: ignore[return-value]

    def on_select_changed(self, event: Select.Changed) -> None:
        self._check()

    def _check(self) -> None:
        to = self.to_stage
        if not to:
            return
        db, ref = self.database, self.ref
        self.db_work(lambda: systems.check_transition(db, ref, to), self._gates, group="gates")

    def _gates(self, failing: list[dict[str, str]]) -> None:
        self.failing = failing
        box = self.query_one("#gates", Static)
        can_override = self.aims.role in APPROVE
        self.query_one("#justification-row").display = bool(failing) and can_override
        if not failing:
            box.update(f"Every gate into {self.to_stage} passes.")
            return
        lines = [f"Gates that fail for {self.to_stage}:"] + [f"  - {g.get('how') or g['description']}"
                                                             for g in failing]
        lines.append("An admin or approver may override them with a justification (kept on the record)."
                     if can_override else "Blocked: an admin or approver can override these gates.")
        box.update("\n".join(lines))

    def action_move(self) -> None:
        to = self.to_stage
        if not to or not self.allowed(EDIT, "moving an AI system to another stage"):
            return
        just = self.query_one("#justification", FormInput).value
        note = self.query_one("#note", FormInput).value
        if self.failing and just.strip() and not self.allowed(APPROVE, "overriding a stage gate"):
            return
        db, login, ref, version, today = self.database, self.login, self.ref, self.version, self.aims.today

        def said(row: dict[str, Any]) -> str:
            over = row.get("overridden_gates") or []
            return f"{ref} moved to {to}" + (f" (overrode {len(over)} gate(s))" if over else "") + " (ctrl+z undoes)"

        self.db_write(lambda: systems.transition(db, login, ref, to, note=note, override_justification=just,
                                                expect_version=version, today=today), self.dismiss,
                      failed=self._failed, message=said,
                      undo=lambda row: (f"move of {ref} to {to}", lambda: systems.undo_transition(
                          db, login, ref, expect_version=row["version"])))

    def _failed(self, err: AimsError) -> bool:
        self.query_one("#errors", Static).update(multiline(str(err)))
        if isinstance(err, GateFailed) and self.aims.role in APPROVE:
            self.query_one("#justification-row").display = True
            self.query_one("#justification", FormInput).focus()
        return False

    def action_review(self) -> None:
        """Record the V&V review here, then check the gates again."""
        if not self.allowed(EDIT, "recording a review"):
            return
        self.app.push_screen(SystemReviewDialog(self.database, self.login, self.ref), lambda _r: self._check())

    def action_close(self) -> None:
        self.dismiss(None)

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.action_move() if event.button.id == "move" else self.action_close()
