"""The lossless JSON export and its import into an empty database."""

from __future__ import annotations

import io
import json
import tempfile
from datetime import timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st
from sqlmodel import SQLModel

from aims_tui.core import fields
from aims_tui.core.db import open_database
from aims_tui.core.errors import AimsError, ValidationError
from aims_tui.core.services import (
    acceptances,
    controls,
    impact,
    management,
    nonconformities,
    reviews,
    risks,
    systems,
    treatments,
)
from aims_tui.core.services.importing import DERIVED_TABLES
from aims_tui.io import jsonio

from ..conftest import APPROVER, EDITOR, TODAY, blank_db, make_db
from .helpers import chain_ok

# Text that people type: any printable unicode, newlines, quotes, markup-looking text.
TEXT = st.text(st.characters(blacklist_categories=("Cs", "Cc")), min_size=1, max_size=40).filter(str.strip)
LONG = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), max_size=80)


def _says_something(text: str) -> bool:
    """Still text once the field rules have dropped control characters and blanks."""
    return bool(fields.clean({"t": fields.F("longtext")}, {"t": text}, partial=True)["t"])
SCORE = st.integers(1, 5)


def export_text(db) -> str:
    buf = io.StringIO()
    jsonio.write_export(db, buf)
    return buf.getvalue()


def round_trip(db, folder: Path) -> tuple[str, str]:
    first = folder / "first.json"
    jsonio.export_json(db, first)
    target = open_database(blank_db(folder / "restored.db"))
    try:
        jsonio.import_json(target, first)
        assert chain_ok(target)
        second = folder / "second.json"
        jsonio.export_json(target, second)
        return first.read_text(encoding="utf-8"), second.read_text(encoding="utf-8")
    finally:
        target.dispose()


register = st.fixed_dictionaries({
    "systems": st.lists(st.tuples(TEXT, LONG), min_size=0, max_size=3),
    "risks": st.lists(st.tuples(TEXT, LONG, SCORE, SCORE, SCORE, SCORE, st.booleans()), max_size=6),
    "treatments": st.lists(st.tuples(st.integers(0, 5), TEXT), max_size=3),
    "accept": st.lists(st.integers(0, 5), max_size=2),
    "review": st.lists(st.integers(0, 5), max_size=2),
    "nc": st.lists(TEXT, max_size=2),
    "mr": st.lists(TEXT, max_size=2),
    # a decision needs a reason that is more than blanks (issue 16: inclusion too)
    "soa": st.lists(st.tuples(st.sampled_from(["A.2.2", "A.5.2", "A.6.2.4"]), LONG.filter(_says_something)),
                    max_size=2),
})


def build(db, spec: dict) -> None:
    """A register built through the services, as users would build it."""
    sys_refs = [systems.create_system(db, EDITOR, {"name": name, "purpose": purpose}, today=TODAY)["ref"]
                for name, purpose in spec["systems"]]
    if sys_refs:
        impact.create_assessment(db, EDITOR, {"system": sys_refs[0], "title": "DPIA",
                                              "impacts": [{"description": "harm", "severity": "high"}]}, today=TODAY)
        systems.transition(db, APPROVER, sys_refs[0], "validation",
                           override_justification="justified by the test run", today=TODAY)
    refs = []
    for i, (title, desc, il, ii, rl, ri, with_control) in enumerate(spec["risks"]):
        data = {"title": title, "description": desc, "inherent_likelihood": il, "inherent_impact": ii,
                "residual_likelihood": rl, "residual_impact": ri,
                "system": sys_refs[i % len(sys_refs)] if sys_refs else ""}
        if with_control:
            data["controls"] = "A.6.2.4, A.5.2"
        refs.append(risks.create_risk(db, EDITOR, data, today=TODAY)["ref"])
    if not refs:
        return
    for i, action in spec["treatments"]:
        treatments.add_treatment(db, EDITOR, refs[i % len(refs)], {"action": action,
                                                                   "due_date": TODAY + timedelta(days=30)})
    for i in spec["accept"]:
        try:
            acceptances.accept_risk(db, APPROVER, refs[i % len(refs)], "Accepted after board review", today=TODAY)
        except ValidationError:
            pass
    for i in spec["review"]:
        reviews.record_review(db, EDITOR, "risk", refs[i % len(refs)], {"outcome": "still_valid"}, today=TODAY)
    for title in spec["nc"]:
        nonconformities.create_nonconformity(db, EDITOR, {"title": title}, today=TODAY)
    for decisions in spec["mr"]:
        mr = management.create_review(db, EDITOR, {"held_on": TODAY, "decisions": decisions})
        management.add_action(db, EDITOR, mr["ref"], {"action": decisions})
    for code, why in spec["soa"]:
        controls.update_applicability(db, EDITOR, code, {"applicable": True, "justification": why})
    risks.update_risk(db, EDITOR, refs[0], {"status": "closed"})


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(spec=register)
def test_export_import_export_is_byte_identical_for_generated_registers(spec):
    """Any register built through the services survives export -> import into an
    empty database -> export byte for byte, and its audit chain still verifies."""
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        db = make_db(folder / "source.db")
        try:
            build(db, spec)
            first, second = round_trip(db, folder)
        finally:
            db.dispose()
    assert first == second
    assert first.endswith("}\n")


