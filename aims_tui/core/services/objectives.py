"""Recording a measurement of an objective (9.1), the shortcut of
``aims objectives measure`` and of the objectives screen's ``m`` key.

One transaction: the measurement is recorded as any ``measurement`` is (role,
field rules, the objective active, its create event), and the objective's next
measurement date moves to its cadence's next date after the measurement (an
update event on the objective) when that is later than the date it had: the
write path of every measurement does that (``registers``), not this shortcut alone.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlmodel import Session

from ..db import Database
from ..errors import ValidationError
from ..identity import require
from ..models import WITHDRAWN
from ..objectives import MEASUREMENT, OBJECTIVE
from ..schedule import today as _today
from . import registers
from ._base import check_version


def measure(db: Database, actor: str, objective_ref: str, value: Any, on: Any = None, note: str = "", *,
            expect_version: int | None = None, today: date | None = None) -> dict[str, Any]:
    """Record a value of the objective's metric on a date (default today); the saved
    measurement as a dict. ``expect_version``: the objective's version the caller saw."""
    day = today or _today()

    def tx(s: Session) -> dict[str, Any]:
        require(s, actor, MEASUREMENT.role, f"recording a {MEASUREMENT.what}")
        obj = registers.find(s, OBJECTIVE, str(objective_ref).strip())
        if obj.status == WITHDRAWN:
            raise ValidationError("objective", f"{obj.ref} is withdrawn; restore it first")
        check_version(obj, expect_version, OBJECTIVE.what, obj.ref)
        data = {"objective": obj.ref, "value": value, "measured_on": day if on in (None, "") else on, "note": note}
        return registers._create_in(s, MEASUREMENT, actor, data, day)  # moves the next measurement date too

    return db.transact(tx)

