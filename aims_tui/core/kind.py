"""A kind of record of the management system, declared once.

Most records of clauses 4 to 10 (context issues, interested parties, documents,
objectives, competences, internal audits, corrective actions, suppliers,
incidents, evidence...) have the same shape: a ref (``CTX-001``), a title, an
owner, a status, dates, a few links to other records by ref. Each is declared
here as a :class:`Kind`, and the generic pieces read the declaration:

- the write path, :mod:`aims_tui.core.services.registers` (create, update,
  list, show; role, version, audit event, one transaction);
- withdrawal (:mod:`aims_tui.core.services.withdrawal`);
- reminders (:mod:`aims_tui.core.reminders`: each ``due`` field is a reminder);
- the CLI (:mod:`aims_tui.cli.records_cmd`: add, update, list, show, withdraw,
  JSON in and out) and the app (:mod:`aims_tui.tui.screens.records`).

Every kind is listed once, in :mod:`aims_tui.core.catalog`. A kind with rules
of its own (an auditor who may not audit their own area, a measurement that
needs its objective) says them in ``prepare``, which runs inside the
transaction before the row is written.

Read side only: this module imports the models and the field rules, never the
write path.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any, Callable

from sqlmodel import Session, SQLModel

from .fields import F
from .identity import EDIT


@dataclass(frozen=True)
class Link:
    """A field that names another record by its ref; stored as that record's id."""

    model: type[SQLModel]  # the record linked to (must have ``ref`` and ``id``)
    column: str  # the column of this kind that holds the id, e.g. "system_id"
    what: str  # how the user names it, e.g. "AI system"


@dataclass(frozen=True)
class Due:
    """A date field that makes a reminder while the record is open."""

    field: str  # e.g. "next_review", "due_date", "expires_on"
    label: str  # how the reminder reads, e.g. "document review"
    # only in these statuses (empty: in every status but the kind's ``closed`` ones), e.g. an
    # effectiveness review due once an action is "done"
    when: tuple[str, ...] = ()
    until: str = ""  # a field that, once filled, ends the reminder (e.g. "effectiveness_reviewed_on")


# prepare(session, values, row, today): check and complete ``values`` (the cleaned
# input, links already turned into ids) before they are written; ``row`` is None
# when creating. Raise ValidationError naming the field to refuse.
Prepare = Callable[[Session, dict[str, Any], Any, date], None]


@dataclass(frozen=True)
class Kind:
    entity: str  # the audit trail's entity name and the withdraw kind, e.g. "context_issue"
    model: type[SQLModel]  # has id, ref, status, version (and the fields of ``specs``)
    what: str  # the user's word, e.g. "context issue"
    prefix: str  # refs are PREFIX-001
    specs: dict[str, F]  # the fields a user may set (F.label: how forms name it, at most 19 characters)
    title_field: str = "title"
    owner_field: str | None = "owner"
    status_field: str = "status"
    closed: tuple[str, ...] = ()  # statuses in which the record asks for nothing more
    width: int = 3
    role: tuple[str, ...] = EDIT  # who may create and change it
    links: dict[str, Link] = field(default_factory=dict)
    due: tuple[Due, ...] = ()
    prepare: Prepare | None = None
    summary: tuple[str, ...] = ()  # fields written in the create event besides the title
    plural: str = ""

    @property
    def many(self) -> str:
        return self.plural or self.what + "s"

    def label(self, name: str) -> str:
        """How the user reads a field's name (its spec's label, else the name in words)."""
        spec = self.specs.get(name)
        if spec is not None and spec.label:
            return spec.label
        return name.replace("_", " ").capitalize()
