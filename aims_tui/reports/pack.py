"""Render the management review pack (clause 9.3) as a PDF with ReportLab.

Rules that keep the pack safe and fast:
- user text goes into a Paragraph only escaped (``para``); short cells are
  plain strings, which ReportLab draws literally and quickly, wrapped here by
  measured width (long words are broken) instead of by Paragraph;
- tables repeat their header row and may split inside a row (``splitInRow``);
- ``rl_config.invariant`` and a creation date taken from the as-of date make
  the same database and as-of date give the same bytes;
- DejaVu Sans is embedded (Latin, Greek and Cyrillic print).
"""

from __future__ import annotations

import functools
import io
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any, Callable, Iterable, Sequence
from xml.sax.saxutils import escape

from reportlab import rl_config
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    BaseDocTemplate,
    CondPageBreak,
    Frame,
    PageBreak,
    PageTemplate,
    Paragraph,
    Spacer,
    Table,
    TableStyle,
)
from reportlab.platypus.tableofcontents import TableOfContents
from reportlab.platypus.tables import CellStyle

from ..core.db import data_dir
from ..core.scoring import Matrix
from . import data as pack_data

rl_config.invariant = 1

FONT, BOLD = "DejaVuSans", "DejaVuSans-Bold"
PAGE_W, PAGE_H = A4
MARGIN = 16 * mm
BODY_W = PAGE_W - 2 * MARGIN
CELL_SIZE, CELL_LEADING = 7.5, 9.2
LIST_LIMIT = pack_data.LIST_LIMIT
Progress = Callable[[str, float], None]

HEADINGS = [
    "Executive summary",
    "Status of actions from previous management reviews (9.3.2 a)",
    "Changes since the last management review (9.3.2 b, c)",
    "Performance of the AI management system (9.3.2 d)",
    "Opportunities for improvement (9.3.2 e)",
    "Decisions and actions (9.3.3)",
    "AI system summaries",
    "Appendix: the full risk register",
]
SUBHEADINGS = [
    "Risk heat maps",
    "Risks above appetite and their acceptances",
    "Treatment progress and overdue treatments",
    "Review compliance",
    "Nonconformities and corrective actions",
    "Impact assessments",
    "Statement of Applicability",
]
BAND_TINTS = {
    "green": "#c8e6c9", "yellow": "#fff59d", "dark_orange": "#ffcc80", "orange": "#ffcc80",
    "red": "#ef9a9a", "dark_red": "#e57373", "blue": "#bbdefb", "white": "#ffffff",
}
HEADER_BG = colors.HexColor("#e3e8ef")
GRID = colors.HexColor("#9aa5b1")


# ---------------------------------------------------------------------------
# Fonts and styles
# ---------------------------------------------------------------------------

def font_dir() -> Path:
    return data_dir() / "fonts"


def register_fonts() -> None:
    if FONT in pdfmetrics.getRegisteredFontNames():
        return
    d = font_dir()
    pdfmetrics.registerFont(TTFont(FONT, str(d / "DejaVuSans.ttf")))
    pdfmetrics.registerFont(TTFont(BOLD, str(d / "DejaVuSans-Bold.ttf")))
    pdfmetrics.registerFontFamily(FONT, normal=FONT, bold=BOLD, italic=FONT, boldItalic=BOLD)


def _styles() -> dict[str, ParagraphStyle]:
    base = ParagraphStyle("body", fontName=FONT, fontSize=9, leading=12, spaceAfter=4)
    return {
        "body": base,
        "small": ParagraphStyle("small", parent=base, fontSize=7.5, leading=9.5, spaceAfter=2),
        "cell": ParagraphStyle("cell", parent=base, fontSize=CELL_SIZE, leading=CELL_LEADING, spaceAfter=0),
        "h1": ParagraphStyle("h1", parent=base, fontName=BOLD, fontSize=15, leading=19, spaceBefore=4,
                             spaceAfter=8, textColor=colors.HexColor("#1f3a5f"), keepWithNext=1),
        "h2": ParagraphStyle("h2", parent=base, fontName=BOLD, fontSize=11.5, leading=15, spaceBefore=10,
                             spaceAfter=5, textColor=colors.HexColor("#1f3a5f"), keepWithNext=1),
        "h3": ParagraphStyle("h3", parent=base, fontName=BOLD, fontSize=9.5, leading=12, spaceBefore=6,
                             spaceAfter=3, keepWithNext=1),
        "title": ParagraphStyle("title", parent=base, fontName=BOLD, fontSize=24, leading=30, spaceAfter=12,
                                textColor=colors.HexColor("#1f3a5f")),
        "subtitle": ParagraphStyle("subtitle", parent=base, fontSize=13, leading=17, spaceAfter=24),
        "toc1": ParagraphStyle("toc1", parent=base, fontName=BOLD, fontSize=10, leading=15, leftIndent=14,
                               firstLineIndent=-14),
        "toc2": ParagraphStyle("toc2", parent=base, fontSize=9, leading=12, leftIndent=28, firstLineIndent=-14),
        "centre": ParagraphStyle("centre", parent=base, alignment=TA_CENTER),
    }


@functools.lru_cache(maxsize=1)
def _coverage() -> frozenset[int]:
    """Code points both embedded fonts can draw, in the Basic Multilingual Plane
    (ReportLab writes a ToUnicode map that PDF readers reject for code points above U+FFFF)."""
    register_fonts()
    regular = pdfmetrics.getFont(FONT).face.charToGlyph
    bold = pdfmetrics.getFont(BOLD).face.charToGlyph
    return frozenset(c for c in regular if c <= 0xFFFF and c in bold)


def printable(s: str) -> str:
    """Text the embedded font can draw: tabs become spaces, a character DejaVu
    lacks (CJK, emoji) becomes U+FFFD instead of silently printing nothing."""
    if "\t" in s:
        s = s.replace("\t", " ")
    if s.isascii():
        return s
    cover = _coverage()
    if all(ord(c) in cover or c in "\n\r" for c in s):
        return s
    return "".join(c if ord(c) in cover or c in "\n\r" else "\ufffd" for c in s)


