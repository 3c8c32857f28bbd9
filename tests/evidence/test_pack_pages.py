"""The pack's evidence coverage page and readiness summary (issue 17), read back with
pypdf: the figures are the readiness check's, a gap closed is a gap gone, a hostile
evidence title is escaped, and the same data and date give the same bytes."""

from __future__ import annotations

import pytest
from pypdf import PdfReader

from aims_tui.core import readiness as rd
from aims_tui.core.services import demo_registers, evidence, reviews
from aims_tui.reports import build_pack

from ..conftest import EDITOR, TODAY


def _pages(db, path):
    res = build_pack(db, path, as_of=TODAY, generated_by="ada")
    return res, [p.extract_text() or "" for p in PdfReader(str(res.path)).pages]


def _squash(text: str) -> str:
    return " ".join(text.split())


def _page_with(pages, words):
    return next(_squash(p) for p in pages if words in _squash(p) and "Contents" not in _squash(p))


def test_the_coverage_page_counts_what_readiness_counts(demo_db, tmp_path):
    r = rd.readiness(demo_db, today=TODAY)
    controls = [f for f in r.findings if f.clause.startswith("A.")]
    ok, stale = sum(f.ok for f in controls), sum(f.state == "stale" for f in controls)
    none = len(controls) - ok - stale
    _res, pages = _pages(demo_db, tmp_path / "pack.pdf")
    page = _page_with(pages, "Evidence coverage of the applicable controls")
    assert (f"{len(controls)} applicable controls: {ok} with current evidence" in page
            and f"{stale} with stale evidence only" in page and f"{none} with none" in page)
    lacking = [f.clause for f in controls if not f.ok]
    assert "Applicable controls without current evidence" in page
    assert all(code in page for code in lacking)


def test_the_readiness_summary_gives_each_clause_its_state(demo_db, tmp_path):
    _res, pages = _pages(demo_db, tmp_path / "pack.pdf")
    text = _squash(" ".join(pages))
    start = text.index("Readiness for audit As of")
    section = text[start:start + 3000]
    words = {"ok": "in place", "missing": "MISSING", "stale": "STALE", "unapproved": "NOT APPROVED"}
    states = {f.clause: f.state for f in rd.readiness(demo_db, today=TODAY).findings if f.clause[0].isdigit()}
    assert {"ok", "stale"} <= set(states.values())  # the demo: mostly in place, a realistic few gaps
    for clause in ("4.1", "6.1.2", "6.1.3", "8.2", "9.3"):
        assert f"{clause} " in section and words[states[clause]] in section
    assert "Readiness for audit: findings to close" in text  # the executive summary's line


def test_a_gap_closed_leaves_the_pack(demo_db, tmp_path):
    """The demo leaves a few risks past their review (8.2 stale); once they are reviewed the
    pack says 8.2 is in place."""
    _r, before = _pages(demo_db, tmp_path / "a.pdf")
    assert "8.2 Risk assessments reviewed when due STALE" in _squash(" ".join(before))
    for f in rd.readiness(demo_db, today=TODAY).findings:
        if f.clause == "8.2":
            for ref in f.refs:
                reviews.record_review(demo_db, EDITOR, "risk", ref, {"outcome": "still_valid"}, today=TODAY)
    _r, after = _pages(demo_db, tmp_path / "b.pdf")
    assert "8.2 Risk assessments reviewed when due in place" in _squash(" ".join(after))


def test_a_fresh_database_shows_every_gap_and_no_coverage(db, tmp_path):
    _res, pages = _pages(db, tmp_path / "pack.pdf")
    page = _page_with(pages, "Evidence coverage of the applicable controls")
    assert "0 applicable controls" in page
    assert "7 findings to close before an audit: 7 missing" in _squash(" ".join(pages))


def test_evidence_recorded_for_a_control_takes_it_off_the_list_without_evidence(demo_db, tmp_path):
    """A.6.2.7 has none in the demo; evidence with markup-like text in its title is recorded
    for it, the pack still builds and no longer lists A.6.2.7 as lacking."""
    code = demo_registers.NO_EVIDENCE
    _res, pages = _pages(demo_db, tmp_path / "before.pdf")
    assert code in _page_with(pages, "Evidence coverage").split("Applicable controls without current evidence")[-1]
    evidence.add(demo_db, EDITOR, "https://x.example.com/<b>", code, "<font size=40>Big</font> & co", today=TODAY)
    _res, pages = _pages(demo_db, tmp_path / "pack.pdf")
    page = _page_with(pages, "Evidence coverage of the applicable controls")
    assert code not in page.split("Applicable controls without current evidence")[-1].split("4.9")[0]


