"""Support (clause 7): aims resources, aims competence, aims training, aims communications
(each: add | update | list | show | reviewed | withdraw | restore)."""

from __future__ import annotations

from .records_cmd import record_commands
from ..core.support import COMMUNICATION, COMPETENCE, RESOURCE, TRAINING

resources = record_commands(RESOURCE, "resources", ["ref", "type", "title", "owner", "status", "next_review"],
                            help="Resources the AIMS needs (7.1).")
competence = record_commands(COMPETENCE, "competence", ["ref", "role", "title", "level", "owner", "status"],
                             help="Competences each AIMS role requires (7.2).")
training = record_commands(TRAINING, "training",
                           ["ref", "person", "kind", "title", "competence", "completed_on", "expires_on", "status"],
                           help="Training and awareness of people, with expiry and evidence (7.2, 7.3).")
communications = record_commands(COMMUNICATION, "communications",
                                 ["ref", "title", "audience", "reach", "channel", "owner", "next_review"],
                                 help="Planned communication about the AIMS (7.4); reviewed records it went out.")
