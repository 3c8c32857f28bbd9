"""Support (clause 7): resources, competences, training and awareness, communications, on RecordScreen."""

from __future__ import annotations

from .records import RecordScreen


class ResourcesScreen(RecordScreen):
    KIND = "resource"
    COLUMNS = [("Ref", 8), ("Type", 14), ("Resource", None), ("Owner", 10, 90), ("Status", 12), ("Next review", 11)]
    SHOW = ["ref", "type", "title", "owner", "status", "next_review"]


class CompetenceScreen(RecordScreen):
    KIND = "competence"
    COLUMNS = [("Ref", 8), ("AIMS role", 18), ("Competence", None), ("Level", 10), ("Owner", 10, 90),
               ("Status", 8)]
    SHOW = ["ref", "role", "title", "level", "owner", "status"]


class TrainingScreen(RecordScreen):
    KIND = "training"
    COLUMNS = [("Ref", 9), ("Person", 14), ("Kind", 9), ("What", None), ("Competence", 10, 100),
               ("Completed", 11, 90), ("Expires", 11), ("Status", 10)]
    SHOW = ["ref", "person", "kind", "title", "competence", "completed_on", "expires_on", "status"]


class CommunicationsScreen(RecordScreen):
    KIND = "communication"
    COLUMNS = [("Ref", 8), ("What", None), ("Audience", 16), ("Reach", 9), ("Channel", 14, 100),
               ("Owner", 10, 90), ("Next due", 11)]
    SHOW = ["ref", "title", "audience", "reach", "channel", "owner", "next_review"]
