"""The errors that services raise. Each carries a message a person can act on."""

from __future__ import annotations

from typing import Any


class AimsError(Exception):
    """Base of every expected failure (shown as one line, never a traceback)."""


class ValidationError(AimsError):
    """Input is wrong. ``field`` names it; ``errors`` may hold several at once."""

    def __init__(self, field: str, message: str, errors: list[tuple[str, str]] | None = None):
        self.field = field
        self.message = message
        self.errors = errors or [(field, message)]
        super().__init__(f"{field}: {message}")


class PermissionDenied(AimsError):
    def __init__(self, action: str, needed: tuple[str, ...] | str, role: str | None):
        self.action = action
        self.needed = (needed,) if isinstance(needed, str) else tuple(needed)
        self.role = role
        need = " or ".join(self.needed)
        super().__init__(f"{action} needs the {need} role (you are {role or 'not a user'})")


class NotFound(AimsError):
    def __init__(self, what: str, ref: Any):
        self.what = what
        self.ref = ref
        super().__init__(f"{what} {ref} not found")


class Conflict(AimsError):
    """Someone else saved the record first. ``current`` holds their values."""

    def __init__(self, what: str, ref: Any, expected: int | None, current: dict[str, Any]):
        self.what = what
        self.ref = ref
        self.expected = expected
        self.current = current
        super().__init__(
            f"{what} {ref} was changed by someone else (you had version {expected}, "
            f"it is now version {current.get('version')}); reload and try again"
        )


class UnknownUser(AimsError):
    def __init__(self, login: str, admins: list[str]):
        self.login = login
        self.admins = admins
        who = ", ".join(admins) if admins else "the person who ran 'aims init'"
        super().__init__(
            f"'{login}' is not a user of this AIMS database; ask an admin ({who}) "
            f"to run: aims users add {login} --role editor"
        )


class GateFailed(AimsError):
    def __init__(self, to_stage: str, gates: list[tuple[str, str]]):
        self.to_stage = to_stage
        self.gates = gates
        listed = "; ".join(desc for _, desc in gates)
        # each gate reads as a condition ("at least one risk is registered ..."): say it is not met
        # (it read "missing at least one risk is registered ...")
        unmet = "this gate is not met" if len(gates) == 1 else f"these {len(gates)} gates are not met"
        super().__init__(f"cannot move to {to_stage}: {unmet}: {listed}")


class DatabaseError(AimsError):
    """The database cannot be opened, upgraded or written."""
