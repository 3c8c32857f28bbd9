"""Review cadences, due dates and "overdue": computed here and nowhere else.

A cadence is a short string:
- a preset: ``monthly``, ``quarterly``, ``half-yearly``, ``yearly``;
- a number of days: ``90d`` (or ISO 8601 ``P90D``);
- an RFC 5545 rule: ``RRULE:FREQ=MONTHLY;INTERVAL=2`` (python-dateutil);
- empty: the default cadence for the item's risk level (Settings.cadences).

Month arithmetic always counts from the anchor (anchor + k x interval), never
from the previous due date, so a monthly review set on 31 January falls on the
last day of February and then on 31 March (dateutil's relativedelta clips the
day to the month's length). An anchor on
the last day of a month stays on the last day of the month (28 February ->
31 March -> 30 April), which is what a person means by "month end".

A simple RRULE (FREQ=DAILY/WEEKLY/MONTHLY/YEARLY with at most an INTERVAL) is
the same thing as a preset and follows the same month-end rules; a rule with
BY... parts (``FREQ=MONTHLY;BYDAY=1MO``) is expanded by dateutil exactly as
RFC 5545 says. RRULE text is normalised (upper case, FREQ then INTERVAL then
the other parts in alphabetical order, INTERVAL=1 dropped) so it round-trips.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from dateutil.relativedelta import relativedelta
from dateutil.rrule import rrulestr

PRESETS: dict[str, relativedelta] = {
    "monthly": relativedelta(months=1),
    "quarterly": relativedelta(months=3),
    "half-yearly": relativedelta(months=6),
    "yearly": relativedelta(years=1),
}
PRESET_ALIASES = {
    "month": "monthly", "1m": "monthly", "p1m": "monthly",
    "quarter": "quarterly", "3m": "quarterly", "p3m": "quarterly",
    "half-year": "half-yearly", "halfyearly": "half-yearly", "semiannual": "half-yearly",
    "6m": "half-yearly", "p6m": "half-yearly",
    "annual": "yearly", "annually": "yearly", "year": "yearly", "12m": "yearly",
    "1y": "yearly", "p1y": "yearly",
}
DEFAULT_CADENCES = {"Critical": "90d", "High": "90d", "Medium": "180d", "Low": "360d"}
DEFAULT_DUE_SOON_DAYS = 14

_DAYS = re.compile(r"^(?:p)?(\d{1,4})d$", re.I)


class CadenceError(ValueError):
    pass


@dataclass(frozen=True)
class Cadence:
    text: str  # normalised form
    step: relativedelta | None = None
    rule: str | None = None

    def occurrence(self, anchor: date, k: int) -> date:
        """The k-th due date after ``anchor`` (k >= 1), counted from the anchor."""
        if k < 1:
            raise ValueError("k must be >= 1")
        if self.step is not None:
            d = anchor + self.step * k
            if (self.step.months or self.step.years) and is_month_end(anchor):
                d = d + relativedelta(day=31)
            return d
        return self._rule_dates(anchor, k)[-1]

    def next_after(self, anchor: date, after: date | None = None) -> date:
        """The first due date strictly after ``after`` (default: the anchor)."""
        after = anchor if after is None else after
        if self.step is not None:
            k = 1
            # jump close first when far in the future, then walk
            st = self.step
            approx_days = max(1, int(st.years * 365.25 + st.months * 30.44 + st.weeks * 7 + st.days)
                              - (3 if (st.months or st.years) else 0))
            if after > anchor:
                k = max(1, (after - anchor).days // approx_days)
                while k > 1 and self.occurrence(anchor, k) > after:
                    k -= 1
            while self.occurrence(anchor, k) <= after:
                k += 1
            return self.occurrence(anchor, k)
        start = datetime.combine(anchor, datetime.min.time())
        rule = rrulestr(self._rule_text(), dtstart=start)
        nxt = rule.after(datetime.combine(after, datetime.max.time()))
        if nxt is None:
            raise CadenceError(f"cadence {self.text!r} has no date after {after.isoformat()}")
        return nxt.date()

    def _rule_text(self) -> str:
        if self.rule is None:  # a cadence has a step or a rule, never neither
            raise CadenceError(f"cadence {self.text!r} has no rule")
        return self.rule

    def _rule_dates(self, anchor: date, k: int) -> list[date]:
        start = datetime.combine(anchor, datetime.min.time())
        rule = rrulestr(self._rule_text(), dtstart=start)
        out: list[date] = []
        for dt in rule:
            d = dt.date()
            if d <= anchor:
                continue
            out.append(d)
            if len(out) >= k:
                return out
        raise CadenceError(f"cadence {self.text!r} ends before its occurrence {k}")


def parse_cadence(text: str) -> Cadence:
    """Parse a cadence string; raise CadenceError with a readable reason."""
    raw = (text or "").strip()
    if not raw:
        raise CadenceError("empty cadence")
    key = raw.casefold()
    key = PRESET_ALIASES.get(key, key)
    if key in PRESETS:
        return Cadence(key, step=PRESETS[key])
    m = _DAYS.match(key)
    if m:
        days = int(m.group(1))
        if days < 1:
            raise CadenceError("a cadence must be at least 1 day")
        return Cadence(f"{days}d", step=relativedelta(days=days))
    if "freq=" in key:
        return _parse_rrule(raw)
    raise CadenceError(
        f"{raw!r} is not a cadence: use monthly, quarterly, half-yearly, yearly, "
        "a number of days such as 90d, or an RRULE such as FREQ=MONTHLY;INTERVAL=2"
    )


_RRULE_ORDER = ("FREQ", "INTERVAL")
_SIMPLE_FREQ = {"DAILY": "days", "WEEKLY": "weeks", "MONTHLY": "months", "YEARLY": "years"}
_MAX_RRULE_LEN = 200


def _parse_rrule(raw: str) -> Cadence:
    body = raw.strip()
    if body.upper().startswith("RRULE:"):
        body = body[6:]
    if len(body) > _MAX_RRULE_LEN:
        raise CadenceError(f"an RRULE is at most {_MAX_RRULE_LEN} characters")
    if "\n" in body or "\r" in body:
        raise CadenceError("an RRULE is one line (no DTSTART, no EXDATE)")
    parts: dict[str, str] = {}
    for piece in body.split(";"):
        piece = piece.strip()
        if not piece:
            continue
        name, eq, value = piece.partition("=")
        name, value = name.strip().upper(), value.strip().upper()
        if not eq or not name or not value:
            raise CadenceError(f"not a valid RRULE: {piece!r} is not NAME=VALUE")
        if name in parts:
            raise CadenceError(f"not a valid RRULE: {name} given twice")
        parts[name] = value
    if "COUNT" in parts or "UNTIL" in parts:
        raise CadenceError("a review cadence must not end (no COUNT or UNTIL)")
    if "FREQ" not in parts:
        raise CadenceError("not a valid RRULE: FREQ is missing")
    if "INTERVAL" in parts:
        if not parts["INTERVAL"].isdigit() or not 1 <= int(parts["INTERVAL"]) <= 1000:
            raise CadenceError("INTERVAL must be a whole number from 1 to 1000")
        parts["INTERVAL"] = str(int(parts["INTERVAL"]))
        if parts["INTERVAL"] == "1":
            del parts["INTERVAL"]
    order = [k for k in _RRULE_ORDER if k in parts] + sorted(k for k in parts if k not in _RRULE_ORDER)
    rule = "RRULE:" + ";".join(f"{k}={parts[k]}" for k in order)
    try:
        r = rrulestr(rule, dtstart=datetime(2000, 1, 31))
        first = r.after(datetime(2000, 1, 31))
    except (ValueError, TypeError, KeyError, AttributeError) as exc:
        raise CadenceError(f"not a valid RRULE: {exc}") from None
    if first is None:
        raise CadenceError("the RRULE never repeats")
    if first.time() != datetime.min.time() or parts["FREQ"] in ("HOURLY", "MINUTELY", "SECONDLY"):
        raise CadenceError("a review cadence repeats in days, weeks, months or years")
    if set(parts) <= {"FREQ", "INTERVAL"} and parts["FREQ"] in _SIMPLE_FREQ:
        n = int(parts.get("INTERVAL", "1"))
        step: dict[str, Any] = {_SIMPLE_FREQ[parts["FREQ"]]: n}
        return Cadence(rule, step=relativedelta(**step))
    return Cadence(rule, rule=rule)


def is_month_end(d: date) -> bool:
    return (d + timedelta(days=1)).day == 1


def valid_cadence(text: str) -> bool:
    try:
        parse_cadence(text)
        return True
    except CadenceError:
        return False


def cadence_for(explicit: str, level_name: str | None, defaults: dict[str, str] | None) -> Cadence:
    """The cadence of an item: its own, else the default for its level."""
    if explicit and explicit.strip():
        return parse_cadence(explicit)
    table = {**DEFAULT_CADENCES, **(defaults or {})}
    if level_name and level_name in table:
        return parse_cadence(table[level_name])
    return parse_cadence(table.get("Medium", "180d"))


def next_review(anchor: date, explicit: str, level_name: str | None,
                defaults: dict[str, str] | None = None) -> date:
    return cadence_for(explicit, level_name, defaults).next_after(anchor)


# ---------------------------------------------------------------------------
# Due and overdue
# ---------------------------------------------------------------------------

OVERDUE = "overdue"
DUE_SOON = "due_soon"
OK = "ok"
NONE = "none"


def due_state(due: date | None, today: date, soon_days: int = DEFAULT_DUE_SOON_DAYS) -> str:
    """``overdue`` when the due date has passed (due today is not overdue yet),
    ``due_soon`` within ``soon_days`` days from today inclusive, else ``ok``;
    ``none`` when there is no date."""
    if due is None:
        return NONE
    if due < today:
        return OVERDUE
    if due <= today + timedelta(days=soon_days):
        return DUE_SOON
    return OK


def days_overdue(due: date | None, today: date) -> int:
    if due is None or due >= today:
        return 0
    return (today - due).days


def is_overdue(due: date | None, today: date) -> bool:
    return due is not None and due < today


def today() -> date:
    return date.today()
