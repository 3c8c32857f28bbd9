"""The risk editor: a form checked as you type, a live level preview, linked
controls, treatments added and completed inline, acceptance for approvers."""

from __future__ import annotations

from datetime import date
from typing import Any

from dateutil.parser import isoparse
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widget import Widget
from textual.widgets import Footer, Button, DataTable, Input, Label, Select, Static, TextArea

from ...core import queries
from ...core.errors import AimsError, Conflict, ValidationError
from ...core.identity import EDIT
from ...core.models import RISK_CATEGORIES, RISK_SOURCES, RISK_STATUSES, TREATMENT_OPTIONS
from ...core.schedule import CadenceError, parse_cadence
from ...core.scoring import Matrix
from ...core.services import acceptances, controls, risks, settings, treatments
from ..base import DbMixin
from ..render import colour_of, lines, lit

SCORES = ("inherent_likelihood", "inherent_impact", "residual_likelihood", "residual_impact")
LABELS = {
    "title": "Title", "system": "AI system", "owner": "Owner", "category": "Category", "source": "Source",
    "inherent_likelihood": "Inherent likelihood", "inherent_impact": "Inherent impact",
    "residual_likelihood": "Residual likelihood", "residual_impact": "Residual impact",
    "treatment_option": "Treatment option", "status": "Status", "review_cadence": "Review cadence",
    "next_review": "Next review", "controls": "Controls", "description": "Description",
}
SELECTS = ("system", "owner", "category", "source", "treatment_option", "status")
INPUTS = ("title", "review_cadence", "next_review", "controls") + SCORES


def load_editor_data(db, ref: str | None, today=None) -> dict[str, Any]:
    """Everything the editor shows, read off the UI thread."""
    out: dict[str, Any] = {
        "matrix": settings.get_matrix(db), "systems": queries.system_refs(db), "owners": list(queries.owners(db)),
        "controls": [(c["code"], c["title"]) for c in controls.list_soa(db)],
    }
    if ref:
        out["risk"] = risks.get_risk(db, ref)
        out["treatments"] = treatments.list_treatments(db, ref)
        out["acceptances"] = acceptances.list_acceptances(db, ref, today)
    return out


