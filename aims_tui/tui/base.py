"""Pieces every screen and dialog shares: database work in thread workers,
role checks that say which role is needed, literal notifications."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Callable

from textual.worker import get_current_worker

from ..core.errors import AimsError, PermissionDenied
from ..core.roles import ROLE_RANK

if TYPE_CHECKING:
    from .app import AimsApp


def needed_role(roles: tuple[str, ...]) -> str:
    return min(roles, key=lambda r: ROLE_RANK[r])


def _run_caught(fn: Callable[[], Any]) -> tuple[Any, AimsError | None]:
    """Run ``fn`` in a worker: ``(result, None)``, or ``(None, error)`` with a message ready
    for the user (an unexpected exception is named, never raised into the app)."""
    try:
        return fn(), None
    except AimsError as exc:
        return None, exc
    except Exception as exc:  # noqa: BLE001 - shown to the user, never crashes the app
        return None, AimsError(f"unexpected error: {type(exc).__name__}: {exc}")


class DbMixin:
    """Database work off the UI thread, in two kinds that never share a group.

    ``db_work`` is a read: it runs in an exclusive group of its node, so a newer
    read of the same thing replaces an older one (a refresh cancels a refresh),
    and its result is dropped when the node goes away.

    ``db_write`` is a write the user started: it runs on the app (not on the
    screen or dialog that started it, which may close meanwhile), each in a
    group of its own, so no refresh, no other write and no screen change can
    cancel it. It always ends visibly: ``message`` is said when it lands,
    ``failed`` (or the app) shows an error, and ``done`` runs if its node is
    still on screen.

    ``fn`` runs off the UI thread; ``done(result)`` and ``failed(error)`` run on
    it. Errors are caught in the worker: AimsError messages are user-ready.
    """

    @property
    def aims(self) -> "AimsApp":
        return self.app  # type: ignore[attr-defined,return-value]

    def db_work(self, fn: Callable[[], Any], done: Callable[[Any], None] | None = None, *,
                group: str = "db", failed: Callable[[AimsError], bool | None] | None = None,
                exclusive: bool = True) -> None:
        app = self.app  # type: ignore[attr-defined]

        def job() -> None:
            worker = get_current_worker()
            result, err = _run_caught(fn)
            if worker.is_cancelled:
                return
            if err is not None:
                _post(app, self._db_failed, err, failed)
            elif done is not None:
                _post(app, done, result)

        self.run_worker(job, thread=True, exclusive=exclusive, group=group)  # type: ignore[attr-defined]

    def db_write(self, fn: Callable[[], Any], done: Callable[[Any], None] | None = None, *,
                 failed: Callable[[AimsError], bool | None] | None = None,
                 message: str | Callable[[Any], str] | None = None,
                 undo: Callable[[Any], tuple[str, Callable[[], Any]]] | None = None,
                 dialogs: bool = False) -> None:
        """``undo(result)`` gives ``(label, fn)`` pushed on the app's undo stack when the
        write lands, even if the node that started it has gone (a closed dialog).
        ``dialogs``: the dialogs on screen read again too when it lands (an undo)."""
        app = self.app  # type: ignore[attr-defined]
        owner = self
        reason = getattr(app, "read_only_reason", lambda: None)()
        if reason is not None:  # a past date is set (issue 19): refused like a failed write, saying why
            app.pending_writes += 1
            self._write_failed(AimsError(reason), failed)
            return

        def job() -> None:
            result, err = _run_caught(fn)
            if err is not None:
                _post(app, owner._write_failed, err, failed)
            else:
                _post(app, owner._write_landed, result, done, message, undo, dialogs)

        global _write_seq
        _write_seq += 1
        app.pending_writes += 1
        app.run_worker(job, thread=True, exclusive=False, group=f"write-{_write_seq}",
                       name=f"write-{_write_seq}")

    def _write_landed(self, result: Any, done: Callable[[Any], None] | None,
                      message: str | Callable[[Any], str] | None,
                      undo: Callable[[Any], tuple[str, Callable[[], Any]]] | None = None,
                      dialogs: bool = False) -> None:
        app = self.aims
        app.pending_writes -= 1
        if undo is not None:
            app.push_undo(*undo(result))
        if message is not None:
            app.say(message(result) if callable(message) else message)
        if done is not None and self.is_attached:  # type: ignore[attr-defined]
            done(result)
        app.refresh_screens(dialogs=dialogs)

    def _write_failed(self, err: AimsError, failed: Callable[[AimsError], bool | None] | None) -> None:
        self.aims.pending_writes -= 1
        if failed is not None and self.is_attached and failed(err):  # type: ignore[attr-defined]
            return
        self.aims.say(str(err), error=True)

    def _db_failed(self, err: AimsError, failed: Callable[[AimsError], bool | None] | None) -> None:
        if failed is not None and failed(err):
            return
        self.aims.say(str(err), error=True)

    def allowed(self, roles: tuple[str, ...], doing: str) -> bool:
        """True if the user's role may do it; else say which role it needs (or, while a past
        date is set, that the app is read only)."""
        reason = getattr(self.aims, "read_only_reason", lambda: None)()
        if reason is not None:
            self.aims.say(reason, error=True)
            return False
        role = self.aims.role
        if role in roles:
            return True
        self.aims.say(str(PermissionDenied(doing, (needed_role(roles),), role)), error=True)
        return False


_write_seq = 0


def _post(app: Any, fn: Callable, *args: Any) -> None:
    try:
        app.call_from_thread(fn, *args)
    except RuntimeError:  # the app is closing
        pass
