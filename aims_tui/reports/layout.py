"""Drawing primitives of the pack: the embedded font, styles, safe text, fast tables.

Rules:
- user text goes into a Paragraph only escaped (``para``); short cells are
  plain strings, which ReportLab draws literally and quickly, wrapped here by
  measured width (long words are broken) instead of by Paragraph;
- tables repeat their header row and may split inside a row (``splitInRow``);
- DejaVu Sans is embedded (Latin, Greek and Cyrillic print); characters it
  lacks print as U+FFFD.
"""

from __future__ import annotations

import functools
import re
from datetime import date
from pathlib import Path
from typing import Any, Iterable, Sequence
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER
from reportlab.lib.pagesizes import A4
from reportlab.lib.rl_accel import fp_str
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import KeepTogether, PageBreak, Paragraph, Spacer, Table, TableStyle
from reportlab.platypus.flowables import _listWrapOn
from reportlab.platypus.tables import LINECOMMANDS, CellStyle, _setCellStyle

from ..core.db import data_dir
from ..core.scoring import Matrix
from . import data as pack_data

FONT, BOLD = "DejaVuSans", "DejaVuSans-Bold"
PAGE_W, PAGE_H = A4
MARGIN = 16 * mm
BODY_W = PAGE_W - 2 * MARGIN
FRAME_H = PAGE_H - (MARGIN + 6) - (MARGIN + 4)
CELL_SIZE, CELL_LEADING = 7.5, 9.2
LIST_LIMIT = pack_data.LIST_LIMIT
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


class _CachedTTFont(TTFont):
    """A TTFont that remembers how it split each string into subsets, per document.

    A register repeats the same owners, statuses, levels and dates thousands
    of times; ReportLab maps every character of every string again. The split
    depends only on the document's subset state, which only grows, so a
    string's split stays valid for the rest of that document.
    """

    def splitString(self, text, doc, encoding="utf-8"):  # noqa: N802 - ReportLab's name
        try:
            cache = self.state[doc]._aims_split_cache
        except (KeyError, AttributeError):
            cache = None
        if cache is not None and text in cache:
            return cache[text]
        result = super().splitString(text, doc, encoding)
        state = self.state[doc]
        if cache is None:
            cache = state._aims_split_cache = {}
        if len(cache) < 200_000:
            cache[text] = result
        return result


def register_fonts() -> None:
    if FONT in pdfmetrics.getRegisteredFontNames():
        return
    d = font_dir()
    pdfmetrics.registerFont(_CachedTTFont(FONT, str(d / "DejaVuSans.ttf")))
    pdfmetrics.registerFont(_CachedTTFont(BOLD, str(d / "DejaVuSans-Bold.ttf")))
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
        # a title at the top of its own page needs no keep-with-next (which costs a trial layout)
        "page_title": ParagraphStyle("page_title", parent=base, fontName=BOLD, fontSize=11.5, leading=15,
                                     spaceAfter=5, textColor=colors.HexColor("#1f3a5f")),
        "h3": ParagraphStyle("h3", parent=base, fontName=BOLD, fontSize=9.5, leading=12, spaceBefore=6,
                             spaceAfter=3, keepWithNext=1),
        "title": ParagraphStyle("title", parent=base, fontName=BOLD, fontSize=24, leading=30, spaceAfter=12,
                                textColor=colors.HexColor("#1f3a5f")),
        "subtitle": ParagraphStyle("subtitle", parent=base, fontSize=13, leading=17, spaceAfter=24),
        "pack_title": ParagraphStyle("pack_title", parent=base, fontName=BOLD, fontSize=17, leading=21, spaceAfter=2,
                                     textColor=colors.HexColor("#1f3a5f")),
        "toc1": ParagraphStyle("toc1", parent=base, fontName=BOLD, fontSize=10, leading=15, leftIndent=14,
                               firstLineIndent=-14),
        "toc2": ParagraphStyle("toc2", parent=base, fontSize=9, leading=12, leftIndent=28, firstLineIndent=-14),
        "centre": ParagraphStyle("centre", parent=base, alignment=TA_CENTER),
        # the first page's headline figures: the number, what it counts, its change
        "tile_value": ParagraphStyle("tile_value", parent=base, fontName=BOLD, fontSize=20, leading=24,
                                     spaceAfter=0, textColor=colors.HexColor("#1f3a5f")),
        "tile_label": ParagraphStyle("tile_label", parent=base, fontName=BOLD, fontSize=8.5, leading=10.5,
                                     spaceAfter=1),
        "tile_delta": ParagraphStyle("tile_delta", parent=base, fontSize=8, leading=10, spaceAfter=0),
    }