def para(text: Any, style: ParagraphStyle) -> Paragraph:
    """User text as a Paragraph: escaped, newlines kept, never read as markup."""
    s = printable("" if text is None else str(text))
    return Paragraph(escape(s).replace("\r\n", "\n").replace("\n", "<br/>"), style)


def fmt(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, date):
        return value.isoformat()
    return printable(str(value))


def wrap_plain(text: Any, width: float, size: float = CELL_SIZE, font: str = FONT, max_lines: int = 0) -> str:
    """Wrap a short cell to ``width`` points as a plain multi-line string.

    Words longer than the width are broken; plain strings are drawn literally
    by ReportLab, so no escaping is needed and no Paragraph is built.
    """
    return _wrap(fmt(text), float(width), size, font, max_lines)


@functools.lru_cache(maxsize=65536)
def _wrap(s: str, width: float, size: float, font: str, max_lines: int) -> str:
    """Cached: registers repeat the same owners, statuses and levels thousands of times."""
    s = s.replace("\r", "")
    width = max(width, size * 2)
    sw = pdfmetrics.stringWidth
    if "\n" not in s and sw(s, font, size) <= width:
        return s
    lines: list[str] = []
    for raw in s.split("\n"):
        line = ""
        for word in raw.split(" "):
            cand = word if not line else line + " " + word
            if sw(cand, font, size) <= width:
                line = cand
                continue
            if line:
                lines.append(line)
                line = ""
            while sw(word, font, size) > width:
                cut = _fit(word, width, size, font)
                lines.append(word[:cut])
                word = word[cut:]
            line = word
        lines.append(line)
    if max_lines and len(lines) > max_lines:
        lines = lines[:max_lines]
        lines[-1] = lines[-1][: max(1, len(lines[-1]) - 1)] + "…"
    return "\n".join(lines)


def _fit(word: str, width: float, size: float, font: str) -> int:
    lo, hi = 1, len(word)
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if pdfmetrics.stringWidth(word[:mid], font, size) <= width:
            lo = mid
        else:
            hi = mid - 1
    return lo


def band_colour(name: str) -> colors.Color:
    tint = BAND_TINTS.get(name)
    if tint:
        return colors.HexColor(tint)
    try:
        c = colors.toColor(name.replace("_", ""))
        return colors.Color(1 - (1 - c.red) * 0.4, 1 - (1 - c.green) * 0.4, 1 - (1 - c.blue) * 0.4)
    except (ValueError, AttributeError):
        return colors.HexColor("#eeeeee")


# ---------------------------------------------------------------------------
# Tables
# ---------------------------------------------------------------------------

class FastTable(Table):
    """A Table of plain left-aligned strings drawn through one text object.

    ReportLab's ``drawString`` builds a text object per string; the register
    appendix has ~100,000 of them. Here every string of the table goes into
    one BT..ET block (emitted before the grid lines, inside the table's
    coordinate space); nothing is drawn in the first, dry layout pass.
    """

    def draw(self) -> None:
        self._tx = None
        self._renderCB = self._on_render
        super().draw()

    def _on_render(self, _table: Any, event: str, *args: Any) -> None:
        if event == "startTable" and not getattr(self.canv, "_dry", False):
            self._tx = self.canv.beginText()
            self._tx_font = self._tx_colour = None
        elif event == "startLines" and self._tx is not None:
            self.canv.drawText(self._tx)
            self._tx = None

    def _drawCell(self, cellval: Any, cellstyle: Any, pos: Any, size: Any) -> None:  # noqa: N802
        tx = self._tx
        just, valign = cellstyle.alignment, cellstyle.valign
        if not isinstance(cellval, str) or just not in _ALIGNS or valign not in ("TOP", "MIDDLE"):
            if tx is None and getattr(self.canv, "_dry", False):
                return
            if tx is not None:  # keep the drawing order: flush the strings so far
                self.canv.drawText(tx)
                self._tx = self.canv.beginText()
                self._tx_font = self._tx_colour = None
                self._curcellstyle = None
            super()._drawCell(cellval, cellstyle, pos, size)
            return
        if tx is None:
            return  # the dry pass draws nothing
        tx = self._tx
        if cellstyle.color != self._tx_colour:
            tx.setFillColor(cellstyle.color)
            self._tx_colour = cellstyle.color
        name, fsize, leading = cellstyle.fontname, cellstyle.fontsize, cellstyle.leading
        if (name, fsize, leading) != self._tx_font:
            tx.setFont(name, fsize, leading)
            self._tx_font = (name, fsize, leading)
        lines = cellval.split("\n")
        if valign == "TOP":
            y = pos[1] + size[1] - cellstyle.topPadding - fsize
        else:
            y = pos[1] + (cellstyle.bottomPadding + size[1] - cellstyle.topPadding + len(lines) * leading) / 2.0 - fsize
        for line in lines:
            if line:
                if just == "LEFT":
                    x = pos[0] + cellstyle.leftPadding
                else:
                    w = pdfmetrics.stringWidth(line, name, fsize)
                    if just == "RIGHT":
                        x = pos[0] + size[0] - cellstyle.rightPadding - w
                    else:
                        x = pos[0] + (size[0] + cellstyle.leftPadding - cellstyle.rightPadding - w) / 2.0
                tx.setTextOrigin(x, y)
                tx.textOut(line)
            y -= leading


_ALIGNS = ("LEFT", "RIGHT", "CENTER", "CENTRE")


PAD_TOP, PAD_BOTTOM = 1.5, 2.0
LONG_TEXT = 400  # characters; longer free text goes into an escaped Paragraph


def cell_text(value: Any, st: dict) -> Any:
    """Short user text stays a plain string (fast, literal); long text becomes an escaped Paragraph."""
    s = fmt(value)
    return para(s, st["cell"]) if len(s) > LONG_TEXT else s


