"""Users of the AIMS database and their roles."""

from __future__ import annotations

import re
from typing import Any

from sqlmodel import Session, select

from .. import audit, pgroles
from ..db import Database
from ..errors import NotFound, ValidationError
from ..identity import ADMIN, require
from ..models import ROLES, User
from ..fields import F
from ..records import to_dict
from ._base import apply, check_version, clean, record_change

LOGIN_RE = re.compile(r"^[a-z_][a-z0-9_.-]{0,31}\$?$", re.I)

SPECS = {
    "login": F("text", required=True, max_len=32),
    "display_name": F("text", max_len=200),
    "role": F("choice", required=True, choices=ROLES),
}


def _check_login(login: str) -> str:
    if not LOGIN_RE.match(login or ""):
        raise ValidationError("login", f"'{login}' is not an OS login name (letters, digits, _ . -)")
    return login


def list_users(db: Database, include_inactive: bool = True) -> list[dict[str, Any]]:
    with db.read() as s:
        q = select(User).order_by(User.login)
        if not include_inactive:
            q = q.where(User.active == True)  # noqa: E712
        return [to_dict(u) for u in s.exec(q)]


def get_user(db: Database, login: str) -> dict[str, Any] | None:
    with db.read() as s:
        u = s.exec(select(User).where(User.login == login)).first()
        return to_dict(u) if u else None


def bootstrap_admin(session: Session, login: str) -> bool:
    """Make ``login`` the first admin when the database has no user yet."""
    if session.exec(select(User.id).limit(1)).first() is not None:
        return False
    u = User(login=login, display_name=login, role="admin")
    session.add(u)
    session.flush()
    audit.record(session, login, "user", login, "create", {"role": [None, "admin"], "first_admin": [None, True]})
    return True


def add_user(db: Database, actor: str, login: str, role: str, display_name: str = "") -> dict:
    def tx(s: Session) -> dict:
        require(s, actor, ADMIN, "adding a user")
        data = clean(SPECS, {"login": login, "role": role, "display_name": display_name}, partial=False)
        _check_login(data["login"])
        existing = s.exec(select(User).where(User.login == data["login"])).first()
        if existing is not None:
            if existing.active:
                raise ValidationError("login", f"{data['login']} is already a user ({existing.role})")
            changes = apply(existing, {"active": True, "role": data["role"],
                                       "display_name": data["display_name"] or existing.display_name})
            s.add(existing)
            s.flush()
            audit.record(s, actor, "user", existing.login, "reactivate", changes)
            pgroles.sync_login(s.connection(), existing.login, existing.role)
            return to_dict(existing)
        u = User(login=data["login"], role=data["role"], display_name=data["display_name"] or data["login"])
        s.add(u)
        s.flush()
        audit.record(s, actor, "user", u.login, "create", {"role": [None, u.role]})
        pgroles.sync_login(s.connection(), u.login, u.role)
        return to_dict(u)

    return db.transact(tx)


def _active_admins(s: Session) -> int:
    return len(s.exec(select(User.id).where(User.role == "admin", User.active == True)).all())  # noqa: E712


def _get(s: Session, login: str) -> User:
    u = s.exec(select(User).where(User.login == login)).first()
    if u is None:
        raise NotFound("user", login)
    return u


def set_role(db: Database, actor: str, login: str, role: str, expect_version: int | None = None) -> dict:
    def tx(s: Session) -> dict:
        require(s, actor, ADMIN, "changing a role")
        data = clean({"role": SPECS["role"]}, {"role": role}, partial=False)
        u = _get(s, login)
        check_version(u, expect_version, "user", login)
        if u.role == "admin" and u.active and data["role"] != "admin" and _active_admins(s) <= 1:
            raise ValidationError("role", f"{login} is the last admin; make someone else admin first")
        changes = apply(u, data)
        record_change(s, actor, u, "user", login, "update", changes)
        pgroles.sync_login(s.connection(), login, u.role if u.active else None)
        return to_dict(u)

    return db.transact(tx)


def deactivate(db: Database, actor: str, login: str, expect_version: int | None = None) -> dict:
    def tx(s: Session) -> dict:
        require(s, actor, ADMIN, "deactivating a user")
        u = _get(s, login)
        check_version(u, expect_version, "user", login)
        if u.role == "admin" and u.active and _active_admins(s) <= 1:
            raise ValidationError("login", f"{login} is the last admin and cannot be deactivated")
        changes = apply(u, {"active": False})
        record_change(s, actor, u, "user", login, "deactivate", changes)
        pgroles.sync_login(s.connection(), login, None)
        return to_dict(u)

    return db.transact(tx)
