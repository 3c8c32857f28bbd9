"""One screen for any kind of :mod:`aims_tui.core.catalog`: its list, and a form
built from its field rules that saves itself (``FormDialog``).

A kind's screen is a subclass naming the kind and its columns::

    class DocumentsScreen(RecordScreen):
        KIND = "document"
        COLUMNS = [("Ref", 8), ("Title", None), ("Version", 8), ("Next review", 11, 90)]
        SHOW = ["ref", "title", "version_label", "next_review"]

``n`` records one, ``e`` or Enter edits the highlighted one, ``w`` withdraws it
(ctrl+z restores). The form shows every field of the kind (``FORM`` to choose
and order them); a field whose rule is a choice is a list, a login is chosen from
the active users, a link to an AI system from the AI systems, a date is checked
as typed.
"""

from __future__ import annotations

from typing import Any

from textual.binding import Binding

from ...core.catalog import KINDS
from ...core.fields import F
from ...core.kind import Kind
from ...core.models import AISystem
from ...core.services import registers
from .. import render
from ..dialogs.form import Field, FormDialog, changes
from ..dialogs.withdraw import withdraw_flow
from .listing import ListScreen


def form_field(k: Kind, name: str, spec: F, value: Any) -> Field:
    """The input of one field of a kind, from its rule."""
    label = k.label(name)
    link = k.links.get(name)
    if link is not None and link.model is AISystem:
        return Field(name, label, "choice", value or "", blank="(none)", options_from="systems")
    if spec.kind == "login":
        return Field(name, label, "choice", value or "", blank="(nobody)", options_from="users")
    if spec.kind == "choice":
        choices = [(c.replace("_", " "), c) for c in spec.choices if c != ""]
        blank = "(none)" if "" in spec.choices else None
        return Field(name, label, "choice", value if value is not None else "", choices=choices, blank=blank)
    if spec.kind == "bool":
        return Field(name, label, "choice", "yes" if value else "no" if value is not None else "",
                     choices=[("yes", "yes"), ("no", "no")], blank=None if spec.required else "(not said)")
    if spec.kind == "date":
        return Field(name, label, "date", value or "")
    if spec.kind == "longtext":
        return Field(name, label, "long", value or "")
    return Field(name, label, "text", "" if value is None else value)


class RecordScreen(ListScreen):
    KIND: str = ""
    SHOW: list[str] = []  # the record's fields, one per column of COLUMNS
    FORM: list[str] | None = None  # the fields of the form, in order (None: every field of the kind)
    EDIT_ACTIONS = frozenset({"new", "edit", "withdraw"})
    # priority: the form opens when the key is read, so keys typed right after it go into the form
    BINDINGS = [Binding("n", "new", "New", priority=True), Binding("e", "edit", "Edit", priority=True),
                Binding("w", "withdraw", "Withdraw"), Binding("escape", "back", "Back")]

    @property
    def kind(self) -> Kind:
        return KINDS[self.KIND]

    @property
    def HELP_TITLE(self) -> str:  # type: ignore[override]
        return self.kind.many.capitalize()

    @property
    def HELP(self) -> str:  # type: ignore[override]
        return f"n records a {self.kind.what}, e or Enter edits the highlighted one, w withdraws it."

    def title_line(self) -> str:
        return self.kind.many.capitalize()

    def load(self):
        return registers.listing(self.database, self.kind)

    def show(self, rows) -> None:
        super().show(rows)
        if not rows:  # a clear empty state: what the register is for and how to start it
            start = " Press n to record the first." if self.aims.role in self.kind.role else ""
            self.query_one("#list-title").update(f"{self.title_line()}: none recorded yet.{start}")

    def cells(self, r):
        return [render.lit(r.get(name)) for name in self.SHOW]

    def on_data_table_row_selected(self, event) -> None:
        self.action_edit()

    def action_new(self) -> None:
        if self.allowed(self.kind.role, f"recording a {self.kind.what}"):
            self.app.push_screen(self.form(None))

    def action_edit(self) -> None:
        r = self.current
        if r and self.allowed(self.kind.role, f"editing a {self.kind.what}"):
            self.app.push_screen(self.form(r))

    def form_fields(self, r: dict[str, Any]) -> list[Field]:
        k = self.kind
        names = self.FORM if self.FORM is not None else list(k.specs)
        return [form_field(k, name, k.specs[name], r.get(name)) for name in names]

    def form(self, r: dict | None) -> FormDialog:
        """New (r is None) or edit: one dialog that saves itself and stays open until saved."""
        db, login, today, k = self.database, self.login, self.aims.today, self.kind
        r = r or {}

        def save(values: dict, state: dict) -> dict:
            if state.get("ref") is None:
                return registers.create(db, login, k, {n: v for n, v in values.items() if v not in ("", None)},
                                        today=today)
            return registers.update(db, login, k, state["ref"], changes(values, state["baseline"]),
                                    expect_version=state["version"], today=today)

        def message(res: dict) -> str:
            return f"{res['ref']} saved" if r else f"{k.what} {res['ref']} recorded"

        title = f"{k.what.capitalize()} {r['ref']}" if r else f"New {k.what}"
        return FormDialog(title, self.form_fields(r), save, state={"ref": r.get("ref"), "version": r.get("version")},
                          what=k.what, message=message, lists=self.choice_lists())

    def action_back(self) -> None:
        """Back to the Management system screen it was opened from."""
        if len(self.app.screen_stack) > 2:
            self.app.pop_screen()
        else:
            self.aims.goto("system")

    def action_withdraw(self) -> None:
        """Withdraw the highlighted record (made by mistake); ctrl+z restores it."""
        row = self.current
        if row is not None:
            withdraw_flow(self, self.kind.entity, row["ref"], row.get("version"))
