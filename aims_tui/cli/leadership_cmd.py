"""aims responsibilities add | update | list | show | reviewed | withdraw | restore (5.3)."""

from __future__ import annotations

from .records_cmd import record_commands
from ..core.leadership import RESPONSIBILITY

responsibilities = record_commands(
    RESPONSIBILITY, "responsibilities", ["ref", "title", "holder", "deputy", "status", "next_review"],
    help="AIMS roles and responsibilities (5.3): who holds each, the deputy, what they are accountable for.")
