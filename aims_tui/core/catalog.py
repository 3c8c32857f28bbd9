"""Every kind of record declared with :class:`aims_tui.core.kind.Kind`, once.

Add a kind by importing its declaration here and listing it in ``ALL``; the
write path, withdrawal, reminders, the CLI and the app find it through this
table (the lossless JSON export and the seal cover every table already).
"""

from __future__ import annotations

from . import evidence
from .context import CONTEXT_ISSUE
from .incidents import INCIDENT
from .suppliers import AI_COMPONENT, SUPPLIER
from .improvement import AUDIT_PROGRAMME, CORRECTIVE_ACTION, INTERNAL_AUDIT
from .context import INTERESTED_PARTY
from .documents import DOCUMENT
from .leadership import RESPONSIBILITY
from .evidence import EVIDENCE
from .kind import Due, Kind, Link
from .planning import OPPORTUNITY
from .objectives import MEASUREMENT, OBJECTIVE
from .support import COMMUNICATION, COMPETENCE, RESOURCE, TRAINING

__all__ = ["ALL", "KINDS", "Due", "Kind", "Link", "kind"]

ALL: tuple[Kind, ...] = (
    CONTEXT_ISSUE,
    SUPPLIER,
    AI_COMPONENT,
    INCIDENT,
    AUDIT_PROGRAMME,
    INTERNAL_AUDIT,
    CORRECTIVE_ACTION,
    INTERESTED_PARTY,
    DOCUMENT,
    RESPONSIBILITY,
    OPPORTUNITY,
    OBJECTIVE,
    MEASUREMENT,
    RESOURCE,
    COMPETENCE,
    TRAINING,
    COMMUNICATION,
    EVIDENCE,
)

KINDS: dict[str, Kind] = {k.entity: k for k in ALL}
evidence.know_kinds(ALL)  # evidence links to records of every kind, found by prefix


def kind(entity: str) -> Kind:
    return KINDS[entity]
