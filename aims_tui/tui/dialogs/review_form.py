"""Record a review of a due item: outcome (still valid chosen), date, notes.

Enter (in a line) or ctrl+s saves; the dialog closes only when the review is
recorded, and on a refusal stays open with the field named.
"""

from __future__ import annotations

from datetime import date
from typing import Any, Callable

from rich.text import Text
from textual.app import ComposeResult
from textual.widget import Widget
from textual.containers import Horizontal
from textual.widgets import Label, Select, Static

from ...core.reminders import KIND_LABELS, DueItem
from .management_forms import Field, SavingForm

# The outcomes a review can have from here; "rescored" needs new scores, which
# belong on the risk's own form.
DIALOG_OUTCOMES = (("still_valid", "Still valid"), ("escalated", "Escalated"), ("closed", "Closed (risks only)"))


class ReviewDialog(SavingForm):
    """Outcome (still valid preselected, chosen from a list), the day of the review and notes."""

    def __init__(self, item: DueItem, save: Callable[[dict[str, Any]], Any], today: date) -> None:
        super().__init__(f"Review {item.ref}: {item.title}", [
            Field("reviewed_on", "Reviewed on", today.isoformat(), "YYYY-MM-DD"),
            Field("notes", "Notes", "", "optional"),
        ], save, message=lambda rv: (f"{item.ref}: review recorded ({rv['outcome']}); "
                                      f"next review {rv['next_review'].isoformat()}"))
        self.item = item

    def extra_top(self) -> ComposeResult:
        i = self.item
        yield Static(Text(f"{KIND_LABELS[i.kind]}, due {i.due.isoformat()}"), classes="hint")
        with Horizontal(classes="mr-field"):
            yield Label("Outcome", classes="mr-label")
            yield Select([(label, value) for value, label in self.outcomes()], value="still_valid",
                         allow_blank=False, compact=True, id="f-outcome")

    def first_focus(self) -> Widget:
        return self.query_one("#f-notes")

    def outcomes(self) -> list[tuple[str, str]]:
        return [o for o in DIALOG_OUTCOMES if o[0] != "closed" or self.item.subject_type == "risk"]

    def values(self) -> dict[str, Any]:
        out = super().values()
        out["outcome"] = self.query_one("#f-outcome", Select).value
        return out

    def changed(self) -> bool:
        return self.values() != {"reviewed_on": self.fields[0].initial, "notes": "", "outcome": "still_valid"}

    def labels(self) -> dict[str, str]:
        return {**super().labels(), "outcome": "Outcome"}