_ASCII_CONTROL = re.compile(r"[\x00-\x09\x0b\x0c\x0e-\x1f\x7f]")


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
    if s.isascii() and not _ASCII_CONTROL.search(s):
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
    if type(text) is str:  # most cells: one cache look-up, printable() included
        return _wrap_text(text, float(width), size, font, max_lines)
    return _wrap(fmt(text), float(width), size, font, max_lines)


@functools.lru_cache(maxsize=65536)
def _wrap_text(s: str, width: float, size: float, font: str, max_lines: int) -> str:
    return _wrap(printable(s), width, size, font, max_lines)


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
        canv = self.canv
        if getattr(canv, "_dry", False):
            return  # the first pass only counts pages: no backgrounds, cells or grid lines
        self._tx = canv.beginText()
        self._tx_font = self._tx_colour = None
        self._text_ops = canv.__dict__.setdefault("_aims_text_ops", {})  # see _write_string
        self._nums: dict[float, str] = {}  # fp_str of each x and y: a row's cells share their y, a column its x
        if self._spanCmds or self._renderCB:
            super().draw()
            return
        # Table.draw without spans or callbacks, its cell loop below
        canv.saveState()
        self._curweight = self._curcolor = self._curcellstyle = None
        self._makeShadow()
        self._makeRoundedCornersClip()
        self._drawBkgrnd()
        self._draw_cells()
        self._drawLines()
        canv.restoreState()
        if self._roundingRectDef:
            self._restoreRoundingObscuredLines()

    def _draw_cells(self) -> None:
        """Every cell in order: a left- and top-aligned string (nearly all of them) written
        here by ``_write_string``, without ``_drawCell``'s tuples and tests; anything else
        through ``_drawCell``."""
        cols = list(zip(self._colpositions[:-1], self._colWidths))
        for row, rowstyle, rowpos, rowheight in zip(self._cellvalues, self._cellStyles, self._rowpositions[1:],
                                                    self._rowHeights):
            for cellval, cs, (colpos, colwidth) in zip(row, rowstyle, cols):
                if type(cellval) is not str or cs.alignment != "LEFT" or cs.valign != "TOP":
                    self._drawCell(cellval, cs, (colpos, rowpos), (colwidth, rowheight))
                    continue
                self._write_string(cellval, cs, colpos, rowpos, colwidth, rowheight)

    def _write_string(self, text: str, cs: Any, x0: float, y0: float, width: float, height: float) -> None:
        """A string cell (aligned left, right or centre; top or middle) into the table's one
        text object, each line where ReportLab's ``Table._drawCell`` draws it.

        Each line's origin is set (``setTextOrigin``, each x and y formatted once per table)
        and its string written without advancing the text cursor. The register repeats the same owners, statuses,
        levels and dates thousands of times; ReportLab formats each again (the font's
        subsets, escaping, numbers). The operators it writes depend only on the font, size,
        leading, the subset selected before and the string, and the subsets of a document
        only grow: they are kept per canvas (one document) and written again as they are,
        so the bytes do not change."""
        tx = self._tx
        if cs.color != self._tx_colour:
            tx.setFillColor(cs.color)
            self._tx_colour = cs.color
        name, fsize, leading = cs.fontname, cs.fontsize, cs.leading
        if (name, fsize, leading) != self._tx_font:
            tx.setFont(name, fsize, leading)
            self._tx_font = (name, fsize, leading)
        lines = text.split("\n") if "\n" in text else (text,)
        if cs.valign == "TOP":
            y = y0 + height - cs.topPadding - fsize
        else:
            y = y0 + (cs.bottomPadding + height - cs.topPadding + len(lines) * leading) / 2.0 - fsize
        just = cs.alignment
        x = x0 + cs.leftPadding
        nums, ops, code = self._nums, self._text_ops, tx._code
        for line in lines:
            if line:
                if just != "LEFT":
                    w = pdfmetrics.stringWidth(line, name, fsize)
                    if just == "RIGHT":
                        x = x0 + width - cs.rightPadding - w
                    else:
                        x = x0 + (width + cs.leftPadding - cs.rightPadding - w) / 2.0
                sx, sy = nums.get(x), nums.get(y)
                if sx is None:
                    sx = nums[x] = fp_str(x)
                if sy is None:
                    sy = nums[y] = fp_str(y)
                code.append(f"1 0 0 1 {sx} {sy} Tm")  # tx.setTextOrigin(x, y): fp_str(x, y)
                key = (name, fsize, leading, tx._curSubset, line)
                hit = ops.get(key)
                if hit is None:
                    hit = (tx._formatText(line), tx._curSubset)
                    if len(ops) < TEXT_CACHE_LIMIT:
                        ops[key] = hit
                code.append(hit[0])
                tx._curSubset = hit[1]
                tx._x0 = tx._x = x
                tx._y0 = tx._y = y
            y -= leading

    def _drawLines(self) -> None:  # noqa: N802 - called by Table.draw after the cells
        if self._tx is not None:
            self.canv.drawText(self._tx)
            self._tx = None
        super()._drawLines()

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
        self._write_string(cellval, cellstyle, pos[0], pos[1], size[0], size[1])