def test_the_demo_register_round_trips_with_every_table_present(demo_db, tmp_path):
    """The demo fills most tables; every table of the schema is in the file."""
    first, second = round_trip(demo_db, tmp_path)
    assert first == second
    doc = json.loads(first)
    assert set(doc["tables"]) == {t.name for t in SQLModel.metadata.sorted_tables} - DERIVED_TABLES
    assert doc["format"] == "aims-json" and doc["format_version"] == jsonio.FORMAT_VERSION
    assert len(doc["tables"]["risk"]) == 48 and doc["tables"]["audit_event"]


def test_the_file_is_formatted_as_sorted_indented_json_with_a_trailing_newline(demo_db):
    """The streamed writer produces exactly json.dumps(sort_keys, indent=2, ensure_ascii=False)."""
    text = export_text(demo_db)
    assert text == json.dumps(json.loads(text), indent=2, sort_keys=True, ensure_ascii=False) + "\n"
    assert text == export_text(demo_db)  # two exports of the same data are identical


def test_generated_columns_are_left_out_and_timestamps_keep_microseconds(db):
    risks.create_risk(db, EDITOR, {"title": "Ünïcödé «risk» <b>", "inherent_likelihood": 2, "inherent_impact": 3})
    doc = json.loads(export_text(db))
    (risk,) = doc["tables"]["risk"]
    assert "inherent_score" not in risk and "residual_score" not in risk
    assert risk["title"] == "Ünïcödé «risk» <b>"
    assert risk["created_at"].endswith("+00:00") and len(risk["created_at"]) == len("2026-06-15T09:00:00.000000+00:00")
    assert "Ünïcödé" in export_text(db)  # not escaped as \\u


def test_an_import_into_a_database_with_data_is_refused(db, tmp_path):
    """Restoring over a register would mix two histories: refused with the counts."""
    path = tmp_path / "e.json"
    jsonio.export_json(db, path)
    with pytest.raises(AimsError, match="not empty"):
        jsonio.import_json(db, path)


def test_a_file_whose_audit_chain_was_edited_is_refused_and_nothing_is_written(db, tmp_path):
    """An audit event changed in the file breaks the chain: the import fails whole."""
    risks.create_risk(db, EDITOR, {"title": "Real", "inherent_likelihood": 2, "inherent_impact": 3})
    doc = json.loads(export_text(db))
    doc["tables"]["audit_event"][-1]["actor"] = "mallory"
    path = tmp_path / "tampered.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    target = open_database(blank_db(tmp_path / "t.db"))
    with pytest.raises(ValidationError, match="does not verify"):
        jsonio.import_json(target, path)
    assert jsonio.is_empty(target)
    target.dispose()


