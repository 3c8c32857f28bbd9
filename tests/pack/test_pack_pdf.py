"""The management review pack, read back with pypdf: sections, figures, hostile text, determinism."""

from __future__ import annotations

import io
import re
import sys

import pytest
from pypdf import PdfReader
from sqlmodel import func, select

from aims_tui.core import queries
from aims_tui.core.models import AISystem, Treatment
from aims_tui.core.scoring import Matrix
from aims_tui.core.services.settings import get_matrix
from aims_tui.reports import build_pack
from aims_tui.reports.pack import HEADINGS, SUBHEADINGS, SUMMARY_SUBHEADINGS
from tests.conftest import TODAY

from .seed import CYRILLIC, DECISIONS, GREEK, LONG5000, MARKUP, WORD300, seed


def squash(text: str) -> str:
    return " ".join(text.split())


def nospace(text: str) -> str:
    return "".join(text.split())


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    folder = tmp_path_factory.mktemp("pack")
    db, review_ref = seed(folder / "aims.db")
    res = build_pack(db, folder / "pack.pdf", as_of=TODAY, generated_by="ada", review_ref=review_ref)
    reader = PdfReader(str(res.path))
    pages = [p.extract_text() or "" for p in reader.pages]
    yield db, res, pages, review_ref
    db.dispose()


def test_every_section_heading_is_in_the_pack_in_order(built):
    """Issue 5 lists the sections in order: summary (the first page, under the pack's title: issue 19),
    what the pack is about and the contents, then 9.3.2 a-e, 9.3.3, systems, appendix."""
    _db, _res, pages, _ref = built
    text = squash(" ".join(pages))
    assert "Management review pack" in squash(pages[0]) and f"1 {HEADINGS[0]}" in squash(pages[0])
    assert "About this pack" in squash(pages[1]) and "Contents" in squash(pages[1])
    positions = []
    start = len(squash(" ".join(pages[:2])))  # after the contents page
    for i, h in enumerate(HEADINGS, 1):
        pos = text.find(f"{i} {h}", 0 if i == 1 else start)
        assert pos >= 0, h
        positions.append(pos)
    assert positions == sorted(positions)
    for j, h in enumerate(SUBHEADINGS, 1):
        assert f"4.{j} {h}" in text


def test_contents_lists_the_sections_with_their_page_numbers(built):
    """The contents page shows each section with the page it starts on (TableOfContents + multiBuild)."""
    _db, _res, pages, _ref = built
    contents = squash(pages[1])
    numbers = [int(n) for n in re.findall(r"(?:\. )+(\d+)", contents)]  # the dot leaders end in a page number
    entries = []
    for i, h in enumerate(HEADINGS, 1):
        entries.append(f"{i} {h}")
        if i == 1:
            entries += [f"1.{j} {sub}" for j, sub in enumerate(SUMMARY_SUBHEADINGS, 1)]
        if i == 4:
            entries += [f"4.{j} {sub}" for j, sub in enumerate(SUBHEADINGS, 1)]
    assert all(e in contents for e in entries)
    assert len(numbers) == len(entries)
    assert numbers == sorted(numbers)
    for entry, page_no in zip(entries, numbers):
        assert entry in squash(pages[page_no - 1]), (entry, page_no)


def test_every_page_says_page_x_of_y_and_carries_the_classification(built):
    """Header and footer: organization, classification and date; "Page X of Y" with the real total."""
    _db, _res, pages, _ref = built
    n = len(pages)
    for i, p in enumerate(pages, 1):
        t = squash(p)
        assert f"Page {i} of {n}" in t
        assert "Confidential" in t
        assert TODAY.isoformat() in t
    assert "Test Org" in squash(pages[2])


