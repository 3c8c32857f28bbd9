"""Risks from untidy XLSX workbooks: title rows, merged cells, two-row headers,
formulas (cached values, and formulas never calculated), sheets."""

from __future__ import annotations

import re
import zipfile
from datetime import date, datetime
from pathlib import Path

import pytest
from openpyxl import Workbook

from aims_tui.core.errors import ValidationError
from aims_tui.core.services import systems
from aims_tui.core.services.importing import ImportRejected
from aims_tui.io import importer

from ..conftest import ADMIN, EDITOR
from .helpers import risks, snapshot


def set_cached_values(path: Path, values: dict[str, str], sheet_xml: str = "xl/worksheets/sheet2.xml") -> None:
    """Give formula cells the cached value a spreadsheet program would have saved.

    openpyxl writes formulas with an empty ``<v/>`` (it does not calculate), so
    the test writes the value into the XML itself, as Excel or LibreOffice do.
    """
    with zipfile.ZipFile(path) as zf:
        parts = {n: zf.read(n) for n in zf.namelist()}
    xml = parts[sheet_xml].decode("utf-8")
    for ref, value in values.items():
        pattern = re.compile(rf'(<c r="{ref}"[^>]*>)(<f>.*?</f>)<v\s*/>(</c>)')
        xml, n = pattern.subn(rf"\g<1>\g<2><v>{value}</v>\g<3>", xml)
        assert n == 1, f"no formula cell {ref} in {sheet_xml}"
    parts[sheet_xml] = xml.encode("utf-8")
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in parts.items():
            zf.writestr(name, data)


def untidy_workbook(path: Path, *, cached: bool = True) -> Path:
    """A register as people keep them: a read-me sheet first; on the risk sheet a
    merged title, a note row, a blank row, a two-row header (Inherent/Residual
    merged over Likelihood/Impact, other names merged down), a system merged down
    over three risks, a multi-line cell, formulas, a blank row, real dates."""
    wb = Workbook()
    readme = wb.active
    readme.title = "Read me"
    readme["A1"] = "This workbook lists our AI risks. See the Risks sheet."
    ws = wb.create_sheet("Risks")
    ws["A1"] = "AI RISK REGISTER - CONFIDENTIAL"
    ws.merge_cells("A1:J1")
    ws["A2"] = "Maintained by the governance office"
    headers = ["Ref", "AI System", "Risk", "Description", "Inherent", None, "Residual", None, "Risk Owner",
               "Review Date"]
    for col, h in enumerate(headers, start=1):
        ws.cell(row=4, column=col, value=h)
    for col in ("A", "B", "C", "D", "I", "J"):
        ws.merge_cells(f"{col}4:{col}5")
    ws.merge_cells("E4:F4")
    ws.merge_cells("G4:H4")
    for col, h in zip("EFGH", ["Likelihood", "Impact", "LIKELIHOOD", "impact"]):
        ws[f"{col}5"] = h
    data = [
        ["R-01", "Chatbot", "Prompt injection", "Attacker text in a page\nchanges the answer.", "=2+2", "Major",
         "2 - Unlikely", "=F6", "eve", datetime(2026, 9, 1)],
        ["R-02", None, "Hallucinated policy", "Invents refund rules", "Likely", 3, 2, 3, "Eve", date(2026, 10, 1)],
        ["R-03", None, "Toxic output", None, "Possible", "Moderate", None, None, None, None],
        [None] * 10,
        ["R-04", "Scoring", "Biased scores", "Women ranked lower", "High", "Severe", "Low", "Severe", "ada", None],
    ]
    for r, row in enumerate(data, start=6):
        for c, v in enumerate(row, start=1):
            ws.cell(row=r, column=c, value=v)
    ws.merge_cells("B6:B8")
    wb.save(path)
    if cached:
        set_cached_values(path, {"E6": "4", "H6": "4"})
    return path


@pytest.fixture
def two_systems(db):
    systems.create_system(db, ADMIN, {"name": "Chatbot"})
    systems.create_system(db, ADMIN, {"name": "Scoring"})
    return db


