"""Management reviews (clause 9.3): list, create, see the inputs, record outputs, export the pack.

Thin: every read and write runs in a thread worker through core services and
:mod:`aims_tui.reports.data` (the same figures the pack prints); results come
back to the UI with ``call_from_thread``. User text is shown literally
(``Text``/``markup=False``), never parsed as markup.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen, Screen
from textual.widgets import Button, DataTable, Footer, Input, Label, ProgressBar, Static, TextArea
from textual.worker import get_current_worker

from ...core.db import Database
from ...core.errors import AimsError
from ...core.rules import action_overdue
from ..render import lines, lit


def _d(value: Any) -> str:
    return value.isoformat() if isinstance(value, date) else ("" if value is None else str(value))


def _parse_date(text: str) -> date | None | str:
    """A date, None for empty, or the raw text (the service names the field when it is wrong)."""
    t = text.strip()
    if not t:
        return None
    try:
        return date.fromisoformat(t)
    except ValueError:
        return t


def pack_dates(review: dict[str, Any], today: date) -> tuple[date, date | None]:
    """A review's pack is taken as of its meeting day, or today if the meeting is still ahead."""
    as_of = min(review["held_on"], today)
    since = review.get("period_start")
    return as_of, (since if since and since <= as_of else None)


@dataclass
class Inputs:
    """What the detail pane shows for one review."""

    review: dict[str, Any]
    figures: list[tuple[str, str]] = field(default_factory=list)
    as_of: date | None = None
    since: date | None = None
    suggestions: list[str] = field(default_factory=list)


# ---------------------------------------------------------------------------
# Dialogs
# ---------------------------------------------------------------------------

