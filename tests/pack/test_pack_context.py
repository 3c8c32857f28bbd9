"""The pack's 9.3.2 b from the context registers (issue 16), read back with pypdf: issues
and interested parties added, changed and closed in the review period (from their audit
events), the scope, and the AI policy (the approved ai_policy document) on the cover and
in section 3. Audit events carry the real time, so the period here is today."""

from __future__ import annotations

from datetime import date, timedelta

from pypdf import PdfReader

from aims_tui.core.services import documents, registers, scope
from aims_tui.reports import build_pack, data as pack_data

from ..conftest import ADMIN, APPROVER, EDITOR

MARKUP = "<b>Regulator</b> & R&D"


def _text(db, path, as_of, since) -> str:
    res = build_pack(db, path, as_of=as_of, since=since, generated_by=ADMIN)
    return " ".join(" ".join((p.extract_text() or "").split()) for p in PdfReader(str(res.path)).pages)


def _section3(text: str) -> str:
    start = text.rindex("3 Changes since the last management review")  # the section, after the contents
    return text[start:text.index("4 Performance of the AI management system", start)]


def _seed(db, today):
    added = registers.create(db, EDITOR, "context_issue", {"title": "EU AI Act applies", "kind": "external"},
                             today=today)
    changed = registers.create(db, EDITOR, "context_issue", {"title": "Skills shortage", "kind": "internal"},
                               today=today)
    registers.update(db, EDITOR, "context_issue", changed["ref"], {"effect": "Slower validation"}, today=today)
    closed = registers.create(db, EDITOR, "context_issue", {"title": "Data centre move", "kind": "internal"},
                              today=today)
    registers.update(db, EDITOR, "context_issue", closed["ref"], {"status": "closed"}, today=today)
    party = registers.create(db, EDITOR, "interested_party", {"name": MARKUP, "kind": "external",
                                                              "needs": "Reports on high-risk systems"}, today=today)
    scope.set_scope(db, ADMIN, "Every AI system of the lending division")
    doc = registers.create(db, EDITOR, "document", {"title": "AI policy", "doc_type": "ai_policy",
                                                    "version_label": "2.1", "review_cadence": "yearly",
                                                    "location": "https://intranet.example/ai-policy?v=2.1&x=<y>"},
                           today=today)
    documents.approve(db, APPROVER, doc["ref"], today=today)
    return added["ref"], changed["ref"], closed["ref"], party["ref"], doc["ref"]


def test_section_3_lists_issues_and_parties_added_changed_and_closed_with_the_scope_and_the_policy(db, tmp_path):
    today = date.today()
    added, changed, closed, party, doc = _seed(db, today)
    text = _text(db, tmp_path / "pack.pdf", today, today)
    s3 = _section3(text)
    assert "Issues: 3 added, 1 changed, 1 closed; interested parties: 1 added, 0 changed, 0 closed" in s3
    for ref in (added, changed, closed, party):
        assert ref in s3
    assert f"{today.isoformat()} added; {today.isoformat()} changed (effect)" in s3
    assert f"{today.isoformat()} closed" in s3
    assert MARKUP in s3  # literal, not markup
    assert "Every AI system of the lending division" in s3
    assert f"{today.isoformat()} by {ADMIN}" in s3  # the scope changed in the period
    policy = s3[s3.index("AI policy (5.2)"):]
    assert f"{doc} AI policy" in policy and "2.1" in policy and APPROVER in policy
    assert (today + timedelta(days=366)).isoformat()[:4] in policy  # the next review, a year on
    assert "https://intranet.example/ai-policy?v=2.1&x=<y>" in policy.replace(" ", "")
    cover = text[:text.index("Contents")]
    assert f"AI policy {doc} AI policy version 2.1, approved by {APPROVER} on {today.isoformat()}" in cover


def test_a_period_before_the_changes_lists_none_of_them(db, tmp_path):
    today = date.today()
    _seed(db, today)
    day = today - timedelta(days=1)
    s3 = _section3(_text(db, tmp_path / "pack.pdf", day, day - timedelta(days=30)))
    assert "Issues: 0 added, 0 changed, 0 closed" in s3
    assert "No issue or interested party was added, changed or closed in the period." in s3
    assert "Not changed in the period." in s3


def test_without_an_approved_ai_policy_the_pack_says_so(db, tmp_path):
    today = date.today()
    registers.create(db, EDITOR, "document", {"title": "AI policy", "doc_type": "ai_policy"}, today=today)
    text = _text(db, tmp_path / "pack.pdf", today, today)
    assert "(no approved AI policy)" in text[:text.index("Contents")]
    assert "No AI policy is approved" in _section3(text)
    assert pack_data.gather(db, today, today, with_register=False)["head"]["policy_reference"] == ""
