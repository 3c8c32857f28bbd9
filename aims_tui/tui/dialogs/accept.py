"""Accepting a residual risk (approvers): ask why and until when, then accept."""

from __future__ import annotations

from typing import Any, Callable

from ...core.identity import APPROVE
from ...core.services import acceptances
from .prompt import PromptDialog


def _check(values: dict) -> str | None:
    if len(values.get("justification", "").strip()) < 10:
        return "Justification: say why the risk is accepted (at least 10 characters)"
    return None


def accept_risk_flow(screen: Any, ref: str, version: int | None, done: Callable[[], None] | None = None) -> None:
    """From any screen with DbMixin: ask, accept through the service, offer undo."""
    if not screen.allowed(APPROVE, "accepting a residual risk"):
        return
    app = screen.app

    def chosen(values: dict | None) -> None:
        if values is None:
            return
        db, login, today = screen.database, screen.login, app.today

        def work() -> dict:
            return acceptances.accept_risk(db, login, ref, values["justification"],
                                           values.get("expires_on") or None, expect_version=version, today=today)

        def ok(acc: dict) -> None:
            app.say(f"{ref}: residual risk accepted until {acc['expires_on']}")
            app.push_undo(f"acceptance of {ref}",
                          lambda: acceptances.revoke_acceptance(db, login, acc["id"], "undone"))
            if done:
                done()

        screen.db_write(work, ok)

    app.push_screen(PromptDialog(
        f"Accept the residual risk of {ref}",
        [("justification", "Why", "why the residual risk is acceptable", ""),
         ("expires_on", "Until", "YYYY-MM-DD (default: one year)", "")],
        ok="Accept", check=_check,
        explain="An acceptance is recorded with your name and the current residual score."), chosen)
