"""Planning (6.1.1): the risk criteria and the opportunities, listed on the M screen.

The Criteria screen lists the levels of the risk matrix with their scores and
default review cadence; ``e`` (admins) edits the scales, levels, appetite and
cadences in a form, and before anything is saved says what the change does (how
many risks change level, go above or below appetite, acceptances to re-confirm,
next reviews that move); ``y`` saves it, anything else keeps the criteria.
"""

from __future__ import annotations

import re
from typing import Any

from textual.binding import Binding

from ...core.errors import ValidationError
from ...core.identity import ADMIN
from ...core.services import criteria as criteria_svc
from .. import render
from ..dialogs.confirm import ConfirmDialog
from ..dialogs.form import Field, FormDialog
from .listing import ListScreen
from .records import RecordScreen

_BAND = re.compile(r"^\s*(?P<name>.+?)\s+(?P<low>\d+)\s*(?:-|\.\.)\s*(?P<high>\d+)\s*$")


def _labels(text: str, field: str) -> list[str]:
    out = [x.strip() for x in text.split(",") if x.strip()]
    if not out:
        raise ValidationError(field, "give the labels, lowest first, separated by commas")
    return out


def criteria_from_text(values: dict[str, str], colours: dict[str, str]) -> dict[str, Any]:
    """The criteria as the service takes them, from the form's text (a ValidationError
    names the field that cannot be read)."""
    bands = []
    for part in [p for p in values["bands"].split(",") if p.strip()]:
        m = _BAND.match(part)
        if not m:
            raise ValidationError("bands", f"'{part.strip()}': write NAME LOW-HIGH, e.g. Medium 5-9")
        name = m["name"].strip()
        bands.append({"name": name, "low": int(m["low"]), "high": int(m["high"]),
                      "colour": colours.get(name, "white")})
    if not bands:
        raise ValidationError("bands", "give the levels, e.g. Low 1-4, Medium 5-9, High 10-14, Critical 15-25")
    try:
        appetite = int(values["appetite"].strip())
    except ValueError:
        raise ValidationError("appetite", f"'{values['appetite']}' is not a whole number") from None
    cadences: dict[str, str] = {}
    for part in [p for p in values["cadences"].split(",") if p.strip()]:
        level, eq, cad = part.partition("=")
        if not eq or not level.strip() or not cad.strip():
            raise ValidationError("cadences", f"'{part.strip()}': write LEVEL=CADENCE, e.g. High=90d")
        cadences[level.strip()] = cad.strip()
    return {"likelihood_labels": _labels(values["likelihood_labels"], "likelihood_labels"),
            "impact_labels": _labels(values["impact_labels"], "impact_labels"),
            "bands": bands, "appetite": appetite, "cadences": cadences}


def criteria_as_text(c: dict[str, Any]) -> dict[str, str]:
    return {"likelihood_labels": ", ".join(c["likelihood_labels"]),
            "impact_labels": ", ".join(c["impact_labels"]),
            "bands": ", ".join(f"{b['name']} {b['low']}-{b['high']}" for b in c["bands"]),
            "appetite": str(c["appetite"]),
            "cadences": ", ".join(f"{k}={v}" for k, v in c["cadences"].items())}