def _prepare(header: Sequence[str], rows: Iterable[Sequence[Any]], widths: Sequence[float], size: float,
             max_lines: int) -> tuple[list[list[Any]], list[float | None]]:
    pad = 6.0
    leading = round(size * 1.23, 2)
    data: list[list[Any]] = [[wrap_plain(h, w - pad, size, BOLD) for h, w in zip(header, widths)]]
    for row in rows:
        data.append([c if isinstance(c, (Paragraph, Table)) else wrap_plain(c, w - pad, size, max_lines=max_lines)
                     for c, w in zip(row, widths)])
    heights: list[float | None] = []
    for row in data:
        if any(not isinstance(c, str) for c in row):
            heights.append(None)  # ReportLab measures rows holding a Paragraph
        else:
            heights.append(leading * max(c.count("\n") + 1 for c in row) + PAD_TOP + PAD_BOTTOM)
    return data, heights


def _style_cmds(size: float) -> list:
    leading = round(size * 1.23, 2)
    return [
        ("FONT", (0, 0), (-1, -1), FONT, size, leading),
        ("FONT", (0, 0), (-1, 0), BOLD, size, leading),
        ("BACKGROUND", (0, 0), (-1, 0), HEADER_BG),
        ("GRID", (0, 0), (-1, -1), 0.4, GRID),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("LEFTPADDING", (0, 0), (-1, -1), 3), ("RIGHTPADDING", (0, 0), (-1, -1), 3),
        ("TOPPADDING", (0, 0), (-1, -1), PAD_TOP), ("BOTTOMPADDING", (0, 0), (-1, -1), PAD_BOTTOM),
    ]


def table(header: Sequence[str], rows: Iterable[Sequence[Any]], widths: Sequence[float],
          styles: list | None = None, max_lines: int = 0, size: float = CELL_SIZE) -> Table:
    """A grid table: header repeated on every page, rows may split, cells wrapped.

    Rows of plain strings get their height computed here (ReportLab would
    measure every row again on every split)."""
    data, heights = _prepare(header, rows, widths, size, max_lines)
    t = FastTable(data, colWidths=list(widths), rowHeights=heights, repeatRows=1, splitInRow=1, hAlign="LEFT")
    t.setStyle(TableStyle(_style_cmds(size) + (styles or [])))
    return t


def paged_table(header: Sequence[str], rows: Iterable[Sequence[Any]], widths: Sequence[float], first_room: float,
                page_room: float, size: float = CELL_SIZE) -> list:
    """A long table of plain strings cut into one Table per page (each with the header).

    One huge Table costs ReportLab quadratic time (every split copies and
    re-measures the rest); rows here have known heights, so the cut is exact.
    """
    data, heights = _prepare(header, rows, widths, size, 0)
    head, hh = data[0], heights[0] or 0.0
    out: list = []
    room = first_room
    chunk: list = []
    used = hh
    # Cell styles made once and shared by every cell (ReportLab would build and
    # style one object per cell); only drawing commands go through TableStyle.
    leading = round(size * 1.23, 2)
    body, bold = CellStyle("body"), CellStyle("head")
    for cs, font in ((body, FONT), (bold, BOLD)):
        cs.fontname, cs.fontsize, cs.leading, cs.valign = font, size, leading, "TOP"
        cs.leftPadding = cs.rightPadding = 3
        cs.topPadding, cs.bottomPadding = PAD_TOP, PAD_BOTTOM
    head_styles, body_styles = [bold] * len(widths), [body] * len(widths)
    cmds = [("BACKGROUND", (0, 0), (-1, 0), HEADER_BG), ("GRID", (0, 0), (-1, -1), 0.4, GRID)]

    def flush() -> None:
        hs = [hh] + [heights[i] for i in chunk]
        t = FastTable([head] + [data[i] for i in chunk], colWidths=list(widths), rowHeights=hs, repeatRows=1,
                      splitInRow=1, hAlign="LEFT", cellStyles=[head_styles] + [body_styles] * len(chunk),
                      normalizedData=1)
        t.setStyle(TableStyle(cmds))
        out.append(t)

    for i in range(1, len(data)):
        h = heights[i] or 0.0
        if chunk and used + h > room - 1.0:
            flush()
            out.append(PageBreak())
            chunk, used, room = [], hh, page_room
        chunk.append(i)
        used += h
    if chunk:
        flush()
    return out


def kv_table(pairs: Sequence[tuple[str, Any]], st: dict, key_w: float = 150) -> Table:
    """Label and value rows; short values as plain strings, long ones as escaped Paragraphs."""
    vw = BODY_W - key_w
    data = [[wrap_plain(k, key_w - 6, font=BOLD), v if isinstance(v, Paragraph) else
             (para(fmt(v), st["cell"]) if len(fmt(v)) > LONG_TEXT else wrap_plain(v, vw - 6))] for k, v in pairs]
    heights = [None if isinstance(v, Paragraph) else
               CELL_LEADING * (max(k.count("\n"), v.count("\n")) + 1) + 6 for k, v in data]
    t = FastTable(data, colWidths=[key_w, vw], rowHeights=heights, splitInRow=1, hAlign="LEFT")
    t.setStyle(TableStyle([
        ("FONT", (0, 0), (-1, -1), FONT, CELL_SIZE, CELL_LEADING),
        ("FONT", (0, 0), (0, -1), BOLD, CELL_SIZE, CELL_LEADING),
        ("GRID", (0, 0), (-1, -1), 0.4, GRID),
        ("BACKGROUND", (0, 0), (0, -1), HEADER_BG),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("LEFTPADDING", (0, 0), (-1, -1), 3), ("RIGHTPADDING", (0, 0), (-1, -1), 3),
    ]))
    return t


def more_note(shown: int, total: int, st: dict, where: str = "the appendix") -> list:
    if total > shown:
        return [para(f"Showing {shown} of {total}; the rest are in {where}.", st["small"])]
    return []


