"""Register and SoA exports: CSV, XLSX, JSON; formula injection neutralised, numbers kept."""

from __future__ import annotations

import csv
import io
import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook

from aims_tui.core import queries
from aims_tui.core.services import controls, risks
from aims_tui.io import exports
from aims_tui.io.safe import spreadsheet_safe
from tests.conftest import EDITOR, TODAY

HOSTILE = {"=1+1": "'=1+1", "+cmd|' /C calc'!A0": "'+cmd|' /C calc'!A0", "-2+3": "'-2+3",
           "@SUM(A1:A9)": "'@SUM(A1:A9)"}


@pytest.fixture
def hostile_db(db):
    for i, title in enumerate(HOSTILE):
        risks.create_risk(db, EDITOR, {"title": title, "description": "-" + title, "inherent_likelihood": 3,
                                       "inherent_impact": 4, "residual_likelihood": 2, "residual_impact": 2},
                          today=TODAY)
    risks.create_risk(db, EDITOR, {"title": "Ünïcödé Σ Ж plain", "inherent_likelihood": 1, "inherent_impact": 1},
                      today=TODAY)
    controls.update_applicability(db, "ada", "A.2.2", {"justification": "=HYPERLINK(\"http://x\")",
                                                       "applicable": True})
    return db


def _csv(db, kind):
    buf = io.StringIO()
    exports.export(db, kind, "csv", buf, today=TODAY)
    return buf.getvalue()


def test_csv_cells_that_start_like_a_formula_are_neutralised(hostile_db):
    """`=1+1`, `+`, `-`, `@` at the start of a text cell get a leading quote in CSV."""
    rows = list(csv.DictReader(io.StringIO(_csv(hostile_db, "register"))))
    titles = {r["title"] for r in rows}
    for raw, safe in HOSTILE.items():
        assert safe in titles
        assert raw not in titles
    assert all(r["description"].startswith("'") for r in rows if r["title"] in HOSTILE.values())


def test_csv_numbers_stay_numbers(hostile_db):
    """Scores are written as bare numbers, never quoted or prefixed."""
    text = _csv(hostile_db, "register")
    rows = list(csv.DictReader(io.StringIO(text)))
    first = rows[0]
    assert first["inherent_likelihood"] == "3" and first["inherent_score"] == "12"
    assert first["residual_score"] == "4"
    assert ",3,4,12,High,2,2,4,Low," in text


def test_csv_has_a_header_row_in_the_stable_column_order_and_is_utf8(hostile_db, tmp_path):
    """The header is exactly REGISTER_COLUMNS; non-Latin text survives a round trip through the file."""
    out = tmp_path / "r.csv"
    n = exports.export(hostile_db, "register", "csv", out, today=TODAY)
    assert n == queries.risk_count(hostile_db)
    raw = out.read_bytes().decode("utf-8")
    header = raw.splitlines()[0].split(",")
    assert tuple(header) == exports.REGISTER_COLUMNS
    assert "Ünïcödé Σ Ж plain" in raw
    refs = [r["ref"] for r in csv.DictReader(io.StringIO(raw))]
    assert refs == sorted(refs, key=lambda r: int(r.split("-")[1]))


def test_xlsx_neutralises_formulas_and_keeps_numbers_as_numbers(hostile_db, tmp_path):
    """In XLSX a hostile title is text starting with a quote; a score is an int cell."""
    out = tmp_path / "r.xlsx"
    exports.export(hostile_db, "register", "xlsx", out, today=TODAY)
    ws = load_workbook(out).active
    rows = list(ws.iter_rows(values_only=True))
    assert rows[0] == exports.REGISTER_COLUMNS
    col = {c: i for i, c in enumerate(rows[0])}
    titles = [r[col["title"]] for r in rows[1:]]
    for safe in HOSTILE.values():
        assert safe in titles
    for r in rows[1:]:
        assert isinstance(r[col["inherent_score"]], int)
        assert isinstance(r[col["residual_likelihood"]], int)
    for row in ws.iter_rows(min_row=2):
        for cell in row:
            assert cell.data_type != "f", cell.value


def test_json_keeps_the_text_exactly_and_numbers_as_numbers(hostile_db):
    """JSON is not a spreadsheet: the title is kept as typed, scores are JSON numbers."""
    buf = io.StringIO()
    exports.export(hostile_db, "register", "json", buf, today=TODAY)
    data = json.loads(buf.getvalue())
    assert [list(d) for d in data] == [list(exports.REGISTER_COLUMNS)] * len(data)
    assert {d["title"] for d in data} >= set(HOSTILE)
    assert all(isinstance(d["inherent_score"], int) for d in data)


def test_soa_export_lists_every_control_in_annex_order_with_safe_cells(hostile_db):
    """The SoA has one row per control, Annex A order, and a formula justification neutralised."""
    rows = list(csv.DictReader(io.StringIO(_csv(hostile_db, "soa"))))
    assert [r["code"] for r in rows] == [e["code"] for e in controls.list_soa(hostile_db)]
    a22 = next(r for r in rows if r["code"] == "A.2.2")
    assert a22["justification"].startswith("'=HYPERLINK")
    assert a22["applicable"] == "yes"


def test_an_empty_register_still_has_its_header(db):
    """No risks: a header row and nothing else (and valid empty JSON)."""
    assert _csv(db, "register").splitlines() == [",".join(exports.REGISTER_COLUMNS)]
    buf = io.StringIO()
    exports.export(db, "register", "json", buf)
    assert json.loads(buf.getvalue()) == []


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=20))
def test_no_text_cell_leaves_the_guard_starting_with_a_formula_character(text):
    """Whatever the text, the CSV cell never begins with = + - @ tab or CR."""
    cell = exports.csv_cell(text)
    assert not str(cell).startswith(("=", "+", "-", "@", "\t", "\r"))
    assert spreadsheet_safe(cell) == cell or str(cell).startswith("'")


def test_xlsx_survives_characters_xml_cannot_hold(db, tmp_path):
    """A control character that reached the database another way does not break the workbook."""
    from sqlalchemy import text

    r = risks.create_risk(db, EDITOR, {"title": "ok", "inherent_likelihood": 1, "inherent_impact": 1}, today=TODAY)
    with db.engine.begin() as c:
        c.execute(text("UPDATE risk SET description = :d WHERE ref = :r"), {"d": "bell\x07here", "r": r["ref"]})
    out = tmp_path / "r.xlsx"
    exports.export(db, "register", "xlsx", out, today=TODAY)
    rows = list(load_workbook(out).active.iter_rows(values_only=True))
    assert rows[1][rows[0].index("description")] == "bell\ufffdhere"
