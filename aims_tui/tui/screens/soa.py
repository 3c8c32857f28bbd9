"""The Statement of Applicability: every control, applicable or not, why, and how far implemented."""

from __future__ import annotations

from textual.binding import Binding

from ...core import evidence
from ...core.identity import ADMIN, APPROVE, EDIT
from ...core.models import IMPLEMENTATION_STATUSES
from ...core.schedule import today as _today
from ...core.services import controls
from .. import render
from ..dialogs.confirm import ConfirmDialog
from ..dialogs.form import Field, FormDialog, changes
from .control_links import ControlLinksScreen
from .listing import ListScreen


class SoaScreen(ListScreen):
    HELP_TITLE = "Statement of Applicability"
    HELP = ("e edits the highlighted entry (applicable yes/no, justification, status, owner); A approves all; "
            "c adds an organization's own control (admins), e.g. ORG.1. Including a control needs its "
            "justification as much as excluding one. R/T/E counts the control's linked risks, treatments and "
            "evidence; L lists them (Enter on a risk opens it).")
    EDIT_ACTIONS = frozenset({"edit", "add_control"})
    APPROVE_ACTIONS = frozenset({"approve"})
    COLUMNS = [("Control", 9), ("Title", None), ("Applies", 9), ("Status", 11), ("Owner", 8),
               ("Approved", 8, 100), ("Justification", 30, 130), ("R/T/E", 8)]
    # priority: the form opens when the key is read, so keys typed right after it go into the form
    BINDINGS = [Binding("e", "edit", "Edit entry", priority=True), Binding("A", "approve", "Approve SoA", priority=True),
                Binding("c", "add_control", "Custom control", priority=True),
                Binding("L", "links", "Links")]

    def title_line(self) -> str:
        return "Statement of Applicability (Annex A and custom controls)"

    def load(self):
        rows = controls.list_soa(self.database)
        links = evidence.control_links(self.database, self.aims.today or _today())
        for r in rows:
            r["links"] = links.get(r["code"])
        return rows

    def cells(self, r):
        app = r["applicable"]
        return [render.lit(r["code"]), render.lit(r["title"]),
                render.lit("undecided" if app is None else ("yes" if app else "no")),
                render.lit(r["implementation_status"]), render.lit(r["owner"]),
                render.lit(r["approved_by"] or "-"), render.lit(r["justification"]), render.lit(_counts(r.get("links")))]

    def on_data_table_row_selected(self, event) -> None:
        self.action_edit()

    def action_edit(self) -> None:
        r = self.current
        if not r or not self.allowed(EDIT, "editing the Statement of Applicability"):
            return
        self.app.push_screen(self.form(r))

    def form(self, r: dict) -> FormDialog:
        """Edit one entry in a dialog that saves itself; ctrl+z takes the change back."""
        db, login, code, app = self.database, self.login, r["code"], self.aims
        applicable = "" if r["applicable"] is None else ("yes" if r["applicable"] else "no")
        fields = [
            Field("applicable", "Applicable", "choice", applicable, choices=[("yes", "yes"), ("no", "no")],
                  blank="(undecided)"),
            Field("justification", "Justification", "long", r["justification"] or "",
                  placeholder="why it is included or excluded (required either way)"),
            Field("implementation_status", "Status", "choice", r["implementation_status"] or "not_started",
                  choices=[(v.replace("_", " "), v) for v in IMPLEMENTATION_STATUSES]),
            Field("owner", "Owner", "choice", r["owner"] or "", blank="(nobody)", options_from="users"),
        ]
        before: dict = {}

        def save(values: dict, state: dict) -> dict:
            ch = changes(values, state["baseline"])
            if ch.get("applicable") == "":
                ch["applicable"] = None
            before.clear()
            before.update({k: _stored(state["baseline"].get(k), k) for k in ch})
            return controls.update_applicability(db, login, code, ch, expect_version=state["version"])

        def landed(entry: dict) -> None:
            old, version = dict(before), entry.get("version")
            if old:
                app.push_undo(f"SoA edit of {code}",
                              lambda: controls.update_applicability(db, login, code, old, expect_version=version))

        return FormDialog(f"{code} {r['title']}", fields, save, state={"ref": code, "version": r["version"]},
                          ref_key="code", what="SoA entry", message=f"{code} saved (ctrl+z undoes it)",
                          landed=landed, lists=self.choice_lists())

    def action_add_control(self) -> None:
        """An organization's own control (a code outside Annex A, e.g. ORG.1), included with its reason."""
        if not self.allowed(ADMIN, "adding a custom control"):
            return
        db, login = self.database, self.login
        fields = [
            Field("code", "Code", "text", "", placeholder="e.g. ORG.1 (outside Annex A)"),
            Field("title", "Title", "text", ""),
            Field("description", "Description", "long", "", placeholder="what the control asks"),
            Field("justification", "Justification", "long", "", placeholder="why it is included"),
        ]

        def save(values: dict, state: dict) -> dict:
            return controls.add_control(db, login, values)

        self.app.push_screen(FormDialog("New custom control", fields, save, ok="Add", again=False,
                                        ref_key="code", what="control",
                                        message=lambda c: f"control {c['code']} added to the SoA"))

    def action_links(self) -> None:
        """The highlighted control's risks, treatments and evidence, in a list."""
        r = self.current
        if r is not None:
            self.app.push_screen(ControlLinksScreen(self.database, self.login, r["code"], r["title"]))

    def action_approve(self) -> None:
        if not self.allowed(APPROVE, "approving the Statement of Applicability"):
            return
        decided = sum(1 for r in self.rows if r["applicable"] is not None)
        undecided = len(self.rows) - decided
        if not decided:
            self.aims.say("no SoA entry is decided yet (applicable yes or no): nothing to approve", error=True)
            return
        db, login = self.database, self.login
        question = (f"Approve all {decided} decided SoA entries in your name?"
                    + (f" ({undecided} undecided are left out.)" if undecided else ""))

        def chosen(yes: bool | None) -> None:
            if yes:
                self.db_write(lambda: controls.approve_soa(db, login),
                              message=lambda n: f"approved {n} SoA entries")

        self.app.push_screen(ConfirmDialog(question, f"Approve {decided}", "Cancel"), chosen)


def _counts(links: evidence.ControlLinks | None) -> str:
    if links is None:
        return "0/0/0"
    return f"{len(links.risks)}/{len(links.treatments)}/{len(links.evidence)}"


def _stored(v, key: str):
    """A form value back as the service takes it (undecided applicability is None)."""
    if key == "applicable" and v == "":
        return None
    return v
