"""The first run: an empty database, and what to do about it."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Static

from ...core.identity import ADMIN, EDIT
from ...core.services import demo
from .base import AimsScreen
from ..dialogs.system_editor import SystemEditor
from ..widgets.header import AimsHeader
from ..widgets.footer import AimsFooter

TEXT = """Welcome to aims, the register of your AI management system (ISO/IEC 42001).

This database has no AI systems and no risks yet. Two ways to start:

  a  Add your first AI system: its name, purpose and owners. Then add
     its risks from the register (key 2, then n) and move it through
     its life cycle (key 3, then m).

  d  Load demo data: 8 example AI systems with risks, treatments, impact
     assessments and nonconformities, to look around first.

Press ? for the keys of any screen, ctrl+p to find any action by name."""


class FirstRunScreen(AimsScreen):
    HELP_TITLE = "First run"
    EDIT_ACTIONS = frozenset({"add_system"})
    ADMIN_ACTIONS = frozenset({"load_demo"})  # demo data goes into an empty register, by an admin
    BINDINGS = [Binding("a", "add_system", "Add an AI system"), Binding("d", "load_demo", "Load demo data")]

    def compose(self) -> ComposeResult:
        yield AimsHeader()
        with Vertical(id="first-run"):
            yield Static(TEXT, markup=False)
            if self.aims.role in EDIT:
                with Horizontal(classes="buttons"):
                    yield Button("Add an AI system", id="add", variant="primary", compact=True)
                    if self.aims.role in ADMIN:
                        yield Button("Load demo data", id="demo", compact=True)
            else:
                yield Static(f"You are a {self.aims.role}: ask an editor or admin to add the first AI system.",
                             markup=False)
        yield AimsFooter()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        self.action_add_system() if event.button.id == "add" else self.action_load_demo()

    def action_add_system(self) -> None:
        if not self.allowed(EDIT, "adding an AI system"):
            return

        self.app.push_screen(SystemEditor(self.database, self.login, None),
                             lambda r: self.aims.goto("systems") if r else None)

    def action_load_demo(self) -> None:
        if not self.allowed(ADMIN, "loading demo data"):
            return
        db, login, today = self.database, self.login, self.aims.today
        self.aims.say("loading demo data...")

        def done(counts: dict) -> None:
            self.aims.say(f"loaded {counts['systems']} AI systems and {counts['risks']} risks")
            self.aims.goto("dashboard")

        self.db_write(lambda: demo.load_demo(db, login, today=today), done)
