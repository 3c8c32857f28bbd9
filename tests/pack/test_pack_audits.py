"""The pack's section on internal audits and corrective actions (9.3.2 d, issue 16),
read back from the PDF with pypdf: audits held in the period with their conclusions
and findings, corrective actions open, overdue, done and reviewed."""

from __future__ import annotations

from datetime import timedelta

from pypdf import PdfReader

from aims_tui.core.services import internal_audits, registers
from aims_tui.reports import build_pack, data
from aims_tui.reports.audit_section import TITLE
from aims_tui.reports.pack import SUBHEADINGS

from ..conftest import APPROVER, EDITOR, TODAY


def _text(path) -> str:
    return " ".join(" ".join((p.extract_text() or "") for p in PdfReader(str(path)).pages).split())


def _seed(db):
    a1 = registers.create(db, EDITOR, "internal_audit", {
        "title": "Audit of risk treatment", "area": "Risk management", "area_owner": APPROVER, "auditor": EDITOR,
        "planned_on": "2026-06-01"}, today=TODAY)["ref"]
    registers.update(db, EDITOR, "internal_audit", a1, {"status": "reported", "held_on": "2026-06-02",
                                                         "result": "Two gaps", "conclusion": "Conforms <b>R&D</b>"},
                     today=TODAY)
    a2 = registers.create(db, EDITOR, "internal_audit", {"title": "Audit of the SoA", "auditor": APPROVER,
                                                         "planned_on": "2026-06-05"}, today=TODAY)["ref"]
    f1 = internal_audits.raise_finding(db, EDITOR, a1, {"title": "Treatments without owners", "severity": "major"},
                                       today=TODAY)["ref"]
    f2 = internal_audits.raise_finding(db, EDITOR, a1, {"title": "Stale reviews"}, today=TODAY)["ref"]
    c1 = registers.create(db, EDITOR, "corrective_action", {"nonconformity": f1, "action": "Name an owner per treatment",
                                                            "due_date": "2026-06-10"}, today=TODAY)["ref"]
    c2 = registers.create(db, EDITOR, "corrective_action", {"nonconformity": f2, "action": "Review every risk"},
                          today=TODAY)["ref"]
    registers.update(db, EDITOR, "corrective_action", c2, {"status": "done", "done_on": "2026-06-03",
                                                           "effective": "yes"}, today=TODAY)
    return {"a1": a1, "a2": a2, "f1": f1, "f2": f2, "c1": c1, "c2": c2}


def test_the_pack_shows_audits_held_their_conclusions_findings_and_corrective_actions(db, tmp_path):
    refs = _seed(db)
    res = build_pack(db, tmp_path / "pack.pdf", as_of=TODAY, since=TODAY - timedelta(days=60), generated_by="ada")
    text = _text(res.path)
    number = f"4.{SUBHEADINGS.index(TITLE) + 1}"
    start = text.rindex(f"{number} {TITLE}")  # the section, after its line in the contents
    section = text[start:text.index("5 Opportunities", start)]
    assert "Internal audits held in the period: 1; findings raised as nonconformities: 2." in section
    assert f"Planned and past their date: {refs['a2']}." in section
    assert refs["a1"] in section and "Conforms <b>R&D</b>" in section  # user text printed literally
    assert f"{refs['f1']}, {refs['f2']}" in section
    assert "Treatments without owners" in section and "major" in section
    assert ("Corrective actions: 1 planned, 0 in progress, 1 done, 0 cancelled. Open: 1, of which overdue: 1. "
            "Done in the period: 1. Effectiveness reviewed: 1 (1 effective, 0 not effective); review overdue: 0."
            in section)
    assert refs["c1"] in section and "Name an owner per treatment" in section and "(overdue)" in section


def test_an_audit_held_before_the_period_is_not_counted_in_it(db):
    _seed(db)
    d = data.gather(db, TODAY, TODAY - timedelta(days=5), with_register=False)["internal_audits"]
    assert d["audits_held_total"] == 0 and d["findings_total"] == 2  # raised today, held on 2 June


def test_an_empty_register_says_none_held(db, tmp_path):
    res = build_pack(db, tmp_path / "pack.pdf", as_of=TODAY, generated_by="ada")
    text = _text(res.path)
    assert "Internal audits held in the period: 0; findings raised as nonconformities: 0." in text
    assert "Corrective actions: 0 planned, 0 in progress, 0 done, 0 cancelled." in text
