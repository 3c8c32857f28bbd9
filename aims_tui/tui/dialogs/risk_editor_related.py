"""The risk editor's related records: linked controls, treatments (the panel in
widgets/treatments_panel.py), acceptance of the residual risk, withdrawal."""

from __future__ import annotations

from typing import Any

from textual.widgets import Input, Static

from ...core import fields
from ...core.errors import AimsError, NotFound
from ...core.identity import EDIT
from ...core.models import WITHDRAWN
from ..render import lines
from ..widgets.form_keys import FormInput
from ..widgets.treatments_panel import TreatmentsPanel
from .risk_form import load_risk_data, values_of
from .controls_picker import ControlsPicker
from .accept import accept_risk_flow
from .withdraw import withdraw_flow


class RiskRelatedMixin:
    """Controls, treatments, acceptance and withdrawal, for RiskEditor."""

    # -- controls -------------------------------------------------------------------------------------------
    def action_pick_controls(self) -> None:
        box = self.query_one("#controls", FormInput)

        def chosen(codes: list[str] | None) -> None:
            if codes is not None:
                box.set_text(", ".join(codes))

        self.app.push_screen(ControlsPicker(self.control_list, fields.control_codes(box.value)), chosen)

    # -- treatments and acceptance --------------------------------------------------------------------------
    def _show_acceptance(self, accs: list[dict[str, Any]]) -> None:
        valid = [a for a in accs if a.get("covers")]  # the current acceptance, if it is valid
        box = self.query_one("#acceptance", Static)
        if valid:
            a = valid[-1]
            box.update(lines(f"Accepted by {a['accepted_by']} until {a['expires_on']}: {a['justification']}"))
        else:
            box.update("No valid acceptance of the residual risk.")

    def _after_change(self, message: str) -> None:
        """A treatment or acceptance changed the risk: re-read it, keep the user's edits."""
        self.aims.say(message)
        self.refresh_data()

    def refresh_data(self) -> None:
        """Read the risk, its treatments and acceptances again, keeping the user's edits (the
        app calls it after an undo: what the editor shows must be what the undo left)."""
        db, ref = self.database, self.ref
        if ref is None or not self.loaded:
            return  # a new risk has nothing stored to show; a first read is still on its way
        today = getattr(self.app, "today", None)

        def gone(err: AimsError) -> bool:
            if isinstance(err, NotFound) and self.is_attached:  # e.g. undo of adding it
                self.aims.say(f"{ref} no longer exists: its editor closed")
                self.dismiss(None)
                return True
            return False

        def merge(data: dict[str, Any]) -> None:
            risk = data["risk"]
            self.version = risk["version"]
            theirs = values_of(risk)
            mine = self.values()
            untouched = {k: theirs[k] for k in theirs if mine.get(k) == self.initial.get(k)}
            self.loaded = False
            self._set_values(untouched)
            self.initial.update(untouched)
            self.loaded = True
            self._show_related(data)
            self._validate()

        self.db_work(lambda: load_risk_data(db, ref, today), merge, group="editor-reload", failed=gone)

    def action_add_treatment(self) -> None:
        if not self.allowed(EDIT, "adding a treatment"):
            return
        if self.ref is None:
            if self.saving is not None:
                self._then_treatment = True
                return
            self.aims.say("a treatment belongs to a saved risk: saving this risk first (the editor stays open)")
            self._then_treatment = True
            self.action_save()
            if self.saving is None:
                self._then_treatment = False
            return
        panel = self.query_one(TreatmentsPanel)
        if not panel.entry()["action"].strip():
            self.query_one("#t-action", Input).focus()
            self.query_one("#t-action").scroll_visible()
            self.aims.say("type the treatment's action (and pick its owner), then ctrl+t adds it")
            return
        panel.add()

    def action_complete_treatment(self) -> None:
        self.query_one(TreatmentsPanel).complete()

    def action_treatment_effectiveness(self) -> None:
        self.query_one(TreatmentsPanel).effectiveness()

    def action_accept(self) -> None:
        if not self.ref:
            return

        accept_risk_flow(self, self.ref, self.version, done=lambda: self._after_change("acceptance recorded"))

    def action_withdraw(self) -> None:
        if not self.ref:
            return

        withdraw_flow(self, "risk", self.ref, self.version, withdrawn=self.initial.get("status") == WITHDRAWN,
                      done=lambda _r: self.dismiss(None))
