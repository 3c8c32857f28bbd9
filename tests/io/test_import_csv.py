"""Risks from untidy CSV files: encodings, delimiters, title rows, all-or-nothing."""

from __future__ import annotations

from pathlib import Path

import pytest

from aims_tui.core.errors import PermissionDenied, ValidationError
from aims_tui.core.models import AISystem, AuditEvent, Risk, User
from aims_tui.core.services import systems
from aims_tui.core.services.importing import ImportRejected
from aims_tui.io import importer

from ..conftest import ADMIN, EDITOR, VIEWER
from .helpers import chain_ok, count, risks, snapshot

UNTIDY = (
    "AI Risk Register;;;;;\n"
    "Exported 2026-06-01 by the governance office;;;;;\n"
    ";;;;;\n"
    "risk ID;RISK TITLE;Description;Probability;Severity;Risk Owner;treatment\n"
    'R-1;Biased ranking;"Ranks women lower.\nSeen in the 2025 audit.";High;3 - Moderate;eve;Reduce\n'
    ";;;;;;\n"
    "R-2;Prompt injection;Leaks the system prompt;2;Severe;Ada;accept\n"
    "R-3;Drift;;Possible;4;;\n"
)


def write(tmp_path: Path, name: str, text: str, encoding: str = "utf-8", bom: bool = False) -> Path:
    p = tmp_path / name
    data = text.encode(encoding)
    p.write_bytes((b"\xef\xbb\xbf" if bom else b"") + data)
    return p


def test_an_untidy_semicolon_csv_with_a_bom_and_title_rows_imports(db, tmp_path):
    """A register exported by Excel in a European locale: BOM, semicolons, two
    title rows and a blank row above the header, a blank row in the data, a
    multi-line cell, mixed-case headers, words and numbers for the scores."""
    path = write(tmp_path, "register.csv", UNTIDY, bom=True)
    plan = importer.prepare(db, path)
    assert plan.sheet.delimiter == ";" and plan.sheet.encoding == "UTF-8 with BOM"
    assert plan.header_row == 4
    assert dict((f, lbl) for lbl, f in plan.mapping())["title"] == "B 'RISK TITLE'"
    result = importer.run(db, EDITOR, plan)
    assert [c["row"] for c in result["created"]] == [5, 7, 8]
    assert result["blank_rows"] == 1
    r1, r2, r3 = risks(db)
    assert r1.title == "Biased ranking"
    assert r1.description == "Ranks women lower.\nSeen in the 2025 audit."
    assert (r1.inherent_likelihood, r1.inherent_impact) == (4, 3)
    assert r1.treatment_option == "mitigate" and r1.owner == EDITOR
    assert (r2.inherent_likelihood, r2.inherent_impact, r2.owner) == (2, 5, ADMIN)
    assert r2.treatment_option == "accept"
    assert (r3.inherent_likelihood, r3.owner) == (3, EDITOR)  # no owner: the importer
    assert (r3.residual_likelihood, r3.residual_impact) == (3, 4)  # residual defaults to inherent
    assert r1.source_key == "id:r-1"
    assert chain_ok(db)


@pytest.mark.parametrize("delimiter", [",", ";", "\t", "|"])
def test_every_common_delimiter_is_recognised(db, tmp_path, delimiter):
    """Comma, semicolon, tab and pipe files (Sniffer plus the header as a check)."""
    rows = [["Title", "Likelihood", "Impact", "Notes"],
            ["Model drift, slowly", "2", "3", "a; b | c"],
            ["Data leak", "4", "5", ""]]
    text = "\n".join(delimiter.join(f'"{c}"' if delimiter in c or "," in c else c for c in r) for r in rows)
    path = write(tmp_path, "r.csv", text + "\n")
    plan = importer.prepare(db, path)
    assert plan.sheet.delimiter == delimiter
    result = importer.run(db, EDITOR, plan)
    assert [c["title"] for c in result["created"]] == ["Model drift, slowly", "Data leak"]
    assert risks(db)[0].description == "Notes: a; b | c"


def test_a_windows_1252_file_keeps_its_accents_and_symbols(db, tmp_path):
    """A CSV saved by an old Excel: Windows-1252, not UTF-8 ("é", "€", "–")."""
    text = "Titre;Likelihood;Impact;Description\nBiais de sélection – crédit;3;4;Coût: 5 000 €\n"
    path = write(tmp_path, "fr.csv", text, encoding="cp1252")
    plan = importer.prepare(db, path, mapping=["Titre=title"])
    assert plan.sheet.encoding == "Windows-1252"
    importer.run(db, EDITOR, plan)
    (r,) = risks(db)
    assert r.title == "Biais de sélection – crédit" and r.description == "Coût: 5 000 €"


