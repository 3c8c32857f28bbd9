"""The database's own roles on PostgreSQL: group roles, grants, every user's login role.

See :mod:`aims_tui.core.pgroles`. ``aims init`` and ``aims db roles`` run
:func:`apply_roles`; ``aims users add | set-role | deactivate`` keep one user's
login role in step (services.users). SQLite has no roles: nothing to do there.
"""

from __future__ import annotations

from sqlalchemy.exc import DBAPIError
from sqlmodel import Session, select

from .. import pgroles
from ..db import Database
from ..errors import DatabaseError
from ..models import User


def apply_roles(database: Database) -> list[str]:
    """Create the group roles and grants (idempotent) and give every active user's
    login role the group of their aims role (deactivated users: none). One
    transaction: all or nothing. Returns what was done, one line each."""
    if database.is_sqlite:
        return []

    def tx(s: Session) -> list[str]:
        conn = s.connection()
        done = pgroles.setup(conn)
        for u in s.exec(select(User).order_by(User.login)):
            done += pgroles.sync_login(conn, u.login, u.role if u.active else None)
        return done

    try:
        return database.transact(tx)
    except DatabaseError as exc:
        if "permission denied" in str(exc).lower() or "createrole" in str(exc).lower():
            raise DatabaseError(f"cannot set up the database roles: {exc} (run 'aims db roles' as the "
                                "owner of the database with CREATEROLE, e.g. the role that ran 'aims init')") from None
        raise
    except DBAPIError as exc:  # pragma: no cover - transact turns these into DatabaseError
        raise DatabaseError(str(exc.orig)) from None
