"""Excel as people use it (issue 14): percent cells, date serials in General cells,
totals rows, hidden columns and rows. Every workbook is written by openpyxl here."""

from __future__ import annotations

import csv
from datetime import date

import pytest
from openpyxl import Workbook

from aims_tui.core.models import Risk
from aims_tui.io import importer

from ..conftest import EDITOR
from .helpers import count, risks


def book(path, header, rows, *, fmt: dict[str, str] | None = None, hide_cols=(), hide_rows=()) -> None:
    wb = Workbook()
    ws = wb.active
    ws.append(header)
    for r in rows:
        ws.append(r)
    for col, number_format in (fmt or {}).items():
        for cell in ws[col][1:]:
            cell.number_format = number_format
    for col in hide_cols:
        ws.column_dimensions[col].hidden = True
    for r in hide_rows:
        ws.row_dimensions[r].hidden = True
    wb.save(path)


def test_a_likelihood_of_0_6_in_a_percent_cell_is_read_as_60_percent(db, tmp_path):
    """0.6 shown as 60% was refused while the text '60%' worked."""
    path = tmp_path / "p.xlsx"
    book(path, ["Title", "Probability", "Impact"], [["Drift", 0.6, 3], ["Leak", 0.05, 2], ["Outage", 1, 4]],
         fmt={"B": "0%"})
    importer.import_file(db, EDITOR, path)
    # 5 bands of 20 %: 60 % is the third, 5 % the first, 100 % the fifth
    assert [r.inherent_likelihood for r in risks(db)] == [3, 1, 5]


def test_a_date_serial_in_a_general_cell_is_a_date(db, tmp_path):
    """46022 in a General cell (how a date pasted as a value looks) was 'not a date'."""
    path = tmp_path / "d.xlsx"
    book(path, ["Title", "Likelihood", "Impact", "Next review"], [["Drift", 2, 3, 46022], ["Leak", 2, 3, "46023"]])
    importer.import_file(db, EDITOR, path)
    assert [r.next_review for r in risks(db)] == [date(2025, 12, 31), date(2026, 1, 1)]


def test_a_number_that_is_no_plausible_date_is_still_refused(db, tmp_path):
    path = tmp_path / "d.xlsx"
    book(path, ["Title", "Likelihood", "Impact", "Next review"], [["Drift", 2, 3, 7]])
    with pytest.raises(importer.ImportRejected) as err:
        importer.import_file(db, EDITOR, path)
    assert "is a number, not a date" in str(err.value.problems[0])


@pytest.mark.parametrize("label", ["Total", "TOTAL:", "Grand total", "Sum", "Average", "Total risks (3)"])
def test_a_totals_row_is_left_out_and_said(db, tmp_path, label):
    """A totals row came back as row errors (title '' or scores 11 and 9 off the scale)."""
    path = tmp_path / "t.xlsx"
    book(path, ["Title", "Likelihood", "Impact"], [["Drift", 3, 4], ["Leak", 4, 2], ["Bias", 4, 3], [label, 11, 9]])
    plan = importer.prepare(db, path)
    assert not plan.problems and len(plan.rows) == 3
    assert any("row 5 is a totals row: left out" in n for n in plan.notices)
    importer.run(db, EDITOR, plan)
    assert count(db, Risk) == 3


def test_a_sum_row_without_a_label_under_the_score_columns_is_a_totals_row(db, tmp_path):
    path = tmp_path / "t.csv"
    with path.open("w", newline="") as fh:
        csv.writer(fh).writerows([["Title", "Likelihood", "Impact"], ["Drift", 3, 4], ["Leak", 4, 2], ["", 7, 6]])
    plan = importer.prepare(db, path)
    assert not plan.problems and len(plan.rows) == 2
    assert any("row 4 is a totals row" in n for n in plan.notices)


def test_a_risk_whose_title_starts_with_total_is_not_a_totals_row(db, tmp_path):
    path = tmp_path / "t.csv"
    with path.open("w", newline="") as fh:
        csv.writer(fh).writerows([["Title", "Likelihood", "Impact"], ["Total loss of service", 3, 4]])
    plan = importer.prepare(db, path)
    assert len(plan.rows) == 1 and not any("totals" in n for n in plan.notices)


def test_a_hidden_description_column_does_not_win_over_the_visible_one_and_is_reported(db, tmp_path):
    """A hidden column headed 'Description' silently won over the visible 'Risk Description'."""
    path = tmp_path / "h.xlsx"
    book(path, ["Title", "Description", "Risk Description", "Likelihood", "Impact"],
         [["Drift", "old draft text", "What the team agreed", 2, 3]], hide_cols=["B"])
    plan = importer.prepare(db, path)
    fields = {c.header: c.field for c in plan.columns}
    assert fields["Risk Description"] == "description" and fields["Description"] is None
    assert any("column B 'Description' is hidden" in n and "--map 'Description=description'" in n
               for n in plan.notices)
    importer.run(db, EDITOR, plan)
    assert risks(db)[0].description == "What the team agreed"


def test_hidden_rows_are_reported(db, tmp_path):
    path = tmp_path / "h.xlsx"
    book(path, ["Title", "Likelihood", "Impact"], [["Drift", 2, 3], ["Old", 1, 1], ["Leak", 3, 3]], hide_rows=[3])
    plan = importer.prepare(db, path)
    assert any(n.startswith("row 3 is hidden in the spreadsheet") for n in plan.notices)


def test_the_cli_prints_each_note_about_the_file_once(db, tmp_path, monkeypatch):
    from typer.testing import CliRunner

    from aims_tui.cli import app
    from aims_tui.core import identity

    monkeypatch.setattr(identity, "os_login", lambda: EDITOR)
    path = tmp_path / "h.xlsx"
    book(path, ["Title", "Description", "Risk Description", "Likelihood", "Impact"],
         [["Drift", "x", "y", 2, 3], ["Total", None, None, 2, 3]], hide_cols=["B"])
    res = CliRunner().invoke(app, ["import", "risks", str(path), "--db", str(db.path)])
    assert res.exit_code == 0, res.stderr
    assert res.stderr.count("is hidden in the spreadsheet") == 1
    assert res.stderr.count("is a totals row") == 1
