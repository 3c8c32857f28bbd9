"""Documented information (7.5) on RecordScreen: the register of documents, the AI
policy (5.2) among them; ``a`` approves the highlighted draft (approvers)."""

from __future__ import annotations

from textual.binding import Binding

from ...core.documents import returned_to_draft
from ...core.identity import APPROVE
from ...core.services import documents as documents_svc
from ..dialogs.form import FormDialog
from .records import RecordScreen


class DocumentsScreen(RecordScreen):
    KIND = "document"
    COLUMNS = [("Ref", 8), ("Type", 10), ("Title", None), ("Version", 8), ("Status", 9),
               ("Approved by", 11, 90), ("Next review", 11)]
    SHOW = ["ref", "doc_type", "title", "version_label", "status", "approved_by", "next_review"]
    APPROVE_ACTIONS = frozenset({"approve"})
    BINDINGS = [Binding("a", "approve", "Approve", priority=True)]

    @property
    def HELP(self) -> str:  # type: ignore[override]
        return ("n records a document, e or Enter edits the highlighted one, a approves it (approvers), "
                "w withdraws it. Changing the title, type, version or location of an approved document "
                "returns it to draft.")

    def form(self, r: dict | None) -> FormDialog:
        dialog = super().form(r)
        said = dialog.message

        def message(res: dict) -> str:
            base = said(res) if callable(said) else str(said or "")
            if returned_to_draft(r, res):
                return f"{base}; it was approved and returns to draft (a approves it again)"
            return base

        dialog.message = message
        return dialog

    def action_approve(self) -> None:
        r = self.current
        if not r or not self.allowed(APPROVE, "approving a document"):
            return
        db, login, ref, version, today = self.database, self.login, r["ref"], r["version"], self.aims.today
        self.db_write(lambda: documents_svc.approve(db, login, ref, expect_version=version, today=today),
                      lambda res: (self.aims.say(f"{ref} approved by {res['approved_by']} "
                                                 f"(version {res['version_label']})"), self.refresh_data()))
