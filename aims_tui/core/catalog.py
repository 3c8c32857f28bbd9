"""Every kind of record declared with :class:`aims_tui.core.kind.Kind`, once.

Add a kind by importing its declaration here and listing it in ``ALL``; the
write path, withdrawal, reminders, the CLI and the app find it through this
table (the lossless JSON export and the seal cover every table already).
"""

from __future__ import annotations

from . import evidence
from .context import CONTEXT_ISSUE
from .evidence import EVIDENCE
from .kind import Due, Kind, Link

__all__ = ["ALL", "KINDS", "Due", "Kind", "Link", "kind"]

ALL: tuple[Kind, ...] = (
    CONTEXT_ISSUE,
    EVIDENCE,
)

KINDS: dict[str, Kind] = {k.entity: k for k in ALL}
evidence.know_kinds(ALL)  # evidence links to records of every kind, found by prefix


def kind(entity: str) -> Kind:
    return KINDS[entity]
