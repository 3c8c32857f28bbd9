"""`aims export pack|register|soa` in-process: outputs, digests, usage errors."""

from __future__ import annotations

import csv
import io
import re

import pytest
from typer.testing import CliRunner

from aims_tui.cli import app
from aims_tui.core import identity
from tests.conftest import ADMIN, TODAY


@pytest.fixture
def run(demo_db, monkeypatch):
    monkeypatch.setattr(identity, "os_login", lambda: ADMIN)
    runner = CliRunner()

    def invoke(*args: str):
        return runner.invoke(app, ["--db", str(demo_db.path), *args])

    return invoke


def test_export_pack_writes_the_pdf_and_prints_its_data_digest(run, tmp_path):
    """stdout names the file and the SHA-256 of the data; the digest is also inside the PDF."""
    out = tmp_path / "pack.pdf"
    r = run("export", "pack", "--out", str(out), "--as-of", TODAY.isoformat())
    assert r.exit_code == 0, r.output + str(r.exception)
    assert out.read_bytes().startswith(b"%PDF")
    m = re.search(r"data digest \(SHA-256\): ([0-9a-f]{64})", r.stdout)
    assert m
    from pypdf import PdfReader

    assert m.group(1) in "".join(PdfReader(str(out)).pages[1].extract_text().split())  # "About this pack"


def test_export_pack_twice_gives_the_same_bytes_and_digest(run, tmp_path):
    """The contract: same database + --as-of = same bytes."""
    a, b = tmp_path / "a.pdf", tmp_path / "b.pdf"
    ra = run("export", "pack", "--out", str(a), "--as-of", "2026-06-15", "--since", "2026-01-01")
    rb = run("export", "pack", "--out", str(b), "--as-of", "2026-06-15", "--since", "2026-01-01")
    assert ra.exit_code == rb.exit_code == 0
    assert a.read_bytes() == b.read_bytes()
    assert ra.stdout.splitlines()[-1] == rb.stdout.splitlines()[-1]


def test_export_pack_default_name_has_the_organization_and_date(run, tmp_path, monkeypatch):
    """Without --out the pack goes to exports/ named with the organization slug and the as-of date."""
    import aims_tui.reports as reports

    monkeypatch.setattr(reports, "default_exports_dir", lambda: tmp_path / "exports")
    r = run("export", "pack", "--as-of", "2026-06-15")
    assert r.exit_code == 0, r.output
    assert (tmp_path / "exports" / "management-review-pack-test-org-2026-06-15.pdf").exists()


def test_a_bad_date_or_an_unknown_review_fails_in_one_line(run, tmp_path):
    """A bad --as-of is a usage error (2); an unknown --review fails with one line (1), no traceback."""
    r = run("export", "pack", "--as-of", "15/06/2026", "--out", str(tmp_path / "x.pdf"))
    assert r.exit_code == 2
    assert "--as-of" in r.stderr
    r = run("export", "pack", "--review", "MR-1999-01", "--out", str(tmp_path / "x.pdf"))
    assert r.exit_code == 1
    assert "Traceback" not in r.output
    assert len(r.stderr.strip().splitlines()) == 1


def test_export_register_csv_to_stdout_has_header_and_every_risk(run, demo_db):
    """`--out -` streams CSV to stdout."""
    from aims_tui.core import queries
    from aims_tui.io.exports import REGISTER_COLUMNS

    r = run("export", "register", "--format", "csv", "--out", "-")
    assert r.exit_code == 0, r.output
    rows = list(csv.reader(io.StringIO(r.stdout)))
    assert tuple(rows[0]) == REGISTER_COLUMNS
    assert len(rows) - 1 == queries.risk_count(demo_db)


def test_export_soa_xlsx_to_a_file_and_not_to_stdout(run, tmp_path):
    """XLSX needs a file; asking for stdout is a usage error."""
    out = tmp_path / "soa.xlsx"
    r = run("export", "soa", "--format", "xlsx", "--out", str(out))
    assert r.exit_code == 0, r.output
    assert out.read_bytes()[:2] == b"PK"
    r = run("export", "soa", "--format", "xlsx", "--out", "-")
    assert r.exit_code == 2


def test_an_unknown_format_is_a_usage_error(run):
    """--format xml is refused with exit code 2 and the list of formats."""
    r = run("export", "register", "--format", "xml", "--out", "-")
    assert r.exit_code == 2
    assert "csv, xlsx, json" in r.stderr