def test_a_utf16_tab_file_from_excel_unicode_text_imports(db, tmp_path):
    """Excel's "Unicode text" export is UTF-16 with a BOM and tabs."""
    text = "Title\tLikelihood\tImpact\n日本語のリスク\t1\t2\n"
    p = tmp_path / "u.txt"
    p.write_bytes(text.encode("utf-16"))
    importer.import_file(db, EDITOR, p)
    assert risks(db)[0].title == "日本語のリスク"


def test_errors_in_several_rows_are_all_reported_and_nothing_is_written(db, tmp_path):
    """Three bad rows among good ones: every problem is named by row, column and
    value, and not one risk, user or audit event is written."""
    text = ("Title,Likelihood,Impact,Owner,Category,Treatment,Next review\n"
            "Fine risk,2,2,eve,privacy,mitigate,2026-09-01\n"
            "Bad likelihood,Hgh,2,eve,,,\n"
            ",3,3,eve,,,\n"
            "Bad everything,9,Enormous,nobody,Operational,fix it,31/31/2026\n"
            "Another fine one,1,1,,,,\n")
    path = write(tmp_path, "bad.csv", text)
    before = snapshot(db)
    with pytest.raises(ImportRejected) as info:
        importer.import_file(db, EDITOR, path)
    found = {(p.row, p.column.split()[0], p.value) for p in info.value.problems}
    assert found == {
        (3, "B", "Hgh"),
        (4, "A", ""),  # title empty
        (5, "B", "9"), (5, "C", "Enormous"), (5, "D", "nobody"), (5, "E", "Operational"),
        (5, "F", "fix it"), (5, "G", "31/31/2026"),
    }
    assert "8 problems in 3 rows; nothing was imported" == info.value.summary
    assert all(str(p).startswith(f"row {p.row}, column ") for p in info.value.problems)
    assert snapshot(db) == before


def test_a_reimport_of_the_same_file_does_not_duplicate(db, tmp_path):
    """Importing twice (an ID column): the second run skips every row, naming
    the risk each row became."""
    path = write(tmp_path, "r.csv", "ID,Title,Likelihood,Impact\n7,One,1,1\n8,Two,2,2\n")
    first = importer.import_file(db, EDITOR, path)
    second = importer.import_file(db, EDITOR, path)
    assert [c["ref"] for c in first["created"]] == ["R-0001", "R-0002"]
    assert second["created"] == []
    assert [(s["row"], s["ref"]) for s in second["skipped"]] == [(2, "R-0001"), (3, "R-0002")]
    assert count(db, Risk) == 2


def test_without_an_id_column_the_content_key_matches_the_same_rows_in_another_file(db, tmp_path):
    """No ID column: the key is a hash of title, description and system as
    written (case and spacing folded), so the rows match in a re-saved file with
    other columns, another order and other scores; a changed title is new."""
    a = write(tmp_path, "a.csv", "Title,Description,Likelihood,Impact\nOne,First,1,1\nTwo,,2,2\n")
    b = write(tmp_path, "b.csv", "Likelihood;Impact;TITLE;Description;Comment\n"
                                 "5;5;two;;x\n4;4;  ONE ;First;y\n3;3;Three;;z\n")
    importer.import_file(db, EDITOR, a)
    result = importer.import_file(db, EDITOR, b)
    assert [c["title"] for c in result["created"]] == ["Three"]
    assert sorted(s["ref"] for s in result["skipped"]) == ["R-0001", "R-0002"]


def test_the_same_row_twice_in_one_file_is_reported(db, tmp_path):
    """Two rows with the same ID would become one risk on a re-import: refused."""
    path = write(tmp_path, "d.csv", "ID,Title,L,I\nA1,One,1,1\nA1,Other,2,2\n")
    with pytest.raises(ImportRejected) as info:
        importer.import_file(db, EDITOR, path)
    (p,) = info.value.problems
    assert (p.row, p.value) == (3, "A1") and "row 2" in p.message


def test_a_dry_run_shows_what_would_be_created_and_writes_nothing(db, tmp_path):
    """--dry-run: the would-be refs and levels, and no change at all."""
    path = write(tmp_path, "r.csv", "Title,Likelihood,Impact\nOne,Almost certain,Severe\n")
    before = snapshot(db)
    result = importer.import_file(db, EDITOR, path, dry_run=True)
    assert result["dry_run"] is True
    assert [(c["ref"], c["inherent_level"]) for c in result["created"]] == [("R-0001", "Critical")]
    assert snapshot(db) == before


