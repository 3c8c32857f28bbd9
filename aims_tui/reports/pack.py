"""Render the management review pack (clause 9.3) as a PDF with ReportLab.

The story (:mod:`.sections`) is laid out twice by ``multiBuild``: the first,
dry pass only finds the pages of the contents (it draws no text); the second
draws. ``rl_config.invariant`` and a creation date taken from the as-of date
make the same database and as-of date give the same bytes. Page "X of Y",
the header and the footer are drawn by a canvas that keeps every page until
the total is known.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any, Callable
from xml.sax.saxutils import escape

from reportlab import rl_config
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import BaseDocTemplate, Frame, PageTemplate

from ..core.outfile import output_file
from . import data as pack_data
from .layout import BODY_W, FONT, GRID, MARGIN, PAGE_H, PAGE_W, _fit, fmt, printable, register_fonts
from .sections import HEADINGS, SUBHEADINGS, SUMMARY_SUBHEADINGS, build_story
import calendar

rl_config.invariant = 1
Progress = Callable[[str, float], None]
__all__ = ["HEADINGS", "SUBHEADINGS", "SUMMARY_SUBHEADINGS", "PackResult", "render"]


@dataclass
class PackResult:
    path: Path
    digest: str
    pages: int
    size: int


class _FixedStamp:
    """A creation date taken from the as-of date (ReportLab's TimeStamp shape)."""

    def __init__(self, d: date):
        self.t = float(calendar.timegm(d.timetuple()))
        self.lt = tuple(d.timetuple())
        self.YMDhms = (d.year, d.month, d.day, 0, 0, 0)
        self.dhh = self.dmm = 0
        self.tzname = "UTC"


def make_canvas(header_left: str, classification: str, as_of: date, digest: str) -> type:
    """A canvas that numbers pages "X of Y" and draws the header and footer."""
    # the same on every page: clipped (measured) once, not once per page
    head = _clip(header_left, BODY_W * 0.6, 7.5)
    cls = _clip(classification, BODY_W * 0.35, 7.5)
    foot = _clip(" · ".join(x for x in (classification.strip(), f"as of {as_of.isoformat()}", f"data {digest[:16]}")
                            if x), BODY_W * 0.75, 7.5)

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
                self.drawString(MARGIN, top, head)
                self.drawRightString(PAGE_W - MARGIN, top, cls)
                self.line(MARGIN, top - 4, PAGE_W - MARGIN, top - 4)
            y = MARGIN - 18
            self.line(MARGIN, y + 10, PAGE_W - MARGIN, y + 10)
            self.setFont(FONT, 7.5)
            self.drawString(MARGIN, y, foot)
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


def render(d: dict, out: Path | io.BytesIO, *, generated_by: str, progress: Progress | None = None) -> PackResult:
    """Render gathered data (see :func:`aims_tui.reports.data.gather`) to ``out``."""
    with pack_data.gc_paused():
        return _render(d, out, generated_by=generated_by, progress=progress or pack_data._noop)


def _render(d: dict, out: Path | io.BytesIO, *, generated_by: str, progress: Progress) -> PackResult:
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
        with output_file(path, binary=True) as fh:  # complete or absent; failures name the path
            fh.write(pdf)
    progress("done", 1.0)
    return PackResult(path, digest, doc.page, len(pdf))
