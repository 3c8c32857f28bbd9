"""Whether a treatment worked (8.3): asked when it is completed (``E`` on My actions and in
the risk editor), or later for one already done. One dialog, one write: a treatment not
yet done is completed with its effectiveness; a done one gets its effectiveness."""

from __future__ import annotations

from typing import Any, Callable

from ...core.models import TREATMENT_EFFECTIVENESS
from ...core.services import treatments
from .form import Field, FormDialog


def effectiveness_dialog(database, login: str, t: dict[str, Any],
                         done: Callable[[dict[str, Any]], None] | None = None) -> FormDialog:
    ref = f"{t['risk_ref']}/T{t['id']}"
    completing = t["status"] != "done"
    fields = [
        Field("effectiveness", "Did it work", "choice", t.get("effectiveness") or "",
              choices=[(v.replace("_", " "), v) for v in TREATMENT_EFFECTIVENESS], blank="(choose)"),
        Field("effectiveness_note", "Note", "long", t.get("effectiveness_note") or "",
              placeholder="what shows it worked (or why not)"),
    ]

    def save(values: dict, state: dict) -> dict:
        eff, note = values["effectiveness"] or None, values["effectiveness_note"]
        if completing:
            return treatments.complete_treatment(database, login, t["id"], state["version"], effectiveness=eff or "",
                                                 note=note)
        return treatments.record_effectiveness(database, login, t["id"], eff or "", note, state["version"])

    def landed(r: dict) -> None:
        if done is not None:
            done(r)

    verb = "Complete" if completing else "Effectiveness of"
    return FormDialog(f"{verb} {ref}: did it work?", fields, save, ok="Complete" if completing else "Save",
                      again=False, what="treatment", state={"ref": ref, "version": t["version"]},
                      explain=f"{t['action']}"[:200],
                      message=lambda r: (f"{ref} done, " if completing else f"{ref}: ")
                      + f"effectiveness {r['effectiveness'].replace('_', ' ')} recorded",
                      landed=landed)