def test_map_overrides_the_automatic_mapping_by_header_or_letter(db, tmp_path):
    """--map names a column by its header (any case) or its letter; 'ignore' drops
    a column; two targets for one field are refused."""
    path = write(tmp_path, "r.csv", "Name,Col2,Col3,Risk rating\nOne,3,4,High\n")
    plan = importer.prepare(db, path, mapping=["col2=likelihood", "C=Impact", "Name=title"])
    importer.run(db, EDITOR, plan)
    r = risks(db)[0]
    assert (r.inherent_likelihood, r.inherent_impact) == (3, 4)
    with pytest.raises(ValidationError) as info:
        importer.prepare(db, path, mapping=["Nope=title"])
    assert "no column is called 'Nope'" in str(info.value) and "'Col2'" in str(info.value)
    with pytest.raises(ValidationError) as info:
        importer.prepare(db, path, mapping=["Col2=colour"])
    assert "'colour' is not a field" in str(info.value)
    with pytest.raises(ValidationError):
        importer.prepare(db, path, mapping=["Col2=likelihood", "Col3=likelihood"])


def test_a_file_without_a_title_column_says_how_to_map_one(db, tmp_path):
    path = write(tmp_path, "r.csv", "Foo,Bar\nx,y\n")
    with pytest.raises(ValidationError) as info:
        importer.prepare(db, path)
    assert "--map 'COLUMN=title'" in str(info.value)


def test_header_row_option_overrides_detection(db, tmp_path):
    """--header-row N reads row N as the header even when another row looks better."""
    path = write(tmp_path, "r.csv", "Title,Likelihood,Impact\nWhat,L,I\nOne,1,2\n")
    plan = importer.prepare(db, path, header_row=2, mapping=["What=title"])
    assert plan.header_row == 2
    assert [r.data["title"] for r in plan.rows] == ["One"]
    with pytest.raises(ValidationError):
        importer.prepare(db, path, header_row=99)


def test_unknown_owners_and_systems_are_reported_or_created_with_create_missing(db, tmp_path):
    """Without --create-missing an unknown owner or system is a problem; with it
    the owner becomes an editor (login made from the name) and the system is
    registered in design. Known ones match by login, display name, ref or name."""
    sysref = systems.create_system(db, ADMIN, {"name": "Chatbot"})["ref"]
    text = ("Title,Likelihood,Impact,Owner,System\n"
            f"One,1,1,Alice Martin,Chatbot\nTwo,2,2,EVE,{sysref.lower()}\nThree,3,3,eve,Scoring engine\n")
    path = write(tmp_path, "r.csv", text)
    with pytest.raises(ImportRejected) as info:
        importer.import_file(db, ADMIN, path)
    assert {(p.row, p.value) for p in info.value.problems} == {(2, "Alice Martin"), (4, "Scoring engine")}
    result = importer.import_file(db, ADMIN, path, create_missing=True)
    assert result["users_created"] == [{"login": "alice.martin", "display_name": "Alice Martin", "role": "editor"}]
    assert [s["name"] for s in result["systems_created"]] == ["Scoring engine"]
    assert [(c["owner"], c["system_ref"]) for c in result["created"]] == [
        ("alice.martin", sysref), (EDITOR, sysref), (EDITOR, "AIS-002")]
    with db.read() as s:
        from sqlmodel import select
        assert s.exec(select(AISystem.stage).where(AISystem.ref == "AIS-002")).one() == "design"
        assert s.exec(select(User.role).where(User.login == "alice.martin")).one() == "editor"
    assert chain_ok(db)


def test_creating_users_needs_an_admin_and_a_refusal_writes_nothing(db, tmp_path):
    """An editor may import, but adding users for unknown owners is an admin's job."""
    path = write(tmp_path, "r.csv", "Title,L,I,Owner\nOne,1,1,newbie\n")
    before = snapshot(db)
    with pytest.raises(PermissionDenied):
        importer.import_file(db, EDITOR, path, create_missing=True)
    assert snapshot(db) == before


def test_a_viewer_cannot_import(db, tmp_path):
    path = write(tmp_path, "r.csv", "Title,L,I\nOne,1,1\n")
    with pytest.raises(PermissionDenied):
        importer.import_file(db, VIEWER, path)


