"""The pack's first page and trends page (issue 19), read back with pypdf and looked at with
pdftoppm, on a register with a known history (tests/pack/history_seed.py)."""

from __future__ import annotations

import shutil
import subprocess

import pytest
from pypdf import PdfReader

from aims_tui.reports import build_pack
from tests.conftest import TODAY

from .history_seed import MARKUP_TITLE, seed_history


def squash(text: str) -> str:
    return " ".join(text.split())


@pytest.fixture(scope="module")
def pack(tmp_path_factory):
    folder = tmp_path_factory.mktemp("glance")
    mp = pytest.MonkeyPatch()
    try:
        db, refs = seed_history(folder / "h.db", mp)
    finally:
        mp.undo()
    res = build_pack(db, folder / "pack.pdf", as_of=TODAY, generated_by="ada")
    pages = [squash(p.extract_text() or "") for p in PdfReader(str(res.path)).pages]
    first = next(i for i, p in enumerate(pages) if "1 Executive summary" in p and "Open risks above appetite" in p)
    yield db, refs, res, pages, first
    db.dispose()


def _trends_page(pages: list[str]) -> int:
    """The page the trends start on (after the first page, what the pack is about and the contents)."""
    return next(j for j, p in enumerate(pages) if "1.1 Trends over the last 12 months" in p and "Contents" not in p)


def test_the_first_page_shows_each_headline_figure_with_its_change_since_the_last_review(pack):
    """Since MR (15 Feb): C went above appetite (+1), a third risk (+1), the objective came on target (+1);
    no overdue work then or now."""
    _db, refs, _res, pages, i = pack
    assert i == 0  # the pack opens on it: a manager reads it first (issue 19)
    p = pages[i]
    assert p.startswith("Management review pack: ")
    since = f"since {refs['mr']}"
    assert f"compared with {refs['mr']}, held on 2026-02-15" in p
    assert f"1 Open risks above appetite +1 {since}" in p
    assert f"3 Active risks +1 {since}" in p
    assert f"0 Overdue risk reviews no change {since}" in p
    assert f"0 Overdue treatments no change {since}" in p
    assert f"0 Open nonconformities no change {since}" in p
    assert f"1 of 1 Objectives on target +1 {since}" in p


def test_the_first_page_lists_the_top_risks_above_appetite_with_their_titles_printed_literally(pack):
    _db, refs, _res, pages, i = pack
    p = pages[i]
    assert "Top risks above appetite (1 of 1)" in p
    assert f"{refs['c']} {refs['system']}" in p
    assert squash(MARKUP_TITLE) in p  # escaped: the tags print as text
    assert "25 Critical" in p


def test_the_first_page_heat_map_and_overdue_table_are_as_of_the_pack_date(pack):
    """Two risks in cell 2×2 and one in 5×5; nothing overdue on 15 June (reviews done on 1 June)."""
    _db, _refs, _res, pages, i = pack
    p = pages[i]
    assert "Residual risk heat map" in p
    assert "Active risks by residual level: 2 Low, 0 Medium, 0 High, 1 Critical." in p
    assert "Overdue as of 2026-06-15" in p
    assert "Risk reviews 0" in p and "Treatments past their due date 0" in p


def test_the_trends_page_has_its_charts_with_titles_month_labels_and_legends(pack):
    _db, _refs, _res, pages, i = pack
    p = pages[_trends_page(pages)]
    assert "1.1 Trends over the last 12 months" in p
    for title in ("Active risks by residual level at month end", "Overdue reviews and treatments at month end",
                  "Nonconformities raised and closed per month", "Objectives against their targets at month end"):
        assert title in p
    for legend in ("Low", "Critical", "Risk reviews", "Treatments", "Raised", "Closed", "On target", "Off target"):
        assert legend in p
    for month in ("Jul", "Aug", "Dec", "Jan", "Jun", "2025", "2026"):
        assert month in p
    assert "OBJ-001 Holdout accuracy" in p and "target at least 90 %" in p


def test_two_packs_of_the_same_history_and_date_are_byte_identical(pack, tmp_path):
    db, _refs, res, _pages, _i = pack
    again = build_pack(db, tmp_path / "again.pdf", as_of=TODAY, generated_by="ada")
    assert again.path.read_bytes() == res.path.read_bytes()


@pytest.mark.skipif(shutil.which("pdftoppm") is None, reason="pdftoppm (poppler-utils) is not installed")
def test_the_first_page_renders_the_heat_map_in_its_level_colours(pack, tmp_path):
    """Looked at as a manager would: the first page drawn by poppler shows the heat map's red and
    green tints and the trends page the bars' colours (the drawings are not empty)."""
    from PIL import Image

    _db, _refs, res, pages, i = pack
    for n, name in ((i + 1, "pk-a"), (_trends_page(pages) + 1, "pk-b")):
        subprocess.run(["pdftoppm", "-png", "-r", "60", "-f", str(n), "-l", str(n), str(res.path),
                        str(tmp_path / name)], check=True)
    shots = sorted(tmp_path.glob("pk-*.png"))
    assert len(shots) == 2

    def has(img, rgb, tol=12):
        return any(all(abs(a - b) <= tol for a, b in zip(px, rgb)) for _n, px in img.getcolors(1 << 20))

    first = Image.open(shots[0]).convert("RGB")
    assert has(first, (0xef, 0x9a, 0x9a)) and has(first, (0xc8, 0xe6, 0xc9))  # red and green tints
    trends_page = Image.open(shots[1]).convert("RGB")
    assert has(trends_page, (0x66, 0xbb, 0x6a)) and has(trends_page, (0xe5, 0x39, 0x35))  # Low bars, Critical bars


def test_text_kept_between_table_cells_writes_the_same_bytes_as_formatting_each_again(pack, tmp_path, monkeypatch):
    """The table cells reuse the text operators of strings already drawn (issue 15's speed);
    with nothing kept, ReportLab formats every string again: the bytes must be the same."""
    from aims_tui.reports import layout

    db, _refs, res, _pages, _i = pack
    monkeypatch.setattr(layout, "TEXT_CACHE_LIMIT", 0)
    again = build_pack(db, tmp_path / "uncached.pdf", as_of=TODAY, generated_by="ada")
    assert again.path.read_bytes() == res.path.read_bytes()