@pytest.mark.parametrize("content, message", [
    ("not json", "not valid JSON"),
    ('{"format": "other"}', "not an aims JSON export"),
    ('{"format": "aims-json", "format_version": 99, "tables": {}}', "newer aims"),
    ('{"format": "aims-json", "format_version": 1, "tables": {"martians": []}}', "unknown table"),
    ('{"format": "aims-json", "format_version": 1, "tables": {"user": [{"login": 5}]}}', "must be text"),
    ('{"format": "aims-json", "format_version": 1, "tables": {"user": [{"id": 1, "shoe": 1}]}}', "shoe"),
])
def test_a_file_that_is_not_a_valid_export_is_refused_with_a_reason(tmp_path, content, message):
    path = tmp_path / "x.json"
    path.write_text(content, encoding="utf-8")
    target = open_database(blank_db(tmp_path / "t.db"))
    with pytest.raises(ValidationError) as info:
        jsonio.import_json(target, path)
    assert message in " ".join(m for _, m in info.value.errors)
    assert jsonio.is_empty(target)
    target.dispose()


def test_an_export_to_a_folder_is_refused(db, tmp_path):
    with pytest.raises(ValidationError, match="folder"):
        jsonio.export_json(db, tmp_path)


def test_an_import_keeps_ids_versions_and_the_next_ids_continue(db, tmp_path):
    """After a restore, new records continue after the restored ids and refs."""
    r = risks.create_risk(db, EDITOR, {"title": "One", "inherent_likelihood": 1, "inherent_impact": 1})
    risks.update_risk(db, EDITOR, r["ref"], {"title": "One, renamed"})
    path = tmp_path / "e.json"
    jsonio.export_json(db, path)
    target = open_database(blank_db(tmp_path / "t.db"))
    jsonio.import_json(target, path)
    restored = risks.get_risk(target, r["ref"])
    assert (restored["id"], restored["version"], restored["title"]) == (r["id"], 2, "One, renamed")
    nxt = risks.create_risk(target, EDITOR, {"title": "Two", "inherent_likelihood": 1, "inherent_impact": 1})
    assert nxt["ref"] == "R-0002" and nxt["id"] == r["id"] + 1
    assert chain_ok(target)
    target.dispose()


def test_a_file_from_another_schema_revision_says_so(db, tmp_path):
    """Unknown fields from a newer aims: the refusal names both schema revisions."""
    doc = json.loads(export_text(db))
    doc["schema_revision"] = "9999"
    doc["tables"]["user"][0]["shoe_size"] = 44
    path = tmp_path / "newer.json"
    path.write_text(json.dumps(doc, indent=2, sort_keys=True), encoding="utf-8")
    target = open_database(blank_db(tmp_path / "t.db"))
    with pytest.raises(ValidationError) as info:
        jsonio.import_json(target, path)
    assert any("schema revision 9999" in m for _, m in info.value.errors)
    target.dispose()


def test_withdrawn_records_and_every_register_kind_round_trip(demo_db, tmp_path):
    """A risk, an AI system and a context issue withdrawn by mistake made the export
    of their database refused on import ("status 'withdrawn' is not one of ...")."""
    from aims_tui.core import catalog
    from aims_tui.core.services import withdrawal

    from ..system.examples import record_on

    made = {k.entity: [record_on(demo_db, APPROVER, k.entity) for _ in range(2)] for k in catalog.ALL}
    for entity, (_, second) in made.items():
        withdrawal.withdraw(demo_db, APPROVER, entity, second["ref"])
    withdrawal.withdraw(demo_db, APPROVER, "risk", "R-0001")
    withdrawal.withdraw(demo_db, APPROVER, "ai_system", "AIS-002")
    first, second = round_trip(demo_db, tmp_path)
    assert first == second
    doc = json.loads(first)
    assert [r["status"] for r in doc["tables"]["risk"] if r["ref"] == "R-0001"] == ["withdrawn"]
    for k in catalog.ALL:
        status = {r["ref"]: r["status"] for r in doc["tables"][k.model.__tablename__]}
        first, second = made[k.entity]
        assert status[second["ref"]] == "withdrawn" and status[first["ref"]] != "withdrawn"
