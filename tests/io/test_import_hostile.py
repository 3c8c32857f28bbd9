"""Hostile files (issue 14): each refused in one line, nothing read without limit,
nothing written, nothing left behind."""

from __future__ import annotations

import io
import json
import os
import threading
import time
import zipfile
from pathlib import Path

import pytest
from openpyxl import Workbook
from typer.testing import CliRunner

from aims_tui.cli import app
from aims_tui.core import identity
from aims_tui.core.errors import ValidationError
from aims_tui.io import import_sheets, importer, jsonio

from ..conftest import EDITOR
from .helpers import snapshot

runner = CliRunner()


def one_line(exc: ValidationError) -> str:
    text = str(exc.message if hasattr(exc, "message") else exc)
    assert "\n" not in text
    return text


def test_a_csv_with_an_unterminated_quote_names_the_row_and_imports_nothing(db, tmp_path):
    """A quote opened in row 3 and never closed used to swallow rows 4 and 5 into one
    description: 1 risk of 4 imported without a word."""
    path = tmp_path / "r.csv"
    path.write_text('Title,Likelihood,Impact,Description\nOne,1,1,ok\nTwo,2,2,"starts here\n'
                    "Three,3,3,lost\nFour,4,4,lost too\n", encoding="utf-8")
    before = snapshot(db)
    with pytest.raises(ValidationError) as err:
        importer.import_file(db, EDITOR, path)
    msg = one_line(err.value)
    assert "row 3" in msg and "closing quote is missing" in msg and "nothing was imported" in msg
    assert snapshot(db) == before


def test_text_after_a_closing_quote_is_refused_with_its_row(tmp_path):
    """'"abc"def' is not CSV any program writes: a lenient reader joins the text silently."""
    path = tmp_path / "r.csv"
    path.write_text('Title,Likelihood\nOne,1\n"Two"oops,2\n', encoding="utf-8")
    with pytest.raises(ValidationError) as err:
        importer.read_sheet(path)
    assert "row 3" in one_line(err.value)


@pytest.mark.parametrize("make, word", [
    (lambda p: os.mkfifo(p), "FIFO"),
    (lambda p: p.mkdir(), "folder"),
])
def test_a_fifo_or_a_folder_is_refused_at_once_without_waiting(tmp_path, make, word):
    """A FIFO as the file hung the import for ever (open() waits for a writer)."""
    path = tmp_path / "r.csv"
    make(path)
    done: list[BaseException] = []
    t = threading.Thread(target=lambda: _catch(done, lambda: importer.read_sheet(path)), daemon=True)
    t.start()
    t.join(10)
    assert not t.is_alive(), "reading a FIFO must not wait for a writer"
    assert isinstance(done[0], ValidationError) and word in one_line(done[0])


def _catch(out: list, fn) -> None:
    try:
        fn()
    except BaseException as exc:  # noqa: BLE001 - handed to the test
        out.append(exc)


@pytest.mark.skipif(not Path("/dev/zero").exists(), reason="no /dev/zero")
def test_dev_zero_is_refused_before_a_byte_is_read(monkeypatch):
    """/dev/zero used to be read without limit (gigabytes). Nothing is read from a device."""
    reads: list[int] = []
    real_read = os.read
    monkeypatch.setattr(import_sheets.os, "read", lambda fd, n: reads.append(n) or real_read(fd, n))
    with pytest.raises(ValidationError) as err:
        importer.read_sheet("/dev/zero")
    assert "device" in one_line(err.value) and "not a regular file" in one_line(err.value)
    assert reads == []


def test_a_file_that_grows_past_the_cap_while_read_is_cut_at_the_cap(tmp_path, monkeypatch):
    """stat() said small, the read finds more: the reader stops at cap + 1 bytes."""
    path = tmp_path / "r.csv"
    path.write_bytes(b"Title\n" + b"x" * 5000)
    sizes = []
    real_read = os.read
    monkeypatch.setattr(import_sheets.os, "fstat", lambda fd: os.stat_result((0o100644, 0, 0, 1, 0, 0, 10, 0, 0, 0)))
    monkeypatch.setattr(import_sheets.os, "read", lambda fd, n: sizes.append(n) or real_read(fd, n))
    with pytest.raises(ValidationError) as err:
        import_sheets.read_bounded(path, 1000)
    assert "larger than" in one_line(err.value)
    assert sum(sizes) <= 1001


