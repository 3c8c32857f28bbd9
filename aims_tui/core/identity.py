"""Who is acting: the OS login of this process, and what their role allows.

Identity comes from the operating system (the effective uid), never from an
option, an environment variable or a file a user can edit. On PostgreSQL it
comes from the connection: the role the server authenticated (``session_user``;
with peer authentication over the Unix socket, the OS login itself), so that
aims' user and the database role whose grants apply are always the same.
"""

from __future__ import annotations

from sqlalchemy import text
from sqlmodel import Session, select

from .errors import PermissionDenied, UnknownUser
from .login import os_login
from .models import User
from .roles import ADMIN, APPROVE, EDIT, READ, ROLE_RANK

__all__ = ["ADMIN", "APPROVE", "EDIT", "READ", "ROLE_RANK"]


def acting_login(database) -> str:
    """The login acting on ``database``: the connection's role on PostgreSQL, else
    the OS login (see the module's docstring)."""
    if getattr(database, "backend", "sqlite") == "postgresql":
        with database.engine.connect() as c:
            return str(c.execute(text("SELECT session_user")).scalar())
    return os_login()


def admins(session: Session) -> list[str]:
    return list(session.exec(
        select(User.login).where(User.role == "admin", User.active == True).order_by(User.login)  # noqa: E712
    ).all())


def is_user(session: Session, login: str) -> bool:
    """Whether ``login`` is a user of the database, active or deactivated (what they owned
    is still theirs to list)."""
    return session.exec(select(User.id).where(User.login == login)).first() is not None


def lookup(session: Session, login: str) -> User:
    """The active user for ``login``, or UnknownUser naming an admin."""
    user = session.exec(select(User).where(User.login == login)).first()
    if user is None or not user.active:
        raise UnknownUser(login, admins(session))
    return user


def require(session: Session, login: str, roles: tuple[str, ...], action: str) -> User:
    """Check, inside the transaction, that ``login`` may do ``action``."""
    user = lookup(session, login)
    if user.role not in roles:
        raise PermissionDenied(action, _needed(roles), user.role)
    return user


def _needed(roles: tuple[str, ...]) -> tuple[str, ...]:
    """The lowest role that would do (named in the refusal)."""
    lowest = min(roles, key=lambda r: ROLE_RANK[r])
    return (lowest,)


def can(role: str | None, roles: tuple[str, ...]) -> bool:
    return role in roles