def heat_map(cells: list, m: Matrix, title: str, st: dict, outline_appetite: bool = False) -> list:
    counts = {(li, im): n for li, im, n in cells}
    label_w = 105.0
    cw = (BODY_W - label_w) / m.n_impact
    data: list[list[Any]] = []
    cmds: list = [
        ("FONT", (0, 0), (-1, -1), FONT, 7.5, 9.5),
        ("GRID", (0, 0), (-1, -1), 0.5, colors.white),
        ("ALIGN", (1, 0), (-1, -1), "CENTER"),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("FONT", (0, 0), (0, -1), BOLD, 7, 9),
        ("FONT", (0, -1), (-1, -1), BOLD, 7, 9),
    ]
    for r, li in enumerate(range(m.n_likelihood, 0, -1)):
        row: list[Any] = [wrap_plain(f"{li} {m.likelihood_label(li)}", label_w - 6, 7, BOLD)]
        for c, im in enumerate(range(1, m.n_impact + 1), start=1):
            band = m.level(li, im)
            n = counts.get((li, im), 0)
            row.append(f"{n}\n{band.name}")
            cmds.append(("BACKGROUND", (c, r), (c, r), band_colour(band.colour)))
            if n:
                cmds.append(("FONT", (c, r), (c, r), BOLD, 8.5, 10))
            if outline_appetite and m.above_appetite(li * im):
                cmds.append(("BOX", (c, r), (c, r), 1.4, colors.HexColor("#333333")))
        data.append(row)
    data.append(["Likelihood / Impact"] + [wrap_plain(f"{i} {m.impact_label(i)}", cw - 6, 7, BOLD)
                                            for i in range(1, m.n_impact + 1)])
    t = Table(data, colWidths=[label_w] + [cw] * m.n_impact, rowHeights=[30] * m.n_likelihood + [None],
              hAlign="LEFT")
    t.setStyle(TableStyle(cmds))
    return [Paragraph(escape(title), st["h3"]), t, Spacer(1, 6)]


def bar(n: int, top: int, width: int = 30) -> str:
    if top <= 0 or n <= 0:
        return ""
    return "█" * max(1, round(width * n / top))


# ---------------------------------------------------------------------------
# Document template, canvas, contents
# ---------------------------------------------------------------------------

@dataclass
class PackResult:
    path: Path
    digest: str
    pages: int
    size: int


class _FixedStamp:
    """A creation date taken from the as-of date (ReportLab's TimeStamp shape)."""

    def __init__(self, d: date):
        import calendar

        self.t = float(calendar.timegm(d.timetuple()))
        self.lt = tuple(d.timetuple())
        self.YMDhms = (d.year, d.month, d.day, 0, 0, 0)
        self.dhh = self.dmm = 0
        self.tzname = "UTC"


def make_canvas(header_left: str, classification: str, as_of: date, digest: str) -> type:
    """A canvas that numbers pages "X of Y" and draws the header and footer."""

    class PackCanvas(Canvas):
        def __init__(self, *args: Any, **kwargs: Any):
            super().__init__(*args, **kwargs)
            self._doc._timeStamp = _FixedStamp(as_of)
            self._saved: list[dict] = []

        # The first layout pass only counts pages for the contents: it draws no text.
        _dry = False

        def drawString(self, *a: Any, **k: Any) -> None:  # noqa: N802
            if not self._dry:
                super().drawString(*a, **k)

        def drawRightString(self, *a: Any, **k: Any) -> None:  # noqa: N802
            if not self._dry:
                super().drawRightString(*a, **k)

        def drawCentredString(self, *a: Any, **k: Any) -> None:  # noqa: N802
            if not self._dry:
                super().drawCentredString(*a, **k)

        def drawText(self, *a: Any, **k: Any) -> None:  # noqa: N802
            if not self._dry:
                super().drawText(*a, **k)

        def showPage(self) -> None:  # noqa: N802 - ReportLab's name
            if self._dry:
                self._startPage()
                return
            self._saved.append(dict(self.__dict__))
            self._startPage()

        def save(self) -> None:
            total = len(self._saved)
            for state in self._saved:
                self.__dict__.update(state)
                self._decorate(total)
                Canvas.showPage(self)
            Canvas.save(self)

        def _decorate(self, total: int) -> None:
            n = self._pageNumber
            self.saveState()
            self.setFillColor(colors.HexColor("#555555"))
            self.setStrokeColor(GRID)
            self.setLineWidth(0.4)
            top = PAGE_H - MARGIN + 14
            if n > 1:
                self.setFont(FONT, 7.5)
                self.drawString(MARGIN, top, _clip(header_left, BODY_W * 0.6, 7.5))
                self.drawRightString(PAGE_W - MARGIN, top, _clip(classification, BODY_W * 0.35, 7.5))
                self.line(MARGIN, top - 4, PAGE_W - MARGIN, top - 4)
            y = MARGIN - 18
            self.line(MARGIN, y + 10, PAGE_W - MARGIN, y + 10)
            self.setFont(FONT, 7.5)
            foot = " · ".join(x for x in (classification.strip(), f"as of {as_of.isoformat()}",
                                          f"data {digest[:16]}") if x)
            self.drawString(MARGIN, y, _clip(foot, BODY_W * 0.75, 7.5))
            self.drawRightString(PAGE_W - MARGIN, y, f"Page {n} of {total}")
            self.restoreState()

    return PackCanvas


def _clip(text: str, width: float, size: float) -> str:
    text = " ".join(printable(str(text)).split())
    if pdfmetrics.stringWidth(text, FONT, size) <= width:
        return text
    return text[: _fit(text, width - size, size, FONT)] + "…"