def zip_bomb(path: Path, unpacked_mb: int = 90) -> None:
    """A small .xlsx whose sheet unpacks to ``unpacked_mb`` MB of empty cells."""
    wb = Workbook()
    wb.active.append(["Title", "Likelihood", "Impact"])
    buf = io.BytesIO()
    wb.save(buf)
    with zipfile.ZipFile(buf) as src:
        parts = {n: src.read(n) for n in src.namelist()}
    row = b"<row>" + b'<c t="inlineStr"><is><t>x</t></is></c>' * 200 + b"</row>"
    body = row * (unpacked_mb * 1_048_576 // len(row))
    parts["xl/worksheets/sheet1.xml"] = (b'<?xml version="1.0"?><worksheet xmlns="http://schemas.openxmlformats.org/'
                                         b'spreadsheetml/2006/main"><sheetData>' + body + b"</sheetData></worksheet>")
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as zf:
        for n, data in parts.items():
            zf.writestr(n, data)


def test_a_zip_bomb_xlsx_is_refused_from_its_declared_sizes_before_openpyxl_parses(db, tmp_path, monkeypatch):
    """A 97 KB XLSX that unpacks to 90 MB cost ~8 minutes of CPU in openpyxl."""
    path = tmp_path / "bomb.xlsx"
    zip_bomb(path)
    assert path.stat().st_size < 2 * 1_048_576
    import openpyxl

    def never(*a, **k):
        raise AssertionError("openpyxl must not parse a zip bomb")
    monkeypatch.setattr(openpyxl, "load_workbook", never)
    before = snapshot(db)
    t = time.perf_counter()
    with pytest.raises(ValidationError) as err:
        importer.import_file(db, EDITOR, path)
    assert time.perf_counter() - t < 30  # generous: the refusal reads only the zip's directory
    assert "unpacks to" in one_line(err.value)
    assert snapshot(db) == before


def test_a_highly_compressed_part_is_refused_by_its_ratio_even_under_the_size_cap(tmp_path):
    path = tmp_path / "ratio.xlsx"
    zip_bomb(path, unpacked_mb=20)
    with pytest.raises(ValidationError) as err:
        import_sheets.check_zip(path, path.read_bytes())
    assert "times" in one_line(err.value)


def test_a_json_nested_100000_deep_is_a_clear_message_not_recursion_error(tmp_path):
    path = tmp_path / "deep.json"
    path.write_text("[" * 100_000 + "]" * 100_000)
    with pytest.raises(ValidationError) as err:
        jsonio.read_export(path)
    assert "nested too deeply" in one_line(err.value)


@pytest.fixture
def as_editor(monkeypatch):
    monkeypatch.setattr(identity, "os_login", lambda: EDITOR)


def _export(db, tmp_path) -> dict:
    out = tmp_path / "export.json"
    jsonio.export_json(db, out)
    return json.loads(out.read_text())


@pytest.mark.parametrize("edit, field, words", [
    (lambda d: d["tables"]["risk"][0].update(inherent_likelihood=99), "inherent_likelihood", "between 1 and 5"),
    (lambda d: d["tables"]["risk"][0].update(description="x" * 50_000), "description", "at most 20,000"),
    (lambda d: d["tables"]["risk"][0].update(status="maybe"), "status", "is not one of"),
    (lambda d: d["tables"]["risk"][0].update(owner="mallory"), "owner", "not a user in the file"),
    (lambda d: d["tables"]["risk"][0].update(system_id=4242), "system_id", "not in the file"),
    (lambda d: d["tables"]["risk"][0].update(review_cadence="every blue moon"), "review_cadence", ""),
])
def test_import_json_checks_what_the_services_check_and_writes_nothing(demo_db, tmp_path, edit, field, words):
    """A likelihood of 99 or a 50,000-character description was restored, and then the
    register, its screen and the pack failed with 'unexpected error: ValueError'."""
    doc = _export(demo_db, tmp_path)
    edit(doc)
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(doc))
    target = tmp_path / "new.db"
    res = runner.invoke(app, ["import", "json", str(bad), "--db", str(target)])
    assert res.exit_code == 1
    assert f"risk record 1: {field}" in res.stderr and words in res.stderr
    assert "Traceback" not in res.stderr and "unexpected error" not in res.stderr
    assert not target.exists(), "a refused file leaves no database behind"


def test_a_fifo_given_to_import_json_is_refused_without_waiting(tmp_path):
    fifo = tmp_path / "in.json"
    os.mkfifo(fifo)
    target = tmp_path / "new.db"
    done: list = []
    t = threading.Thread(target=lambda: done.append(runner.invoke(app, ["import", "json", str(fifo), "--db",
                                                                       str(target)])), daemon=True)
    t.start()
    t.join(20)
    assert not t.is_alive()
    assert done[0].exit_code == 1 and "FIFO" in done[0].stderr
    assert not target.exists()


def test_a_workbook_with_too_many_cells_for_its_size_cap_is_refused_before_openpyxl(tmp_path, monkeypatch):
    """Under the size caps, openpyxl's time still grows with the cells it builds: they are
    counted in the zip stream first."""
    monkeypatch.setattr(import_sheets, "MAX_XLSX_CELLS", 50_000)
    path = tmp_path / "many.xlsx"
    zip_bomb(path, unpacked_mb=3)
    import openpyxl

    monkeypatch.setattr(openpyxl, "load_workbook", lambda *a, **k: (_ for _ in ()).throw(AssertionError("parsed")))
    with pytest.raises(ValidationError) as err:
        importer.read_sheet(path)
    assert "more than 50,000 cells" in one_line(err.value)


def test_many_merged_ranges_are_refused_before_openpyxl(tmp_path, monkeypatch):
    monkeypatch.setattr(import_sheets, "MAX_MERGED", 100)
    wb = Workbook()
    ws = wb.active
    ws.append(["Title", "Likelihood", "Impact"])
    for r in range(2, 400, 2):
        ws.merge_cells(start_row=r, start_column=1, end_row=r + 1, end_column=1)
    path = tmp_path / "merged.xlsx"
    wb.save(path)
    with pytest.raises(ValidationError) as err:
        importer.read_sheet(path)
    assert "merged cell ranges" in one_line(err.value)
