"""Evidence (issue 17): files and pages linked to controls and records, on RecordScreen.

A path is shown as it is (control characters escaped by ``render.lit``); the file
is never opened by a program here: its SHA-256 is read by core when the record is
saved. ``v`` reads every file again (as ``aims evidence verify``) and says what
changed; ``r`` takes the highlighted file as it is now (``aims evidence recapture``).
"""

from __future__ import annotations

from textual.binding import Binding

from ...core import evidence as ev
from ...core.services import evidence as evidence_service
from ...core.text import visible
from .records import RecordScreen


class EvidenceScreen(RecordScreen):
    KIND = "evidence"
    COLUMNS = [("Ref", 8), ("For", 10), ("Title", None), ("File or URL", 30, 100), ("Status", 10),
               ("Next review", 11, 90)]
    SHOW = ["ref", "for_ref", "title", "location", "status", "next_review"]
    FORM = ["title", "location", "for_ref", "shows", "captured_by", "captured_on", "status", "review_cadence",
            "next_review"]
    EDIT_ACTIONS = RecordScreen.EDIT_ACTIONS | {"recapture"}
    BINDINGS = [*RecordScreen.BINDINGS, Binding("v", "verify", "Verify files"),
                Binding("r", "recapture", "Recapture")]

    @property
    def HELP(self) -> str:  # type: ignore[override]
        return (super().HELP + " v reads every file again and says which changed, went missing or cannot be "
                "read; r takes the highlighted file as it is now (its new SHA-256).")

    def form(self, r):
        """The kind's form, reading the file before the save's transaction (the write lock
        is then held for a look at the file, not for hashing it)."""
        dialog = super().form(r)
        save = dialog.save_fn

        def hashed_first(values: dict, state: dict):
            location = values.get("location") or ""
            if location.strip() and not ev.is_url(location.strip()):
                ev.hash_now(ev.normal_path(location))
            return save(values, state)

        dialog.save_fn = hashed_first
        return dialog

    def action_verify(self) -> None:
        db = self.database

        def said(results: list[ev.Verified]) -> None:
            if not results:
                self.aims.say("no evidence file to check (URLs are not read)")
                return
            bad = [r for r in results if r.state != ev.OK]
            head = f"{len(results)} file(s) checked, {len(results) - len(bad)} unchanged"
            if not bad:
                self.aims.say(head)
                return
            listed = "; ".join(f"{r.ref} {r.state.replace('_', ' ')}" for r in bad[:6])
            more = f" and {len(bad) - 6} more" if len(bad) > 6 else ""
            self.aims.say(f"{head}; to look at: {listed}{more} (aims evidence verify says why)", error=True)

        self.db_work(lambda: evidence_service.verify(db), said, group="verify")

    def action_recapture(self) -> None:
        r = self.current
        if r is None or not self.allowed(self.kind.role, "recapturing evidence"):
            return
        if ev.is_url(r["location"]):
            self.aims.say(f"{r['ref']} is a URL: there is no file to read", error=True)
            return
        db, login, today, ref = self.database, self.login, self.aims.today, r["ref"]
        self.db_write(lambda: evidence_service.recapture(db, login, ref, r.get("version"), today=today),
                      lambda _res: self.refresh_data(),
                      message=lambda res: f"{ref} recaptured: {visible(res['location'])}, SHA-256 "
                                          f"{res['sha256'][:12]}…, {res['size']} bytes")
