"""Management reviews (clause 9.3): list, create, see the inputs, record outputs, export the pack.

Built like every screen (see ``screens/base.py``): reads through ``db_work``
(services and :mod:`aims_tui.reports.data`, the same figures the pack
prints), writes through the forms in ``dialogs/management_forms.py`` or
``db_write``. The layout is one column (the list of reviews on top, the
selected review below in a scrolling pane) so that it works at 80x24: the
figures table is as tall as its rows and its value column is as wide as the
screen allows. User text is shown literally (``Text``/``markup=False``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from rich.table import Table
from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.widgets import DataTable, ProgressBar, Static

from ...core.db import Database
from ...core.errors import AimsError
from ...core.identity import APPROVE, EDIT
from ...core.schedule import today as _today
from ...core.services import management
from ...core.models import OPEN_TREATMENT_STATUSES
from ...core.rules import action_overdue
from ...reports import build_pack
from ...reports import data as pack_data
from ..dialogs.confirm import ConfirmDialog
from ..dialogs.management_forms import action_form, decisions_form, new_review_form
from ..render import lines, lit
from .base import AimsScreen
from ..widgets.header import AimsHeader
from ..widgets.row_table import RowTable
from ..widgets.footer import AimsFooter



def _d(value: Any) -> str:
    return value.isoformat() if isinstance(value, date) else ("" if value is None else str(value))


def pack_dates(review: dict[str, Any], today: date) -> tuple[date, date | None]:
    """The dates a review's figures (and its pack) are taken for: up to the end of the
    period entered (else the meeting day), never later than today; from its start."""
    as_of = min(review.get("period_end") or review["held_on"], today)
    since = review.get("period_start")
    return as_of, (since if since and since <= as_of else None)


def figures_db(db: Database, as_of: date) -> Database:
    """The register a review's figures (and its pack) are read from: as it was at the end of
    ``as_of``, so that a past review's figures do not move with later edits (today: the live one)."""
    from ...core import history  # deferred: only this screen's reads need it (issue 15)

    return history.as_of_day(db, as_of, _today())


@dataclass
class Inputs:
    """What the detail pane shows for one review."""

    review: dict[str, Any]
    figures: list[tuple[str, str]] = field(default_factory=list)
    as_of: date | None = None
    since: date | None = None
    suggestions: list[str] = field(default_factory=list)


