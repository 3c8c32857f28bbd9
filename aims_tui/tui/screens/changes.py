"""Changes since the last management review (key C, issue 19).

What was added, closed, rescored, moved stage, accepted or lapsed between the
last management review and now (core.history.diff from core.history.last_review_at),
grouped, each with its ref and before/after. With a past date set (key D) "now" is
the end of that day and the last review is the last one held by then. Enter on a
risk opens it (as it was that day, read only, when a past date is set); on an AI
system, its detail.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from typing import Any

from rich.text import Text
from sqlmodel import select
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from ...core import history
from ...core.db import Database
from ...core.models import ManagementReview
from ...core.records import matrix_of
from ...core.scoring import Matrix
from ...core.text import visible
from ..widgets.header import AimsHeader
from ..widgets.footer import AimsFooter
from .base import AimsScreen

GROUPS = (("added", "Added"), ("closed", "Closed"), ("rescored", "Rescored"),
          ("moved_stage", "Moved stage"), ("accepted", "Accepted"), ("lapsed", "Lapsed (acceptances)"))


@dataclass
class Changes:
    end: datetime
    review_ref: str | None = None  # the last management review (None: none held by ``end``)
    review_day: date | None = None
    diff: history.Diff | None = None
    matrix: Matrix = field(default_factory=Matrix)


def load_changes(db: Database, end: datetime) -> Changes:
    """The diff from the last management review held by ``end`` to ``end`` (one read)."""
    with db.read() as s:
        start = history.last_review_at(s, before=end)
        out = Changes(end, matrix=matrix_of(s))
        if start is None:
            return out
        out.review_day = start.astimezone().date()
        out.review_ref = s.exec(select(ManagementReview.ref).where(ManagementReview.held_on == out.review_day)
                                .order_by(ManagementReview.id.desc())).first()  # type: ignore[union-attr]
        out.diff = history.diff(s, start, end) if start < end else history.Diff(start, end)
    return out


def _score(m: Matrix, li: Any) -> str:
    try:
        lk, im = int(li[0]), int(li[1])
        return f"{lk}x{im} {m.level(lk, im).name}"
    except (TypeError, ValueError, IndexError, KeyError):
        return "not scored"


def describe(kind: str, c: history.Change, m: Matrix) -> str:
    """Before and after of one change, in a few words."""
    b, a = c.before, c.after
    if kind == "added":
        state = (a or {}).get("stage") or (a or {}).get("status") or ""
        return f"new ({state})" if state else "new"
    if kind == "closed":
        return f"{b or '-'} → {a or '-'}"
    if kind == "rescored":
        parts = [f"{side} {_score(m, (b or {}).get(side))} → {_score(m, (a or {}).get(side))}"
                 for side in ("inherent", "residual") if (b or {}).get(side) != (a or {}).get(side)]
        return "; ".join(parts) or "rescored"
    if kind == "moved_stage":
        return f"{b or '-'} → {a or '-'}"
    if kind == "accepted":
        by, until = (a or {}).get("accepted_by"), (a or {}).get("expires_on")
        line = f"accepted by {by}" + (f" until {until}" if until else "")
        if "revoked_at" in (a or {}):
            line += "; revoked" + (f" ({a['revoked_why']})" if a.get("revoked_why") else "")
        return line
    if kind == "lapsed":
        return f"acceptance expired {(b or {}).get('expires_on', '')}".strip()
    return ""


def _day(at: datetime | None) -> str:
    return at.astimezone().date().isoformat() if at is not None else ""


class ChangesScreen(AimsScreen):
    HELP_TITLE = "Changes since the last management review"
    HELP = ("What was added, closed, rescored, moved stage, accepted or lapsed since the last management "
            "review, with the value before and after. Enter on a risk opens it (read only when a past date "
            "is set, key D: then the changes run to the end of that day); on an AI system, its detail.")
    SHOWS_AS_OF = True
    AUTO_FOCUS = "#changes"
    DEFAULT_CSS = """
    ChangesScreen #changes-title, ChangesScreen #changes-counts { height: auto; padding: 0 1; }
    ChangesScreen #changes-counts { color: $text-muted; }
    ChangesScreen #changes { height: 1fr; border: none; padding: 0 1; }
    """
    BINDINGS = [Binding("escape", "back", "Back"), Binding("r", "refresh", "Refresh")]

    def __init__(self, database, login) -> None:
        super().__init__(database, login)
        self.items: dict[str, history.Change] = {}

    def compose(self) -> ComposeResult:
        yield AimsHeader()
        yield Static("Changes since the last management review: reading...", id="changes-title", markup=False)
        yield Static("", id="changes-counts", markup=False)
        yield OptionList(id="changes")
        yield AimsFooter()

    def _end(self) -> datetime:
        moment = self.aims.as_of_moment
        if moment is not None:
            return moment
        if self.aims.today is not None:  # a frozen date (tests): the end of that day
            return history.end_of_day(self.aims.today)
        return datetime.now(timezone.utc)

    def refresh_data(self) -> None:
        db, end = self.database, self._end()
        self.db_work(lambda: load_changes(db, end), self._show, group="changes")

    def action_refresh(self) -> None:
        self.refresh_data()

    def action_back(self) -> None:
        self.app.pop_screen()

    def _show(self, ch: Changes) -> None:
        to = (f"the end of {self.aims.as_of.isoformat()} (the date set)" if self.aims.as_of
              else f"today ({ch.end.astimezone().date().isoformat()})")
        title = self.query_one("#changes-title", Static)
        counts = self.query_one("#changes-counts", Static)
        ol = self.query_one("#changes", OptionList)
        ol.clear_options()
        self.items = {}
        ol.display = bool(ch.diff is not None and not ch.diff.empty)
        if ch.diff is None:
            title.update(Text("No management review held yet", style="bold"))
            counts.update(f"Changes are counted from the last management review, to {to}. Record one on "
                          "Management reviews (key 9); until then there is nothing to compare with.")
            return
        heading = Text("Changes since ", style="bold")
        heading.append(visible(ch.review_ref or "the last management review"), style="bold")
        heading.append(f" (held {ch.review_day.isoformat() if ch.review_day else '?'}), to {to}")
        title.update(heading)
        d = ch.diff
        if d.empty:
            counts.update("Nothing was added, closed, rescored, moved stage, accepted or lapsed since that review.")
            return
        counts.update(" · ".join(f"{label.split(' (')[0].lower()} {len(getattr(d, kind))}" for kind, label in GROUPS))
        width = max(40, self.size.width - 6)  # the list's padding and scroll bar
        for kind, label in GROUPS:
            rows = getattr(d, kind)
            if not rows:
                continue
            ol.add_option(Option(Text(f"{label} ({len(rows)})", style="bold underline"), disabled=True))
            for i, c in enumerate(rows):
                key = f"{kind}-{i}"
                self.items[key] = c
                ol.add_option(Option(self._line(kind, c, ch.matrix, width), id=key))
        first = next((i for i in range(ol.option_count) if not ol.get_option_at_index(i).disabled), None)
        ol.highlighted = first

    def _line(self, kind: str, c: history.Change, m: Matrix, width: int) -> Text:
        """ref, title, before → after, day on one line; the change on a line of its own below
        when the title would get fewer than 16 columns."""
        change, when = describe(kind, c, m), _day(c.at)
        inline = width - 9 - len(change) - len(when) - 4 >= 16
        title_w = width - 9 - len(when) - 2 - ((len(change) + 2) if inline else 0)
        title = visible(c.title)
        if len(title) > title_w:
            title = title[:max(1, title_w - 1)] + "…"
        t = Text(f"{visible(c.ref):<9}")
        t.append(f"{title:<{title_w}}  ")
        if inline:
            t.append(change, style="bold")
            t.append("  ")
        t.append(when, style="dim")
        if not inline:
            t.append("\n" + " " * 9)
            t.append(change, style="bold")
        return t

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        c = self.items.get(event.option.id or "")
        if c is None:
            return
        if c.entity == "ai_system":
            from .systems import SystemDetailScreen  # deferred: opened from a change only (issue 15)

            self.app.push_screen(SystemDetailScreen(self.database, self.login, c.ref))
            return
        from ..dialogs.risk_editor import RiskEditor  # deferred: opened from a change only (issue 15)

        # a past date set: the risk as it was that day, read only
        self.app.push_screen(RiskEditor(self.aims.read_db, self.login, c.ref))
