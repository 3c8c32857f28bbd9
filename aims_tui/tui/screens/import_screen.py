"""Import risks from a spreadsheet: pick a file, check and fix the mapping, dry-run, import.

Thin: the reading, mapping and validation are ``aims_tui.io.importer``; the
write is ``services.importing`` (one transaction, all or nothing). Built like
every screen (``screens/base.py``): reading the file, planning and the dry run
are reads (``db_work``); the import is a write (``db_write``: never cancelled,
always said). The path box keeps what is typed into it (letters and digits are
text there, not screen keys); ctrl+r, ctrl+d and ctrl+s are the screen's even
while a box has the cursor. Viewers are told the role importing needs and are
offered no import action. Text from the file is shown literally.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.widgets import (
    Button,
    Checkbox,
    DataTable,
    Input,
    Label,
    Log,
    ProgressBar,
    Select,
    Static,
)

from ...core.db import Database
from ...core.errors import AimsError, PermissionDenied
from ...core.identity import EDIT
from ...core.services.importing import ImportRejected
from ...core.text import visible
from ...io import importer
from ..dialogs.confirm import ConfirmDialog
from ..base import needed_role
from .base import AimsScreen
from ..widgets.header import AimsHeader
from ..widgets.typed import TypedInput
from ..widgets.row_table import RowTable
from ..widgets.footer import AimsFooter

NOT_IMPORTED = "ignore"


class ImportScreen(AimsScreen):
    """Pick a file, see the detected mapping and the first rows, fix the mapping,
    dry-run, then import with progress; every problem is listed."""

    DEFAULT_CSS = """
    ImportScreen { layout: vertical; }
    ImportScreen #title { text-style: bold; padding: 0 1; height: auto; }
    ImportScreen .row { height: 1; margin: 0 1 1 0; }
    ImportScreen .imp-label { width: 7; padding-left: 1; }
    ImportScreen .imp-label2 { width: auto; padding: 0 1 0 2; }
    ImportScreen #path { width: 1fr; }
    ImportScreen Button { width: auto; min-width: 9; margin-left: 1; }
    ImportScreen #sheet { width: 12; }
    ImportScreen #header-row { width: 6; }
    ImportScreen #system { width: 1fr; }
    ImportScreen Checkbox { margin-left: 2; }
    ImportScreen #summary { padding: 0 1; height: auto; }
    ImportScreen #mapping { height: 1fr; min-height: 3; border: round $primary-darken-2; }
    ImportScreen .map-row { height: 1; }
    ImportScreen .map-label { width: 40; padding: 0 1; }
    ImportScreen .map-select { width: 1fr; }
    ImportScreen #preview { height: 1fr; min-height: 3; }
    ImportScreen #progress { padding: 0 1; height: 1; }
    ImportScreen #messages { height: 1fr; min-height: 3; border: round $primary-darken-2; }
    """

    HELP_TITLE = "Import"
    HELP = ("Type the path of a .csv or .xlsx file and press Enter (or ctrl+r) to read it; fix the mapping "
            "in the lists; ctrl+d checks every row without writing; ctrl+s imports (all or nothing). "
            "Esc goes back.")
    AUTO_FOCUS = "#path"
    EDIT_ACTIONS = frozenset({"read", "dry_run", "import_file"})
    # priority: a focused Input would otherwise take ctrl+d (delete right) before the screen
    BINDINGS = [
        Binding("escape", "close", "Back"),
        Binding("ctrl+r", "read", "Read file", priority=True),
        Binding("ctrl+d", "dry_run", "Dry run", priority=True),
        Binding("ctrl+s", "import_file", "Import", priority=True),
    ]

    def __init__(self, database: Database, login: str, path: str = "") -> None:
        super().__init__(database, login)
        self.initial_path = path
        self.sheet_data: importer.Sheet | None = None
        self.plan: importer.Plan | None = None
        self.header_row: int | None = None
        self.problems: list[str] = []
        self.result: dict[str, Any] | None = None
        self._building = False
        self.scale_offset: int | None = None  # asked when the scores look 0-based
        self._busy = False

    # -- layout ----------------------------------------------------------------
    def compose(self) -> ComposeResult:
        yield AimsHeader()
        yield Static("Import risks from a spreadsheet (CSV or XLSX)", id="title", markup=False)
        # one line each (compact), each box with a label that stays when text is typed (80x24)
        with Horizontal(classes="row"):
            yield Label("File", classes="imp-label")
            yield TypedInput(self.initial_path, placeholder="path to a .csv or .xlsx file", id="path", compact=True,
                        select_on_focus=False)
            yield Button("Read", id="read", variant="primary", compact=True)
            yield Button("Dry run", id="dry-run", disabled=True, compact=True)
            yield Button("Import", id="import", variant="success", disabled=True, compact=True)
        with Horizontal(classes="row"):
            yield Label("Sheet", classes="imp-label")
            yield TypedInput(placeholder="first", id="sheet", compact=True, select_on_focus=False)
            yield Label("Header row", classes="imp-label2")
            yield TypedInput(placeholder="found", id="header-row", type="integer", compact=True,
                        select_on_focus=False)
            yield Label("AI system", classes="imp-label2")
            yield TypedInput(placeholder="for rows without one", id="system", compact=True,
                        select_on_focus=False)
            yield Checkbox(_create_label(False), id="create-missing", compact=True,
                           tooltip="Add unknown owners as editors (needs admin) and unknown AI systems in design")
        yield Static("", id="summary", markup=False)
        yield VerticalScroll(id="mapping")
        yield RowTable(id="preview", zebra_stripes=True, cursor_type="row")
        yield ProgressBar(id="progress", show_eta=False, total=1)
        yield Log(id="messages", highlight=False)
        yield AimsFooter()

    def on_mount(self) -> None:
        if self.aims.role not in EDIT:
            for w in self.query("Input, Button, Checkbox"):
                w.disabled = True
            self.query_one("#title", Static).update(str(PermissionDenied(
                "importing risks", (needed_role(EDIT),), self.aims.role)))

    # -- actions ---------------------------------------------------------------
    def action_close(self) -> None:
        if len(self.app.screen_stack) > 1:
            self.app.pop_screen()

    def action_read(self) -> None:
        if self.allowed(EDIT, "importing risks"):
            self._read()

    def action_dry_run(self) -> None:
        self._start_import(dry_run=True)

    def action_import_file(self) -> None:
        self._start_import(dry_run=False)

    def _start_import(self, *, dry_run: bool) -> None:
        if not self.allowed(EDIT, "importing risks"):
            return
        if self._busy:
            self.aims.say("still working on the file: wait for it to finish")
            return
        if self.plan is None:
            self._say(["Read a file first (Enter in the path, or ctrl+r)."])
            return
        self._run_import(dry_run=dry_run)

    @on(Button.Pressed, "#read")
    @on(Input.Submitted, "#path")
    @on(Input.Submitted, "#sheet")
    @on(Input.Submitted, "#header-row")
    def _read(self) -> None:
        path = self.query_one("#path", Input).value.strip()
        if not path:
            self._say(["Type the path of a .csv or .xlsx file."])
            return
        sheet = self.query_one("#sheet", Input).value.strip() or None
        header = self.query_one("#header-row", Input).value.strip()
        self._set_busy(True)
        self._say([f"Reading {path} ..."])
        self.scale_offset = None
        self.read_file(path, sheet, int(header) if header else None, self._system())

    @on(Checkbox.Changed, "#create-missing")
    def _create_changed(self, event: Checkbox.Changed) -> None:
        event.checkbox.label = _create_label(event.value)  # in words: NO_COLOR shows the box the same

    @on(Input.Submitted, "#system")
    def _system_changed(self) -> None:
        if self.sheet_data is not None:
            self._replan()

    @on(Button.Pressed, "#dry-run")
    def _dry_run(self) -> None:
        self.action_dry_run()

    @on(Button.Pressed, "#import")
    def _import(self) -> None:
        self.action_import_file()

    @on(Select.Changed, ".map-select")
    def _mapping_changed(self, event: Select.Changed) -> None:
        if self._building or self.sheet_data is None:
            return
        if self.plan is not None:  # a Select announcing the value it was built with is no change
            index = int(str(event.select.id).rsplit("-", 1)[1])
            now = next((c.field or NOT_IMPORTED for c in self.plan.columns if c.index == index), None)
            if event.value == now:
                return
        self._replan()

    # -- helpers ---------------------------------------------------------------
    def _system(self) -> str | None:
        return self.query_one("#system", Input).value.strip() or None

    def _overrides(self) -> list[tuple[int, str]]:
        out = []
        for sel in self.query(".map-select").results(Select):
            index = int(str(sel.id).rsplit("-", 1)[1])
            value = sel.value
            out.append((index, value if isinstance(value, str) else NOT_IMPORTED))
        return out

    def _replan(self) -> None:
        assert self.sheet_data is not None
        self._set_busy(True)
        self.make_plan(self.sheet_data, self.header_row, self._overrides(), self._system())

    def _set_busy(self, busy: bool) -> None:
        self._busy = busy
        ready = not busy and self.plan is not None
        self.query_one("#dry-run", Button).disabled = not ready
        self.query_one("#import", Button).disabled = not ready

    def _say(self, lines: list[str]) -> None:
        log = self.query_one("#messages", Log)
        log.clear()
        log.write_lines([visible(line) for line in lines])  # cells of the file: shown, never obeyed

    # -- database work (off the UI thread) -------------------------------------------
    def read_file(self, path: str, sheet: str | None, header_row: int | None, system: str | None) -> None:
        db, scale_offset = self.database, self.scale_offset

        def read() -> tuple[importer.Sheet, importer.Plan]:
            data = importer.read_sheet(Path(path).expanduser(), sheet=sheet)
            return data, importer.prepare(db, path, header_row=header_row, default_system=system, data=data,
                                                scale_offset=scale_offset)

        self.db_work(read, lambda r: self._show_plan(r[0], r[1], True), group="import-plan", failed=self._plan_failed)

    def make_plan(self, data: importer.Sheet, header_row: int | None, overrides: list[tuple[int, str]],
                  system: str | None) -> None:
        db, scale_offset = self.database, self.scale_offset

        def plan() -> importer.Plan:  # e.g. two columns mapped to one field: no plan until fixed
            return importer.prepare(db, data.path, header_row=header_row, mapping=overrides,
                                    default_system=system, data=data, scale_offset=scale_offset)

        self.db_work(plan, lambda p: self._show_plan(data, p, False), group="import-plan", failed=self._plan_failed)

    def _plan_failed(self, exc: AimsError) -> bool:
        self._failed([str(exc)] + _details(exc))
        return True

    def _run_failed(self, exc: AimsError) -> bool:
        if isinstance(exc, ImportRejected):
            self._failed([exc.summary] + [str(p) for p in exc.problems], keep_plan=True)
        else:
            self._failed([str(exc)], keep_plan=True)
        return True

    def run_import(self, plan: importer.Plan, create_missing: bool, dry_run: bool) -> None:
        db, login, app = self.database, self.login, self.app

        def progress(done: int, total: int) -> None:
            try:
                app.call_from_thread(self._progress, done, total)
            except RuntimeError:  # the app is closing
                pass

        def run() -> dict[str, Any]:
            return importer.run(db, login, plan, create_missing=create_missing, dry_run=dry_run, progress=progress)

        if dry_run:  # writes nothing: a read
            self.db_work(run, self._done, group="import-dry", failed=self._run_failed)
        else:
            self.db_write(run, self._done, failed=self._run_failed, message=_summary)

    def _run_import(self, dry_run: bool) -> None:
        if self.plan is None:
            return
        self.result = None
        self._set_busy(True)
        self.query_one("#progress", ProgressBar).update(total=max(1, len(self.plan.rows)), progress=0)
        self._say(["Checking every row ..." if dry_run else "Importing ..."])
        self.run_import(self.plan, self.query_one("#create-missing", Checkbox).value, dry_run)

    # -- back on the UI thread ------------------------------------------------------
    def _failed(self, lines: list[str], keep_plan: bool = False) -> None:
        self.problems = lines
        if not keep_plan:
            self.plan = None
        self._say(lines)
        self._set_busy(False)

    def _progress(self, done: int, total: int) -> None:
        if not self.is_attached:
            return
        self.query_one("#progress", ProgressBar).update(total=max(1, total), progress=done)

    def _done(self, result: dict[str, Any]) -> None:
        self.result = result
        self.problems = []
        created = result["created"]
        lines = [_summary(result)]
        if result["users_created"]:
            lines.append(("Would add" if result["dry_run"] else "Added") + " users as editors: "
                         + ", ".join(u["login"] for u in result["users_created"]))
        if result["systems_created"]:
            lines.append(("Would register" if result["dry_run"] else "Registered") + " AI systems: "
                         + ", ".join(f"{s['ref']} {s['name']}" for s in result["systems_created"]))
        for c in created[:200]:
            lines.append(f"  row {c['row']}: {c['ref']} {c['title']} ({c['inherent_level']} -> {c['residual_level']})")
        if result["dry_run"]:
            lines.append("Dry run: nothing was written.")
        self._say(lines)
        self.query_one("#progress", ProgressBar).update(total=1, progress=1)
        self._set_busy(False)

    def _show_plan(self, data: importer.Sheet, plan: importer.Plan, rebuild: bool) -> None:
        self.sheet_data = data
        self.plan = plan
        self.header_row = plan.header_row
        self.problems = [str(p) for p in plan.problems]
        self.query_one("#summary", Static).update(visible(
            f"{Path(data.path).name}: {data.description}; header in row {plan.header_row}; "
            f"{len(plan.rows)} row(s) to import, {plan.blank_rows} blank"))
        if rebuild:
            self._build_mapping(plan)
            self._build_preview(plan)
        lines = [f"{len(plan.problems)} cell(s) need fixing before the import (a dry run checks the rest):"] + \
            self.problems if plan.problems else ["Mapping ready: check it, then Dry run or Import."]
        self._say([f"Note: {n}" for n in plan.notices] + lines)
        self._set_busy(False)
        if plan.zero_based and self.scale_offset is None:
            self._ask_zero_based(plan)

    def _ask_zero_based(self, plan: importer.Plan) -> None:
        """Scores that start at 0 (a CISO Assistant export): ask, never guess."""
        def answer(add_one: bool | None) -> None:
            self.scale_offset = 1 if add_one else 0
            self._replan()

        question = (f"{', '.join(plan.zero_based)} hold 0 or less: the scores look 0-based (CISO Assistant "
                    "writes 0..4, and -1 for not rated). Add 1 to every score?")
        self.app.push_screen(ConfirmDialog(question, yes="Add 1 (0-based)", no="Read as written"), answer)

    def _build_mapping(self, plan: importer.Plan) -> None:
        box = self.query_one("#mapping", VerticalScroll)
        box.remove_children()
        options = [(Text("(not imported)"), NOT_IMPORTED)] + [
            (Text(f"{name} - {desc}" if len(desc) < 50 else name), name)
            for name, desc in importer.FIELDS.items() if name != "ignore"]
        self._building = True
        rows = []
        for c in plan.columns:
            if not (c.header.strip() or c.field):
                continue
            sel = Select(options, value=c.field or NOT_IMPORTED, allow_blank=False,
                         id=f"map-{c.index}", classes="map-select", compact=True)
            rows.append(Horizontal(Static(visible(c.label), markup=False, classes="map-label"), sel,
                                   classes="map-row"))
        box.mount_all(rows)
        self.call_after_refresh(self._mapping_built)

    def _mapping_built(self) -> None:
        self._building = False

    def _build_preview(self, plan: importer.Plan) -> None:
        table = self.query_one("#preview", DataTable)
        table.clear(columns=True)
        width = max([len(plan.columns)] + [len(cells) for _, cells in plan.preview()])
        rows = plan.preview()
        table.add_column(Text("row"), key="row")
        for i in range(width):
            header = plan.columns[i].label if i < len(plan.columns) else importer.column_letter(i)
            fit = max([len(header)] + [len(_short(cells[i])) for _, cells in rows if i < len(cells)])
            table.add_column(Text(visible(header)), key=f"c{i}", width=fit)
        for rownum, cells in rows:
            shown = [Text(str(rownum))] + [Text(visible(_short(cells[i])) if i < len(cells) else "") for i in range(width)]
            table.add_row(*shown)


def _create_label(on: bool) -> str:
    return f"Create missing: {'yes' if on else 'no'}"


def _summary(result: dict[str, Any]) -> str:
    created, skipped = result["created"], result["skipped"]
    verb = "Would import" if result["dry_run"] else "Imported"
    return (f"{verb} {len(created)} risk(s)"
            + (f" ({created[0]['ref']}..{created[-1]['ref']})" if created else "")
            + (f"; {len(skipped)} already imported, skipped" if skipped else ""))


def _short(text: str, limit: int = 40) -> str:
    one = " ".join(text.split())
    return one if len(one) <= limit else one[: limit - 1] + "…"


def _details(exc: AimsError) -> list[str]:
    errors = getattr(exc, "errors", None)
    if errors and len(errors) > 1:
        return [f"{f}: {m}" for f, m in errors]
    return []
