"""Accepting a residual risk (approvers): ask why and until when, accept in the
dialog (it stays open until the acceptance is recorded), offer undo."""

from __future__ import annotations

from typing import Any, Callable

from ...core.identity import APPROVE
from ...core.services import acceptances
from .form import Field, FormDialog

MIN_JUSTIFICATION = 10


def _check(values: dict) -> list[tuple[str, str]]:
    if len(values.get("justification", "").strip()) < MIN_JUSTIFICATION:
        return [("justification", f"say why the risk is accepted (at least {MIN_JUSTIFICATION} characters)")]
    return []


def _earlier(acc: dict) -> str:
    """The acceptances a new one superseded, as the user reads them."""
    return ", ".join(f"the acceptance by {a['accepted_by']} until {a['expires_on'] or 'no expiry'}"
                     for a in acc.get("superseded", []))


def accept_dialog(screen: Any, ref: str, version: int | None,
                  done: Callable[[], None] | None = None) -> FormDialog:
    app = screen.app
    db, login, today = screen.database, screen.login, app.today

    def save(values: dict, state: dict) -> dict:
        return acceptances.accept_risk(db, login, ref, values["justification"],
                                       values.get("expires_on") or None, expect_version=state.get("version"),
                                       today=today)

    def landed(acc: dict) -> None:
        old = [a["id"] for a in acc.get("superseded", [])]
        label = f"acceptance of {ref}" + (f" ({_earlier(acc)} back in force)" if old else "")
        app.push_undo(label, lambda: acceptances.undo_acceptance(db, login, acc["id"], old, today=today,
                                                                 status_before=acc.get("status_before")))
        if done:
            done()

    return FormDialog(
        f"Accept the residual risk of {ref}",
        [Field("justification", "Why", "long", placeholder="why the residual risk is acceptable"),
         Field("expires_on", "Until", "date", placeholder="YYYY-MM-DD (empty: one year)")],
        save, ok="Accept", check=_check, state={"ref": ref, "version": version}, what="risk", again=False,
        explain="An acceptance is recorded with your name and the current residual score. ctrl+z undoes it.",
        message=lambda acc: f"{ref}: residual risk accepted until {acc['expires_on']}"
        + (f"; it replaces {_earlier(acc)}" if acc.get("superseded") else ""), landed=landed)


def accept_risk_flow(screen: Any, ref: str, version: int | None, done: Callable[[], None] | None = None) -> None:
    """From any screen with DbMixin: ask and accept in one dialog, offer undo."""
    if not screen.allowed(APPROVE, "accepting a residual risk"):
        return
    screen.app.push_screen(accept_dialog(screen, ref, version, done))