class ManagementScreen(AimsScreen):
    """Management reviews: inputs (9.3.2), outputs (9.3.3) and the pack."""

    WRITE_ACTIONS = frozenset({"export_pack"})  # records the pack on the review: refused on a past date

    HELP_TITLE = "Management reviews"
    HELP = ("The reviews (newest first) and, below, the highlighted one: the figures the pack prints, "
            "its decisions and actions. n new review, d decisions, a add an action, c marks the highlighted "
            "action done (Tab to the actions), s signs off (approvers), e exports the pack.")
    EDIT_ACTIONS = frozenset({"new_review", "decisions", "add_action", "complete_action"})
    APPROVE_ACTIONS = frozenset({"sign_off"})
    AUTO_FOCUS = "#reviews"
    DEFAULT_CSS = """
    ManagementScreen #reviews { height: auto; max-height: 6; }
    ManagementScreen #mr-detail { height: 1fr; padding: 0 1; margin-top: 1; }
    ManagementScreen #mr-detail > * { height: auto; }
    ManagementScreen #mr-title { text-style: bold; }
    ManagementScreen .mr-section { margin-top: 1; text-style: bold; }
    ManagementScreen #inputs { height: auto; }
    ManagementScreen #actions { height: auto; }
    ManagementScreen #pack-progress { height: 1; }
    """
    BINDINGS = [
        Binding("n", "new_review", "New", id="mr.new"),
        Binding("d", "decisions", "Decisions", id="mr.decisions"),
        Binding("a", "add_action", "Action", id="mr.action"),
        Binding("c", "complete_action", "Done", id="mr.done"),
        Binding("s", "sign_off", "Sign off", id="mr.sign_off"),
        Binding("e", "export_pack", "Export", id="mr.export"),
        Binding("f5", "refresh", "Refresh", id="mr.refresh"),
        Binding("escape", "back", "Back", id="mr.back"),
    ]

    def __init__(self, database: Database, login: str, today: date | None = None, *,
                 exports_dir: Path | None = None):
        super().__init__(database, login)
        self._today = today
        self.exports_dir = exports_dir
        self.reviews: list[dict[str, Any]] = []
        self.selected: str | None = None
        self.inputs: Inputs | None = None
        self.last_pack: Any = None
        self.exporting = False

    @property
    def today(self) -> date:
        return self._today or _today()

    def compose(self) -> ComposeResult:
        yield AimsHeader()
        yield RowTable(id="reviews", cursor_type="row", zebra_stripes=True)
        with VerticalScroll(id="mr-detail"):
            yield Static("", id="mr-title", markup=False)
            yield Static("", id="mr-period", markup=False)
            yield ProgressBar(id="pack-progress", total=100, show_eta=False)
            yield Static("", id="mr-status", markup=False)
            yield Static("Decisions (9.3.3)", classes="mr-section")
            yield Static("", id="mr-decisions", markup=False)
            yield Static("Actions (Tab to them; c marks the highlighted one done)", classes="mr-section",
                         id="mr-actions-title")
            yield RowTable(id="actions", cursor_type="row")
            yield Static("Inputs as the pack shows them (9.3.2)", classes="mr-section")
            yield Static("", id="inputs")
            yield Static("", id="mr-suggestions", markup=False)
        yield AimsFooter()

    def on_mount(self) -> None:
        reviews = self.query_one("#reviews", DataTable)
        for label, width in (("Ref", 10), ("Held on", 10), ("Period", 24), ("Status", 10), ("Open actions", 12)):
            reviews.add_column(label, width=width)
        self._action_columns()
        self.query_one("#pack-progress", ProgressBar).display = False
        self.query_one("#mr-status", Static).display = False
        if self.aims.role not in EDIT:
            self.query_one("#mr-actions-title", Static).update("Actions")
        self._fit(self.query_one("#reviews", DataTable), 0, 5)
        self._fit(self.query_one("#actions", DataTable), 0)

    def _action_columns(self) -> None:
        """The action text gets the width the owner, due date and status leave."""
        actions = self.query_one("#actions", DataTable)
        actions.clear(columns=True)
        rest = max(20, (self.size.width or 80) - 4 - (12 + 10 + 20) - 8)
        for label, width in (("Action", rest), ("Owner", 12), ("Due", 10), ("Status", 20)):
            actions.add_column(label, width=width)

    def on_resize(self) -> None:
        self._action_columns()
        if self.inputs is not None:
            self._show_inputs(self.inputs)

    @staticmethod
    def _fit(table: DataTable, rows: int, most: int | None = None) -> None:
        """A table exactly as tall as its rows (at most ``most``), never shrunk to nothing."""
        shown = max(1, rows if most is None else min(rows, most))
        table.styles.height = shown + 1  # the header line

    # -- messages to the user ----------------------------------------------
    def show_status(self, text: str) -> None:
        status = self.query_one("#mr-status", Static)
        status.update(lines(text))
        status.display = bool(text)

    # -- reading -------------------------------------------------------------
    def refresh_data(self) -> None:
        db = self.database
        self.db_work(lambda: list(reversed(management.list_reviews(db))), self._show_reviews, group="mr-list")

    def action_refresh(self) -> None:
        self.refresh_data()

    def _show_reviews(self, rows: list[dict[str, Any]]) -> None:
        self.reviews = rows
        table = self.query_one("#reviews", DataTable)
        table.clear()
        for r in rows:
            period = f"{_d(r['period_start']) or '…'} to {_d(r['period_end']) or '…'}" \
                if r["period_start"] or r["period_end"] else ""
            open_ = sum(1 for a in r["actions"] if a["status"] in OPEN_TREATMENT_STATUSES)
            table.add_row(Text(r["ref"]), Text(_d(r["held_on"])), Text(period), Text(r["status"]),
                          Text(str(open_)), key=r["ref"])
        self._fit(table, len(rows), 5)
        target = self.selected if any(r["ref"] == self.selected for r in rows) else (rows[0]["ref"] if rows else None)
        if target:
            table.move_cursor(row=[r["ref"] for r in rows].index(target), animate=False)
            self.select_review(target)
        else:
            self.selected, self.inputs = None, None
            what = "press n to create one" if self.aims.role in EDIT else "an editor creates them"
            self.query_one("#mr-title", Static).update(lines(f"No management review yet: {what}."))

    @on(DataTable.RowHighlighted, "#reviews")
    def _highlighted(self, event: DataTable.RowHighlighted) -> None:
        ref = event.row_key.value if event.row_key else None
        if ref and ref != self.selected:
            self.select_review(ref)

    def select_review(self, ref: str) -> None:
        if ref != self.selected or self.inputs is None:
            self.query_one("#mr-title", Static).update(lines(f"{ref}: reading the register…"))
        self.selected = ref
        db, today = self.database, self.today

        def read() -> Inputs:
            review = management.get_review(db, ref)
            as_of, since = pack_dates(review, today)
            d = pack_data.gather(figures_db(db, as_of), as_of, since, ref)
            return Inputs(review, pack_data.key_figure_lines(d), as_of, d["head"]["since"],
                          d["opportunities"]["suggested"])

        self.db_work(read, self._show_inputs, group="mr-inputs")

    def _show_inputs(self, inputs: Inputs) -> None:
        if inputs.review["ref"] != self.selected:
            return
        self.inputs = inputs
        r = inputs.review
        signed = f", signed off by {r['signed_off_by']}" if r.get("signed_off_by") else ""
        self.query_one("#mr-title", Static).update(lines(
            f"{r['ref']}  held on {_d(r['held_on'])}  ({r['status']}{signed})"))
        start = _d(r["period_start"]) or f"{_d(inputs.since)} (since the previous review)"
        end = _d(r["period_end"]) or f"{_d(inputs.as_of)} (the meeting day)"
        self.query_one("#mr-period", Static).update(lines(
            f"Period: {start} to {end}; figures as of {_d(inputs.as_of)}\n"
            f"Attendees: {r['attendees'] or '-'}"
            + (f"\nLast pack: {r['pack_path']} (data {r['pack_digest'][:16]})" if r.get("pack_path") else "")))
        grid = Table(box=None, show_edge=False, pad_edge=False, expand=True)
        grid.add_column("Figure", ratio=3, overflow="fold")
        grid.add_column("Value", ratio=2, overflow="fold")
        for label, value in inputs.figures:
            grid.add_row(Text(label), Text(value))
        self.query_one("#inputs", Static).update(grid)
        self.query_one("#mr-suggestions", Static).update(lines("\n".join(f"• {s}" for s in inputs.suggestions)))
        none = "(none recorded yet: press d)" if self.aims.role in EDIT else "(none recorded yet)"
        self.query_one("#mr-decisions", Static).update(lines(r["decisions"] or none))
        actions = self.query_one("#actions", DataTable)
        cursor = actions.cursor_row
        actions.clear()
        for a in r["actions"]:
            late = " (overdue)" if action_overdue(a["status"], a["due_date"], self.today) else ""
            actions.add_row(lit(a["action"]), lit(a["owner"]), Text(_d(a["due_date"])),
                            Text(a["status"] + late), key=str(a["id"]))
        self._fit(actions, len(r["actions"]))
        if r["actions"]:
            actions.move_cursor(row=min(max(cursor, 0), len(r["actions"]) - 1), animate=False)

    # -- writing -------------------------------------------------------------
    def action_back(self) -> None:
        if len(self.app.screen_stack) > 1:
            self.app.pop_screen()

    def _after_write(self, ref: str):
        def done(_result: Any) -> None:
            self.selected = ref
            self.inputs = None
            self.refresh_data()
        return done

    def action_new_review(self) -> None:
        if not self.allowed(EDIT, "creating a management review"):
            return
        db, login = self.database, self.login

        def save(values: dict[str, Any]) -> dict:
            return management.create_review(db, login, values)

        def created(review: dict | None) -> None:
            if review:
                self.selected, self.inputs = review["ref"], None
                self.refresh_data()

        self.app.push_screen(new_review_form(save, self.today), created)

    def _editable(self, doing: str) -> dict[str, Any] | None:
        if self.inputs is None:
            self.aims.say("no management review selected")
            return None
        r = self.inputs.review
        if r["status"] == "signed_off":
            self.aims.say(f"{r['ref']} is signed off: {doing} is no longer possible", error=True)
            return None
        return r

    def action_decisions(self) -> None:
        if not self.allowed(EDIT, "recording decisions"):
            return
        r = self._editable("recording decisions")
        if r is None:
            return
        db, login, ref, version = self.database, self.login, r["ref"], r["version"]

        def save(values: dict[str, Any]) -> dict:
            return management.update_review(db, login, ref, values, expect_version=version)

        self.app.push_screen(decisions_form(save, ref, r["decisions"], r["opportunities"]), self._after_write(ref))

    def action_add_action(self) -> None:
        if not self.allowed(EDIT, "adding a management review action"):
            return
        r = self._editable("adding an action")
        if r is None:
            return
        db, login, ref = self.database, self.login, r["ref"]

        def save(values: dict[str, Any]) -> dict:
            return management.add_action(db, login, ref, values)

        self.app.push_screen(action_form(save, ref, self.login), self._after_write(ref))

    def action_complete_action(self) -> None:
        """Mark the highlighted action done (actions are tracked like treatments)."""
        if not self.allowed(EDIT, "completing a management review action"):
            return
        if not self.inputs or not self.inputs.review["actions"]:
            self.aims.say("this review has no action to complete")
            return
        row = self.query_one("#actions", DataTable).cursor_row
        acts = self.inputs.review["actions"]
        if not 0 <= row < len(acts):
            return
        a, ref = acts[row], self.inputs.review["ref"]
        if a["status"] == "done":
            self.aims.say("that action is already done")
            return
        db, login, old, refresh = self.database, self.login, a["status"], self._after_write(ref)

        def done(updated: dict) -> None:
            self.aims.push_undo(f"completing an action of {ref}", lambda: management.update_action(
                db, login, updated["id"], {"status": old}, expect_version=updated["version"]))
            refresh(updated)

        self.db_write(lambda: management.update_action(db, login, a["id"], {"status": "done"},
                                                       expect_version=a["version"]),
                      done, message=f"{ref}: action '{a['action']}' done (ctrl+z undoes)")

    def action_sign_off(self) -> None:
        if not self.allowed(APPROVE, "signing off a management review"):
            return
        r = self._editable("signing off")
        if r is None:
            return
        db, login, ref, version = self.database, self.login, r["ref"], r["version"]

        def confirmed(yes: bool | None) -> None:
            if yes:
                self.db_write(lambda: management.sign_off(db, login, ref, expect_version=version),
                              self._after_write(ref), message=f"{ref} signed off")

        self.app.push_screen(ConfirmDialog(f"Sign off {ref}? Its decisions and actions can no longer be "
                                           "edited afterwards.", "Sign off", "Not yet"), confirmed)

    # -- the pack ------------------------------------------------------------
    def action_export_pack(self) -> None:
        if not self.inputs:
            self.aims.say("no management review selected")
            return
        if self.exporting:
            self.aims.say("the pack is being built")
            return
        review = self.inputs.review
        bar = self.query_one("#pack-progress", ProgressBar)
        bar.display = True
        bar.update(progress=0)
        self.show_status("building the pack…")
        self.exporting = True
        db, login, exports_dir = self.database, self.login, self.exports_dir
        as_of, since = pack_dates(review, self.today)
        record = self.aims.role in EDIT
        app = self.app

        def progress(stage: str, fraction: float) -> None:
            try:
                app.call_from_thread(self._progress, stage, fraction)
            except RuntimeError:  # the app is closing
                pass

        def export() -> tuple[Any, str]:
            res = build_pack(figures_db(db, as_of), None, as_of=as_of, since=since, generated_by=login,
                             review_ref=review["ref"], progress=progress, exports_dir=exports_dir)
            note = ""
            if record:
                try:
                    management.update_review(db, login, review["ref"],
                                             {"pack_path": str(res.path), "pack_digest": res.digest})
                except AimsError as exc:
                    note = f" (not recorded on the review: {exc})"
            return res, note

        def failed(err: AimsError) -> None:
            self.exporting = False
            self.query_one("#pack-progress", ProgressBar).display = False
            self.show_status(f"the pack was not written: {err}")

        self.db_write(export, self._exported, failed=failed,
                      message=lambda r: f"Pack written: {r[0].path}{r[1]}")

    def _progress(self, stage: str, fraction: float) -> None:
        if not self.is_attached:
            return
        self.query_one("#pack-progress", ProgressBar).update(progress=round(100 * fraction))
        self.show_status(stage)

    def _exported(self, result: tuple[Any, str]) -> None:
        res, note = result
        self.exporting = False
        self.last_pack = res
        self.query_one("#pack-progress", ProgressBar).update(progress=100)
        self.show_status(f"wrote {res.path} ({res.pages} pages); data digest {res.digest}{note}")
        if self.inputs:
            self.selected, self.inputs = self.inputs.review["ref"], None
            self.refresh_data()  # show the recorded path and digest
