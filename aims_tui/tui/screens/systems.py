"""AI systems: the inventory (list) and one system in detail (tabs)."""

from __future__ import annotations

from typing import Any

from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import DataTable, Input, Static, TabbedContent, TabPane

from ...core import queries
from ...core.identity import EDIT
from ...core.models import STAGES, WITHDRAWN
from ...core.search import cap_message, capped
from ...core.services import impact, systems
from .. import render
from ...core.windows import SystemFilter, audit_filter_for_system
from ..columns import activity_columns, risk_columns, when_text
from ..sources import AuditSource, RiskSource, SystemSource
from ..widgets.paged_table import Col, PagedTable
from ..widgets.typed import TypedInput
from .base import AimsScreen, PagedListScreen
from ..dialogs.review import SystemReviewDialog
from ...core.models import EU_AI_ACT_TIERS
from ..dialogs.system_editor import SystemEditor
from ..dialogs.withdraw import withdraw_flow
from ...core.schedule import today
from ..dialogs.risk_editor import RiskEditor
from ..dialogs.transition import TransitionDialog
from ..widgets.header import AimsHeader
from ..widgets.row_table import RowTable
from ..widgets.footer import AimsFooter


class SystemsScreen(PagedListScreen):
    HELP_TITLE = "AI systems"
    HELP = ("Enter opens an AI system. g cycles the stage filter, t the EU AI Act tier, o mine/all. "
            "v records a verification and validation review (the deployment gate needs one); ctrl+z "
            "takes back a stage move. w withdraws a system made by mistake (or restores a withdrawn "
            "one); W lists the withdrawn systems.")
    SHOWS_AS_OF = True  # a past date set (key D): the inventory as it was that day (issue 19)
    EDIT_ACTIONS = frozenset({"new_system", "edit_system", "move_stage", "review", "withdraw"})
    BINDINGS = [
        Binding("n", "new_system", "New system"),
        Binding("e", "edit_system", "Edit"),
        Binding("m", "move_stage", "Move stage"),
        Binding("v", "review", "V&V review"),
        Binding("w", "withdraw", "Withdraw/restore"),
        Binding("W", "show_withdrawn", "Withdrawn systems", show=False),
        Binding("g", "cycle_stage", "Stage filter"),
        Binding("t", "cycle_tier", "Tier filter"),
        Binding("o", "toggle_mine", "Mine/all"),
        Binding("slash", "search", "Search", key_display="/", priority=True),
        Binding("escape", "leave_search", "Back to table", show=False),
    ]

    def __init__(self, database, login) -> None:
        super().__init__(database, login)
        self.stage: str | None = None
        self.tier: str | None = None
        self.mine = False
        self._timer = None
        self._filter: SystemFilter | None = None
        self._as_of = None  # the past day the rows on screen were read as of (None: today)

    def compose(self) -> ComposeResult:
        yield AimsHeader()
        yield TypedInput(placeholder="Search name, ref, owner (/)", id="search", classes="search")
        yield Static("", id="filter-line", markup=False)
        yield PagedTable([
            Col("ref", "Ref", 8, lambda r: render.lit(r["ref"])),
            Col("name", "Name", None, lambda r: render.lit(r["name"])),
            Col("stage", "Stage", 11, lambda r: render.lit(r["stage"])),
            Col("tier", "Tier", 8, lambda r: render.lit(r["eu_ai_act_tier"]), min_total=60),
            Col("owner", "Owner", 8, lambda r: render.lit(r["business_owner"]), min_total=70),
            Col("open", "Open", 4, lambda r: render.lit(r["open_risks"])),
            Col("review", "Review", 10, lambda r: render.lit(r["next_review"]), min_total=80),
        ], empty_text="No AI systems match.", id="systems")
        yield AimsFooter()

    def refresh_data(self) -> None:
        stage, tier, search = self.stage, self.tier, self.query_one("#search", Input).value
        owner = self.login if self.mine else None
        self.query_one("#filter-line", Static).update(
            f"Stage: {stage or 'any'} (g)  Tier: {tier or 'any'} (t)  Owner: {owner or 'any'} (o)  "
            "/: search  Enter: open")
        f = SystemFilter(stage=stage, tier=tier, owner=owner, search=search)
        if f == self._filter and self._as_of == self.aims.as_of:
            self.pager.reload()  # the same list: read what is on screen again
        else:
            self._filter, self._as_of = f, self.aims.as_of
            self.pager.set_source(SystemSource(self.aims.read_db, f))

    @property
    def current(self) -> dict[str, Any] | None:
        return self.pager.current

    def on_paged_table_chosen(self, event: PagedTable.Chosen) -> None:
        self.app.push_screen(SystemDetailScreen(self.database, self.login, event.row["ref"]))

    def on_input_changed(self, event: Input.Changed) -> None:
        too_long = cap_message(event.value) if event.input.id == "search" else None
        if too_long:  # a paste of a whole document: cut it (the cut fires Changed again)
            event.input.value = capped(event.value)
            self.aims.say(too_long)
            return
        if self._timer is not None:
            self._timer.stop()
        self._timer = self.set_timer(0.15, self.refresh_data)

    def action_search(self) -> None:
        self.focus_search()

    def action_leave_search(self) -> None:
        self.pager.table.focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        if event.input.id == "search":
            self.pager.table.focus()

    def action_cycle_stage(self) -> None:
        order = [None, *STAGES]
        self.stage = order[(order.index(self.stage) + 1) % len(order)] if self.stage in order else None
        self.refresh_data()

    def action_cycle_tier(self) -> None:
        order = [None, *EU_AI_ACT_TIERS]
        self.tier = order[(order.index(self.tier) + 1) % len(order)]
        self.refresh_data()

    def action_toggle_mine(self) -> None:
        self.mine = not self.mine
        self.refresh_data()

    def action_new_system(self) -> None:
        if not self.allowed(EDIT, "adding an AI system"):
            return

        self.app.push_screen(SystemEditor(self.database, self.login, None))

    def action_edit_system(self) -> None:
        row = self.current
        if row and self.allowed(EDIT, "editing an AI system"):
            self.app.push_screen(SystemEditor(self.database, self.login, row["ref"]))

    def action_move_stage(self) -> None:
        row = self.current
        if row and self.allowed(EDIT, "moving an AI system to another stage"):
            self.app.push_screen(TransitionDialog(self.database, self.login, row["ref"], row["stage"],
                                                  row["version"]))


    def action_withdraw(self) -> None:
        row = self.current
        if row is None:
            return

        withdraw_flow(self, "ai_system", row["ref"], row["version"], withdrawn=row["stage"] == WITHDRAWN)

    def action_show_withdrawn(self) -> None:
        self.stage = None if self.stage == WITHDRAWN else WITHDRAWN
        self.refresh_data()

    def action_review(self) -> None:
        row = self.current
        if row and self.allowed(EDIT, "recording a review"):
            self.app.push_screen(SystemReviewDialog(self.database, self.login, row["ref"]))