def test_level_counts_in_the_pack_match_the_core_queries(built):
    """Counts of active risks per inherent and residual level, as core.queries computes them."""
    db, _res, pages, _ref = built
    text = squash(" ".join(pages))
    active = queries.RiskFilter(status="active", today=TODAY)
    res_counts = queries.level_counts(db, True, active)
    inh_counts = queries.level_counts(db, False, active)
    line = ", ".join(f"{n} {name}" for name, n in res_counts.items())
    assert f"Active risks by residual level {line}" in text
    for name in get_matrix(db).level_names():
        assert f"{name} {inh_counts[name]} {res_counts[name]}" in text
    assert f"Active risks {queries.risk_count(db, active)}" in text


def test_heat_map_cells_show_the_counts_and_level_words(built):
    """Each heat-map cell prints its count and the level word of the cell."""
    db, _res, pages, _ref = built
    text = squash(" ".join(pages))
    m: Matrix = get_matrix(db)
    hm = queries.heat_map(db, True, queries.RiskFilter(status="active", today=TODAY))
    top_row = " ".join(f"{hm.get((m.n_likelihood, i), 0)} {m.level(m.n_likelihood, i).name}"
                       for i in range(1, m.n_impact + 1))
    assert f"{m.n_likelihood} {m.likelihood_label(m.n_likelihood)} {top_row}" in text


def test_overdue_treatments_match_the_database_at_the_as_of_date(built):
    """Overdue means open and due before --as-of (not before the day the test runs)."""
    db, _res, pages, _ref = built
    with db.read() as s:
        n = s.exec(select(func.count()).select_from(Treatment).where(
            Treatment.status.in_(("planned", "in_progress")), Treatment.due_date < TODAY)).one()
    assert n > 0
    assert f"Overdue treatments {n}" in squash(" ".join(pages))
    assert f"Overdue risk reviews {queries.risk_count(db, queries.RiskFilter(overdue=True, today=TODAY))}" \
        in squash(" ".join(pages))


def test_every_ai_system_name_is_printed_including_greek_and_cyrillic(built):
    """Names in Greek and Cyrillic print (DejaVu Sans is embedded), and every system has its page."""
    db, _res, pages, _ref = built
    flat = nospace(" ".join(pages))
    with db.read() as s:
        names = list(s.exec(select(AISystem.name)))
    assert GREEK in names and CYRILLIC in names
    for name in names:
        assert nospace(name) in flat, name


def test_markup_in_user_text_prints_literally(built):
    """`<b>&amp;</b>` in a name, a description and the decisions prints as typed, not as bold or as "&"."""
    _db, _res, pages, _ref = built
    flat = nospace(" ".join(pages))
    assert nospace(MARKUP) in flat
    assert nospace("<i>markup</i> & R&D in a title") in flat
    assert nospace("Approve <b>&amp;</b> the budget") in flat
    assert nospace("Second line: retire AIS-001") in flat
    assert nospace("Ada, Bob <CEO> & Eve") in flat
    assert nospace("Fund the <b>bias</b> audit") in flat
    assert "R&D;" not in flat


def test_a_5000_character_text_and_a_300_character_word_print_whole(built):
    """Long user text wraps across lines (and rows split across pages) without a layout error."""
    _db, _res, pages, _ref = built
    flat = nospace(" ".join(pages))
    assert len(LONG5000) >= 5000
    assert nospace(LONG5000[:200]) in flat
    assert "end-of-long-text" in flat
    assert WORD300 in flat  # broken over lines, but every character is there in order


def test_the_decisions_page_shows_the_review_being_exported_and_earlier_actions(built):
    """9.3.3 is filled from the review; input (a) lists the earlier review's action as overdue."""
    _db, _res, pages, review_ref = built
    text = squash(" ".join(pages))
    assert review_ref in text
    assert "Hire a <ML> validator" in text
    assert re.search(r"planned \(overdue\)", text)
    assert nospace(DECISIONS.splitlines()[0]) in nospace(text)


def test_the_digest_of_the_data_is_printed_in_the_pack(built):
    """"About this pack" (the second page) carries the SHA-256 of the data the pack was built from."""
    _db, res, pages, _ref = built
    assert re.fullmatch(r"[0-9a-f]{64}", res.digest)
    assert res.digest in nospace(pages[1])


