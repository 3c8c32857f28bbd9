"""`aims` with no command: open the app (after loading the demo with --demo).

The usual case, an existing SQLite register whose user is known, opens without
loading SQLAlchemy, SQLModel or the services: the database is found by core.config,
checked by core.db's stdlib reads, and the user by core.fastread (sqlite3); the app
then draws its first screen through sqlite3 and loads the ORM after (issue 15).
Anything else (--demo, a new or PostgreSQL database, an unknown or inactive user,
a file that is not an aims database) goes the full way, whose messages say what is wrong.
"""

from __future__ import annotations

from typing import Any


def _quick(db_option: str | None) -> tuple[Any, str] | None:
    """(database, login) when the app may open at once, else None (the full way)."""
    from ..core import config, fastread
    from ..core.db import open_database, resolve_url, sqlite_path
    from ..core.login import os_login

    try:
        choice = config.choose_db(db_option)
        path = sqlite_path(resolve_url(choice.value))
        if path is None or not path.is_file():
            return None
        config.apply(choice)
        database = open_database(choice.value, create=False)
        login = os_login()
        user = fastread.user(database, login)
    except Exception:  # noqa: BLE001 - whatever it is, the full way says it in its words
        return None
    if not user or not user.get("active"):
        return None
    return database, login


def open_app(demo: bool, db_option: str | None = None, screen: str = "dashboard") -> None:
    _check_screen(screen)
    quick = None if demo else _quick(db_option)
    if quick is None:
        return _open_app_full(demo, screen)
    from ..tui.app import run  # deferred: Textual loads only when the TUI starts

    try:
        run(*quick, screen=screen)
    except Exception as exc:
        from ..core.errors import AimsError

        if not isinstance(exc, AimsError):
            raise
        from . import common

        common.fail(str(exc))


def _check_screen(screen: str) -> None:
    """--screen names a screen the app opens on (one with a key: the registers of the
    management system open from M), or the command stops here, naming the choices."""
    from ..tui.screens import registry

    offered = [e.id for e in registry.SCREENS]
    if screen not in offered:
        from . import common

        common.fail(f"--screen: no screen '{screen}'; one of: {', '.join(offered)}")


def _open_app_full(demo: bool, screen: str = "dashboard") -> None:
    from . import common

    @common.handle_errors
    def opened() -> None:
        from ..core.queries import risk_count
        from ..core.services.demo import load_demo

        database = common.open_db(create=True)
        login = common.actor_for(database)
        if demo:
            if risk_count(database) == 0:
                counts = load_demo(database, login)
                common.note(f"aims: loaded demo data ({counts['systems']} AI systems, {counts['risks']} risks)")
        from ..tui.app import run  # deferred: Textual loads only when the TUI starts

        run(database, login, screen=screen)

    opened()
