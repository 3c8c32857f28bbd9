"""The aims Textual app: a small shell around the screens.

Screens live in screens/ (their keys in screens/registry.py), dialogs in
dialogs/, widgets in widgets/. The app holds who is using it (login, role),
polls the database for other users' commits, and keeps the undo stack.
"""

from __future__ import annotations

import os

from datetime import date, datetime
from functools import partial
from typing import Any, Callable, Iterable

from textual import work
from textual.worker import get_current_worker
from textual.app import App, SystemCommand
from textual.binding import Binding
from textual.command import DiscoveryHit, Hits
from textual.reactive import reactive
from textual.screen import Screen
from textual.system_commands import SystemCommandsProvider

from ..core import fastread
from ..core.db import Database
from ..core.errors import AimsError
from ..core.roles import EDIT
from ..core.text import visible
from . import render, start_up_done
from .base import DbMixin
from .screens import registry
from .screens.base import is_write_action
from ..core.schedule import today as _real_today
import inspect
from .dialogs.help import HelpDialog

# Loaded after the first paint (issue 15): the first screen (the dashboard, or the register's
# first window) is read through sqlite3 (core.fastread) on SQLite, and these modules, which
# import SQLAlchemy's ORM, SQLModel, pydantic and the models, are imported in a worker once it
# is on screen (AimsApp.first_paint). A key that needs one before then imports it itself: the
# import waits for the worker's (Python's import lock), and the key is handled after it.
AFTER_FIRST_PAINT = ("aims_tui.core.services.users", "aims_tui.core.audit", "aims_tui.core.reminders",
                     "aims_tui.core.queries", "aims_tui.core.windows", "aims_tui.tui.reads")
FIRST_PAINT_LATEST = 2.0  # seconds after mount: the ORM is loaded then even if no screen said it painted
AFTER_FIRST_PAINT_DELAY = 0.5  # seconds: the first keys (2 for the register, arrows) are answered first


class AimsCommands(SystemCommandsProvider):
    """The app's commands in the app's order (screens first), not sorted by name."""

    async def discover(self) -> Hits:
        for name, help_text, callback, discover in self.app.get_system_commands(self.screen):
            if discover:
                yield DiscoveryHit(name, callback, help=help_text)


