"""aims import risks | json and aims export json, through the command line."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from aims_tui.cli import app
from aims_tui.core import identity
from aims_tui.core.models import Risk

from ..conftest import ADMIN, EDITOR, VIEWER
from .helpers import count, snapshot

runner = CliRunner()


@pytest.fixture
def as_user(monkeypatch):
    def set_login(login: str) -> None:
        monkeypatch.setattr(identity, "os_login", lambda: login)
    set_login(EDITOR)
    return set_login


def run(db, *args: str):
    return runner.invoke(app, [*args, "--db", str(db.path)])


def test_import_risks_dry_run_shows_the_mapping_and_the_risks_and_writes_nothing(db, tmp_path, as_user):
    path = tmp_path / "r.csv"
    path.write_text("Risk title;Probability;Severity\nLeak;3 - Possible;Major\n", encoding="utf-8")
    before = snapshot(db)
    res = run(db, "import", "risks", str(path), "--dry-run")
    assert res.exit_code == 0, res.stderr
    assert "B 'Probability'  -> inherent_likelihood" in res.stdout
    assert "R-0001" in res.stdout and "Would import 1 risk (R-0001..R-0001)" in res.stdout
    assert "Dry run: nothing was written." in res.stdout
    assert snapshot(db) == before


def test_import_risks_with_errors_exits_1_listing_every_problem(db, tmp_path, as_user):
    path = tmp_path / "r.csv"
    path.write_text("Title,L,I\nOk,1,1\nBad,x,1\nWorse,1,y\n", encoding="utf-8")
    res = run(db, "import", "risks", str(path))
    assert res.exit_code == 1
    assert "aims: row 3, column B 'L': value 'x'" in res.stderr
    assert "aims: row 4, column C 'I': value 'y'" in res.stderr
    assert res.stderr.strip().endswith("aims: 2 problems in 2 rows; nothing was imported")
    assert "Traceback" not in res.stderr
    assert count(db, Risk) == 0


def test_import_risks_imports_then_a_second_run_skips(db, tmp_path, as_user):
    path = tmp_path / "r.csv"
    path.write_text("ID,Title,L,I\n1,One,1,1\n", encoding="utf-8")
    first = run(db, "import", "risks", str(path), "--map", "L=likelihood", "--map", "I=impact")
    assert first.exit_code == 0, first.stderr
    assert "Imported 1 risk (R-0001..R-0001)" in first.stdout
    second = run(db, "import", "risks", str(path), "--map", "L=likelihood", "--map", "I=impact", "--format", "json")
    assert second.exit_code == 0
    out = json.loads(second.stdout)
    assert out["created"] == [] and out["skipped"][0]["ref"] == "R-0001"


def test_import_risks_refusals_are_one_line_and_exit_1(db, tmp_path, as_user):
    """A missing file, a bad --map, a viewer: one line each, exit 1."""
    res = run(db, "import", "risks", str(tmp_path / "nope.csv"))
    assert res.exit_code == 1 and "does not exist" in res.stderr
    path = tmp_path / "r.csv"
    path.write_text("Title,L,I\nOne,1,1\n", encoding="utf-8")
    res = run(db, "import", "risks", str(path), "--map", "nonsense")
    assert res.exit_code == 1 and "SRC=FIELD" in res.stderr
    as_user(VIEWER)
    res = run(db, "import", "risks", str(path))
    assert res.exit_code == 1 and "needs the editor role" in res.stderr


def test_export_json_then_import_json_into_an_empty_database(db, tmp_path, as_user):
    """The command pair: identical export from the restored database; a second
    import into it is refused (exit 1)."""
    as_user(ADMIN)
    out = tmp_path / "all.json"
    res = run(db, "export", "json", "--out", str(out))
    assert res.exit_code == 0, res.stderr
    target = tmp_path / "restored.db"
    res = runner.invoke(app, ["import", "json", str(out), "--db", str(target)])
    assert res.exit_code == 0, res.stderr
    assert "the audit trail verifies" in res.stdout
    res = runner.invoke(app, ["export", "json", "--db", str(target)])
    assert res.exit_code == 0
    assert res.stdout == out.read_text(encoding="utf-8")
    res = runner.invoke(app, ["import", "json", str(out), "--db", str(target)])
    assert res.exit_code == 1 and "not empty" in res.stderr
