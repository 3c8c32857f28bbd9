"""The risk editor: a form checked as you type (by core.fields, the rules the
service uses), a live level preview, linked controls, treatments added and
completed inline (widgets/treatments_panel.py), acceptance for approvers.

No key is lost: keys typed while the record loads are held and applied once it
is on screen (nothing is pre-selected, so a key never wipes a field); while a
save is on its way the form says so and stays editable; if the user typed
meanwhile, the editor stays open with the newer text instead of closing on it.

This module holds the dialog: its layout, loading, and the form checked as you
type. Saving, conflicts, undo and leaving are in risk_editor_save.py; controls,
treatments, acceptance and withdrawal in risk_editor_related.py; the form's
fields and reads in risk_form.py.
"""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widget import Widget
from textual.widgets import Button, Input, Label, Select, Static, TextArea

from ...core.identity import EDIT
from ...core.models import RISK_CATEGORIES, RISK_SOURCES, RISK_STATUSES, TREATMENT_OPTIONS
from ...core.scoring import Matrix
from ..base import DbMixin
from ..render import colour_of, lines, lit
from ..widgets.form_keys import FOCUS_KEYS, FormInput, HoldKeysUntilLoaded, ScoreInput
from ..widgets.treatments_panel import TreatmentsPanel
from ..widgets.typed_area import TypedTextArea
from ..widgets.footer import AimsFooter
from .risk_editor_related import RiskRelatedMixin
from .risk_editor_save import RiskSaveMixin
from .risk_form import (
    INPUTS,
    LABELS,
    NEW_RISK,
    SELECTS,
    form_problems,
    load_editor_data,
    values_of,
)