class PackTemplate(BaseDocTemplate):
    def __init__(self, target: Any, progress: Progress, estimate: int, **kw: Any):
        super().__init__(target, pagesize=A4, leftMargin=MARGIN, rightMargin=MARGIN, topMargin=MARGIN + 6,
                         bottomMargin=MARGIN + 4, **kw)
        frame = Frame(self.leftMargin, self.bottomMargin, self.width, self.height, id="body",
                      leftPadding=0, rightPadding=0, topPadding=0, bottomPadding=0)
        self.addPageTemplates([PageTemplate(id="page", frames=[frame])])
        self._progress = progress
        self._estimate = max(1, estimate)
        self._pass = 0
        self._seq = 0

    def handle_documentBegin(self) -> None:  # noqa: N802
        self._pass += 1
        self._seq = 0
        # Pass 1 is never the last (the contents are empty until it ends): lay out, draw nothing.
        self.canv._dry = self._pass == 1
        super().handle_documentBegin()

    def afterPage(self) -> None:  # noqa: N802
        if self.page % 25 == 0:
            share = min(1.0, self.page / self._estimate)
            base = 0.45 if self._pass == 1 else 0.7
            self._last = max(getattr(self, "_last", 0.0), base + 0.25 * share)  # never goes back
            self._progress(f"laying out pages (pass {self._pass})", self._last)

    def afterFlowable(self, flowable: Any) -> None:  # noqa: N802
        level = getattr(flowable, "_toc_level", None)
        if level is None:
            return
        text = flowable._toc_text
        self._seq += 1
        key = f"h{self._seq}"
        self.canv.bookmarkPage(key)
        self.canv.addOutlineEntry(text, key, level=level, closed=level > 0)
        self.notify("TOCEntry", (level, escape(text), self.page, key))


def heading(text: str, level: int, st: dict) -> Paragraph:
    p = Paragraph(escape(text), st["h1" if level == 0 else "h2"])
    p._toc_level = level  # type: ignore[attr-defined]
    p._toc_text = text  # type: ignore[attr-defined]
    return p


# ---------------------------------------------------------------------------
# The story
# ---------------------------------------------------------------------------

def _cover(d: dict, st: dict, generated_by: str, digest: str) -> list:
    h = d["head"]
    mr = d["review"]
    period = f"{fmt(h['since'])} to {fmt(h['as_of'])}"
    pairs: list[tuple[str, Any]] = [
        ("Organization", h["organization"] or "(not set)"),
        ("AIMS scope", h["scope"] or "(not set)"),
        ("Review period", period),
        ("As of", fmt(h["as_of"])),
        ("Management review", f"{mr['ref']}, held on {fmt(mr['held_on'])} ({mr['status']})" if mr
         else "not yet recorded"),
        ("Generated by", f"{generated_by} with aims"),
        ("Classification", h["classification"] or "(none)"),
        ("Data digest (SHA-256)", digest),
    ]
    return [Spacer(1, 50 * mm), Paragraph("Management review pack", st["title"]),
            para(h["organization"] or "(organization not set)", st["subtitle"]),
            Paragraph("AI management system (ISO/IEC 42001), clause 9.3: inputs to the management review",
                      st["body"]), Spacer(1, 10 * mm), kv_table(pairs, st, 120), PageBreak()]


def _summary(d: dict, st: dict) -> list:
    out: list = [heading(f"1 {HEADINGS[0]}", 0, st)]
    out.append(table(["Key figure", "Value"], pack_data.key_figure_lines(d), [300, BODY_W - 300]))
    c = d["changes"]
    lines = [
        f"{len(c['systems_added'])} AI systems were added, {len(c['systems_retired'])} retired and "
        f"{len(c['stage_changes'])} changed stage.",
        f"{len(c['risks_added'])} risks were added, {len(c['risks_closed'])} closed and "
        f"{len(c['risk_level_changes'])} changed residual level.",
    ]
    out += [Paragraph("What changed since the last review", st["h3"])] + [para(x, st["body"]) for x in lines]
    return out


def _previous(d: dict, st: dict) -> list:
    out: list = [heading(f"2 {HEADINGS[1]}", 0, st)]
    acts = d["previous_actions"]
    if not d["previous_reviews"]:
        out.append(para("No earlier management review is recorded: this is the first.", st["body"]))
    if not acts:
        out.append(para("No actions from earlier management reviews are recorded.", st["body"]))
        return out
    done = sum(1 for a in acts if a["status"] == "done")
    over = sum(1 for a in acts if a["overdue"])
    out.append(para(f"{len(acts)} actions: {done} done, {over} overdue.", st["body"]))
    rows = [[a["review"], para(a["action"], st["cell"]), a["owner"], fmt(a["due_date"]),
             a["status"] + (" (overdue)" if a["overdue"] else "")] for a in acts]
    out.append(table(["Review", "Action", "Owner", "Due", "Status"], rows, [62, 250, 62, 55, BODY_W - 429]))
    return out


def _changes(d: dict, st: dict) -> list:
    c = d["changes"]
    out: list = [heading(f"3 {HEADINGS[2]}", 0, st), para(
        "Changes in external and internal issues and in the needs and expectations of interested parties "
        "are discussed by the attendees. The register shows how they landed in the AI systems and their "
        f"risks between {fmt(d['head']['since'])} and {fmt(d['head']['as_of'])}, reconstructed from the "
        "stage history and the audit trail:", st["body"])]

    def block(title: str, header: list, rows: list, widths: list) -> list:
        b: list = [Paragraph(escape(f"{title} ({len(rows)})"), st["h3"])]
        if not rows:
            return b + [para("None.", st["small"])]
        return b + [table(header, rows[:LIST_LIMIT], widths)] + more_note(min(len(rows), LIST_LIMIT), len(rows),
                                                                          st)

    w4 = [60, 230, 90, BODY_W - 380]
    out += block("AI systems added", ["Ref", "Name", "Added on", ""],
                 [[x["ref"], x["name"], fmt(x["at"]), ""] for x in c["systems_added"]], w4)
    out += block("AI systems retired", ["Ref", "Name", "Retired on", "From stage"],
                 [[x["ref"], x["name"], fmt(x["at"]), x["from"]] for x in c["systems_retired"]], w4)
    out += block("AI systems that changed stage", ["Ref", "Name", "On", "From → to"],
                 [[x["ref"], x["name"], fmt(x["at"]), f"{x['from']} → {x['to']}"] for x in c["stage_changes"]], w4)
    w5 = [50, 55, 250, 70, BODY_W - 425]
    out += block("Risks added", ["Ref", "System", "Title", "Added on", "Residual level"],
                 [[x["ref"], x["system_ref"], x["title"], fmt(x["at"]), x["level"]] for x in c["risks_added"]], w5)
    out += block("Risks closed", ["Ref", "System", "Title", "Closed on", ""],
                 [[x["ref"], x["system_ref"], x["title"], fmt(x["at"]), ""] for x in c["risks_closed"]], w5)
    out += block("Risks that changed residual level", ["Ref", "System", "Title", "From", "To"],
                 [[x["ref"], x["system_ref"], x["title"], x["from"], x["to"]] for x in c["risk_level_changes"]], w5)
    return out