class RiskEditor(DbMixin, ModalScreen[dict | None]):
    HELP_TITLE = "Risk editor"
    HELP = ("Tab moves between fields; problems are listed under the form as you type. "
            "In the treatments table: c completes the highlighted treatment.")
    BINDINGS = [
        Binding("ctrl+s", "save", "Save"),
        Binding("escape", "close", "Close"),
        Binding("ctrl+l", "pick_controls", "Controls"),
        Binding("ctrl+t", "add_treatment", "Add treatment"),
        Binding("c", "complete_treatment", "Complete treatment", show=False),
        Binding("ctrl+g", "accept", "Accept residual"),
    ]

    def __init__(self, database, login: str, ref: str | None, *, system: str | None = None) -> None:
        super().__init__()
        self.database, self.login, self.ref, self.default_system = database, login, ref, system
        self.matrix = Matrix()
        self.version: int | None = None
        self.initial: dict[str, Any] = {}
        self.loaded = False
        self.control_list: list[tuple[str, str]] = []
        self.treatment_rows: list[dict[str, Any]] = []
        self.current_acceptance: str = ""

    # -- roles -------------------------------------------------------------------------
    @property
    def can_edit(self) -> bool:
        return self.aims.role in EDIT

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in ("save", "pick_controls", "add_treatment", "complete_treatment") and not self.can_edit:
            return False
        if action in ("add_treatment", "complete_treatment", "accept") and not self.ref:
            return False
        if action == "accept" and not self.can_edit:
            return False  # editors see it and are told it needs an approver
        return True

    # -- layout ----------------------------------------------------------------------------
    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog editor"):
            yield Static(Text(f"Risk {self.ref}" if self.ref else "New risk", style="bold"),
                         id="editor-title", classes="dialog-title")
            with VerticalScroll(id="form"):
                yield from self._row("title", Input(id="title", compact=True, max_length=300))
                yield from self._row("system", Select([], id="system", prompt="organization-wide", compact=True))
                yield from self._row("owner", Select([], id="owner", prompt="(me)", compact=True))
                yield from self._row("category", Select([(c, c) for c in RISK_CATEGORIES], id="category",
                                                        prompt="(none)", compact=True))
                yield from self._row("source", Select([(c, c) for c in RISK_SOURCES], id="source",
                                                      prompt="(none)", compact=True))
                for kind in ("inherent", "residual"):
                    with Horizontal(classes="field"):
                        yield Label(f"{kind.title()} L x I", classes="field-label")
                        yield Input(id=f"{kind}_likelihood", compact=True, classes="score", max_length=2)
                        yield Label(" x ", classes="times")
                        yield Input(id=f"{kind}_impact", compact=True, classes="score", max_length=2)
                        yield Static("", id=f"{kind}-preview", classes="preview", markup=False)
                yield from self._row("treatment_option", Select([(c, c) for c in TREATMENT_OPTIONS],
                                                                id="treatment_option", allow_blank=False,
                                                                compact=True))
                yield from self._row("status", Select([(c, c) for c in RISK_STATUSES], id="status",
                                                      allow_blank=False, compact=True))
                yield from self._row("review_cadence", Input(id="review_cadence", compact=True,
                                                             placeholder="default for the level, or 90d, quarterly"))
                yield from self._row("next_review", Input(id="next_review", compact=True,
                                                          placeholder="YYYY-MM-DD (default from cadence)"))
                with Horizontal(classes="field"):
                    yield Label("Controls", classes="field-label")
                    yield Input(id="controls", compact=True, placeholder="A.6.2.4, A.9.2 (ctrl+l: pick)")
                    yield Button("Pick", id="pick", compact=True)
                yield Label("Description", classes="section")
                yield TextArea(id="description", compact=True, soft_wrap=True, show_line_numbers=False)
                if self.ref:
                    yield Static("", id="acceptance", markup=False)
                    yield Label("Treatments (c: complete highlighted)", classes="section")
                    yield DataTable(id="treatments", cursor_type="row", zebra_stripes=True)
                    with Horizontal(classes="field", id="new-treatment"):
                        yield Input(id="t-action", compact=True, placeholder="new treatment action")
                        yield Input(id="t-due", compact=True, placeholder="due YYYY-MM-DD", classes="date")
                        yield Button("Add", id="t-add", compact=True)
            yield Static("", id="errors", markup=False, classes="error")
            with Horizontal(classes="buttons"):
                yield Button("Save", id="save", variant="primary", compact=True)
                if self.ref:
                    yield Button("Accept residual", id="accept", variant="warning", compact=True)
                yield Button("Close", id="close", compact=True)

        yield Footer()
    def _row(self, key: str, widget: Widget) -> ComposeResult:
        with Horizontal(classes="field"):
            yield Label(LABELS[key], classes="field-label")
            yield widget

    def on_mount(self) -> None:
        if not self.can_edit:
            self.query_one("#save", Button).display = False
            for w in self.query("Input, Select, TextArea"):
                w.disabled = True
            for b in ("#pick", "#t-add"):
                for w in self.query(b):
                    w.display = False
        if not self.can_edit:
            for w in self.query("#accept"):
                w.display = False
        self.query_one("#title", Input).focus()
        self.load()

    def load(self) -> None:
        db, ref = self.database, self.ref
        today = getattr(self.app, "today", None)
        self.db_work(lambda: load_editor_data(db, ref, today), self._fill, group="editor-load")

    # -- filling and reading the form ------------------------------------------------------------
    def _fill(self, data: dict[str, Any]) -> None:
        self.matrix = data["matrix"]
        self.control_list = data["controls"]
        # option labels are Text: a system named like markup is shown as typed
        self.query_one("#system", Select).set_options([(lit(f"{r} {n}"), r) for r, n in data["systems"]])
        self.query_one("#owner", Select).set_options([(lit(o), o) for o in data["owners"]])
        risk = data.get("risk")
        if risk is None:
            values = {"title": "", "system": self.default_system or "", "owner": self.login, "category": "",
                      "source": "", "inherent_likelihood": "", "inherent_impact": "", "residual_likelihood": "",
                      "residual_impact": "", "treatment_option": "mitigate", "status": "open",
                      "review_cadence": "", "next_review": "", "controls": "", "description": ""}
        else:
            values = self._values_of(risk)
            self.version = risk["version"]
            self._show_treatments(data.get("treatments", []))
            self._show_acceptance(data.get("acceptances", []))
        self._set_values(values)
        self.initial = self.values()
        self.loaded = True
        title = self.query_one("#title", Input)
        if title.has_focus:
            # the same state whether focus or the data came first: the title selected, ready to retype
            title.select_all()
        self._validate()

    @staticmethod
    def _values_of(risk: dict[str, Any]) -> dict[str, Any]:
        nr = risk.get("next_review")
        return {
            "title": risk["title"], "system": risk.get("system_ref") or "", "owner": risk.get("owner") or "",
            "category": risk.get("category") or "", "source": risk.get("source") or "",
            **{k: str(risk[k]) for k in SCORES},
            "treatment_option": risk["treatment_option"], "status": risk["status"],
            "review_cadence": risk.get("review_cadence") or "",
            "next_review": nr.isoformat() if isinstance(nr, date) else (nr or ""),
            "controls": ", ".join(risk.get("controls") or []), "description": risk.get("description") or "",
        }

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
                self.query_one(f"#{k}", Input).value = v

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
        m = self.matrix
        errs: dict[str, str] = {}
        if not v["title"].strip():
            errs["title"] = "must not be empty"
        elif len(v["title"].strip()) > 300:
            errs["title"] = f"is {len(v['title'].strip())} characters long; at most 300"
        for k in SCORES:
            n = m.n_likelihood if "likelihood" in k else m.n_impact
            raw = v[k].strip()
            if not raw:
                if k.startswith("inherent"):
                    errs[k] = f"is required (1 to {n})"
                continue
            if not raw.isdigit():
                errs[k] = f"'{raw}' is not a whole number"
            elif not 1 <= int(raw) <= n:
                errs[k] = f"must be between 1 and {n}, got {raw}"
        if v["next_review"].strip():
            try:
                isoparse(v["next_review"].strip())
            except (ValueError, OverflowError):
                errs["next_review"] = f"'{v['next_review']}' is not a date (use YYYY-MM-DD)"
        if v["review_cadence"].strip():
            try:
                parse_cadence(v["review_cadence"])
            except CadenceError as exc:
                errs["review_cadence"] = str(exc)
        known = {c for c, _ in self.control_list}
        unknown = [c for c in _codes(v["controls"]) if known and c not in known]
        if unknown:
            errs["controls"] = f"unknown control(s): {', '.join(unknown)}"
        return errs

    def _validate(self) -> dict[str, str]:
        v = self.values()
        errs = self.problems(v)
        for k in INPUTS:
            self.query_one(f"#{k}", Input).set_class(k in errs, "invalid")
        self.query_one("#errors", Static).update(lines(
            "\n".join(f"{LABELS.get(k, k)}: {msg}" for k, msg in errs.items()) if self.can_edit else
            "Read only: editing needs the editor role."))
        for kind in ("inherent", "residual"):
            self.query_one(f"#{kind}-preview", Static).update(self._preview(v, kind))
        return errs

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
        if self.loaded and not event.input.id.startswith("t-"):
            self._validate()

    def on_select_changed(self, event: Select.Changed) -> None:
        if self.loaded:
            self._validate()

    # -- saving ----------------------------------------------------------------------------------------
    def _payload(self, v: dict[str, Any]) -> dict[str, Any]:
        data = dict(v)
        data["controls"] = _codes(v["controls"])
        for k in SCORES:
            data[k] = int(v[k]) if v[k].strip() else None
        return data

    def action_save(self) -> None:
        if not self.allowed(EDIT, "saving a risk") or not self.loaded:
            return
        errs = self._validate()
        if errs:
            first = next(iter(errs))
            if first in INPUTS:
                self.query_one(f"#{first}", Input).focus()
            self.aims.say(f"{LABELS.get(first, first)}: {errs[first]}", error=True)
            return
        v = self.values()
        db, login, today, ref = self.database, self.login, self.aims.today, self.ref
        if ref is None:
            data = {k: x for k, x in self._payload(v).items() if x not in ("", None, [])}
            self.db_write(lambda: risks.create_risk(db, login, data, today=today), self._created,
                          failed=self._save_failed)
            return
        changed = {k for k in v if v[k] != self.initial.get(k)}
        if not changed:
            self.dismiss(None)
            return
        payload = self._payload(v)
        old = self._payload(self.initial)
        changes = {k: payload[k] for k in changed}
        undo_values = {k: old[k] for k in changed}
        self._save(changes, undo_values, self.version)

    def _save(self, changes: dict[str, Any], undo_values: dict[str, Any], version: int | None) -> None:
        db, login, ref = self.database, self.login, self.ref

        def saved(risk: dict[str, Any]) -> None:
            new_version = risk["version"]
            self.aims.push_undo(f"edit of {ref}", lambda: risks.update_risk(db, login, ref, undo_values,
                                                                           expect_version=new_version))
            self.aims.say(f"{ref} saved (ctrl+z undoes)")
            self.dismiss(risk)

        self.db_write(lambda: risks.update_risk(db, login, ref, changes, expect_version=version), saved,
                      failed=lambda e: self._save_failed(e, changes, undo_values))

    def _created(self, risk: dict[str, Any]) -> None:
        db, login, ref = self.database, self.login, risk["ref"]
        self.aims.push_undo(f"adding {ref}", lambda: risks.delete_risk(db, login, ref))
        self.aims.say(f"{ref} added")
        self.dismiss(risk)

    def _save_failed(self, err: AimsError, changes: dict | None = None, undo_values: dict | None = None) -> bool:
        if isinstance(err, ValidationError):
            self.query_one("#errors", Static).update(lines(
                "\n".join(f"{LABELS.get(f, f)}: {m}" for f, m in err.errors)))
            return False
        if isinstance(err, Conflict) and changes is not None:
            from .conflict import ConflictDialog

            current = dict(err.current)

            def chosen(what: str | None) -> None:
                if what == "reload":
                    self.loaded = False
                    self.load()
                elif what == "overwrite":
                    self._save(changes, undo_values or {}, current.get("version"))

            self.app.push_screen(ConflictDialog(f"Risk {self.ref}", changes, current, current.get("version")),
                                 chosen)
            return True
        return False

    # -- leaving ------------------------------------------------------------------------------------------
    def action_close(self) -> None:
        if self.dirty and self.can_edit:
            from .confirm import ConfirmDialog

            self.app.push_screen(ConfirmDialog("Discard your unsaved changes to this risk?", "Discard", "Keep editing"),
                                 lambda yes: self.dismiss(None) if yes else None)
            return
        self.dismiss(None)

    def on_button_pressed(self, event: Button.Pressed) -> None:
        handlers = {"save": self.action_save, "close": self.action_close, "pick": self.action_pick_controls,
                    "t-add": self.action_add_treatment, "accept": self.action_accept}
        fn = handlers.get(event.button.id or "")
        if fn:
            fn()

    # -- controls -------------------------------------------------------------------------------------------
    def action_pick_controls(self) -> None:
        from .controls_picker import ControlsPicker

        box = self.query_one("#controls", Input)

        def chosen(codes: list[str] | None) -> None:
            if codes is not None:
                box.value = ", ".join(codes)

        self.app.push_screen(ControlsPicker(self.control_list, _codes(box.value)), chosen)

    # -- treatments, inline --------------------------------------------------------------------------------
    def _show_treatments(self, rows: list[dict[str, Any]]) -> None:
        self.treatment_rows = rows
        table = self.query_one("#treatments", DataTable)
        cursor = table.cursor_row
        table.clear(columns=True)
        table.add_column("Action", width=34)
        table.add_column("Owner", width=8)
        table.add_column("Due", width=10)
        table.add_column("Status", width=11)
        for t in rows:
            table.add_row(lit(t["action"]), lit(t["owner"]), lit(t["due_date"] or "-"), lit(t["status"]),
                          key=str(t["id"]))
        if not rows:
            table.add_row(Text("(no treatments yet)", style="dim"), "", "", "")
        elif cursor:
            table.move_cursor(row=min(cursor, len(rows) - 1))

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
        db, ref = self.database, self.ref
        today = getattr(self.app, "today", None)

        def fresh() -> dict[str, Any]:
            return {"risk": risks.get_risk(db, ref), "treatments": treatments.list_treatments(db, ref),
                    "acceptances": acceptances.list_acceptances(db, ref, today)}

        def merge(data: dict[str, Any]) -> None:
            risk = data["risk"]
            self.version = risk["version"]
            theirs = self._values_of(risk)
            mine = self.values()
            untouched = {k: theirs[k] for k in theirs if mine.get(k) == self.initial.get(k)}
            self.loaded = False
            self._set_values(untouched)
            self.initial.update(untouched)
            self.loaded = True
            self._show_treatments(data["treatments"])
            self._show_acceptance(data["acceptances"])
            self._validate()

        self.db_work(fresh, merge, group="editor-load")

    def action_add_treatment(self) -> None:
        if not self.ref or not self.allowed(EDIT, "adding a treatment"):
            return
        action = self.query_one("#t-action", Input)
        due = self.query_one("#t-due", Input)
        if not action.value.strip():
            action.focus()
            self.aims.say("Treatment action: must not be empty", error=True)
            return
        data = {"action": action.value, "due_date": due.value.strip() or None}
        db, login, ref = self.database, self.login, self.ref

        def added(t: dict[str, Any]) -> None:
            action.value = ""
            due.value = ""
            self.aims.push_undo(f"treatment {ref}/T{t['id']}", lambda: treatments.delete_treatment(db, login, t["id"]))
            self._after_change(f"treatment added to {ref}")

        self.db_write(lambda: treatments.add_treatment(db, login, ref, data), added)

    def action_complete_treatment(self) -> None:
        if not self.ref or not self.allowed(EDIT, "completing a treatment"):
            return
        table = self.query_one("#treatments", DataTable)
        if self.focused is not table:
            table.focus()
            self.aims.say("highlight a treatment in the table, then press c")
            return
        if not self.treatment_rows or table.cursor_row >= len(self.treatment_rows):
            return
        t = self.treatment_rows[table.cursor_row]
        if t["status"] == "done":
            self.aims.say("that treatment is already done")
            return
        db, login, old_status = self.database, self.login, t["status"]

        def done(nt: dict[str, Any]) -> None:
            self.aims.push_undo(f"completing T{nt['id']}", lambda: treatments.update_treatment(
                db, login, nt["id"], {"status": old_status}, expect_version=nt["version"]))
            self._after_change(f"treatment T{nt['id']} done")

        self.db_write(lambda: treatments.complete_treatment(db, login, t["id"], expect_version=t["version"]), done)

    def action_accept(self) -> None:
        if not self.ref:
            return
        from .accept import accept_risk_flow

        accept_risk_flow(self, self.ref, self.version, done=lambda: self._after_change("acceptance recorded"))


def _codes(text: str) -> list[str]:
    return [c.strip() for c in text.replace(";", ",").split(",") if c.strip()]