class CriteriaScreen(ListScreen):
    WRITE_ACTIONS = frozenset({"edit"})  # refused while a past date is set (issue 19)
    HELP_TITLE = "Risk criteria"
    HELP = ("The risk matrix: its levels, the scores each covers and its default review cadence, and the "
            "appetite. e (admins) edits them; before saving, aims says what the change does to the register "
            "(levels, appetite, acceptances, next reviews): y saves, n keeps the criteria. Scores never change.")
    COLUMNS = [("Level", 14), ("Scores", 10), ("Review cadence", 16), ("Colour", 12, 70)]
    BINDINGS = [Binding("e", "edit", "Edit criteria", priority=True), Binding("escape", "back", "Back")]

    def __init__(self, database, login) -> None:
        super().__init__(database, login)
        self.criteria: dict[str, Any] = {}

    def title_line(self) -> str:
        c = self.criteria
        if not c:
            return "Risk criteria"
        return (f"Risk criteria: {len(c['likelihood_labels'])}x{len(c['impact_labels'])} matrix, appetite "
                f"{c['appetite']} (residual scores above it need an acceptance)")

    def load(self):
        return criteria_svc.get_criteria(self.database)

    def show(self, rows) -> None:
        if isinstance(rows, dict):
            self.criteria = rows
            rows = [{**b, "cadence": rows["cadences"].get(b["name"], "")} for b in rows["bands"]]
        super().show(rows)

    def cells(self, r):
        return [render.lit(r["name"]), render.lit(f"{r['low']}..{r['high']}"), render.lit(r["cadence"]),
                render.lit(r.get("colour", ""))]

    def action_back(self) -> None:
        if len(self.app.screen_stack) > 2:
            self.app.pop_screen()
        else:
            self.aims.goto("system")

    def action_edit(self) -> None:
        if not self.criteria or not self.allowed(ADMIN, "changing the risk criteria"):
            return
        c = self.criteria
        text = criteria_as_text(c)
        colours = {b["name"]: b.get("colour", "white") for b in c["bands"]}
        db, today = self.database, self.aims.today
        fields = [
            Field("likelihood_labels", "Likelihood scale", "text", text["likelihood_labels"],
                  placeholder="lowest first, separated by commas"),
            Field("impact_labels", "Impact scale", "text", text["impact_labels"],
                  placeholder="lowest first, separated by commas"),
            Field("bands", "Levels", "long", text["bands"], placeholder="NAME LOW-HIGH, ... e.g. Low 1-4"),
            Field("appetite", "Appetite", "text", text["appetite"],
                  placeholder="the highest residual score accepted without a formal acceptance"),
            Field("cadences", "Review cadences", "long", text["cadences"], placeholder="LEVEL=CADENCE, ..."),
        ]

        def preview(values: dict, state: dict) -> dict:
            doc = criteria_from_text(values, colours)
            return {"doc": doc, "impact": criteria_svc.preview_criteria(db, doc, today=today)}

        self.app.push_screen(
            FormDialog("Risk criteria", fields, preview, ok="Preview", again=False, what="risk criteria",
                       explain="Nothing is saved yet: Preview says what the change does, then you confirm.",
                       message=lambda r: "nothing changes" if r["impact"].nothing else "preview: confirm to save"),
            lambda r: self._confirm(r, c["version"]) if r else None)

    def _confirm(self, r: dict, version: int) -> None:
        imp = r["impact"]
        if imp.nothing:
            self.aims.say("the criteria are unchanged: nothing to save")
            return
        db, login, today, doc = self.database, self.login, self.aims.today, r["doc"]
        question = "Save these risk criteria?\n" + "\n".join(f"- {line}" for line in imp.lines())

        def chosen(yes: bool | None) -> None:
            if yes:
                self.db_write(lambda: criteria_svc.set_criteria(db, login, doc, version, today=today),
                              lambda _r: self.refresh_data(),
                              message=lambda out: (f"risk criteria saved: {', '.join(out['impact']['changed'])}; "
                                                   f"{len(out['impact']['level_changes'])} risks change level"))
            else:
                self.aims.say("risk criteria not changed")

        self.app.push_screen(ConfirmDialog(question, "Save criteria", "Keep as they are"), chosen)


class OpportunitiesScreen(RecordScreen):
    KIND = "opportunity"
    COLUMNS = [("Ref", 8), ("Title", None), ("Owner", 10, 90), ("Status", 11), ("Due", 11), ("System", 9, 100)]
    SHOW = ["ref", "title", "owner", "status", "due_date", "system"]
