"""The pack's pictures, drawn with ReportLab's own graphics (no matplotlib): the
residual heat map as a coloured grid with counts, and the monthly trend charts.

Every string here is drawn as a graphics ``String`` (literal text, never read as
markup) in the embedded font; user text (an objective's title) is made
printable and clipped to its box. Nothing depends on a clock: the same series
draw the same bytes.
"""

from __future__ import annotations

from datetime import date
from typing import Sequence

from reportlab.graphics.charts.barcharts import VerticalBarChart
from reportlab.graphics.charts.legends import Legend
from reportlab.graphics.charts.linecharts import HorizontalLineChart
from reportlab.graphics.shapes import Drawing, Group, Line, PolyLine, Rect, String
from reportlab.graphics.widgets.markers import makeMarker
from reportlab.lib import colors
from reportlab.pdfbase import pdfmetrics

from ..core.scoring import Matrix
from .layout import BOLD, FONT, _fit, band_colour, printable

INK = colors.HexColor("#1f3a5f")
MUTED = colors.HexColor("#666666")
STRONG = {  # bar colours of the levels (the heat map keeps the light tints)
    "green": "#66bb6a", "yellow": "#fdd835", "orange": "#ffa726", "dark_orange": "#fb8c00", "red": "#e53935",
    "dark_red": "#b71c1c", "blue": "#64b5f6",
}
MONTH_ABBR = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def strong(colour: str) -> colors.Color:
    hexa = STRONG.get(colour)
    return colors.HexColor(hexa) if hexa else band_colour(colour)


def month_names(ends: Sequence[date]) -> list[str]:
    """'Jul' per month, with the year under the first month and under each January."""
    return [MONTH_ABBR[d.month - 1] + (f"\n{d.year}" if i == 0 or d.month == 1 else "") for i, d in enumerate(ends)]


def clip(text: str, width: float, size: float, font: str = FONT) -> str:
    text = " ".join(printable(str(text)).split())
    if pdfmetrics.stringWidth(text, font, size) <= width:
        return text
    return text[: _fit(text, width - size, size, font)] + "…"


def _title(d: Drawing, text: str, w: float, h: float) -> None:
    d.add(String(0, h - 10, clip(text, w, 9, BOLD), fontName=BOLD, fontSize=9, fillColor=INK))


