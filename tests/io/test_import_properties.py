"""Properties (issue 14): what a spreadsheet program writes, aims reads back the same,
for CSV and XLSX; and risks written to a file import with the same titles and scores."""

from __future__ import annotations

import csv
import io
import tempfile
from datetime import date, datetime
from pathlib import Path

from hypothesis import HealthCheck, given, settings, strategies as st
from openpyxl import Workbook

from aims_tui.io import importer
from aims_tui.io.import_fields import cell_text
from aims_tui.io.import_rows import _TOTALS

from ..conftest import EDITOR, make_db
from .helpers import risks

HEADER = ["Risk ID", "Title", "Likelihood", "Impact", "Description"]

# Text as people type it: any letters, digits, punctuation, symbols, spaces, quotes,
# delimiters and line breaks; not control characters (a spreadsheet program does not
# write them), and not a leading '=' (a formula) or the export's "'=" guard.
text = st.text(st.characters(blacklist_categories=("Cc", "Cs", "Co", "Cn"), blacklist_characters="\u2028\u2029")
               | st.sampled_from([",", ";", "\t", '"', "\n", "|", " "]), max_size=40) \
    .filter(lambda s: not s.startswith(("=", "'")))
SETTINGS = settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


@SETTINGS
@given(rows=st.lists(st.lists(text, min_size=5, max_size=5), min_size=1, max_size=12),
       encoding=st.sampled_from(["utf-8", "utf-8-sig", "utf-16"]))
def test_a_csv_written_as_spreadsheet_programs_write_it_reads_back_cell_for_cell(rows, encoding):
    buf = io.StringIO(newline="")
    w = csv.writer(buf, lineterminator="\r\n")  # Excel's dialect: minimal quoting, CRLF
    w.writerow(HEADER)
    w.writerows(rows)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "r.csv"
        path.write_bytes(buf.getvalue().encode(encoding))
        sheet = importer.read_sheet(path)
    got = [[cell_text(c) for c in cells] for _, cells in sheet.rows]
    assert sheet.delimiter == ","
    assert got == [HEADER] + [[c for c in r] for r in rows]


# Numbers as a spreadsheet keeps them: 15 significant digits (Excel and openpyxl write no more).
cell = st.one_of(text, st.integers(-10**9, 10**9), st.floats(-1e14, 1e14, allow_nan=False).map(lambda f: float(f"{f:.15g}")),
                 st.dates(date(1950, 1, 1), date(2150, 12, 31)), st.none())


def _same(value) -> str:
    if isinstance(value, date) and not isinstance(value, datetime):
        value = datetime(value.year, value.month, value.day)
    return cell_text(value)


@SETTINGS
@given(rows=st.lists(st.lists(cell, min_size=5, max_size=5), min_size=1, max_size=10))
def test_an_xlsx_written_by_openpyxl_reads_back_cell_for_cell(rows):
    wb = Workbook()
    ws = wb.active
    ws.append(HEADER)
    for r in rows:
        ws.append(r)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "r.xlsx"
        wb.save(path)
        sheet = importer.read_sheet(path)
    got = {n: [cell_text(c) for c in cells] for n, cells in sheet.rows}
    for n, r in enumerate([HEADER] + rows, start=1):
        want = [_same(c) for c in r]
        have = got.get(n, [])
        have = have + [""] * (len(want) - len(have))
        assert have[:len(want)] == want


title = st.text(st.characters(blacklist_categories=("Cc", "Cs", "Co", "Cn", "Zl", "Zp")), min_size=1,
                max_size=60).map(str.strip).filter(lambda s: s and not s.startswith(("=", "'", "+", "-", "@"))
                                                   and not _TOTALS.match(
                                                       " ".join(s.casefold().split())))


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                  HealthCheck.too_slow])
@given(data=st.lists(st.tuples(title, st.integers(1, 5), st.integers(1, 5)), min_size=1, max_size=8),
       kind=st.sampled_from(["csv", "xlsx"]))
def test_risks_written_to_a_file_import_with_the_same_titles_and_scores(data, kind):
    with tempfile.TemporaryDirectory() as tmp:
        db = make_db(Path(tmp) / "aims.db")
        path = Path(tmp) / f"r.{kind}"
        rows = [[f"X-{i}", t, li, im, ""] for i, (t, li, im) in enumerate(data)]
        if kind == "csv":
            with path.open("w", newline="", encoding="utf-8") as fh:
                csv.writer(fh).writerows([HEADER] + rows)
        else:
            wb = Workbook()
            for r in [HEADER] + rows:
                wb.active.append(r)
            wb.save(path)
        importer.import_file(db, EDITOR, path)
        got = [(r.title, r.inherent_likelihood, r.inherent_impact) for r in risks(db)]
        db.dispose()
    assert got == [(" ".join(t.split()) if "\n" in t else t, li, im) for t, li, im in data]
