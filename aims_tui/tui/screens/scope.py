"""The scope of the AIMS (4.3) in the app: one long field in a form that saves itself
(admins only; the M screen opens it with s, or Enter on its row)."""

from __future__ import annotations

from typing import Any

from ...core.identity import ADMIN
from ...core.services import scope as scope_svc
from ..dialogs.form import Field, FormDialog
from .base import AimsScreen

TITLE = "AIMS scope (4.3)"


def first_line(text: str, width: int = 120) -> str:
    """How the scope reads in a list: its first line, cut; or how to set it."""
    line = (text or "").strip().splitlines()[0] if (text or "").strip() else ""
    if not line:
        return "(not set) s sets it (admins)"
    return line if len(line) <= width else line[: width - 1] + "…"


def open_scope_form(screen: AimsScreen, done: Any = None) -> None:
    """Read the scope, then open its form (an admin); anyone else is told who may set it."""
    if not screen.allowed(ADMIN, "setting the AIMS scope"):
        return
    db, login = screen.database, screen.login

    def show(got: dict) -> None:
        def save(values: dict, state: dict) -> dict:
            return scope_svc.set_scope(db, login, values.get("scope") or "", expect_version=state.get("version"))

        def message(res: dict) -> str:
            return f"scope saved ({len(res['scope'])} characters)" if res.get("changed") else "scope unchanged"

        def landed(res: dict) -> None:
            if done is not None:
                done(res)

        screen.app.push_screen(FormDialog(
            TITLE, [Field("scope", "AIMS scope", "long", got["scope"])], save, state={"ref": "scope", "version": got["version"]},
            what="scope", message=message, landed=landed,
            explain="What the AI management system covers: organization units, AI systems, sites, "
                    "activities, and what it leaves out and why."))

    screen.db_work(lambda: scope_svc.get_scope(db), show)
