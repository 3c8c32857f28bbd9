"""Reading records as plain data: the read side every layer above the store shares.

The services (the write path), the read modules of the core (queries, checks,
reminders, windows), the reports and the faces all turn rows into dicts and read
the settings row through these functions, so none of them has to import the
write path to read.
"""

from __future__ import annotations

from typing import Any, TypeVar

from sqlmodel import Session, SQLModel, select

from .errors import NotFound
from .models import AISystem, Risk, Settings
from .scoring import Matrix

M = TypeVar("M", bound=SQLModel)


def to_dict(obj: SQLModel) -> dict[str, Any]:
    """A record as plain data (a new dict; safe to hand to any face)."""
    return {c.key: getattr(obj, c.key) for c in obj.__table__.columns}


def settings_row(session: Session) -> Settings:
    """The one settings row (defaults when the database has none yet)."""
    row = session.get(Settings, 1)
    if row is None:
        row = Settings(id=1)
    return row


def matrix_of(session: Session) -> Matrix:
    """The risk matrix in force."""
    return Matrix.from_dict(settings_row(session).matrix)


def system_id_of(session: Session, ref: str) -> int | None:
    """The id of the AI system with this ref (None when there is none)."""
    return session.exec(select(AISystem.id).where(AISystem.ref == ref)).first()


def system_ref_of(session: Session, system_id: int | None) -> str | None:
    """The ref of the AI system with this id (None for no id or no such system)."""
    if system_id is None:
        return None
    return session.exec(select(AISystem.ref).where(AISystem.id == system_id)).first()


def get_by_ref(session: Session, model: type[M], ref: str, what: str) -> M:
    """The record of ``model`` with this ref; NotFound naming ``what`` when there is none."""
    row = session.exec(select(model).where(model.ref == ref)).first()
    if row is None:
        raise NotFound(what, ref)
    return row


def get_risk_row(session: Session, ref: str) -> Risk:
    """The risk with this ref; NotFound when there is none."""
    return get_by_ref(session, Risk, ref, "risk")
