"""Objectives (6.2) and their measurements (9.1), on RecordScreen.

The objectives list shows each objective's target, latest value, whether it
meets the target and its direction of travel. ``m`` records a measurement of
the highlighted objective (its next measurement date follows its cadence);
``t`` opens its measurements (the trend), where ``n`` records one more and
``e`` corrects one.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from textual.binding import Binding

from ...core.objectives import MEASUREMENT, OBJECTIVE, meets, state_text, summaries, target_text, value_text
from ...core.schedule import today as _today
from ...core.services import objectives as objective_services
from ...core.services import registers
from ..dialogs.form import Field, FormDialog, changes
from .records import RecordScreen


class ObjectivesScreen(RecordScreen):
    KIND = "objective"
    COLUMNS = [("Ref", 8), ("Title", None), ("Target", 16), ("Latest", 11), ("State", 10),
               ("Travel", 10, 90), ("Owner", 10, 110), ("Next", 11, 100)]
    SHOW = ["ref", "title", "target_text", "latest_text", "state", "travel", "owner", "next_review"]
    EDIT_ACTIONS = RecordScreen.EDIT_ACTIONS | {"measure"}
    BINDINGS = RecordScreen.BINDINGS + [Binding("m", "measure", "Measure", priority=True),
                                        Binding("t", "measurements", "Trend")]

    @property
    def HELP(self) -> str:  # type: ignore[override]
        return (super().HELP + " m records a measurement of the highlighted objective (its next measurement "
                "date follows its cadence); t opens its measurements, on or off target.")

    def load(self):
        db, today = self.database, self.aims.today
        rows = registers.listing(db, OBJECTIVE)
        with db.read() as s:
            by_ref = {x["ref"]: x for x in summaries(s, today)}
        for r in rows:
            x = by_ref.get(r["ref"], {})
            r["target_text"] = target_text(r["direction"], r["target"], r["unit"])
            r["latest_text"] = value_text(x.get("latest_value"), r["unit"])
            r["state"] = state_text(x.get("on_target"))
            r["travel"] = x.get("travel") or ""
        return rows

    def action_measure(self) -> None:
        """Record a measurement of the highlighted objective: value, date (today), note."""
        r = self.current
        if r is None or not self.allowed(MEASUREMENT.role, f"recording a {MEASUREMENT.what}"):
            return
        self.app.push_screen(measure_form(self.database, self.login, self.aims.today, r))

    def action_measurements(self) -> None:
        """Open the highlighted objective's measurements."""
        r = self.current
        if r is not None:
            self.app.push_screen(MeasurementsScreen(self.database, self.login, objective=r["ref"]))


def measure_form(db: Any, login: str, today: date | None, objective: dict[str, Any]) -> FormDialog:
    """The dialog of ``m``: one measurement of ``objective``, saved with the measure service
    (saving again what was typed after it landed corrects that measurement)."""
    ref = objective["ref"]
    day = today or _today()
    fields = [Field("value", MEASUREMENT.label("value"), "text", placeholder=objective.get("unit") or ""),
              Field("measured_on", MEASUREMENT.label("measured_on"), "date", day.isoformat()),
              Field("note", MEASUREMENT.label("note"), "text")]

    def save(values: dict, state: dict) -> dict:
        if state.get("ref") is None:
            return objective_services.measure(db, login, ref, values["value"], values["measured_on"],
                                              values["note"], today=today)
        return registers.update(db, login, MEASUREMENT, state["ref"], changes(values, state["baseline"]),
                                expect_version=state["version"], today=today)

    def message(res: dict) -> str:
        unit = objective.get("unit") or ""
        target = target_text(objective["direction"], objective["target"], unit)
        return (f"measurement {res['ref']} recorded: {ref} = {value_text(res['value'], unit)} on "
                f"{res['measured_on'].isoformat()} (target {target})")

    return FormDialog(f"Measure {ref}: {objective.get('title', '')}", fields, save, state={"ref": None},
                      what=MEASUREMENT.what, message=message,
                      explain=f"Target: {target_text(objective['direction'], objective['target'], objective.get('unit') or '')}")


class MeasurementsScreen(RecordScreen):
    """Every measurement, or (opened with ``t`` from an objective) that objective's, in date order."""

    KIND = "measurement"
    COLUMNS = [("Ref", 9), ("Objective", 9), ("Measured on", 11), ("Value", 12), ("State", 10), ("Note", None)]
    SHOW = ["ref", "objective", "measured_on", "value_text", "state", "note"]

    def __init__(self, database, login, *, objective: str | None = None) -> None:
        super().__init__(database, login)
        self.objective = objective

    def title_line(self) -> str:
        return f"Measurements of {self.objective}" if self.objective else "Measurements"

    def load(self):
        db = self.database
        rows = registers.listing(db, MEASUREMENT)
        objectives = {o["ref"]: o for o in registers.listing(db, OBJECTIVE, include_withdrawn=True)}
        if self.objective:
            rows = [r for r in rows if r["objective"] == self.objective]
            rows.sort(key=lambda r: (r["measured_on"], r["ref"]))
        for r in rows:
            o = objectives.get(r["objective"])
            r["value_text"] = value_text(r["value"], o["unit"] if o else "")
            r["state"] = state_text(_meets(r["value"], o)) if o else ""
        return rows

    def form_fields(self, r: dict[str, Any]) -> list[Field]:
        fields = super().form_fields(r)
        if not r and self.objective:
            fields = [Field(f.key, f.label, f.kind, self.objective) if f.key == "objective" else f for f in fields]
        return fields


def _meets(value: float, objective: dict[str, Any]) -> bool | None:
    return meets(value, objective["target"], objective["direction"])
