"""Every top-level screen, in one place: its key, its command palette entry.

Add a screen with one line: ``Entry(id, key, title, help, "module:Class")``.
The class is imported when first opened and constructed as
``Class(database, login)`` (plus ``today=`` when it takes one). ``optional=True`` entries are skipped while their
module does not exist yet (screens written in parallel branches).
"""

from __future__ import annotations

import importlib
import importlib.util
from dataclasses import dataclass
from typing import Callable

from textual.screen import Screen

P = "aims_tui.tui.screens."


@dataclass(frozen=True)
class Entry:
    id: str
    key: str
    title: str
    help: str
    target: str  # "module:Class"
    optional: bool = False
    pushed: bool = False  # opened above the current screen (its Escape pops back to it)

    def load(self) -> Callable[..., Screen] | None:
        module, _, name = self.target.partition(":")
        try:
            mod = importlib.import_module(module)
        except ImportError:
            if self.optional:
                return None
            raise
        found = getattr(mod, name, None)
        if found is None:  # a parallel branch may have named its class differently
            found = next((v for v in vars(mod).values() if isinstance(v, type) and issubclass(v, Screen)
                          and v.__module__ == mod.__name__), None)
        return found


SCREENS: list[Entry] = [
    Entry("dashboard", "1", "Dashboard", "Systems per stage, heat maps, what is due", P + "dashboard:DashboardScreen"),
    Entry("register", "2", "Risk register", "Every risk: filter, search, sort, edit", P + "register:RegisterScreen"),
    Entry("systems", "3", "AI systems", "The inventory and the life cycle", P + "systems:SystemsScreen"),
    Entry("treatments", "4", "My actions", "Treatments you own (or everyone's)", P + "treatments:TreatmentsScreen"),
    Entry("soa", "5", "Statement of Applicability", "Every Annex A control", P + "soa:SoaScreen"),
    Entry("impact", "6", "Impact assessments", "AI system impact assessments", P + "impact:ImpactScreen"),
    Entry("nonconformities", "7", "Nonconformities", "Incidents and audit findings", P + "nonconformities:NonconformitiesScreen"),
    Entry("due", "8", "Due", "Reviews and actions due or overdue", P + "due:DueScreen", optional=True, pushed=True),
    Entry("management", "9", "Management reviews", "Management reviews and the pack", P + "management:ManagementScreen", optional=True,
          pushed=True),
    Entry("import", "0", "Import", "Import a risk spreadsheet", P + "import_screen:ImportScreen", optional=True,
          pushed=True),
]


def available() -> list[Entry]:
    out = []
    for e in SCREENS:
        if not e.optional:
            out.append(e)
            continue
        module = e.target.partition(":")[0]
        if importlib.util.find_spec(module) is not None:
            out.append(e)
    return out


def entry(screen_id: str) -> Entry | None:
    return next((e for e in SCREENS if e.id == screen_id), None)