class RiskEditor(RiskSaveMixin, RiskRelatedMixin, HoldKeysUntilLoaded, DbMixin, ModalScreen[dict | None]):
    HELP_TITLE = "Risk editor"
    HELP = ("Tab moves between fields; problems are listed under the form as you type. Keys typed while "
            "the risk loads are applied once it is on screen. Saving a new risk keeps the editor open "
            "so treatments can be added (ctrl+t). In the treatments table: c completes the highlighted "
            "treatment; E completes it saying whether it worked (or says so for a done one). "
            "ctrl+r withdraws (retires) a risk made by mistake, or restores a withdrawn one.")
    AUTO_FOCUS = ""  # nothing takes keys before the record is on screen
    BINDINGS = [
        Binding("ctrl+s", "save", "Save"),
        Binding("escape", "close", "Close"),
        Binding("ctrl+l", "pick_controls", "Controls"),
        Binding("ctrl+t", "add_treatment", "Add treatment"),
        Binding("c", "complete_treatment", "Complete treatment", show=False),
        Binding("E", "treatment_effectiveness", "Complete: did it work?", show=False),
        Binding("ctrl+g", "accept", "Accept residual"),
        Binding("ctrl+r", "withdraw", "Withdraw (retire) / restore", show=False),
        Binding("ctrl+z", "app.undo", "Undo", show=False),  # a modal screen hides the app's key
    ] + FOCUS_KEYS

    def __init__(self, database, login: str, ref: str | None, *, system: str | None = None) -> None:
        super().__init__()
        self.database, self.login, self.ref, self.default_system = database, login, ref, system
        self.matrix = Matrix()
        self.version: int | None = None
        self.initial: dict[str, Any] = {}
        self.loaded = False
        self.saving: dict[str, Any] | None = None  # the form's values when the pending save started
        self.control_list: list[tuple[str, str]] = []
        self._then_treatment = False  # ctrl+t on a new risk: save, then go to the new treatment

    # -- roles -------------------------------------------------------------------------
    @property
    def can_edit(self) -> bool:
        # a past date set (key D, issue 19): the risk as it was, read only
        return self.aims.role in EDIT and getattr(self.aims, "as_of", None) is None

    # the writes of this dialog: on a past day (key D) they are dimmed and, pressed, refused with the
    # reason (AimsApp.run_action), as on the screens; a viewer does not see them
    WRITE_ACTIONS = frozenset({"save", "pick_controls", "add_treatment", "complete_treatment", "accept",
                               "withdraw", "treatment_effectiveness"})

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in self.WRITE_ACTIONS and not self.can_edit:
            if self.aims.role in EDIT and getattr(self.aims, "as_of", None) is not None:
                return None  # dimmed: pressed, the app says why (a past day is read only)
            return False  # editors see accept and are told it needs an approver
        if action in ("complete_treatment", "accept", "withdraw", "treatment_effectiveness") and not self.ref:
            return False
        return True

    # -- layout ----------------------------------------------------------------------------
    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog editor"):
            yield Static(self._heading(), id="editor-title", classes="dialog-title")
            with VerticalScroll(id="form", disabled=True):
                yield from self._row("title", FormInput(id="title", max_length=300))
                yield from self._row("system", Select([], id="system", prompt="organization-wide", compact=True))
                yield from self._row("owner", Select([], id="owner", prompt="(me)", compact=True))
                yield from self._row("category", Select([(c, c) for c in RISK_CATEGORIES], id="category",
                                                        prompt="(none)", compact=True))
                yield from self._row("source", Select([(c, c) for c in RISK_SOURCES], id="source",
                                                      prompt="(none)", compact=True))
                for kind in ("inherent", "residual"):
                    with Horizontal(classes="field"):
                        yield Label(f"{kind.title()} L x I", classes="field-label")
                        yield ScoreInput(id=f"{kind}_likelihood", classes="score", max_length=2)
                        yield Label(" x ", classes="times")
                        yield ScoreInput(id=f"{kind}_impact", classes="score", max_length=2)
                        yield Static("", id=f"{kind}-preview", classes="preview", markup=False)
                yield from self._row("treatment_option", Select([(c, c) for c in TREATMENT_OPTIONS],
                                                                id="treatment_option", allow_blank=False,
                                                                compact=True))
                yield from self._row("status", Select([(c, c) for c in RISK_STATUSES], id="status",
                                                      allow_blank=False, compact=True))
                yield from self._row("review_cadence", FormInput(
                    id="review_cadence", placeholder="default for the level, or 90d, quarterly"))
                yield from self._row("next_review", FormInput(id="next_review",
                                                              placeholder="YYYY-MM-DD (default from cadence)"))
                with Horizontal(classes="field"):
                    yield Label("Controls", classes="field-label")
                    yield FormInput(id="controls", placeholder="A.6.2.4, A.9.2 (ctrl+l: pick)")
                    yield Button("Pick", id="pick", compact=True)
                yield Label("Description", classes="section")
                yield TypedTextArea(id="description", compact=True, soft_wrap=True, show_line_numbers=False)
                yield Static("", id="acceptance", markup=False)
                yield TreatmentsPanel(self.database, self.login, changed=self._after_change,
                                      problem=self._show_problem, id="treatments-panel")
                yield Static("", id="new-risk-hint", markup=False, classes="dim")
            yield Static("", id="status-line", markup=False)
            yield Static("", id="errors", markup=False, classes="error")
            with Horizontal(classes="buttons"):
                yield Static("", id="more-below", markup=False, classes="hint")
                yield Button("Save", id="save", variant="primary", compact=True)
                yield Button("Accept residual", id="accept", variant="warning", compact=True)
                yield Button("Close", id="close", compact=True)
        yield AimsFooter()

    def _heading(self) -> Text:
        what = f"Risk {self.ref}" if self.ref else "New risk"
        t = Text(what, style="bold")
        as_of = getattr(self.app, "as_of", None)
        if as_of is not None and self.ref:
            t.append(f"  as it was on {as_of.isoformat()} (read only)", style="bold")
        if not self.loaded:
            t.append("  loading... (keys you type are kept)", style="italic")
        return t

    def _row(self, key: str, widget: Widget) -> ComposeResult:
        with Horizontal(classes="field"):
            yield Label(LABELS[key], classes="field-label")
            yield widget

    def on_mount(self) -> None:
        if not self.can_edit:
            self.query_one("#save", Button).display = False
            for w in self.query("Input, Select, TextArea"):
                w.disabled = True
            for sel in ("#pick", "#t-add", "#new-treatment", "#accept"):
                for w in self.query(sel):
                    w.display = False
        for sel in ("#status-line", "#errors"):
            self.query_one(sel).display = False  # an empty line takes no room from the form
        form = self.query_one("#form", VerticalScroll)
        self.watch(form, "scroll_y", self._more_below, init=False)
        self.watch(form, "virtual_size", self._more_below, init=False)
        self._show_ref_parts()
        self.load()

    def on_resize(self) -> None:
        self.call_after_refresh(self._more_below)

    def _more_below(self, *_: Any) -> None:
        """Say when the form goes on below what fits (the treatments, at 80x24 and 100x30)."""
        form = self.query_one("#form", VerticalScroll)
        more = form.max_scroll_y > 0 and form.scroll_y < form.max_scroll_y
        self.query_one("#more-below", Static).update("more below: PageDown" if more else "")

    def _line(self, selector: str, text: Any) -> None:
        """The status or the problems line: shown only when it says something."""
        box = self.query_one(selector, Static)
        box.update(text)
        box.display = bool(str(text))
        self.call_after_refresh(self._more_below)

    def _show_ref_parts(self) -> None:
        """Parts that exist only for a saved risk: acceptance, treatments, accept button."""
        has = self.ref is not None
        self.query_one("#acceptance").display = has
        self.query_one("#treatments-panel").display = has
        self.query_one("#treatments-panel", TreatmentsPanel).ref = self.ref
        self.query_one("#new-risk-hint", Static).update(
            "" if has else "Treatments: ctrl+t saves this risk first; the editor stays open to add them.")
        self.query_one("#new-risk-hint").display = not has
        if self.can_edit:
            self.query_one("#accept").display = has
        self.refresh_bindings()

    def load(self) -> None:
        self.loaded = False
        self.query_one("#form").disabled = True
        self.query_one("#editor-title", Static).update(self._heading())
        db, ref = self.database, self.ref
        today = getattr(self.app, "today", None)
        self.db_work(lambda: load_editor_data(db, ref, today), self._fill, group="editor-load")

    # -- filling and reading the form ------------------------------------------------------------
    def _fill(self, data: dict[str, Any]) -> None:
        self.matrix = data["matrix"]
        self.control_list = data["controls"]
        digits = len(str(max(self.matrix.n_likelihood, self.matrix.n_impact)))
        for box in self.query(ScoreInput):
            box.digits = digits
        # option labels are Text: a system named like markup is shown as typed
        self.query_one("#system", Select).set_options([(Text(f"{r} {n}"), r) for r, n in data["systems"]])
        self.query_one("#owner", Select).set_options([(Text(o), o) for o in data["owners"]])
        self.query_one(TreatmentsPanel).set_owners(data["owners"])
        risk = data.get("risk")
        if risk is None:
            values = {**NEW_RISK, "system": self.default_system or "", "owner": self.login}
        else:
            values = values_of(risk)
            self.version = risk["version"]
            self._show_related(data)
        self._set_values(values)
        self.initial = self.values()
        self.loaded = True
        self.query_one("#form").disabled = False
        self.query_one("#editor-title", Static).update(self._heading())
        if self.can_edit:
            self.query_one("#title", FormInput).focus()
        self._validate()
        self.release_keys()

    def _show_related(self, data: dict[str, Any]) -> None:
        self.query_one(TreatmentsPanel).show(data.get("treatments", []), data.get("risk"))
        self._show_acceptance(data.get("acceptances", []))

    def _set_values(self, values: dict[str, Any]) -> None:
        for k, v in values.items():
            if k in SELECTS:
                sel = self.query_one(f"#{k}", Select)
                try:
                    sel.value = v if v else Select.NULL
                except Exception:  # noqa: BLE001 - a value no longer offered (e.g. inactive owner)
                    kept = [(p, x) for p, x in getattr(sel, "_options", []) if x is not Select.NULL]
                    sel.set_options(kept + [(lit(v), v)])
                    sel.value = v
            elif k == "description":
                self.query_one("#description", TextArea).text = v
            else:
                self.query_one(f"#{k}", FormInput).set_text(v)

    def values(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for k in SELECTS:
            v = self.query_one(f"#{k}", Select).value
            out[k] = "" if v is Select.NULL or v is None else v
        for k in INPUTS:
            out[k] = self.query_one(f"#{k}", Input).value
        out["description"] = self.query_one("#description", TextArea).text
        return out

    @property
    def dirty(self) -> bool:
        return self.loaded and self.values() != self.initial

    # -- checking as you type ------------------------------------------------------------------------
    def problems(self, v: dict[str, Any]) -> dict[str, str]:
        return form_problems(v, self.matrix, {c for c, _ in self.control_list})

    def _read_only_why(self) -> str:
        as_of = getattr(self.aims, "as_of", None)
        if as_of is not None:
            return (f"Read only: this is the risk as it was on {as_of.isoformat()}; press Escape, then D "
                    "and Escape to return to today.")
        return "Read only: editing needs the editor role."

    def _validate(self) -> dict[str, str]:
        v = self.values()
        errs = self.problems(v)
        for k in INPUTS:
            self.query_one(f"#{k}", Input).set_class(k in errs, "invalid")
        self._line("#errors", lines(
            "\n".join(f"{LABELS.get(k, k)}: {msg}" for k, msg in errs.items()) if self.can_edit else
            self._read_only_why()))
        for kind in ("inherent", "residual"):
            self.query_one(f"#{kind}-preview", Static).update(self._preview(v, kind))
        return errs

    def _show_problem(self, text: str) -> None:
        self._line("#errors", text)

    def _status(self, text: str) -> None:
        self._line("#status-line", text)

    def _preview(self, v: dict[str, Any], kind: str) -> Text:
        l_, i_ = v[f"{kind}_likelihood"].strip(), v[f"{kind}_impact"].strip()
        if kind == "residual" and not l_ and not i_:
            l_, i_ = v["inherent_likelihood"].strip(), v["inherent_impact"].strip()
        m = self.matrix
        if not (l_.isdigit() and i_.isdigit() and m.check_likelihood(int(l_)) and m.check_impact(int(i_))):
            return Text("= ?", style="dim")
        band = m.level(int(l_), int(i_))
        score = int(l_) * int(i_)
        t = Text(f"= {score} ")
        t.append(band.name, style=f"bold {colour_of(band.colour)}".strip())
        if kind == "residual":
            t.append(" above appetite" if m.above_appetite(score) else " within appetite",
                     style="bold" if m.above_appetite(score) else "dim")
        return t

    def on_input_changed(self, event: Input.Changed) -> None:
        if self.loaded and not (event.input.id or "").startswith("t-"):
            self._validate()

    def on_select_changed(self, event: Select.Changed) -> None:
        if self.loaded and not (event.select.id or "").startswith("t-"):
            self._validate()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        handlers = {"save": self.action_save, "close": self.action_close, "pick": self.action_pick_controls,
                    "t-add": self.action_add_treatment, "accept": self.action_accept}
        fn = handlers.get(event.button.id or "")
        if fn:
            event.stop()
            fn()