class _Form(ModalScreen[dict | None]):
    DEFAULT_CSS = """
    _Form { align: center middle; }
    _Form > Vertical { width: 72; height: auto; max-height: 90%; border: thick $primary; background: $surface;
                       padding: 1 2; }
    _Form Label { margin-top: 1; }
    _Form TextArea { height: 10; }
    _Form Horizontal { height: auto; margin-top: 1; }
    _Form Button { margin-right: 2; }
    """
    BINDINGS = [Binding("escape", "cancel", "Cancel")]
    TITLE = ""

    def fields(self) -> ComposeResult:  # pragma: no cover - overridden
        yield from ()

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(self.TITLE, classes="form-title")
            yield from self.fields()
            with Horizontal():
                yield Button("Save", variant="primary", id="save")
                yield Button("Cancel", id="cancel")

    def values(self) -> dict:  # pragma: no cover - overridden
        return {}

    @on(Button.Pressed, "#save")
    def _save(self) -> None:
        self.dismiss(self.values())

    @on(Button.Pressed, "#cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)


class NewReviewDialog(_Form):
    TITLE = "New management review"

    def __init__(self, today: date):
        super().__init__()
        self._today = today

    def fields(self) -> ComposeResult:
        yield Label("Held on (YYYY-MM-DD)")
        yield Input(self._today.isoformat(), id="held_on")
        yield Label("Period from (YYYY-MM-DD, optional)")
        yield Input(id="period_start")
        yield Label("Period to (YYYY-MM-DD, optional)")
        yield Input(id="period_end")
        yield Label("Attendees")
        yield Input(id="attendees")

    def values(self) -> dict:
        v = {k: self.query_one(f"#{k}", Input).value for k in ("held_on", "period_start", "period_end", "attendees")}
        return {"held_on": _parse_date(v["held_on"]), "period_start": _parse_date(v["period_start"]),
                "period_end": _parse_date(v["period_end"]), "attendees": v["attendees"]}


class DecisionsDialog(_Form):
    TITLE = "Decisions (9.3.3)"

    def __init__(self, decisions: str, opportunities: str):
        super().__init__()
        self._decisions = decisions
        self._opportunities = opportunities

    def fields(self) -> ComposeResult:
        yield Label("Decisions on improvement opportunities and needed changes")
        yield TextArea(self._decisions, id="decisions")
        yield Label("Opportunities for improvement (9.3.2 e)")
        yield TextArea(self._opportunities, id="opportunities")

    def values(self) -> dict:
        return {"decisions": self.query_one("#decisions", TextArea).text,
                "opportunities": self.query_one("#opportunities", TextArea).text}


class ActionDialog(_Form):
    TITLE = "New action"

    def __init__(self, owner: str):
        super().__init__()
        self._owner = owner

    def fields(self) -> ComposeResult:
        yield Label("Action")
        yield Input(id="action")
        yield Label("Owner (login)")
        yield Input(self._owner, id="owner")
        yield Label("Due date (YYYY-MM-DD)")
        yield Input(id="due_date")

    def values(self) -> dict:
        return {"action": self.query_one("#action", Input).value, "owner": self.query_one("#owner", Input).value,
                "due_date": _parse_date(self.query_one("#due_date", Input).value)}


# ---------------------------------------------------------------------------
# The screen
# ---------------------------------------------------------------------------

class ManagementScreen(Screen):
    """Management reviews: inputs (9.3.2), outputs (9.3.3) and the pack."""

    DEFAULT_CSS = """
    ManagementScreen #mr-list { width: 42; border-right: solid $primary; }
    ManagementScreen #reviews { height: 1fr; }
    ManagementScreen #mr-detail { padding: 0 1; }
    ManagementScreen .section { margin-top: 1; text-style: bold; }
    ManagementScreen #inputs, ManagementScreen #actions { height: auto; max-height: 20; }
    ManagementScreen #pack-progress { margin-top: 1; }
    """
    BINDINGS = [
        Binding("n", "new_review", "New review", id="mr.new"),
        Binding("d", "decisions", "Decisions", id="mr.decisions"),
        Binding("a", "add_action", "Add action", id="mr.action"),
        Binding("c", "complete_action", "Action done", id="mr.done"),
        Binding("e", "export_pack", "Export pack", id="mr.export"),
        Binding("r", "refresh", "Refresh", id="mr.refresh"),
        Binding("escape", "back", "Back", id="mr.back"),
    ]

    def __init__(self, database: Database, login: str, today: date | None = None, *,
                 exports_dir: Path | None = None):
        super().__init__()
        self.database = database
        self.login = login
        self._today = today
        self.exports_dir = exports_dir
        self.reviews: list[dict[str, Any]] = []
        self.selected: str | None = None
        self.inputs: Inputs | None = None
        self.last_pack: Any = None

    @property
    def today(self) -> date:
        return self._today or date.today()

    def compose(self) -> ComposeResult:
        with Horizontal():
            with Vertical(id="mr-list"):
                yield Static("Management reviews", classes="section")
                yield DataTable(id="reviews", cursor_type="row", zebra_stripes=True)
            with VerticalScroll(id="mr-detail"):
                yield Static("", id="mr-title", markup=False)
                yield Static("Inputs as the pack shows them (9.3.2)", classes="section")
                yield DataTable(id="inputs", cursor_type="none", show_cursor=False)
                yield Static("", id="mr-suggestions", markup=False)
                yield Static("Decisions (9.3.3)", classes="section")
                yield Static("", id="mr-decisions", markup=False)
                yield Static("Actions", classes="section")
                yield DataTable(id="actions", cursor_type="row")
                yield ProgressBar(id="pack-progress", total=100, show_eta=False)
                yield Static("", id="mr-status", markup=False)
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#reviews", DataTable).add_columns("Ref", "Held on", "Status")
        self.query_one("#inputs", DataTable).add_columns("Figure", "Value")
        self.query_one("#actions", DataTable).add_columns("Action", "Owner", "Due", "Status")
        self.query_one("#pack-progress", ProgressBar).display = False
        self.load_reviews()

    # -- messages to the user ----------------------------------------------
    def show_status(self, text: str) -> None:
        self.query_one("#mr-status", Static).update(lines(text))

    def show_error(self, exc: BaseException) -> None:
        msg = str(exc) if isinstance(exc, AimsError) else f"{type(exc).__name__}: {exc}"
        self.show_status(msg)
        self.app.notify(msg, severity="error", markup=False)

    # -- loading -------------------------------------------------------------
    @work(thread=True, exclusive=True, group="mr-load")
    def load_reviews(self, select: str | None = None) -> None:
        from ...core.services import management

        try:
            rows = list(reversed(management.list_reviews(self.database)))  # newest first
        except Exception as exc:  # noqa: BLE001 - shown to the user, never crashes the app
            self.app.call_from_thread(self.show_error, exc)
            return
        if not get_current_worker().is_cancelled:
            self.app.call_from_thread(self._show_reviews, rows, select)

    def _show_reviews(self, rows: list[dict[str, Any]], select: str | None) -> None:
        self.reviews = rows
        table = self.query_one("#reviews", DataTable)
        table.clear()
        for r in rows:
            table.add_row(Text(r["ref"]), Text(_d(r["held_on"])), Text(r["status"]), key=r["ref"])
        target = select or self.selected or (rows[0]["ref"] if rows else None)
        if target and any(r["ref"] == target for r in rows):
            table.move_cursor(row=[r["ref"] for r in rows].index(target))
            self.select_review(target)
        elif not rows:
            self.query_one("#mr-title", Static).update(Text("No management review yet: press n to create one."))

    @on(DataTable.RowHighlighted, "#reviews")
    def _highlighted(self, event: DataTable.RowHighlighted) -> None:
        ref = event.row_key.value if event.row_key else None
        if ref and ref != self.selected:
            self.select_review(ref)

    def select_review(self, ref: str) -> None:
        self.selected = ref
        self.query_one("#mr-title", Static).update(Text(f"{ref}: reading the register…"))
        self.load_inputs(ref)

    @work(thread=True, exclusive=True, group="mr-inputs")
    def load_inputs(self, ref: str) -> None:
        from ...core.services import management
        from ...reports import data as pack_data

        try:
            review = management.get_review(self.database, ref)
            as_of, since = pack_dates(review, self.today)
            d = pack_data.gather(self.database, as_of, since, ref)
            result = Inputs(review, pack_data.key_figure_lines(d), as_of, d["head"]["since"],
                            d["opportunities"]["suggested"])
        except Exception as exc:  # noqa: BLE001
            self.app.call_from_thread(self.show_error, exc)
            return
        if not get_current_worker().is_cancelled:
            self.app.call_from_thread(self._show_inputs, result)

    def _show_inputs(self, inputs: Inputs) -> None:
        if inputs.review["ref"] != self.selected:
            return
        self.inputs = inputs
        r = inputs.review
        self.query_one("#mr-title", Static).update(lines(
            f"{r['ref']}  held on {_d(r['held_on'])}  ({r['status']})\n"
            f"Period: {_d(inputs.since)} to {_d(inputs.as_of)}   Attendees: {r['attendees'] or '-'}"
            + (f"\nLast pack: {r['pack_path']} (data {r['pack_digest'][:16]})" if r.get("pack_path") else "")))
        figures = self.query_one("#inputs", DataTable)
        figures.clear()
        for label, value in inputs.figures:
            figures.add_row(lit(label), lit(value))
        self.query_one("#mr-suggestions", Static).update(lines("\n".join(f"• {s}" for s in inputs.suggestions)))
        self.query_one("#mr-decisions", Static).update(lines(r["decisions"] or "(none recorded yet: press d)"))
        actions = self.query_one("#actions", DataTable)
        actions.clear()
        for a in r["actions"]:
            overdue = action_overdue(a["status"], a["due_date"], self.today)
            actions.add_row(lit(a["action"]), lit(a["owner"]), Text(_d(a["due_date"])),
                            Text(a["status"] + (" (overdue)" if overdue else "")), key=str(a["id"]))

    # -- writing -------------------------------------------------------------
    def action_refresh(self) -> None:
        self.load_reviews(self.selected)

    def action_back(self) -> None:
        if len(self.app.screen_stack) > 1:
            self.app.pop_screen()

    def action_new_review(self) -> None:
        self.app.push_screen(NewReviewDialog(self.today), self._create)

    def _create(self, values: dict | None) -> None:
        if values:
            self.save_changes("create", values)

    def action_decisions(self) -> None:
        if not self.inputs:
            return
        r = self.inputs.review
        self.app.push_screen(DecisionsDialog(r["decisions"], r["opportunities"]), self._decide)

    def _decide(self, values: dict | None) -> None:
        if values and self.inputs:
            self.save_changes("update", values)

    def action_add_action(self) -> None:
        if self.inputs:
            self.app.push_screen(ActionDialog(self.login), self._add_action)

    def _add_action(self, values: dict | None) -> None:
        if values:
            self.save_changes("action", values)

    def action_complete_action(self) -> None:
        """Mark the highlighted action done (actions are tracked like treatments)."""
        if not self.inputs or not self.inputs.review["actions"]:
            return
        table = self.query_one("#actions", DataTable)
        row = table.cursor_row
        acts = self.inputs.review["actions"]
        if 0 <= row < len(acts) and acts[row]["status"] != "done":
            self.save_changes("done", {"id": acts[row]["id"], "version": acts[row]["version"]})

    @work(thread=True, group="mr-write")
    def save_changes(self, what: str, values: dict) -> None:
        from ...core.services import management

        try:
            if what == "create":
                ref = management.create_review(self.database, self.login, values)["ref"]
                msg = f"created {ref}"
            elif what == "update":
                ref = self.inputs.review["ref"]  # type: ignore[union-attr]
                management.update_review(self.database, self.login, ref, values,
                                         expect_version=self.inputs.review["version"])  # type: ignore[union-attr]
                msg = f"recorded the decisions of {ref}"
            elif what == "done":
                ref = self.inputs.review["ref"]  # type: ignore[union-attr]
                management.update_action(self.database, self.login, values["id"], {"status": "done"},
                                         expect_version=values["version"])
                msg = f"marked an action of {ref} done"
            else:
                ref = self.inputs.review["ref"]  # type: ignore[union-attr]
                management.add_action(self.database, self.login, ref, values)
                msg = f"added an action to {ref}"
        except Exception as exc:  # noqa: BLE001
            self.app.call_from_thread(self.show_error, exc)
            return
        self.app.call_from_thread(self._written, ref, msg)

    def _written(self, ref: str, msg: str) -> None:
        self.show_status(msg)
        self.selected = None
        self.load_reviews(ref)

    # -- the pack ------------------------------------------------------------
    def action_export_pack(self) -> None:
        if not self.inputs:
            return
        bar = self.query_one("#pack-progress", ProgressBar)
        bar.display = True
        bar.update(progress=0)
        self.show_status("building the pack…")
        self.export_pack(self.inputs.review)

    def _progress(self, stage: str, fraction: float) -> None:
        self.query_one("#pack-progress", ProgressBar).update(progress=round(100 * fraction))
        self.show_status(stage)

    @work(thread=True, exclusive=True, group="mr-pack")
    def export_pack(self, review: dict[str, Any]) -> None:
        from ...core.services import management
        from ...reports import build_pack

        as_of, since = pack_dates(review, self.today)

        def progress(stage: str, fraction: float) -> None:
            self.app.call_from_thread(self._progress, stage, fraction)

        try:
            res = build_pack(self.database, None, as_of=as_of, since=since, generated_by=self.login,
                             review_ref=review["ref"], progress=progress, exports_dir=self.exports_dir)
        except Exception as exc:  # noqa: BLE001
            self.app.call_from_thread(self.show_error, exc)
            return
        note = ""
        try:
            management.update_review(self.database, self.login, review["ref"],
                                     {"pack_path": str(res.path), "pack_digest": res.digest})
        except AimsError as exc:
            note = f" (not recorded on the review: {exc})"
        self.app.call_from_thread(self._exported, res, note)

    def _exported(self, res: Any, note: str) -> None:
        self.last_pack = res
        self.show_status(f"wrote {res.path} ({res.pages} pages); data digest {res.digest}{note}")
        self.app.notify(f"Pack written: {res.path}", markup=False)
        if self.inputs:
            ref, self.selected = self.inputs.review["ref"], None
            self.load_reviews(ref)  # show the recorded path and digest
