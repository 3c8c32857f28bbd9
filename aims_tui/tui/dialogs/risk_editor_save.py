"""The risk editor's save: create or update through the risk service, with undo;
the form stays editable while a save is on its way and keeps what was typed
meanwhile; a conflict offers reload or overwrite; leaving asks before discarding."""

from __future__ import annotations

from typing import Any

from textual.widgets import Input, Static

from ...core import fields
from ...core.errors import AimsError, Conflict, ValidationError
from ...core.services import risks
from ..render import lines
from ..widgets.form_keys import ready_to_save
from ..widgets.treatments_panel import TreatmentsPanel
from .risk_form import INPUTS, LABELS, SCORES, values_of
from .conflict import ConflictDialog
from .confirm import ConfirmDialog


class RiskSaveMixin:
    """Saving and leaving, for RiskEditor (which holds the form and its state)."""

    # -- saving ----------------------------------------------------------------------------------------
    def _payload(self, v: dict[str, Any]) -> dict[str, Any]:
        data = dict(v)
        data["controls"] = fields.control_codes(v["controls"])
        for k in SCORES:
            data[k] = int(v[k]) if v[k].strip() else None
        return data

    def action_save(self) -> None:
        if not ready_to_save(self, "saving a risk", "risk", LABELS, lambda field: field in INPUTS):
            return
        v = self.values()
        db, login, today, ref = self.database, self.login, self.aims.today, self.ref
        if ref is None:
            data = {k: x for k, x in self._payload(v).items() if x not in ("", None, [])}
            self._saving(v)
            self.db_write(lambda: risks.create_risk(db, login, data, today=today),
                          lambda risk: self._created(risk, v), failed=self._save_failed,
                          message=lambda risk: f"{risk['ref']} added",
                          undo=lambda risk: (f"adding {risk['ref']}",
                                             lambda: risks.delete_risk(db, login, risk["ref"])))
            return
        changed = {k for k in v if v[k] != self.initial.get(k)}
        if not changed:
            self.dismiss(None)
            return
        payload = self._payload(v)
        old = self._payload(self.initial)
        changes = {k: payload[k] for k in changed}
        undo_values = {k: old[k] for k in changed}
        self._save(changes, undo_values, self.version, v)

    def _saving(self, v: dict[str, Any]) -> None:
        self.saving = v
        self._status("saving... (you can keep typing; nothing you type is lost)")

    def _save(self, changes: dict[str, Any], undo_values: dict[str, Any], version: int | None,
              v: dict[str, Any]) -> None:
        db, login, ref = self.database, self.login, self.ref
        self._saving(v)
        self.db_write(lambda: risks.update_risk(db, login, ref, changes, expect_version=version),
                      lambda risk: self._saved(risk, v),
                      failed=lambda e: self._save_failed(e, changes, undo_values, v),
                      message=f"{ref} saved (ctrl+z undoes)",
                      undo=lambda risk: (f"edit of {ref}", lambda: risks.update_risk(
                          db, login, ref, undo_values, expect_version=risk["version"])))

    def _saved(self, risk: dict[str, Any], v: dict[str, Any]) -> None:
        self.saving = None
        self.version = risk["version"]
        if self.values() == v:
            self.dismiss(risk)
            return
        self.initial = v  # what landed; the newer text stays in the form, unsaved
        self._status(f"{self.ref} saved; what you typed since is not saved yet (ctrl+s saves it)")

    def _created(self, risk: dict[str, Any], v: dict[str, Any]) -> None:
        """A new risk landed: the editor stays open on it, ready for treatments."""
        self.saving = None
        self.ref, self.version = risk["ref"], risk["version"]
        if self.values() == v:
            self.loaded = False
            self._set_values(values_of(risk))
            self.loaded = True
            self.initial = self.values()
            self._status(f"{self.ref} added; add its treatments below (ctrl+t), Escape closes")
        else:
            self.initial = v
            self._status(f"{self.ref} added; what you typed since is not saved yet (ctrl+s saves it)")
        self.query_one("#editor-title", Static).update(self._heading())
        self._show_ref_parts()
        self.query_one(TreatmentsPanel).show([])
        self._show_acceptance([])
        self._validate()
        if self._then_treatment:
            self._then_treatment = False
            self.query_one("#t-action", Input).focus()
            self.query_one("#t-action").scroll_visible()

    def _save_failed(self, err: AimsError, changes: dict | None = None, undo_values: dict | None = None,
                     v: dict | None = None) -> bool:
        self.saving = None
        self._then_treatment = False
        self._status("not saved")
        if isinstance(err, ValidationError):
            self._line("#errors", lines("\n".join(f"{LABELS.get(f, f)}: {m}" for f, m in err.errors)))
            return False
        if isinstance(err, Conflict) and changes is not None:
            current = dict(err.current)

            def chosen(what: str | None) -> None:
                if what == "reload":
                    self.load()
                elif what == "overwrite":
                    self._save(changes, undo_values or {}, current.get("version"), v or self.values())

            self.app.push_screen(ConflictDialog(f"Risk {self.ref}", changes, current, current.get("version")),
                                 chosen)
            return True
        return False

    # -- leaving ------------------------------------------------------------------------------------------
    def action_close(self) -> None:
        if self.saving is not None and self.values() == self.saving:
            self.dismiss(None)  # the save goes on and says when it lands
            return
        if self.dirty and self.can_edit:
            self.app.push_screen(ConfirmDialog("Discard your unsaved changes to this risk?", "Discard", "Keep editing"),
                                 lambda yes: self.dismiss(None) if yes else None)
            return
        self.dismiss(None)