def _performance(d: dict, st: dict, m: Matrix) -> list:
    p = d["performance"]
    sub = iter(SUBHEADINGS)
    n = iter(range(1, 20))

    def h2() -> Paragraph:
        return heading(f"4.{next(n)} {next(sub)}", 1, st)

    out: list = [heading(f"4 {HEADINGS[3]}", 0, st)]
    stage_line = ", ".join(f"{v} {k}" for k, v in p["systems_per_stage"].items())
    out.append(para(f"AI systems by stage: {stage_line}. Active risks: {p['active_risks']} of "
                    f"{p['all_risks']} in the register.", st["body"]))
    # heat maps
    out.append(h2())
    legend = "; ".join(f"{b.name} {b.low}–{b.high}" for b in m.bands)
    out.append(para(f"Active risks per cell (likelihood × impact). Levels by score: {legend}. Appetite: "
                    f"residual score up to {m.appetite}.", st["body"]))
    out += heat_map(p["heat_inherent"], m, "Inherent risk", st)
    out.append(CondPageBreak(190))
    out += heat_map(p["heat_residual"], m, "Residual risk (cells outlined: above appetite)", st, True)
    lv_rows = [[name, str(p["levels_inherent"][name]), str(p["levels_residual"][name])] for name in m.level_names()]
    out.append(table(["Level", "Inherent", "Residual"], lv_rows, [120, 80, 80],
                     [("ALIGN", (1, 1), (-1, -1), "RIGHT")] +
                     [("BACKGROUND", (0, i), (0, i), band_colour(b.colour)) for i, b in enumerate(m.bands, 1)]))
    # above appetite
    out.append(h2())
    states = ", ".join(f"{v} {k}" for k, v in p["above_appetite_by_state"].items()) or "none"
    out.append(para(f"{p['above_appetite_total']} active risks have a residual score above the appetite "
                    f"({m.appetite}): {states}.", st["body"]))
    if p["above_appetite"]:
        rows = []
        for r in p["above_appetite"]:
            text = r["title"] + ("\n" + r["description"] if r["description"] else "")
            acc = r["acceptance"] + (f" by {r['accepted_by']}" if r["accepted_by"] else "")
            rows.append([r["ref"], r["system_ref"], cell_text(text, st), r["owner"],
                         f"{r['residual_score']} {r['residual_level']}", acc, fmt(r["expires_on"])])
        out.append(table(["Ref", "System", "Risk and description", "Owner", "Residual", "Acceptance", "Expires"],
                         rows, [42, 46, 190, 45, 55, 72, BODY_W - 450]))
        out += more_note(len(p["above_appetite"]), p["above_appetite_total"], st)
    # treatments
    out.append(h2())
    ts = p["treatments_by_status"]
    out.append(table(["Status", "Treatments"], [[k.replace("_", " "), str(v)] for k, v in ts.items()] +
                     [["total", str(p["treatments_total"])]], [120, 80], [("ALIGN", (1, 1), (-1, -1), "RIGHT")]))
    done_share = (100.0 * ts.get("done", 0) / p["treatments_total"]) if p["treatments_total"] else 0.0
    out.append(para(f"{done_share:.1f}% of treatments are done. {p['overdue_treatments_total']} open treatments "
                    f"are past their due date as of {fmt(d['head']['as_of'])}.", st["body"]))
    if p["overdue_treatments"]:
        rows = [[t["risk_ref"], t["system_ref"], t["action"], t["owner"], fmt(t["due_date"]),
                 str(t["days_overdue"]), t["status"].replace("_", " ")] for t in p["overdue_treatments"]]
        out.append(table(["Risk", "System", "Action", "Owner", "Due", "Days over", "Status"], rows,
                         [45, 50, 190, 55, 55, 40, BODY_W - 435]))
        out += more_note(len(p["overdue_treatments"]), p["overdue_treatments_total"], st, "the register")
    # review compliance
    out.append(h2())
    rc = p["review_compliance"]
    share = "not measurable (no review in the period had a due date)" if rc["share_on_time"] is None \
        else f"{rc['share_on_time']}% ({rc['on_time']} of {rc['reviews_with_due_date']})"
    out.append(para(f"Reviews recorded in the period: {rc['reviews_in_period']}. Done on time (on or before "
                    f"the due date they answered): {share}.", st["body"]))
    rows = [[k.replace("_", " "), str(v[0]), str(v[1]), f"{100.0 * v[0] / v[1]:.1f}%" if v[1] else ""]
            for k, v in rc["by_subject"].items()]
    if rows:
        out.append(table(["Subject", "On time", "With due date", "Share"], rows, [120, 70, 80, 70]))
    od = rc["overdue_now"]
    out.append(Spacer(1, 4))
    out.append(table(["Reviews overdue now", "Count"], [["risks", str(od["risks"])], ["AI systems", str(od["systems"])],
                                                         ["impact assessments", str(od["impact_assessments"])],
                                                         ["SoA entries", str(od["soa_entries"])]], [120, 70],
                     [("ALIGN", (1, 1), (-1, -1), "RIGHT")]))
    # nonconformities
    out.append(h2())
    out.append(para(f"{p['nc_total']} nonconformities recorded, {p['nc_open_total']} open. Open by severity: "
                    + ", ".join(f"{v} {k}" for k, v in p["nc_by_severity"].items()) + ".", st["body"]))
    top = max([max(r[1], r[2]) for r in p["nc_trend"]] + [0])
    out.append(table(["Month", "Raised", "Closed", "Raised (bar)"],
                     [[mo, str(r), str(c), bar(r, top)] for mo, r, c in p["nc_trend"]], [60, 50, 50, BODY_W - 160],
                     [("ALIGN", (1, 1), (2, -1), "RIGHT"), ("TEXTCOLOR", (3, 1), (3, -1), colors.HexColor("#5b7db1"))]))
    if p["nc_open"]:
        rows = [[x["ref"], x["system_ref"], para(x["title"], st["cell"]), x["severity"], x["status"].replace("_", " "),
                 x["owner"], fmt(x["due_date"]) + (" (overdue)" if x["overdue"] else ""),
                 para(x["corrective_actions"] or "(none recorded)", st["cell"])] for x in p["nc_open"]]
        out.append(Spacer(1, 4))
        out.append(table(["Ref", "System", "Title", "Severity", "Status", "Owner", "Due", "Corrective actions"], rows,
                         [40, 45, 105, 42, 55, 40, 55, BODY_W - 382]))
        out += more_note(len(p["nc_open"]), p["nc_open_total"], st, "the register")
    # impact assessments
    out.append(h2())
    out.append(para(f"{p['ia_total']} impact assessments: " + ", ".join(f"{v} {k}" for k, v in p["ia_by_status"].items())
                    + f". AI systems in use without an impact assessment: {p['systems_without_ia']}.", st["body"]))
    if p["ia_attention"]:
        rows = [[x["ref"], x["system_ref"], x["title"], x["status"],
                 fmt(x["next_review"]) + (" (overdue)" if x["overdue"] else "")] for x in p["ia_attention"]]
        out.append(Paragraph("Needing attention (draft or review overdue)", st["h3"]))
        out.append(table(["Ref", "System", "Title", "Status", "Next review"], rows, [45, 50, 250, 50, BODY_W - 395]))
        out += more_note(len(p["ia_attention"]), p["ia_attention_total"], st, "the register")
    # SoA
    out.append(h2())
    so = p["soa"]
    impl = ", ".join(f"{v} {k.replace('_', ' ')}" for k, v in so["implementation"].items())
    out.append(para(f"{so['controls']} controls: {so['applicable']} applicable, {so['excluded']} excluded, "
                    f"{so['undecided']} undecided; {so['approved']} approved. Applicable controls: {impl}.",
                    st["body"]))
    rows = [[g["group"], g["title"], str(g["controls"]), str(g["applicable"]), str(g["excluded"]),
             str(g["undecided"]), str(g["implemented"])] for g in so["groups"]]
    out.append(table(["Group", "Title", "Controls", "Applicable", "Excluded", "Undecided", "Implemented"], rows,
                     [40, 195, 50, 55, 50, 52, BODY_W - 442], [("ALIGN", (2, 1), (-1, -1), "RIGHT")]))
    return out


