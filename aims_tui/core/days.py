"""The day the register is read as of, parsed once for every face: the CLI's ``--as-of`` and
``aims diff``'s dates (through core.history) and the app's date dialog (key D). No SQLAlchemy
here: the dialog imports it."""

from __future__ import annotations

import re
from datetime import date

from .errors import ValidationError

_ISO_DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def parse_day(value: str, field_name: str = "--as-of", *, today: date | None = None) -> date:
    """A day given as YYYY-MM-DD, the one form (``20260101`` and ``2026-1-1`` are both
    refused); a ValidationError naming the field otherwise. With ``today``, a later day is
    refused too (:func:`future_day_message`): the register of a day not yet ended is not known."""
    text = str(value).strip()
    try:
        if not _ISO_DAY.fullmatch(text):
            raise ValueError(text)
        day = date.fromisoformat(text)
    except ValueError:
        raise ValidationError(field_name, f"'{value}' is not a date (use YYYY-MM-DD, e.g. 2026-06-15)") from None
    if today is not None and day > today:
        raise ValidationError(field_name, future_day_message(day, today))
    return day


def future_day_message(day: date, today: date) -> str:
    """Why a day after today is refused as the day the register is read as of (the CLI's
    ``--as-of`` and ``aims diff``'s dates; the same words as the app's date dialog)."""
    return (f"{day.isoformat()} is in the future; the register can be viewed as of today "
            f"({today.isoformat()}) or an earlier day")
