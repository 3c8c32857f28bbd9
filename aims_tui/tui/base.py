"""Pieces every screen and dialog shares: database work in thread workers,
role checks that say which role is needed, literal notifications."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Callable

from textual.worker import get_current_worker

from ..core.errors import AimsError, PermissionDenied
from ..core.identity import ROLE_RANK

if TYPE_CHECKING:
    from .app import AimsApp


def needed_role(roles: tuple[str, ...]) -> str:
    return min(roles, key=lambda r: ROLE_RANK[r])


class DbMixin:
    """Run one database operation in a thread worker and post the result back.

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
            try:
                result = fn()
            except AimsError as exc:
                err: AimsError = exc
            except Exception as exc:  # noqa: BLE001 - shown to the user, never crashes the app
                err = AimsError(f"unexpected error: {type(exc).__name__}: {exc}")
            else:
                if not worker.is_cancelled and done is not None:
                    _post(app, done, result)
                return
            if not worker.is_cancelled:
                _post(app, self._db_failed, err, failed)

        self.run_worker(job, thread=True, exclusive=exclusive, group=group)  # type: ignore[attr-defined]

    def _db_failed(self, err: AimsError, failed: Callable[[AimsError], bool | None] | None) -> None:
        if failed is not None and failed(err):
            return
        self.aims.say(str(err), error=True)

    def allowed(self, roles: tuple[str, ...], doing: str) -> bool:
        """True if the user's role may do it; else say which role it needs."""
        role = self.aims.role
        if role in roles:
            return True
        self.aims.say(str(PermissionDenied(doing, (needed_role(roles),), role)), error=True)
        return False


def _post(app: Any, fn: Callable, *args: Any) -> None:
    try:
        app.call_from_thread(fn, *args)
    except RuntimeError:  # the app is closing
        pass
