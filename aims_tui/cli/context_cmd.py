"""aims context issues add | update | list | show | reviewed | withdraw | restore (clause 4)."""

from __future__ import annotations

from . import common
from .records_cmd import record_commands
from ..core.context import CONTEXT_ISSUE

context = common.command_group("context", help="Context of the organization (clause 4).")
context.add_typer(record_commands(CONTEXT_ISSUE, "issues", ["ref", "kind", "title", "owner", "status", "next_review"],
                                  help="Internal and external issues (4.1).", path="context issues"))