class AimsApp(App):
    COMMANDS = {AimsCommands}
    TITLE = "aims"
    SUB_TITLE = "AI management system"
    CSS_PATH = "app.tcss"
    ENABLE_COMMAND_PALETTE = True
    BINDINGS = [
        Binding("question_mark", "help", "Help", key_display="?"),
        # F1 reaches help from a dialog too (Textual 8.2 gives a modal screen none of the app's
        # ordinary bindings) and from inside a text box, where ? is typed
        Binding("f1", "help", "Help", show=False, priority=True),
        Binding("ctrl+z", "undo", "Undo", show=False),
        Binding("D", "as_of", "View as of a date", show=False),
        # Escape where the screen has no Escape of its own (the dashboard, the register): back to today
        Binding("escape", "back_to_today", "Back to today", show=False),
        Binding("ctrl+q", "quit", "Quit", show=False, priority=True),
    ]
    WRITE_ACTIONS = frozenset({"undo"})  # refused while a past date is set (see run_action)
    AS_OF_KEY = "D"
    # The day the register is viewed as of (key D; None: today, live). While it is set the
    # register, the dashboard and the AI systems read the register as it was at the end of
    # that day (core.history), the header says so on every screen, and every write is refused.
    as_of: reactive[date | None] = reactive(None, init=False)

    def __init__(self, database: Database, login: str, *, today: date | None = None,
                 poll_seconds: float = 1.0, start_notice: bool = True, screen: str = "dashboard") -> None:
        render.use_colour(bool(os.environ.get("NO_COLOR")))  # before Textual removes it
        super().__init__()
        self.database = database
        self.login = login
        self.today = today  # None: the real date (tests freeze it)
        self.poll_seconds = poll_seconds
        self.start_notice = start_notice
        self.start_screen = screen  # the first screen (aims --screen; the dashboard by default)
        user = fastread.user(database, login)
        if user is None:  # PostgreSQL (the role from the server), SQLite in memory: the ORM path
            from ..core.services import users

            user = users.get_user(database, login) or {}
        self.role: str | None = user.get("role") if user.get("active", True) else None
        self.undo_stack: list[tuple[str, Callable[[], Any]]] = []
        self.pending_writes = 0  # writes started by the user that have not landed yet
        self._data_version: int | None = None
        self.screen_entries = registry.available(self.role or "")  # viewers: no Import
        for e in self.screen_entries:
            if e.key:  # the registers of the management system are opened from M
                self.bind(e.key, f"goto('{e.id}')", description=e.title, show=False)
        self.sub_title = f"{visible(login)} ({self.role or 'not a user'})"
        self.trail_warning: str | None = None  # set while the quick audit check fails
        self._first_painted = False
        self.started = False  # True once the ORM is loaded and the start's checks have run (issue 15)

    # -- screens -----------------------------------------------------------------
    def on_mount(self) -> None:
        if self.poll_seconds and self.database.is_sqlite:
            # the poll's baseline, taken before the first screen reads: a commit that lands
            # between that read and the first poll is then seen (it used to become the
            # baseline, and the change never showed). PRAGMA data_version costs a millisecond.
            try:
                self._data_version = self.database.data_version()
            except Exception:  # noqa: BLE001 - polling must never stop the app
                self._data_version = None
        start = next((e for e in self.screen_entries if e.id == self.start_screen), None)
        if start is None or start.pushed or start.id == "dashboard":
            self.goto("dashboard")  # a pushed screen opens above it (its Escape returns there)
        if start is None:
            self.say(f"the {self.start_screen} screen is not offered to your role", error=True)
        elif start.id != "dashboard":
            self.goto(start.id)
        if self.poll_seconds and self.database.backend == "postgresql":
            self._listen()  # LISTEN/NOTIFY: woken by other users' commits, no polling
        elif self.poll_seconds:
            self.set_interval(self.poll_seconds, self._poll)
        self.set_timer(FIRST_PAINT_LATEST, self.first_paint)

    def first_paint(self) -> None:
        """The first screen has its data on screen (or FIRST_PAINT_LATEST has passed): load
        the ORM and the services in a worker, then run the start's checks (issue 15)."""
        if self._first_painted:
            return
        self._first_painted = True
        self.set_timer(AFTER_FIRST_PAINT_DELAY, self._start_up_done)

    def _start_up_done(self) -> None:
        start_up_done()  # the cycle collector, off since the app was imported (tui/__init__.py)
        self._after_first_paint()

    @work(thread=True, group="after-first-paint")
    def _after_first_paint(self) -> None:
        import importlib

        for name in AFTER_FIRST_PAINT:
            importlib.import_module(name)
        if self.start_notice and self.role:
            self._notice_on_start()
        self._check_trail()
        self.started = True

    def _check_trail(self) -> None:
        """The quick audit check (issue 13): while the trail or the register does not
        match, the header says so on every screen and a notice stays until dismissed.
        Runs in the worker that loaded the ORM after the first paint."""
        from ..core import audit

        try:
            with self.database.read() as s:
                result = audit.quick_check(s)
        except Exception:  # noqa: BLE001 - a check that cannot run must not stop the app
            return
        if not result.ok:
            self.call_from_thread(self._trail_broken, result.message())

    def _trail_broken(self, message: str) -> None:
        self.trail_warning = message
        self.sub_title = f"{self.login} ({self.role or 'not a user'}) - AUDIT TRAIL BROKEN: run aims audit verify"
        self.notify(message, title="Audit trail broken", severity="error", markup=False, timeout=10**7)

    def _notice_on_start(self) -> None:
        """Tell the user at once when something of theirs is overdue (in the worker that
        loaded the ORM after the first paint)."""
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

    # -- the register as of a past day (issue 19) -----------------------------------------
    @property
    def view_day(self) -> date | None:
        """The day the as-of screens count "overdue" and "due soon" against (None: the real date)."""
        return self.as_of or self.today

    @property
    def as_of_moment(self) -> datetime | None:
        """The moment the register is read as of (the end of the day set), or None for live."""
        if self.as_of is None:
            return None
        from ..core import history  # deferred: only a past date needs it (issue 15)

        return history.end_of_day(self.as_of)

    @property
    def read_db(self) -> Database:
        """The database the as-of screens read: the register as it was, or the live one."""
        moment = self.as_of_moment
        if moment is None:
            return self.database
        from ..core import history  # deferred: only a past date needs it (issue 15)

        return history.at(self.database, moment)

    def read_only_reason(self) -> str | None:
        """Why a change is refused now (None: changes are allowed)."""
        if self.as_of is None:
            return None
        return (f"read only: you are viewing the register as of {self.as_of.isoformat()}; "
                f"press {self.AS_OF_KEY} then Escape to return to today, then make the change")

    def action_as_of(self) -> None:
        """Ask for the day to view the register as of (empty or Escape: back to today)."""
        from .dialogs.as_of import AsOfDialog  # deferred: the first paint needs no dialog (issue 15)

        today = self.today or _real_today()
        self.push_screen(AsOfDialog(today, self.as_of), self.set_as_of)

    def set_as_of(self, day: date | None) -> None:
        """View the register as of ``day`` (None: back to today) and read the screen again."""
        if day is not None:
            try:
                self.read_db_for(day)
            except AimsError as exc:
                self.say(str(exc), error=True)
                return
        changed = day != self.as_of
        self.as_of = day
        if day is None and changed:  # a day set is said by the banner under the title
            self.say("back to today: the register as it is now")
        if changed:
            self.refresh_screens(force=True)
            self.screen.refresh_bindings()  # the footer dims (or restores) the write keys

    def action_back_to_today(self) -> None:
        """Escape on a screen without an Escape of its own, while a past date is set."""
        self.set_as_of(None)

    def read_db_for(self, day: date) -> Database:
        """The register as of the end of ``day`` (an AimsError says why it cannot be read)."""
        from ..core import history  # deferred: only a past date needs it (issue 15)

        return history.at(self.database, history.end_of_day(day))

    async def run_action(self, action: Any, default_namespace: Any = None, namespaces: Any = None) -> bool:
        """Every action of a key, a button bound to an action, or the command palette passes here:
        while a past date is set, an action that changes data is refused, saying why."""
        reason = self.read_only_reason()
        if reason is not None:
            target, name, params = self._parse_action(action, self if default_namespace is None else default_namespace,
                                                      namespaces)
            # a screen's write action is enabled but dimmed now (None); False: the role may not use it
            if is_write_action(target, name) and target.check_action(name, params) is not False:
                self.say(reason, error=True)
                return True
        return await super().run_action(action, default_namespace, namespaces)

    def action_goto(self, screen_id: str) -> None:
        if self.screen.is_modal:
            return
        self.goto(screen_id)

    # -- talking to the user -------------------------------------------------------
    def notify(self, message: str, *, title: str = "", markup: bool = True, **kwargs: Any) -> None:
        """Every notification (screens' and widgets' too): a message quoting user text
        or a cell of a file shows control and bidi characters as visible escapes."""
        message, title = visible(message, keep_newlines=True), visible(title)
        super().notify(message, title=title, markup=markup, **kwargs)

    def say(self, message: str, *, error: bool = False) -> None:
        """A notification whose text is literal (never markup, never obeyed by the terminal)."""
        self.notify(message, severity="error" if error else "information", markup=False,
                    timeout=8 if error else 4)

    def key_sections(self, screen: Screen) -> list[tuple[str, list[tuple[str, str, str]]]]:
        """What help and the command palette offer, each thing once, screens first:
        (section, [(key, description, action)]). Bindings of the focused widget (cursor
        moves of a table or an input) are left out; so are actions the role may not use
        (``check_action`` hides them)."""
        mine: list[tuple[str, str, str]] = []
        everywhere: list[tuple[str, str, str]] = []
        seen: set[tuple[int, str]] = set()
        for _key, active in screen.active_bindings.items():
            b, node = active.binding, active.node
            if not b.description or b.action.startswith("goto"):
                continue
            if node is not screen and node is not self:
                continue  # a widget's own keys (Bottom, Cursor down...): not the user's actions
            if b.action not in _own_actions(type(node)):
                continue  # Textual's own (Focus next, Maximize...): not what the screen offers
            if (id(node), b.action) in seen:
                continue
            seen.add((id(node), b.action))
            desc = b.description + ("" if active.enabled else " (not now)")
            (mine if node is screen else everywhere).append((self.get_key_display(b), desc, b.action))
        screens = [(e.key, f"Go to {e.title}", f"goto('{e.id}')") for e in self.screen_entries if e.key]
        return [("Screens", screens), ("This screen", mine), ("Everywhere", everywhere)]

    def action_help(self) -> None:
        screen = self.screen
        if isinstance(screen, HelpDialog):
            screen.dismiss()  # F1 again closes it, as Escape does
            return
        sections = [(name, [(k, d) for k, d, _ in rows]) for name, rows in self.key_sections(screen)]
        if screen.is_modal:  # a dialog: its own keys (F1 opened this); no screen nor app key reaches it
            sections = [("This dialog", rows) for name, rows in sections if name == "This screen"]
        title = getattr(screen, "HELP_TITLE", type(screen).__name__.replace("Screen", ""))
        self.push_screen(HelpDialog(title, [], getattr(screen, "HELP", "") or "", sections=sections))

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "back_to_today":
            return self.as_of is not None  # else Escape goes on as if unbound
        if action == "undo" and self.role not in EDIT:
            return False  # a viewer has made no change to take back
        return True

    # -- undo ------------------------------------------------------------------------
    def push_undo(self, label: str, fn: Callable[[], Any]) -> None:
        """Remember how to take back the last change (re-applied through a service)."""
        self.undo_stack.append((label, fn))
        del self.undo_stack[:-20]

    def action_undo(self) -> None:
        reason = self.read_only_reason()
        if reason is not None:  # a past date is set: no change, not even an undo
            self.say(reason, error=True)
            return
        if not self.undo_stack:
            self.say("nothing to undo")
            return
        label, fn = self.undo_stack.pop()
        screen = self.screen
        if isinstance(screen, DbMixin):  # a write like any other: counted, never cancelled, always said
            def undo() -> Any:
                try:
                    return fn()
                except AimsError as exc:
                    raise AimsError(f"cannot undo {label}: {exc}") from exc

            screen.db_write(undo, message=f"undone: {label}", dialogs=True)
            return
        self._run_undo(label, fn)

    @work(thread=True, group="undo")
    def _run_undo(self, label: str, fn: Callable[[], Any]) -> None:
        try:
            fn()
        except AimsError as exc:
            self.call_from_thread(self.say, f"cannot undo {label}: {exc}", error=True)
            return
        self.call_from_thread(self.say, f"undone: {label}")
        self.call_from_thread(self.refresh_screens, dialogs=True)

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

    @work(thread=True, exclusive=True, group="listen")
    def _listen(self) -> None:
        """PostgreSQL: wait on the server's notifications of commits (every write of aims
        NOTIFYs); a lost connection falls back to polling."""
        worker = get_current_worker()
        try:
            # once listening, read the screen again: a commit that landed between the first
            # screen's read and the LISTEN would otherwise never show
            self.database.listen(lambda: self.call_from_thread(self.refresh_screens),
                                 lambda: worker.is_cancelled,
                                 ready=lambda: self.call_from_thread(self.refresh_screens))
        except Exception:  # noqa: BLE001 - live refresh must never stop the app
            if not worker.is_cancelled:
                self.call_from_thread(self.set_interval, self.poll_seconds, self._poll)

    def refresh_screens(self, force: bool = False, dialogs: bool = False) -> None:
        """Someone committed: read what is on screen again. A screen showing the register as of
        a past day is left as it is (the past does not change), unless ``force`` (the day changed).
        Dialogs are left as they are (the user's typing stays; a save of what someone else changed
        meets the conflict dialog), unless ``dialogs`` (an undo: the user's own change taken back,
        which the dialogs showing it must show too): then each dialog with a ``refresh_data`` (it
        re-reads keeping what the user typed) reads again."""
        for screen in reversed(self.screen_stack):
            if screen.is_modal:
                fn = getattr(screen, "refresh_data", None) if dialogs else None
                if fn is not None:
                    fn()
                continue
            if self.as_of is not None and getattr(screen, "SHOWS_AS_OF", False) and not force:
                break
            # our screens have refresh_data; screens from the registry may offer action_refresh
            fn = getattr(screen, "refresh_data", None) or getattr(screen, "action_refresh", None)
            if fn is not None:
                fn()
            break

    # -- the command palette: screens first, then this screen's actions --------------------------
    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        for e in self.screen_entries:
            where = f"key {e.key}" if e.key else "on the Management system screen, key M"
            yield SystemCommand(f"Go to {e.title}", f"{e.help} ({where})", partial(self.goto, e.id))
        sections = dict(self.key_sections(screen))
        node_of = {"This screen": screen, "Everywhere": self}
        offered = set()
        for name in ("This screen", "Everywhere"):
            for key, desc, action in sections[name]:
                if action in ("help", "command_palette") or "focus_" in action or desc in offered:
                    continue
                offered.add(desc)
                yield SystemCommand(desc, f"key {key}", partial(self._run_palette_action, node_of[name], action))
        for cmd in super().get_system_commands(screen):
            if cmd.title == "Keys" or cmd.title in offered:
                continue  # help (?) lists the keys; each thing once
            yield cmd

    def _run_palette_action(self, node: Any, action: str) -> None:
        self.call_later(self.run_action, action, node)


def _own_actions(cls: type) -> set[str]:
    """The actions bound by aims' own classes (not inherited from Textual's)."""
    out = set()
    for k in cls.__mro__:
        if k.__module__.startswith("aims_tui"):
            for b in k.__dict__.get("BINDINGS", []):
                out.add(b.action if isinstance(b, Binding) else b[1])
    return out


def run(database: Database, login: str, screen: str = "dashboard") -> None:
    AimsApp(database, login, screen=screen).run()
