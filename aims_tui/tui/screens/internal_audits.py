"""Internal audits (9.2) and corrective actions (10.2), on RecordScreen.

Audit programmes: ``A`` approves the highlighted one (an approver). Internal
audits: ``f`` raises a finding of the highlighted audit as a nonconformity.
Corrective actions: the actions on nonconformities and their effectiveness.
"""

from __future__ import annotations

from textual.binding import Binding

from ...core.identity import APPROVE, EDIT
from ...core.models import NC_SEVERITIES
from ...core.services import internal_audits
from ..dialogs.form import Field, FormDialog
from .records import RecordScreen


class AuditProgrammesScreen(RecordScreen):
    KIND = "audit_programme"
    COLUMNS = [("Ref", 8), ("Period", 8), ("Title", None), ("Owner", 10, 90), ("Status", 9), ("Approved by", 11, 90),
               ("Next review", 11)]
    SHOW = ["ref", "period", "title", "owner", "status", "approved_by", "next_review"]
    APPROVE_ACTIONS = frozenset({"approve"})
    BINDINGS = RecordScreen.BINDINGS + [Binding("A", "approve", "Approve", priority=True)]

    @property
    def HELP(self) -> str:  # type: ignore[override]
        return super().HELP + " A approves it (an approver; scope and criteria said first)."

    def action_approve(self) -> None:
        r = self.current
        if not r or not self.allowed(APPROVE, "approving an audit programme"):
            return
        db, login, ref, version, today = self.database, self.login, r["ref"], r["version"], self.aims.today
        self.db_write(lambda: internal_audits.approve_programme(db, login, ref, version, today=today),
                      lambda _r: self.refresh_data(), message=f"{ref} approved")


class InternalAuditsScreen(RecordScreen):
    KIND = "internal_audit"
    COLUMNS = [("Ref", 8), ("Title", None), ("Area", 16, 90), ("Auditor", 10), ("Planned", 10), ("Held", 10, 100),
               ("Status", 9)]
    SHOW = ["ref", "title", "area", "auditor", "planned_on", "held_on", "status"]
    BINDINGS = RecordScreen.BINDINGS + [Binding("f", "finding", "Finding", priority=True)]
    EDIT_ACTIONS = RecordScreen.EDIT_ACTIONS | {"finding"}

    @property
    def HELP(self) -> str:  # type: ignore[override]
        return super().HELP + " f raises a finding of it as a nonconformity (kind audit finding)."

    def action_finding(self) -> None:
        r = self.current
        if not r or not self.allowed(EDIT, "raising an audit finding"):
            return
        db, login, ref, today = self.database, self.login, r["ref"], self.aims.today
        fields = [Field("title", "Finding", "text", "", placeholder="what was found"),
                  Field("severity", "Severity", "choice", "minor", choices=[(s, s) for s in NC_SEVERITIES]),
                  Field("description", "Description", "long", "", placeholder="the evidence")]

        def save(values: dict, state: dict) -> dict:
            return internal_audits.raise_finding(db, login, ref, {k: v for k, v in values.items() if v not in ("", None)},
                                                 today=today)

        self.app.push_screen(FormDialog(
            f"Finding of {ref}", fields, save, ok="Raise", what="finding", again=False,
            explain=f"Recorded as a nonconformity of kind audit finding, linked to {ref}.",
            message=lambda nc: f"finding {nc['ref']} raised from {ref}", landed=lambda _nc: self.refresh_data()))


class CorrectiveActionsScreen(RecordScreen):
    KIND = "corrective_action"
    COLUMNS = [("Ref", 7), ("NC", 7), ("Action", None), ("Owner", 10, 90), ("Due", 10), ("Status", 11),
               ("Review due", 10, 100), ("Effective", 9)]
    SHOW = ["ref", "nonconformity", "action", "owner", "due_date", "status", "effectiveness_review_due", "effective"]
