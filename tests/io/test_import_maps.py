"""Value maps, reusable mapping files and peer exports (issue 14)."""

from __future__ import annotations

import csv
import json

import pytest
from typer.testing import CliRunner

from aims_tui.cli import app
from aims_tui.core import identity
from aims_tui.core.errors import ValidationError
from aims_tui.core.models import Risk
from aims_tui.io import importer

from ..conftest import EDITOR
from .helpers import count, risks

runner = CliRunner()


@pytest.fixture(autouse=True)
def as_editor(monkeypatch):
    monkeypatch.setattr(identity, "os_login", lambda: EDITOR)


def cli(db, *args):
    return runner.invoke(app, [*args, "--db", str(db.path)])


def write_csv(path, header, rows) -> None:
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(header)
        w.writerows(rows)


def domains(path) -> None:
    write_csv(path, ["Title", "Likelihood", "Impact", "Domain"],
              [["Skewed ranking", 3, 3, "Discrimination & Toxicity"], ["PII in logs", 2, 4, "Privacy & Security"],
               ["Fake reviews", 4, 2, "Misinformation"], ["Skewed loan", 3, 4, "Discrimination & Toxicity"]])


def test_without_a_value_map_one_unknown_value_is_one_line_naming_its_rows(db, tmp_path):
    """1,411 cells 'not an Annex C objective' were 1,411 lines; the same value is one line,
    and it says how to translate it."""
    path = tmp_path / "r.csv"
    domains(path)
    res = cli(db, "import", "risks", str(path))
    assert res.exit_code == 1
    lines = [ln for ln in res.stderr.splitlines() if "Discrimination & Toxicity" in ln]
    assert len(lines) == 1 and "rows 2, 5 (2 rows)" in lines[0]
    assert "--value-map 'Domain:Discrimination & Toxicity=OBJECTIVE'" in lines[0]
    assert count(db, Risk) == 0


def test_value_maps_translate_a_column_onto_annex_c_objectives(db, tmp_path):
    path = tmp_path / "r.csv"
    domains(path)
    res = cli(db, "import", "risks", str(path), "--value-map", "Domain:Discrimination & Toxicity=fairness",
              "--value-map", "Domain:privacy & security=privacy", "--value-map", "Domain:Misinformation=transparency")
    assert res.exit_code == 0, res.stderr
    assert [r.category for r in risks(db)] == ["fairness", "privacy", "transparency", "fairness"]


def test_a_saved_mapping_file_imports_next_months_file_the_same_way(db, tmp_path):
    path = tmp_path / "r.csv"
    domains(path)
    saved = tmp_path / "domains.json"
    res = cli(db, "import", "risks", str(path), "--dry-run", "--save-map", str(saved), "--map", "Domain=category",
              "--value-map", "Domain:Discrimination & Toxicity=fairness", "--value-map",
              "Domain:Privacy & Security=privacy", "--value-map", "Domain:Misinformation=transparency")
    assert res.exit_code == 0, res.stderr
    doc = json.loads(saved.read_text())
    assert doc["map"] == {"Domain": "category"} and doc["values"]["Domain"]["Misinformation"] == "transparency"
    assert count(db, Risk) == 0
    res = cli(db, "import", "risks", str(path), "--mapping", str(saved))
    assert res.exit_code == 0, res.stderr
    assert [r.category for r in risks(db)] == ["fairness", "privacy", "transparency", "fairness"]


def test_a_toml_mapping_file_is_read_too(db, tmp_path):
    path = tmp_path / "r.csv"
    domains(path)
    spec = tmp_path / "m.toml"
    spec.write_text('[values.Domain]\n"Discrimination & Toxicity" = "fairness"\n"Privacy & Security" = "privacy"\n'
                    '"Misinformation" = "transparency"\n', encoding="utf-8")
    res = cli(db, "import", "risks", str(path), "--mapping", str(spec))
    assert res.exit_code == 0, res.stderr
    assert count(db, Risk) == 4


@pytest.mark.parametrize("content, words", [
    ("{not json", "cannot be read"),
    ('{"colours": {}}', "unknown key(s) colours"),
    ('{"values": {"Domain": ["a"]}}', '"values" must be'),
    ("[" * 50_000 + "]" * 50_000, "cannot be read"),
])
def test_a_bad_mapping_file_is_one_line(db, tmp_path, content, words):
    path = tmp_path / "r.csv"
    domains(path)
    spec = tmp_path / "m.json"
    spec.write_text(content)
    res = cli(db, "import", "risks", str(path), "--mapping", str(spec))
    assert res.exit_code != 0 and words in res.stderr and "Traceback" not in res.stderr


def test_a_value_map_naming_no_column_is_refused(db, tmp_path):
    path = tmp_path / "r.csv"
    domains(path)
    with pytest.raises(ValidationError) as err:
        importer.prepare(db, path, value_maps=["Area:x=privacy"])
    assert "no column is called 'Area'" in err.value.message


def ciso(path, rows=None) -> None:
    """A CISO Assistant risk-scenario export: 0-based matrix indexes, -1 for not rated."""
    write_csv(path, ["ref_id", "name", "description", "current_proba", "current_impact", "residual_proba",
                     "residual_impact", "treatment", "owner"],
              rows or [["R.1", "Model drift", "Accuracy decays", 2, 3, 1, 1, "open", ""],
                       ["R.2", "Data leak", "Prompts leak PII", 0, 4, 0, 2, "mitigate", ""],
                       ["R.3", "Bias", "Not yet rated", -1, -1, -1, -1, "open", ""]])


def test_a_ciso_assistant_export_is_recognised_and_its_0_based_scale_is_asked_about(db, tmp_path):
    """current_proba and ref_id were not recognised, 'open' was refused as a treatment, and
    0-based indexes would have imported one level too low without a word."""
    path = tmp_path / "ciso.csv"
    ciso(path)
    res = cli(db, "import", "risks", str(path))
    assert res.exit_code != 0
    assert "0-based" in res.stderr and "--scale-offset 1" in res.stderr
    assert count(db, Risk) == 0
    res = cli(db, "import", "risks", str(path), "--zero-based")
    assert res.exit_code == 0, res.stderr
    assert "CISO Assistant" in res.stderr
    got = [(r.inherent_likelihood, r.inherent_impact, r.residual_likelihood, r.residual_impact,
            r.treatment_option, r.status, r.awaiting_assessment) for r in risks(db)]
    assert got == [(3, 4, 2, 2, "mitigate", "open", False), (1, 5, 1, 3, "mitigate", "open", False),
                   (1, 1, 1, 1, "mitigate", "open", True)]
    assert [r.source_key for r in risks(db)] == ["id:r.1", "id:r.2", "id:r.3"]


def test_scale_offset_0_reads_the_numbers_as_written(db, tmp_path):
    path = tmp_path / "ciso.csv"
    ciso(path, [["R.1", "Model drift", "", 2, 3, 1, 1, "open", ""], ["R.2", "Zero", "", 0, 1, 1, 1, "open", ""]])
    res = cli(db, "import", "risks", str(path), "--scale-offset", "0")
    assert res.exit_code == 1 and "row 3, column D 'current_proba': value '0'" in res.stderr