def test_an_untidy_workbook_imports_with_cached_formula_values(two_systems, tmp_path):
    db = two_systems
    path = untidy_workbook(tmp_path / "register.xlsx")
    plan = importer.prepare(db, path)
    assert plan.sheet.name == "Risks"  # the sheet with the header, not the first one
    assert plan.header_row == 5
    fields = {f for _, f in plan.mapping()}
    assert {"external_id", "system", "title", "description", "inherent_likelihood", "inherent_impact",
            "residual_likelihood", "residual_impact", "owner", "next_review"} <= fields
    result = importer.run(db, EDITOR, plan)
    assert [c["row"] for c in result["created"]] == [6, 7, 8, 10]
    r1, r2, r3, r4 = risks(db)
    assert (r1.inherent_likelihood, r1.inherent_impact, r1.residual_likelihood, r1.residual_impact) == (4, 4, 2, 4)
    assert r1.description == "Attacker text in a page\nchanges the answer."
    assert r1.next_review == date(2026, 9, 1) and r2.next_review == date(2026, 10, 1)
    # the system cell merged over three rows belongs to each of them
    assert {r.system_id for r in (r1, r2, r3)} == {1} and r4.system_id == 2
    assert (r2.owner, r3.owner, r4.owner) == (EDITOR, EDITOR, ADMIN)
    assert (r4.inherent_likelihood, r4.residual_likelihood) == (4, 2)


def test_a_formula_that_was_never_calculated_is_reported_not_imported_as_empty(two_systems, tmp_path):
    """A workbook written by a script: formulas have no saved value. The cell is
    named and nothing is written (an empty likelihood would be wrong data)."""
    db = two_systems
    path = untidy_workbook(tmp_path / "script.xlsx", cached=False)
    before = snapshot(db)
    with pytest.raises(ImportRejected) as info:
        importer.import_file(db, EDITOR, path)
    found = {(p.row, p.column.split()[0]) for p in info.value.problems}
    assert found == {(6, "E"), (6, "H")}
    assert all("formula" in p.message for p in info.value.problems)
    assert snapshot(db) == before


def test_the_sheet_option_picks_a_sheet_by_name_and_lists_them_when_wrong(two_systems, tmp_path):
    db = two_systems
    path = untidy_workbook(tmp_path / "register.xlsx")
    assert importer.prepare(db, path, sheet="risks").sheet.name == "Risks"
    with pytest.raises(ValidationError) as info:
        importer.prepare(db, path, sheet="Register")
    assert "'Read me', 'Risks'" in str(info.value)


def test_numbers_and_mixed_case_headers_in_a_plain_workbook(db, tmp_path):
    """Float cells (3.0) read as whole numbers; headers in any case."""
    wb = Workbook()
    ws = wb.active
    ws.append(["TITLE", "likelihood", "IMPACT", "Treatment", "STATUS", "category"])
    ws.append(["One", 3.0, 2, "Transfer", "In progress", "Cybersecurity"])
    ws.append(["Two", "4 - Likely", "Very high", "Tolerate", "Closed", "Data protection"])
    path = tmp_path / "plain.xlsx"
    wb.save(path)
    importer.import_file(db, EDITOR, path)
    one, two = risks(db)
    assert (one.inherent_likelihood, one.treatment_option, one.status, one.category) == (3, "transfer", "treating",
                                                                                       "security")
    assert (two.inherent_likelihood, two.inherent_impact, two.treatment_option, two.status, two.category) == (
        4, 5, "accept", "closed", "privacy")


def test_an_error_in_a_workbook_names_the_row_number_the_spreadsheet_shows(db, tmp_path):
    wb = Workbook()
    ws = wb.active
    ws["A1"] = "Register"
    ws.append([])
    ws.append(["Title", "Likelihood", "Impact"])
    ws.append(["Ok", 1, 1])
    ws.append(["Bad", 7, 1])
    path = tmp_path / "bad.xlsx"
    wb.save(path)
    with pytest.raises(ImportRejected) as info:
        importer.import_file(db, EDITOR, path)
    (p,) = info.value.problems
    assert (p.row, p.column, p.value) == (5, "B 'Likelihood'", "7")


def test_a_broken_xlsx_is_refused_clearly(db, tmp_path):
    path = tmp_path / "broken.xlsx"
    path.write_bytes(b"PK\x03\x04 not really a zip")
    with pytest.raises(ValidationError, match="not a valid .xlsx"):
        importer.prepare(db, path)
