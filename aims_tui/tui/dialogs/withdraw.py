"""Withdraw a record made by mistake, or restore a withdrawn one, after a
confirmation. The same key does both: it withdraws a live record and restores
a withdrawn one. Audited; ctrl+z takes it back."""

from __future__ import annotations

from typing import Any, Callable

from ...core.identity import EDIT
from ...core.models import WITHDRAWN
from ...core.services import withdrawal
from .confirm import ConfirmDialog


def withdraw_flow(node: Any, kind: str, ref: str, version: int | None, *, withdrawn: bool = False,
                  done: Callable[[dict], None] | None = None) -> None:
    """Ask, then withdraw (or restore, when ``withdrawn``) ``kind`` ``ref`` through the service.

    ``node`` is a screen or dialog with DbMixin (db_write, allowed)."""
    what = withdrawal.title_of(kind)
    verb = "restoring" if withdrawn else "withdrawing"
    if not node.allowed(EDIT, f"{verb} a {what}"):
        return
    db, login = node.database, node.login
    if withdrawn:
        question = f"Restore {what} {ref}? It comes back with the status it had when it was withdrawn."
        yes = "Restore"

        def write() -> dict:
            return withdrawal.restore(db, login, kind, ref, expect_version=version)

        def undo(row: dict) -> tuple[str, Callable[[], Any]]:
            return (f"restoring {ref}", lambda: withdrawal.withdraw(db, login, kind, ref,
                                                                     expect_version=row["version"]))

        def said(row: dict) -> str:
            return f"{ref} restored (ctrl+z withdraws it again)"
    else:
        question = (f"Withdraw {what} {ref} as made by mistake? It leaves the lists, checks, reminders and "
                    f"the pack; the audit trail keeps it, and it can be restored.")
        yes = "Withdraw"

        def write() -> dict:
            return withdrawal.withdraw(db, login, kind, ref, reason="made by mistake", expect_version=version)

        def undo(row: dict) -> tuple[str, Callable[[], Any]]:
            return (f"withdrawing {ref}", lambda: withdrawal.restore(db, login, kind, ref,
                                                                      expect_version=row["version"]))

        def said(row: dict) -> str:
            return f"{ref} withdrawn (ctrl+z restores it)"

    def answered(ok: bool | None) -> None:
        if ok:
            node.db_write(write, done, message=said, undo=undo)

    node.app.push_screen(ConfirmDialog(question, yes, "Keep it"), answered)


def is_withdrawn(row: dict | None, field: str = "status") -> bool:
    return bool(row) and row.get(field) == WITHDRAWN  # type: ignore[union-attr]