_ALIGNS = ("LEFT", "RIGHT", "CENTER", "CENTRE")
TEXT_CACHE_LIMIT = 300_000


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


_DRAWING_OPS = frozenset(("BACKGROUND", "ROWBACKGROUNDS", "COLBACKGROUNDS", *LINECOMMANDS))


def shared_cell_styles(cmds: Sequence[tuple], nrows: int, ncols: int) -> tuple[list[list[CellStyle]], list] | None:
    """The cell styles ``cmds`` give each cell of an ``nrows`` x ``ncols`` table, one
    object shared by every cell that the commands treat alike, and the drawing commands
    (backgrounds, lines) left for ``setStyle``, in their order.

    ReportLab makes a CellStyle per cell and applies each command to every cell of its
    range (a system's page has ~60 cells, the pack ~1,000 such tables). Here a command
    derives one new style per distinct style in its range, so each cell ends with the
    same attributes as there, in a few objects. None when a command is one this does not
    model (spans, split-row ranges) or a cell does not end top-aligned (ReportLab changes
    a middle-aligned cell's style in place when it splits the row); the caller then lets
    ReportLab style each cell."""
    base = CellStyle("cell")
    grid = [[base] * ncols for _ in range(nrows)]
    drawing: list = []
    for cmd in cmds:
        op = cmd[0]
        if op in _DRAWING_OPS:
            drawing.append(cmd)
            continue
        (sc, sr), (ec, er) = cmd[1], cmd[2]
        if op in ("SPAN", "NOSPLIT", "ROUNDEDCORNERS") or isinstance(sr, str) or isinstance(er, str):
            return None
        sc, ec = max(0, sc + ncols if sc < 0 else sc), min(ncols - 1, ec + ncols if ec < 0 else ec)
        sr, er = max(0, sr + nrows if sr < 0 else sr), min(nrows - 1, er + nrows if er < 0 else er)
        values = cmd[3:]
        derived: dict[int, CellStyle] = {}
        for i in range(sr, er + 1):
            row = grid[i]
            for j in range(sc, ec + 1):
                old = row[j]
                new = derived.get(id(old))
                if new is None:
                    new = derived[id(old)] = CellStyle.__new__(CellStyle)
                    new.__dict__.update(old.__dict__)  # (CellStyle.copy copies its bound methods too)
                    _setCellStyle([[new]], 0, 0, op, values)
                row[j] = new
    if any(c.valign != "TOP" for row in grid for c in row):
        return None
    return grid, drawing


def _fast_table(data: list[list[Any]], widths: Sequence[float], heights: list[float | None], cmds: list,
                **kw: Any) -> Table:
    """A FastTable of prepared cells (strings, Paragraphs, Tables) styled by ``cmds``."""
    shared = shared_cell_styles(cmds, len(data), len(widths)) if data else None
    if shared is None:
        t = FastTable(data, colWidths=list(widths), rowHeights=heights, hAlign="LEFT", **kw)
        t.setStyle(TableStyle(cmds))
        return t
    cell_styles, drawing = shared
    t = FastTable(data, colWidths=list(widths), rowHeights=heights, hAlign="LEFT", normalizedData=1,
                  cellStyles=cell_styles, **kw)
    t.setStyle(TableStyle(drawing))
    return t