def test_default_system_applies_to_rows_without_one(db, tmp_path):
    """--system fills empty system cells; an unknown --system is refused up front."""
    a = systems.create_system(db, ADMIN, {"name": "A"})["ref"]
    b = systems.create_system(db, ADMIN, {"name": "B"})["ref"]
    path = write(tmp_path, "r.csv", f"Title,L,I,System\nOne,1,1,\nTwo,1,1,{b}\n")
    result = importer.import_file(db, EDITOR, path, default_system=a)
    assert [c["system_ref"] for c in result["created"]] == [a, b]
    with pytest.raises(ValidationError) as info:
        importer.import_file(db, EDITOR, path, default_system="AIS-999")
    assert info.value.field == "--system"


def test_the_file_size_and_row_caps_refuse_with_a_clear_message(db, tmp_path):
    path = write(tmp_path, "r.csv", "Title,L,I\n" + "".join(f"R{i},1,1\n" for i in range(40)))
    with pytest.raises(ValidationError) as info:
        importer.prepare(db, path, max_bytes=100)
    assert "up to 100 bytes" in str(info.value)
    with pytest.raises(ValidationError) as info:
        importer.prepare(db, path, max_rows=10)
    assert "more than 10 rows" in str(info.value) or "more than 10 risks" in str(info.value)
    assert count(db, Risk) == 0


def test_an_import_leaves_one_audit_event_per_risk_and_one_for_the_import(db, tmp_path):
    path = write(tmp_path, "r.csv", "Title,L,I\nOne,1,1\nTwo,2,2\n")
    before = count(db, AuditEvent)
    importer.import_file(db, EDITOR, path)
    assert count(db, AuditEvent) == before + 3
    assert chain_ok(db)


def test_text_guarded_against_formula_injection_comes_back_as_written(db, tmp_path):
    """Our own exports prefix "=..." text with a quote; importing strips it again."""
    path = write(tmp_path, "r.csv", "Title,L,I\n'=HYPERLINK(x),1,1\n")
    importer.import_file(db, EDITOR, path)
    assert risks(db)[0].title == "=HYPERLINK(x)"


def test_binary_and_old_excel_files_are_refused_clearly(db, tmp_path):
    old = tmp_path / "old.xls"
    old.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100)
    with pytest.raises(ValidationError, match="old Excel .xls"):
        importer.prepare(db, old)
    binary = tmp_path / "x.csv"
    binary.write_bytes(b"\x00\x01\x02garbage\x00")
    with pytest.raises(ValidationError, match="binary"):
        importer.prepare(db, binary)
    with pytest.raises(ValidationError, match="does not exist"):
        importer.prepare(db, tmp_path / "missing.csv")


def test_a_status_of_accepted_is_refused_because_acceptance_is_an_approvers_record(db, tmp_path):
    """As in update_risk: "accepted" needs an acceptance by an approver, not a cell."""
    path = write(tmp_path, "r.csv", "Title,L,I,Status\nOne,1,1,Accepted\nTwo,1,1,In progress\n")
    with pytest.raises(ImportRejected) as info:
        importer.import_file(db, EDITOR, path)
    (p,) = info.value.problems
    assert (p.row, p.column, p.value) == (2, "D 'Status'", "Accepted") and "approver" in p.message


def test_pre_numbered_empty_rows_and_a_totals_row_are_left_out(db, tmp_path):
    """Templates number rows ahead (an ID and nothing else) and end with a totals
    row under an ignored Score column: neither is a risk, neither is an error."""
    text = ("ID,Title,Likelihood,Impact,Score\n"
            "R1,Real risk,2,3,6\nR2,,,,\nR3,,,,\n,,,,6\n")
    path = write(tmp_path, "t.csv", text)
    result = importer.import_file(db, EDITOR, path)
    assert [c["row"] for c in result["created"]] == [2] and result["blank_rows"] == 3


def test_control_codes_may_be_separated_by_spaces_commas_semicolons_or_lines(db, tmp_path):
    """The register export writes "A.5.2 A.7.6"; people write "A.5.2; A.7.6" or one per line."""
    path = write(tmp_path, "c.csv", 'Title,L,I,Controls\nOne,1,1,A.5.2 A.7.6\nTwo,1,1,"A.5.2;\nA.6.2.4"\n')
    result = importer.import_file(db, EDITOR, path)
    from aims_tui.core.services import risks as risk_service
    assert [risk_service.get_risk(db, c["ref"])["controls"] for c in result["created"]] == [
        ["A.5.2", "A.7.6"], ["A.5.2", "A.6.2.4"]]