def _nice_top(top: float) -> tuple[float, float]:
    """An axis top and a step of 1, 2 or 5 × 10^k, with at most 5 steps."""
    top = max(float(top), 1.0)
    k = 1.0
    while True:
        for f in (1, 2, 5):
            step = f * k
            if top / step <= 5:
                return step * -(-top // step), step
        k *= 10


def _axes(c, top: float, ends: Sequence[date]) -> None:
    c.valueAxis.valueMin = 0
    c.valueAxis.valueMax, c.valueAxis.valueStep = _nice_top(top)
    c.valueAxis.labels.fontName, c.valueAxis.labels.fontSize = FONT, 6.5
    c.valueAxis.labelTextFormat = "%d"
    c.valueAxis.strokeColor = c.categoryAxis.strokeColor = MUTED
    c.valueAxis.visibleGrid = 1
    c.valueAxis.gridStrokeColor = colors.HexColor("#e0e0e0")
    c.valueAxis.gridStrokeWidth = 0.4
    c.categoryAxis.categoryNames = month_names(ends)
    c.categoryAxis.labels.fontName, c.categoryAxis.labels.fontSize = FONT, 6.5
    c.categoryAxis.labels.boxAnchor = "n"
    c.categoryAxis.labels.dy = -2
    c.categoryAxis.visibleTicks = 0


def _legend(d: Drawing, x: float, y: float, items: list[tuple[colors.Color, str]], line: bool = False) -> None:
    lg = Legend()
    lg.x, lg.y = x, y
    lg.alignment = "right"
    lg.fontName, lg.fontSize = FONT, 7
    lg.boxAnchor = "nw"
    lg.columnMaximum = 1
    lg.deltax = 0
    lg.dxTextSpace = 3
    lg.dx, lg.dy = (10, 2) if line else (7, 7)
    lg.strokeWidth = 0
    lg.colorNamePairs = items
    # one row: lay the entries out side by side, as wide as their text
    lg.autoXPadding = 8
    d.add(lg)


def bar_chart(title: str, ends: Sequence[date], series: list[tuple[str, Sequence[float], colors.Color]],
              w: float, h: float, stacked: bool = False) -> Drawing:
    """Monthly bars (grouped, or stacked), a legend above the plot."""
    d = Drawing(w, h)
    _title(d, title, w, h)
    c = VerticalBarChart()
    c.x, c.y, c.width, c.height = 24, 24, w - 30, h - 58
    c.data = [list(v) for _n, v, _c in series] or [[0] * len(ends)]
    tops = [sum(col) for col in zip(*c.data)] if stacked else [max(col) for col in zip(*c.data)]
    _axes(c, max(tops or [0]), ends)
    if stacked:
        c.categoryAxis.style = "stacked"
    c.barSpacing = 0 if stacked else 0.5
    c.groupSpacing = 3
    c.bars.strokeWidth = 0.3
    c.bars.strokeColor = colors.white
    for i, (_n, _v, colour) in enumerate(series):
        c.bars[i].fillColor = colour
    d.add(c)
    _legend(d, 0, h - 15, [(colour, name) for name, _v, colour in series])
    return d


def line_chart(title: str, ends: Sequence[date], series: list[tuple[str, Sequence[float], colors.Color]],
               w: float, h: float) -> Drawing:
    """Monthly lines with a marker at each month end, a legend above the plot."""
    d = Drawing(w, h)
    _title(d, title, w, h)
    c = HorizontalLineChart()
    c.x, c.y, c.width, c.height = 24, 24, w - 30, h - 58
    c.data = [list(v) for _n, v, _c in series]
    _axes(c, max([max(v) for v in c.data] + [0]), ends)
    c.joinedLines = 1
    for i, (_n, _v, colour) in enumerate(series):
        c.lines[i].strokeColor = colour
        c.lines[i].strokeWidth = 1.4
        c.lines[i].symbol = makeMarker("FilledCircle", size=3, fillColor=colour, strokeColor=colour)
    d.add(c)
    _legend(d, 0, h - 15, [(colour, name) for name, _v, colour in series], line=True)
    return d


def objective_chart(ref: str, title: str, ends: Sequence[date], values: Sequence[float | None], target: float,
                    direction: str, unit: str, w: float, h: float) -> Drawing:
    """One objective: its value at each month end (green on target, red off it) against
    its target (dashed); months before the first measurement are left empty."""
    d = Drawing(w, h)
    d.add(String(0, h - 9, clip(f"{ref} {title}", w, 7.5, BOLD), fontName=BOLD, fontSize=7.5, fillColor=INK))
    words = "at most" if direction == "at_most" else "at least"
    d.add(String(0, h - 18, clip(f"target {words} {target:g}{' ' + unit if unit else ''}", w, 6.5), fontName=FONT,
                 fontSize=6.5, fillColor=MUTED))
    x0, y0, pw, ph = 22.0, 12.0, w - 26.0, h - 34.0
    known = [float(v) for v in values if v is not None] + [float(target)]
    lo, hi = min(known), max(known)
    v_lo, v_hi = lo, hi  # the scale: the lowest and highest of the values and the target
    pad = (hi - lo) * 0.15 if hi > lo else max(abs(hi) * 0.1, 1.0)
    lo, hi = lo - pad, hi + pad

    def y(v: float) -> float:
        return round(y0 + (v - lo) / (hi - lo) * ph, 2)

    def x(i: int) -> float:
        return round(x0 + (i + 0.5) * pw / len(ends), 2)

    d.add(Line(x0, y0, x0 + pw, y0, strokeColor=MUTED, strokeWidth=0.5))
    d.add(Line(x0, y0, x0, y0 + ph, strokeColor=MUTED, strokeWidth=0.5))
    d.add(String(x0 - 2, y(target) - 2, f"{target:g}", fontName=FONT, fontSize=5.5, fillColor=MUTED,
                 textAnchor="end"))
    for v in sorted({v_lo, v_hi} - {float(target)}):  # min and max with a tick; the label kept off the target's
        d.add(Line(x0 - 1.5, y(v), x0, y(v), strokeColor=MUTED, strokeWidth=0.5))
        at = y(v)
        if abs(at - y(target)) < 6:
            at = round(y(target) + (6 if v > target else -6), 2)
        d.add(String(x0 - 2, at - 2, f"{v:g}", fontName=FONT, fontSize=5.5, fillColor=MUTED, textAnchor="end"))
    d.add(Line(x0, y(target), x0 + pw, y(target), strokeColor=colors.grey, strokeWidth=0.7, strokeDashArray=[2, 2]))
    for i, e in enumerate(ends):
        if i == 0 or e.month == 1 or i == len(ends) - 1 or i % 3 == 0:
            d.add(String(x(i), 3, MONTH_ABBR[e.month - 1], fontName=FONT, fontSize=5.5, fillColor=MUTED,
                         textAnchor="middle"))
    pts = [(x(i), y(float(v)), v) for i, v in enumerate(values) if v is not None]
    if len(pts) > 1:
        d.add(PolyLine([c for px, py, _v in pts for c in (px, py)], strokeColor=colors.HexColor("#5b7db1"),
                       strokeWidth=1))
    for px, py, v in pts:
        ok = v <= target if direction == "at_most" else v >= target
        colour = colors.HexColor("#2e7d32") if ok else colors.HexColor("#c62828")
        d.add(Rect(px - 1.6, py - 1.6, 3.2, 3.2, fillColor=colour, strokeColor=colour, strokeWidth=0))
    if not pts:
        d.add(String(x0 + pw / 2, y0 + ph / 2, "not measured", fontName=FONT, fontSize=7, fillColor=MUTED,
                     textAnchor="middle"))
    return d


def heat_map_drawing(cells: dict[tuple[int, int], int], m: Matrix, w: float, h: float) -> Drawing:
    """The residual heat map: a grid coloured by level, each cell with its count;
    cells above the appetite outlined; likelihood up the side, impact along the bottom."""
    d = Drawing(w, h)
    label_w, label_h = 24.0, 22.0
    gw, gh = w - label_w, h - label_h
    cw, ch = gw / m.n_impact, gh / m.n_likelihood
    for li in range(1, m.n_likelihood + 1):
        for im in range(1, m.n_impact + 1):
            x, y = label_w + (im - 1) * cw, label_h + (li - 1) * ch
            band = m.level(li, im)
            above = m.above_appetite(li * im)
            d.add(Rect(x, y, cw, ch, fillColor=band_colour(band.colour), strokeColor=colors.white, strokeWidth=1.2))
            n = cells.get((li, im), 0)
            d.add(String(x + cw / 2, y + ch / 2 - 4, str(n), fontName=BOLD if n else FONT, fontSize=11 if n else 8,
                         fillColor=colors.black if n else colors.HexColor("#9e9e9e"), textAnchor="middle"))
            if above:
                d.add(Rect(x + 1, y + 1, cw - 2, ch - 2, fillColor=None, strokeColor=colors.HexColor("#333333"),
                           strokeWidth=1.1))
    for li in range(1, m.n_likelihood + 1):
        d.add(String(label_w - 4, label_h + (li - 0.5) * ch - 3, str(li), fontName=BOLD, fontSize=7.5,
                     fillColor=MUTED, textAnchor="end"))
    for im in range(1, m.n_impact + 1):
        d.add(String(label_w + (im - 0.5) * cw, label_h - 9, str(im), fontName=BOLD, fontSize=7.5,
                     fillColor=MUTED, textAnchor="middle"))
    d.add(String(label_w + gw / 2, 2, "impact →", fontName=FONT, fontSize=7, fillColor=MUTED, textAnchor="middle"))
    side = Group(String(0, 0, "likelihood →", fontName=FONT, fontSize=7, fillColor=MUTED, textAnchor="middle"))
    side.transform = (0, 1, -1, 0, 7, label_h + gh / 2)  # turned a quarter left, up the side
    d.add(side)
    return d