def test_two_exports_of_the_same_database_and_as_of_are_byte_identical(built, tmp_path):
    """Same database + --as-of = same bytes (invariant mode, creation date from the as-of date)."""
    db, res, _pages, review_ref = built
    again = build_pack(db, tmp_path / "again.pdf", as_of=TODAY, generated_by="ada", review_ref=review_ref)
    assert again.digest == res.digest
    assert again.path.read_bytes() == res.path.read_bytes()


def test_the_pdf_creation_date_is_the_as_of_date(built):
    """The document info carries the as-of date, not the wall clock."""
    _db, res, _pages, _ref = built
    info = PdfReader(str(res.path)).metadata
    assert info["/CreationDate"].startswith("D:" + TODAY.strftime("%Y%m%d"))


def test_without_a_review_the_decisions_page_has_blank_lines_to_fill(db, tmp_path):
    """An export outside a review (the CLI default) leaves 9.3.3 to be filled by hand, even on an empty register."""
    res = build_pack(db, tmp_path / "blank.pdf", as_of=TODAY, generated_by="ada")
    text = squash(" ".join(p.extract_text() for p in PdfReader(str(res.path)).pages))
    assert "6 Decisions and actions (9.3.3)" in text
    assert "_____" in text
    assert "All 0 risks" in text


def test_building_a_pack_does_not_import_reportlab_into_the_core():
    """reportlab stays out of aims_tui.core; the headless data module does not load it either."""
    import subprocess

    code = ("import sys, aims_tui.core, aims_tui.core.queries, aims_tui.reports.data; "
            "print('reportlab' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_a_progress_callback_hears_about_every_stage(db, tmp_path):
    """The TUI shows progress: the builder reports stages with a fraction that ends at 1.0."""
    seen: list[tuple[str, float]] = []
    build_pack(db, tmp_path / "p.pdf", as_of=TODAY, generated_by="ada", progress=lambda s, f: seen.append((s, f)))
    fractions = [f for _s, f in seen]
    assert fractions[-1] == 1.0
    assert fractions == sorted(fractions)
    assert any("pass" in s for s, _f in seen) or len(seen) >= 5


def test_since_after_as_of_is_refused(db, tmp_path):
    """A period that ends before it starts is a clear validation error, not an empty pack."""
    from datetime import timedelta

    from aims_tui.core.errors import ValidationError

    with pytest.raises(ValidationError):
        build_pack(db, tmp_path / "x.pdf", as_of=TODAY, since=TODAY + timedelta(days=1), generated_by="ada")
    assert not (tmp_path / "x.pdf").exists()
    _ = io  # keep the import used for readers who extend these tests


def test_characters_the_font_lacks_print_as_a_replacement_mark_not_as_nothing(db, tmp_path):
    """CJK and emoji are outside DejaVu Sans: they show as U+FFFD; a tab is a space; the build succeeds."""
    from aims_tui.core.services import systems

    systems.create_system(db, "eve", {"name": "Kanji 漢字 and 😀\ttab", "purpose": "😀" * 50}, today=TODAY)
    res = build_pack(db, tmp_path / "p.pdf", as_of=TODAY, generated_by="ada")
    text = squash(" ".join(p.extract_text() for p in PdfReader(str(res.path)).pages))
    assert "Kanji \ufffd\ufffd and \ufffd tab" in text


def test_tables_that_split_across_pages_repeat_their_header(built):
    """The appendix and the above-appetite table (split inside a 5,000-character row) repeat their header row."""
    _db, _res, pages, _ref = built
    header = "Ref System Title Owner Status Inherent Residual Next review Review"
    start = next(i for i, p in enumerate(pages) if i > 1 and "8 Appendix: the full risk register" in squash(p))
    appendix = pages[start:]
    assert len(appendix) >= 2
    assert all(header in squash(p) for p in appendix)
    above = [p for p in pages if "Risk and description" in squash(p)]
    assert len(above) >= 2  # the long row continued on a second page, under the header again