def _opportunities(d: dict, st: dict) -> list:
    o = d["opportunities"]
    out: list = [heading(f"5 {HEADINGS[4]}", 0, st)]
    if o["recorded"]:
        out += [Paragraph("Recorded for this review", st["h3"]), para(o["recorded"], st["body"])]
    out.append(Paragraph("Suggested by the register", st["h3"]))
    if o["suggested"]:
        out += [para(f"• {x}", st["body"]) for x in o["suggested"]]
    else:
        out.append(para("Nothing stands out in the register.", st["body"]))
    return out


def _decisions(d: dict, st: dict) -> list:
    mr = d["review"]
    out: list = [PageBreak(), heading(f"6 {HEADINGS[5]}", 0, st), para(
        "Outputs of the management review: decisions on opportunities for continual improvement and on any "
        "need for changes to the AI management system, with actions, owners and due dates.", st["body"])]
    blank_line = "_" * 95
    if mr:
        out.append(kv_table([("Review", mr["ref"]), ("Held on", fmt(mr["held_on"])),
                             ("Period", f"{fmt(mr['period_start'])} to {fmt(mr['period_end'])}"),
                             ("Attendees", para(mr["attendees"] or "(not recorded)", st["cell"])),
                             ("Status", mr["status"] + (f", signed off by {mr['signed_off_by']}"
                                                        if mr["signed_off_by"] else ""))], st, 100))
        out.append(Paragraph("Decisions", st["h3"]))
        out.append(para(mr["decisions"] or "(no decisions recorded yet)", st["body"]))
    else:
        out.append(Paragraph("Attendees", st["h3"]))
        out += [para(blank_line, st["body"]) for _ in range(2)]
        out.append(Paragraph("Decisions", st["h3"]))
        out += [para(blank_line, st["body"]) for _ in range(8)]
    out.append(Paragraph("Actions", st["h3"]))
    acts = mr["actions"] if mr else []
    rows: list[list[Any]] = [[str(i), para(a["action"], st["cell"]), a["owner"], fmt(a["due_date"]), a["status"]]
                             for i, a in enumerate(acts, 1)]
    if not mr or mr["status"] != "signed_off":
        rows += [[str(len(rows) + 1 + i), "\n", "", "", ""] for i in range(max(3, 8 - len(rows)))]
    out.append(table(["#", "Action", "Owner", "Due date", "Status"], rows, [20, 280, 70, 60, BODY_W - 430]))
    out += [Spacer(1, 14), para("Signed off by: ______________________    Date: ____________    "
                                "Signature: ______________________", st["body"])]
    return out


