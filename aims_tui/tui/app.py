"""The aims Textual app: a small shell around the screens.

Screens live in screens/ (their keys in screens/registry.py), dialogs in
dialogs/, widgets in widgets/. The app holds who is using it (login, role),
polls the database for other users' commits, and keeps the undo stack.
"""

from __future__ import annotations

from datetime import date
from functools import partial
from typing import Any, Callable, Iterable

from textual import work
from textual.app import App, SystemCommand
from textual.binding import Binding
from textual.screen import Screen

from ..core.db import Database
from ..core.errors import AimsError
from ..core.services import users
from .screens import registry


class AimsApp(App):
    TITLE = "aims"
    SUB_TITLE = "AI management system"
    CSS_PATH = "app.tcss"
    ENABLE_COMMAND_PALETTE = True
    BINDINGS = [
        Binding("question_mark,f1", "help", "Help", key_display="?"),
        Binding("ctrl+z", "undo", "Undo", show=False),
        Binding("ctrl+q", "quit", "Quit", show=False, priority=True),
    ]

    def __init__(self, database: Database, login: str, *, today: date | None = None,
                 poll_seconds: float = 1.0, start_notice: bool = True) -> None:
        super().__init__()
        self.database = database
        self.login = login
        self.today = today  # None: the real date (tests freeze it)
        self.poll_seconds = poll_seconds
        self.start_notice = start_notice
        user = users.get_user(database, login) or {}
        self.role: str | None = user.get("role") if user.get("active", True) else None
        self.undo_stack: list[tuple[str, Callable[[], Any]]] = []
        self.pending_writes = 0  # writes started by the user that have not landed yet
        self._data_version: int | None = None
        self.screen_entries = registry.available(self.role or "")  # viewers: no Import
        for e in self.screen_entries:
            self.bind(e.key, f"goto('{e.id}')", description=e.title, show=False)
        self.sub_title = f"{login} ({self.role or 'not a user'})"

    # -- screens -----------------------------------------------------------------
    def on_mount(self) -> None:
        self.goto("dashboard")
        if self.poll_seconds:
            self.set_interval(self.poll_seconds, self._poll)
        if self.start_notice and self.role:
            self._notice_on_start()

    @work(thread=True, group="start-notice")
    def _notice_on_start(self) -> None:
        """Tell the user at once when something of theirs is overdue (issue 4)."""
        from ..core.reminders import start_notice

        try:
            message = start_notice(self.database, self.login, self.today)
        except AimsError:
            return  # the dashboard shows the same counts; never fail the start over it
        if message:
            self.call_from_thread(self.notify, message, title="Overdue", severity="warning",
                                  markup=False, timeout=10)

    def make_screen(self, screen_id: str) -> Screen | None:
        e = registry.entry(screen_id)
        cls = e.load() if e else None
        if cls is None:
            return None
        import inspect

        params = inspect.signature(cls).parameters
        if "today" in params and self.today is not None:
            return cls(self.database, self.login, today=self.today)
        return cls(self.database, self.login)

    def goto(self, screen_id: str, **options: Any) -> None:
        screen = self.make_screen(screen_id)
        if screen is None:
            self.say(f"the {screen_id} screen is not available", error=True)
            return
        for k, v in options.items():
            setattr(screen, k, v)
        while len(self.screen_stack) > 2:
            self.pop_screen()
        e = registry.entry(screen_id)
        if e is not None and e.pushed and len(self.screen_stack) > 1:
            self.push_screen(screen)
        elif len(self.screen_stack) > 1:
            self.switch_screen(screen)
        else:
            self.push_screen(screen)

    def action_goto(self, screen_id: str) -> None:
        if self.screen.is_modal:
            return
        self.goto(screen_id)

    # -- talking to the user -------------------------------------------------------
    def say(self, message: str, *, error: bool = False) -> None:
        """A notification whose text is literal (never markup)."""
        self.notify(message, severity="error" if error else "information", markup=False,
                    timeout=8 if error else 4)

    def action_help(self) -> None:
        from .dialogs.help import HelpDialog

        screen = self.screen
        if isinstance(screen, HelpDialog):
            return
        keys: list[tuple[str, str]] = []
        seen: set[str] = set()
        # the screen's own keys first, then the app's, then the focused widget's
        rank = {id(screen): 0, id(self): 1}
        ordered = sorted(screen.active_bindings.items(), key=lambda kv: rank.get(id(kv[1].node), 2))
        for key, active in ordered:
            b = active.binding
            if not b.description or b.description in seen and b.key_display is None:
                continue
            seen.add(b.description)
            keys.append((self.get_key_display(b), b.description + ("" if active.enabled else " (not now)")))
        keys += [(e.key, f"Go to {e.title}") for e in self.screen_entries]
        title = getattr(screen, "HELP_TITLE", type(screen).__name__.replace("Screen", ""))
        self.push_screen(HelpDialog(title, keys, getattr(screen, "HELP", "") or ""))

    # -- undo ------------------------------------------------------------------------
    def push_undo(self, label: str, fn: Callable[[], Any]) -> None:
        """Remember how to take back the last change (re-applied through a service)."""
        self.undo_stack.append((label, fn))
        del self.undo_stack[:-20]

    def action_undo(self) -> None:
        if not self.undo_stack:
            self.say("nothing to undo")
            return
        label, fn = self.undo_stack.pop()
        self._run_undo(label, fn)

    @work(thread=True, group="undo")
    def _run_undo(self, label: str, fn: Callable[[], Any]) -> None:
        try:
            fn()
        except AimsError as exc:
            self.call_from_thread(self.say, f"cannot undo {label}: {exc}", error=True)
            return
        self.call_from_thread(self.say, f"undone: {label}")
        self.call_from_thread(self.refresh_screens)

    # -- other users' changes -----------------------------------------------------------
    @work(thread=True, exclusive=True, group="poll")
    def _poll(self) -> None:
        try:
            v = self.database.data_version()
        except Exception:  # noqa: BLE001 - polling must never stop the app
            return
        if self._data_version is None:
            self._data_version = v
        elif v != self._data_version:
            self._data_version = v
            self.call_from_thread(self.refresh_screens)

    def refresh_screens(self) -> None:
        """Someone committed: read what is on screen again."""
        for screen in reversed(self.screen_stack):
            if screen.is_modal:
                continue
            # our screens have refresh_data; screens from the registry may offer action_refresh
            fn = getattr(screen, "refresh_data", None) or getattr(screen, "action_refresh", None)
            if fn is not None:
                fn()
            break

    # -- the command palette: every action --------------------------------------------------
    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        for e in self.screen_entries:
            yield SystemCommand(f"Go to {e.title}", f"{e.help} (key {e.key})", partial(self.goto, e.id))
        seen = set()
        for key, active in screen.active_bindings.items():
            b = active.binding
            if not b.description or b.action in seen or b.action.startswith("goto"):
                continue
            seen.add(b.action)
            node = active.node
            yield SystemCommand(b.description, f"key {self.get_key_display(b)}",
                                partial(self._run_palette_action, node, b.action))
        yield SystemCommand("Undo", "Take back your last change (ctrl+z)", self.action_undo)
        yield from super().get_system_commands(screen)

    def _run_palette_action(self, node: Any, action: str) -> None:
        self.call_later(self.run_action, action, node)


def run(database: Database, login: str) -> None:
    AimsApp(database, login).run()