def table(header: Sequence[str], rows: Iterable[Sequence[Any]], widths: Sequence[float],
          styles: list | None = None, max_lines: int = 0, size: float = CELL_SIZE) -> Table:
    """A grid table: header repeated on every page, rows may split, cells wrapped.

    Rows of plain strings get their height computed here (ReportLab would
    measure every row again on every split)."""
    data, heights = _prepare(header, rows, widths, size, max_lines)
    return _fast_table(data, widths, heights, _style_cmds(size) + (styles or []), repeatRows=1, splitInRow=1)


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
    return _fast_table(data, [key_w, vw], heights, [
        ("FONT", (0, 0), (-1, -1), FONT, CELL_SIZE, CELL_LEADING),
        ("FONT", (0, 0), (0, -1), BOLD, CELL_SIZE, CELL_LEADING),
        ("GRID", (0, 0), (-1, -1), 0.4, GRID),
        ("BACKGROUND", (0, 0), (0, -1), HEADER_BG),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("LEFTPADDING", (0, 0), (-1, -1), 3), ("RIGHTPADDING", (0, 0), (-1, -1), 3),
    ], splitInRow=1)


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
    heights: list[float | None] = []
    for r, li in enumerate(range(m.n_likelihood, 0, -1)):
        row: list[Any] = [wrap_plain(f"{li} {m.likelihood_label(li)}", label_w - 6, 7, BOLD)]
        for c, im in enumerate(range(1, m.n_impact + 1), start=1):
            band = m.level(li, im)
            n = counts.get((li, im), 0)
            row.append(f"{n}\n" + wrap_plain(band.name, cw - 6, 8.5, BOLD if n else FONT))
            cmds.append(("BACKGROUND", (c, r), (c, r), band_colour(band.colour)))
            if n:
                cmds.append(("FONT", (c, r), (c, r), BOLD, 8.5, 10))
            if outline_appetite and m.above_appetite(li * im):
                cmds.append(("BOX", (c, r), (c, r), 1.4, colors.HexColor("#333333")))
        data.append(row)
        heights.append(max(30.0, 10.5 * max(x.count("\n") + 1 for x in row) + 8))
    data.append(["Likelihood / Impact"] + [wrap_plain(f"{i} {m.impact_label(i)}", cw - 6, 7, BOLD)
                                            for i in range(1, m.n_impact + 1)])
    t = Table(data, colWidths=[label_w] + [cw] * m.n_impact, rowHeights=heights + [None],
              hAlign="LEFT")
    t.setStyle(TableStyle(cmds))
    return [Paragraph(escape(title), st["h3"]), t, Spacer(1, 6)]


def bar(n: int, top: int, width: int = 30) -> str:
    if top <= 0 or n <= 0:
        return ""
    return "█" * max(1, round(width * n / top))


def heading(text: str, level: int, st: dict) -> Paragraph:
    p = Paragraph(escape(text), st["h1" if level == 0 else "h2"])
    p._toc_level = level  # type: ignore[attr-defined]
    p._toc_text = text  # type: ignore[attr-defined]
    return p


class KeepWithTable(KeepTogether):
    """``KeepTogether([heading, table])``: what a keep-with-next heading makes, measured without
    ReportLab's deep copy of the document's frame (taken to collect content that flowables
    generate while measured, which a Paragraph and a Table never do; 1,000 system pages)."""

    def wrap(self, aW: float, aH: float) -> tuple[float, float]:  # KeepTogether.wrap, the frame left out
        doct: Any = getattr(self.canv, "_doctemplate", None)
        frame = getattr(doct, "frame", None)
        dims: list = []
        if frame is not None:
            doct.frame = None
        try:
            W, H = _listWrapOn(self._content, aW, self.canv, dims=dims)
        finally:
            if frame is not None:
                doct.frame = frame
        self._H = H
        self._H0 = dims and dims[0][1] or 0
        self._wrapInfo = aW, aH
        return W, 0xFFFFFF  # force a split, as KeepTogether does


def kept_heading(text: str, flowable: Any, st: dict) -> KeepWithTable:
    """An h3 heading kept on the page of the flowable after it."""
    h = Paragraph(escape(text), st["h3"])
    h.__dict__["keepWithNext"] = 0  # as the document's keep-with-next grouping leaves it
    return KeepWithTable([h, flowable])