class SystemDetailScreen(AimsScreen):
    HELP_TITLE = "AI system"
    HELP = ("Tabs: overview, risks, impact assessments, stage history, activity (the audit trail). "
            "v records a verification and validation review.")
    SHOWS_AS_OF = True  # a past date set (key D): overview, risks and stages as they were (issue 19)
    EDIT_ACTIONS = frozenset({"edit_system", "move_stage", "new_risk", "review"})
    BINDINGS = [
        Binding("escape", "back", "Back"),
        Binding("e", "edit_system", "Edit"),
        Binding("m", "move_stage", "Move stage"),
        Binding("v", "review", "V&V review"),
        Binding("n", "new_risk", "New risk"),
    ]

    def __init__(self, database, login, ref: str) -> None:
        super().__init__(database, login)
        self.ref = ref
        self.system: dict[str, Any] | None = None
        self._activity_filter = None
        self._as_of = None  # the past day the risks tab was read as of (None: today)

    def compose(self) -> ComposeResult:
        yield AimsHeader()
        yield Static(self.ref, id="detail-title", classes="detail-title", markup=False)
        with TabbedContent(id="tabs"):
            with TabPane("Overview", id="tab-overview"):
                yield Static("", id="overview", classes="overview")
            with TabPane("Risks", id="tab-risks"):
                yield PagedTable(risk_columns(self._today), empty_text="No risks for this AI system.",
                                 id="system-risks")
            with TabPane("Impact", id="tab-impact"):
                yield RowTable(id="ias", cursor_type="row")
            with TabPane("Stages", id="tab-stages"):
                yield RowTable(id="stage-history", cursor_type="row")
            with TabPane("Activity", id="tab-activity"):
                yield PagedTable(activity_columns(), row_key="id", empty_text="No activity recorded.",
                                 id="activity")
        yield AimsFooter()

    def _today(self):
        return self.aims.view_day or today()

    def on_mount(self) -> None:
        for tid, cols in (("#ias", (("Ref", 7), ("Title", 34), ("Status", 9), ("Approved by", 11), ("Review", 10))),
                          ("#stage-history", (("When", 16), ("From", 11), ("To", 11), ("Who", 8), ("Note", 40)))):
            t = self.query_one(tid, DataTable)
            for label, w in cols:
                t.add_column(label, width=w)
        self._risks_source()
        self._activity_filter = None

    def _risks_source(self) -> None:
        self._as_of = self.aims.as_of
        f = queries.RiskFilter(system=self.ref, today=self.aims.view_day)
        self.query_one("#system-risks", PagedTable).set_source(RiskSource(self.aims.read_db, f))

    def refresh_data(self) -> None:
        db, ref = self.aims.read_db, self.ref

        def load() -> dict[str, Any]:
            return {"system": systems.get_system(db, ref), "ias": impact.list_assessments(db, ref),
                    "stages": systems.stage_history(db, ref), "activity": audit_filter_for_system(db, ref)}

        self.db_work(load, self._show)
        if self._as_of != self.aims.as_of:
            self._risks_source()
        else:
            self.query_one("#system-risks", PagedTable).reload()

    def _show(self, d: dict[str, Any]) -> None:
        s = self.system = d["system"]
        self.query_one("#detail-title", Static).update(render.lit(f"{s['ref']}  {s['name']}  ({s['stage']})"))
        self.query_one("#overview", Static).update(render.kv([
            ("Ref", s["ref"]), ("Name", s["name"]), ("Stage", s["stage"]), ("Purpose", s["purpose"]),
            ("Intended use", s["intended_use"]), ("Business owner", s["business_owner"]),
            ("Technical owner", s["technical_owner"]), ("AI role", s["ai_role"]),
            ("EU AI Act tier", s["eu_ai_act_tier"]), ("Personal data", s["personal_data"]),
            ("Third party", s["third_party"]), ("Human oversight", s["human_oversight"]),
            ("Review cadence", s["review_cadence"] or "(default)"), ("Next review", s["next_review"]),
            ("Version", s["version"]),
        ]))
        t = self.query_one("#ias", DataTable)
        t.clear()
        for ia in d["ias"]:
            t.add_row(render.lit(ia["ref"]), render.lit(ia["title"]), render.lit(ia["status"]),
                      render.lit(ia["approved_by"]), render.lit(ia["next_review"]))
        t = self.query_one("#stage-history", DataTable)
        t.clear()
        for e in d["stages"]:
            note = e["note"] + (f" [override: {e['justification']}]" if e.get("justification") else "")
            t.add_row(render.lit(when_text(e["at"])), render.lit(e["from_stage"] or "-"), render.lit(e["to_stage"]),
                      render.lit(e["actor"]), render.lit(note))
        activity = self.query_one("#activity", PagedTable)
        if d["activity"] != self._activity_filter:
            self._activity_filter = d["activity"]
            activity.set_source(AuditSource(self.database, d["activity"]))
        else:
            activity.reload()

    def on_paged_table_chosen(self, event: PagedTable.Chosen) -> None:
        if event.table.id != "system-risks":
            return

        self.app.push_screen(RiskEditor(self.aims.read_db, self.login, event.row["ref"]))

    def action_back(self) -> None:
        self.app.pop_screen()

    def action_edit_system(self) -> None:
        if self.allowed(EDIT, "editing an AI system"):
            self.app.push_screen(SystemEditor(self.database, self.login, self.ref))

    def action_move_stage(self) -> None:
        if self.system and self.allowed(EDIT, "moving an AI system to another stage"):
            self.app.push_screen(TransitionDialog(self.database, self.login, self.ref, self.system["stage"],
                                                  self.system["version"]))

    def action_review(self) -> None:
        if self.allowed(EDIT, "recording a review"):
            self.app.push_screen(SystemReviewDialog(self.database, self.login, self.ref))

    def action_new_risk(self) -> None:
        if self.allowed(EDIT, "adding a risk"):
            self.app.push_screen(RiskEditor(self.database, self.login, None, system=self.ref))