def test_the_same_data_and_date_give_the_same_bytes(demo_db, tmp_path):
    a = build_pack(demo_db, tmp_path / "a.pdf", as_of=TODAY, generated_by="ada")
    b = build_pack(demo_db, tmp_path / "b.pdf", as_of=TODAY, generated_by="ada")
    assert a.path.read_bytes() == b.path.read_bytes() and a.digest == b.digest


def _section(pages, start: str, end: str) -> str:
    text = _squash(" ".join(p for p in pages if "Contents" not in _squash(p)))
    i = text.index(start)
    return text[i:text.index(end, i)]


@pytest.mark.engines  # the register of opportunities read on both engines
def test_section_5_lists_the_recorded_opportunities_before_the_suggestions(demo_db, tmp_path):
    """The register of opportunities (6.1.1) is an input of 9.3.2 e: ref, title, expected
    benefit, owner and status in the pack, not only the register's suggestions."""
    from aims_tui.core import planning
    from aims_tui.core.services import registers

    registers.create(demo_db, EDITOR, planning.OPPORTUNITY, {
        "title": "<b>Reuse</b> & the eval suite", "expected_benefit": "Half the <i>test</i> time",
        "owner": "chen", "status": "identified"}, today=TODAY)
    _res, pages = _pages(demo_db, tmp_path / "pack.pdf")
    reg = _section(pages, "5 Opportunities for improvement (9.3.2 e)", "Suggested by the register")
    assert "In the register of opportunities (6.1.1) 3 opportunities recorded, 3 open" in reg
    for words in ("OPP-001 Automate bias testing", "Bias tested on every release", "alice", "pursuing",
                  "OPP-002 Publish model cards to customers", "trust of business customers", "identified",
                  "OPP-003 <b>Reuse</b> & the eval suite", "Half the <i>test</i> time", "chen"):
        assert words in reg, words


@pytest.mark.engines  # the register of opportunities read on both engines
def test_section_5_says_when_no_opportunity_is_recorded(db, tmp_path):
    _res, pages = _pages(db, tmp_path / "pack.pdf")
    sec = _section(pages, "5 Opportunities for improvement (9.3.2 e)", "Suggested by the register")
    assert "No opportunities recorded in the register (aims opportunities add; clause 6.1.1)." in sec


def test_section_4_3_gives_each_treatment_table_its_heading(demo_db, tmp_path):
    """The table of treatments that did not fully work and that of overdue treatments each
    have a heading just above their header row."""
    _res, pages = _pages(demo_db, tmp_path / "pack.pdf")
    sec = _section(pages, "4.3 Treatment progress and overdue treatments", "4.4 ")
    assert ("Done treatments that did not fully work (effectiveness partly or not effective) "
            "Risk System Action Owner Worked") in sec
    assert (f"Overdue treatments (open and past their due date as of {TODAY.isoformat()}) "
            "Risk System Action Owner Due Days over Status") in sec


def test_each_objective_chart_labels_its_lowest_and_highest_value(demo_db, tmp_path):
    """Beside the target, the y axis of each objective's chart gives the lowest and highest
    value plotted, so the points can be read."""
    from aims_tui.core import trends

    t, _ = trends.trends(demo_db, TODAY)
    _res, pages = _pages(demo_db, tmp_path / "pack.pdf")
    page = next(p for p in pages if "Objectives: the latest value at each month end" in p)
    lines = page.splitlines()
    checked = 0
    for o in t.objectives[:6]:
        known = [v for v in o.values if v is not None]
        if not known:
            continue
        start = next(i for i, ln in enumerate(lines) if ln.startswith(o.ref))
        axis = lines[start + 2:lines.index("Jan", start)]  # after the title and the target line
        for v in {min(known + [o.target]), max(known + [o.target])}:
            assert f"{v:g}" in axis, (o.ref, v, axis)
        checked += 1
    assert checked >= 3
