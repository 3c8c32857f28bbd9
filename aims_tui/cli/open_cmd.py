"""`aims` with no command: open the app (after loading the demo with --demo)."""

from __future__ import annotations

from . import common
from ..core.queries import risk_count
from ..core.services.demo import load_demo


@common.handle_errors
def open_app(demo: bool) -> None:
    database = common.open_db(create=True)
    login = common.actor_for(database)
    if demo:
        if risk_count(database) == 0:
            counts = load_demo(database, login)
            common.note(f"aims: loaded demo data ({counts['systems']} AI systems, {counts['risks']} risks)")
    from ..tui.app import run  # deferred: Textual loads only when the TUI starts

    run(database, login)
