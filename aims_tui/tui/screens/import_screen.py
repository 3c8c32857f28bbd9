"""Import risks from a spreadsheet: pick a file, check and fix the mapping, dry-run, import.

Thin: the reading, mapping and validation are ``aims_tui.io.importer``; the
write is ``services.importing`` (one transaction, all or nothing). File reading
and the import run in thread workers; text from the file is shown literally.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.screen import Screen
from textual.widgets import (
    Button,
    Checkbox,
    DataTable,
    Footer,
    Input,
    Log,
    ProgressBar,
    Select,
    Static,
)

from ...core.db import Database
from ...core.errors import AimsError
from ...core.services.importing import ImportRejected
from ...core.text import visible
from ...io import importer
from ..dialogs.confirm import ConfirmDialog

NOT_IMPORTED = "ignore"


class ImportScreen(Screen):
    """Pick a file, see the detected mapping and the first rows, fix the mapping,
    dry-run, then import with progress; every problem is listed."""

    DEFAULT_CSS = """
    ImportScreen { layout: vertical; }
    ImportScreen #title { text-style: bold; padding: 0 1; }
    ImportScreen .row { height: auto; }
    ImportScreen #path { width: 1fr; }
    ImportScreen Button { width: auto; min-width: 10; }
    ImportScreen #sheet { width: 16; }
    ImportScreen #header-row { width: 14; }
    ImportScreen #system { width: 1fr; }
    ImportScreen #summary { padding: 0 1; height: auto; }
    ImportScreen #mapping { height: 1fr; min-height: 3; border: round $primary-darken-2; }
    ImportScreen .map-row { height: 1; }
    ImportScreen .map-label { width: 40; padding: 0 1; }
    ImportScreen .map-select { width: 1fr; }
    ImportScreen #preview { height: 1fr; min-height: 3; }
    ImportScreen #progress { padding: 0 1; height: 1; }
    ImportScreen #messages { height: 1fr; min-height: 3; border: round $primary-darken-2; }
    """

    BINDINGS = [
        Binding("escape", "close", "Back"),
        Binding("ctrl+r", "read", "Read file"),
        Binding("ctrl+d", "dry_run", "Dry run"),
    ]

    def __init__(self, database: Database, login: str, path: str = "") -> None:
        super().__init__()
        self.database = database
        self.login = login
        self.initial_path = path
        self.sheet_data: importer.Sheet | None = None
        self.plan: importer.Plan | None = None
        self.header_row: int | None = None
        self.problems: list[str] = []
        self.result: dict[str, Any] | None = None
        self._building = False
        self.scale_offset: int | None = None  # asked when the scores look 0-based (issue 14)

    # -- layout ----------------------------------------------------------------
    def compose(self) -> ComposeResult:
        yield Static("Import risks from a spreadsheet (CSV or XLSX)", id="title", markup=False)
        with Horizontal(classes="row"):
            yield Input(self.initial_path, placeholder="Path to a .csv or .xlsx file", id="path")
            yield Button("Read", id="read", variant="primary")
            yield Button("Dry run", id="dry-run", disabled=True)
            yield Button("Import", id="import", variant="success", disabled=True)
        with Horizontal(classes="row"):
            yield Input(placeholder="Sheet (XLSX)", id="sheet")
            yield Input(placeholder="Header row", id="header-row", type="integer")
            yield Input(placeholder="AI system for rows without one", id="system")
            yield Checkbox("Create missing", id="create-missing",
                           tooltip="Add unknown owners as editors (needs admin) and unknown AI systems in design")
        yield Static("", id="summary", markup=False)
        yield VerticalScroll(id="mapping")
        yield DataTable(id="preview", zebra_stripes=True, cursor_type="row")
        yield ProgressBar(id="progress", show_eta=False)
        yield Log(id="messages", highlight=False)
        yield Footer()

    # -- actions ---------------------------------------------------------------
    def action_close(self) -> None:
        if len(self.app.screen_stack) > 1:
            self.app.pop_screen()

    def action_read(self) -> None:
        self._read()

    def action_dry_run(self) -> None:
        if self.plan is not None:
            self._run_import(dry_run=True)

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

    @on(Input.Submitted, "#system")
    def _system_changed(self) -> None:
        if self.sheet_data is not None:
            self._replan()

    @on(Button.Pressed, "#dry-run")
    def _dry_run(self) -> None:
        self._run_import(dry_run=True)

    @on(Button.Pressed, "#import")
    def _import(self) -> None:
        self._run_import(dry_run=False)

    @on(Select.Changed, ".map-select")
    def _mapping_changed(self, event: Select.Changed) -> None:
        if self._building or self.sheet_data is None:
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
        ready = not busy and self.plan is not None
        self.query_one("#dry-run", Button).disabled = not ready
        self.query_one("#import", Button).disabled = not ready

    def _say(self, lines: list[str]) -> None:
        log = self.query_one("#messages", Log)
        log.clear()
        log.write_lines([visible(line) for line in lines])  # cells of the file: shown, never obeyed

    # -- workers (off the UI thread) ----------------------------------------------
    @work(thread=True, exclusive=True, group="import-plan")
    def read_file(self, path: str, sheet: str | None, header_row: int | None, system: str | None) -> None:
        try:
            data = importer.read_sheet(Path(path).expanduser(), sheet=sheet)
            plan = importer.prepare(self.database, path, header_row=header_row, default_system=system, data=data,
                                    scale_offset=self.scale_offset)
        except AimsError as exc:
            self.app.call_from_thread(self._failed, [str(exc)] + _details(exc))
            return
        except Exception as exc:  # noqa: BLE001 - a worker must not take the app down
            self.app.call_from_thread(self._failed, [f"Unexpected error: {type(exc).__name__}: {exc}"])
            return
        self.app.call_from_thread(self._show_plan, data, plan, True)

    @work(thread=True, exclusive=True, group="import-plan")
    def make_plan(self, data: importer.Sheet, header_row: int | None, overrides: list[tuple[int, str]],
                  system: str | None) -> None:
        try:
            plan = importer.prepare(self.database, data.path, header_row=header_row, mapping=overrides,
                                    default_system=system, data=data, scale_offset=self.scale_offset)
        except AimsError as exc:  # e.g. two columns mapped to one field: no plan until fixed
            self.app.call_from_thread(self._failed, [str(exc)] + _details(exc))
            return
        except Exception as exc:  # noqa: BLE001
            self.app.call_from_thread(self._failed, [f"Unexpected error: {type(exc).__name__}: {exc}"])
            return
        self.app.call_from_thread(self._show_plan, data, plan, False)

    @work(thread=True, exclusive=True, group="import-run")
    def run_import(self, plan: importer.Plan, create_missing: bool, dry_run: bool) -> None:
        def progress(done: int, total: int) -> None:
            self.app.call_from_thread(self._progress, done, total)

        try:
            result = importer.run(self.database, self.login, plan, create_missing=create_missing,
                                  dry_run=dry_run, progress=progress)
        except ImportRejected as exc:
            self.app.call_from_thread(self._failed, [exc.summary] + [str(p) for p in exc.problems],
                                      keep_plan=True)
            return
        except AimsError as exc:
            self.app.call_from_thread(self._failed, [str(exc)], keep_plan=True)
            return
        except Exception as exc:  # noqa: BLE001
            self.app.call_from_thread(self._failed, [f"Unexpected error: {type(exc).__name__}: {exc}"],
                                      keep_plan=True)
            return
        self.app.call_from_thread(self._done, result)

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
        self.query_one("#progress", ProgressBar).update(total=max(1, total), progress=done)

    def _done(self, result: dict[str, Any]) -> None:
        self.result = result
        self.problems = []
        created, skipped = result["created"], result["skipped"]
        verb = "Would import" if result["dry_run"] else "Imported"
        lines = [f"{verb} {len(created)} risk(s)"
                 + (f" ({created[0]['ref']}..{created[-1]['ref']})" if created else "")
                 + (f"; {len(skipped)} already imported, skipped" if skipped else "")]
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
        table.add_column(Text("row"), key="row")
        for i in range(width):
            header = plan.columns[i].label if i < len(plan.columns) else importer.column_letter(i)
            table.add_column(Text(visible(header)), key=f"c{i}")
        for rownum, cells in plan.preview():
            shown = [Text(str(rownum))] + [Text(visible(_short(cells[i])) if i < len(cells) else "")
                                           for i in range(width)]
            table.add_row(*shown)


def _short(text: str, limit: int = 40) -> str:
    one = " ".join(text.split())
    return one if len(one) <= limit else one[: limit - 1] + "…"


def _details(exc: AimsError) -> list[str]:
    errors = getattr(exc, "errors", None)
    if errors and len(errors) > 1:
        return [f"{f}: {m}" for f, m in errors]
    return []