def _systems(d: dict, st: dict, m: Matrix) -> list:
    out: list = [PageBreak(), heading(f"7 {HEADINGS[6]}", 0, st),
                 para(f"One page per AI system ({len(d['systems'])}), in reference order.", st["body"])]
    for i, x in enumerate(d["systems"]):
        if i:
            out.append(PageBreak())
        out.append(para(f"{x['ref']}  {x['name']}", st["h2"]))
        ia = "; ".join(f"{a['ref']} {a['status']}, next review {fmt(a['next_review'])}"
                       for a in x["impact_assessments"]) or "none"
        owners = f"business: {x['business_owner'] or '-'}, technical: {x['technical_owner'] or '-'}"
        pairs: list[tuple[str, Any]] = [
            ("Stage", f"{x['stage']}" + (f" since {fmt(x['stage_since'])}" if x["stage_since"] else "")),
            ("Purpose", x["purpose"]), ("Intended use", x["intended_use"]),
            ("Owners", owners), ("AI role / EU AI Act tier", f"{x['ai_role']} / {x['eu_ai_act_tier']}"),
            ("Personal data", fmt(x["personal_data"])), ("Third party", x["third_party"] or "-"),
            ("Human oversight", x["human_oversight"]),
            ("Next system review", fmt(x["next_review"]) + (" (overdue)" if x["system_review_overdue"] else "")),
            ("Impact assessments", ia),
        ]
        out.append(kv_table(pairs, st, 115))
        lv = ", ".join(f"{v} {k}" for k, v in x["levels"].items())
        out.append(Spacer(1, 5))
        out.append(table(["Figure", "Value"], [
            ["Risks (active / total)", f"{x['risks_active']} / {x['risks_total']}"],
            ["Active risks by residual level", lv],
            ["Above appetite", str(x["above_appetite"])],
            ["Risk reviews overdue", str(x["overdue_reviews"])],
            ["Open treatments (overdue)", f"{x['open_treatments']} ({x['overdue_treatments']})"],
            ["Open nonconformities", str(x["open_nonconformities"])],
        ], [160, BODY_W - 160]))
        if x["top_risks"]:
            out.append(Paragraph("Highest active risks", st["h3"]))
            rows = [[r["ref"], r["title"], f"{r['residual_score']} {r['residual_level']}", r["owner"],
                     r["status"]] for r in x["top_risks"]]
            out.append(table(["Ref", "Title", "Residual", "Owner", "Status"], rows, [50, 260, 70, 60, BODY_W - 440],
                             max_lines=3))
    return out


def _appendix(d: dict, st: dict) -> list:
    reg = d["register"]
    out: list = [PageBreak(), heading(f"8 {HEADINGS[7]}", 0, st),
                 para(f"All {len(reg)} risks in reference order, with scores as likelihood × impact = score "
                      "and level; review state as of the as-of date.", st["body"])]
    rows = [[r["ref"], r["system_ref"] or "org", r["title"], r["owner"], r["status"],
             f"{r['inherent_likelihood']}×{r['inherent_impact']}={r['inherent_score']} {r['inherent_level']}",
             f"{r['residual_likelihood']}×{r['residual_impact']}={r['residual_score']} {r['residual_level']}",
             fmt(r["next_review"]), r["review_state"].replace("_", " ")] for r in reg]
    frame_h = PAGE_H - (MARGIN + 6) - (MARGIN + 4)
    used = sum(f.wrap(BODY_W, frame_h)[1] + f.getSpaceAfter() + f.getSpaceBefore() for f in out[1:]) + 4
    out += paged_table(["Ref", "System", "Title", "Owner", "Status", "Inherent", "Residual", "Next review", "Review"],
                       rows, [36, 38, BODY_W - 375, 40, 39, 67, 67, 48, 40], frame_h - used, frame_h, size=7)
    return out


def build_story(d: dict, digest: str, generated_by: str) -> list:
    st = _styles()
    m = Matrix.from_dict(d["head"]["matrix"])
    toc = TableOfContents(levelStyles=[st["toc1"], st["toc2"]], dotsMinLevel=0)
    story: list = _cover(d, st, generated_by, digest)
    story += [Paragraph("Contents", st["h1"]), toc, PageBreak()]
    story += _summary(d, st) + [PageBreak()] + _previous(d, st) + [Spacer(1, 8)] + _changes(d, st)
    story += [PageBreak()] + _performance(d, st, m) + [PageBreak()] + _opportunities(d, st)
    story += _decisions(d, st) + _systems(d, st, m) + _appendix(d, st)
    return story


def render(d: dict, out: Path | io.BytesIO, *, generated_by: str, progress: Progress | None = None) -> PackResult:
    """Render gathered data (see :func:`aims_tui.reports.data.gather`) to ``out``."""
    progress = progress or pack_data._noop
    register_fonts()
    digest = pack_data.digest(d)
    h = d["head"]
    progress("building the story", 0.42)
    story = build_story(d, digest, generated_by)
    buf = io.BytesIO()
    estimate = 12 + len(d["systems"]) + len(d["register"]) // 45
    doc = PackTemplate(buf, progress, estimate, title=f"Management review pack, {h['organization']}",
                       author=h["organization"], subject=f"ISO/IEC 42001 clause 9.3, as of {fmt(h['as_of'])}",
                       creator="aims", lang="en")
    canvas_cls = make_canvas(h["organization"] or "Management review pack", h["classification"], h["as_of"], digest)
    doc.multiBuild(story, canvasmaker=canvas_cls)
    pdf = buf.getvalue()
    progress("writing the file", 0.98)
    if isinstance(out, io.BytesIO):
        out.write(pdf)
        path = Path("-")
    else:
        path = Path(out)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(path.name + ".part")
        tmp.write_bytes(pdf)
        tmp.replace(path)
    progress("done", 1.0)
    return PackResult(path, digest, doc.page, len(pdf))
