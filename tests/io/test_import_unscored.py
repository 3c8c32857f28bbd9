"""A catalogue without scores imports as risks awaiting assessment (issue 14), and every
reader of scores copes with them: register, reminders, aims check, heat maps, exports,
pack; scoring a risk ends the state."""

from __future__ import annotations

import csv
import json
from datetime import date

import pytest
from openpyxl import load_workbook
from typer.testing import CliRunner

from aims_tui.cli import app
from aims_tui.core import audit, checks, identity, queries, reminders
from aims_tui.core.models import Risk
from aims_tui.core.services import risks as risk_service
from aims_tui.io import importer, jsonio

from ..conftest import EDITOR, TODAY
from .helpers import count, risks

runner = CliRunner()


@pytest.fixture(autouse=True)
def as_editor(monkeypatch):
    monkeypatch.setattr(identity, "os_login", lambda: EDITOR)


def catalogue(path, n: int = 40) -> None:
    """A public taxonomy as teams start a gap analysis with: IDs, titles, text, no scores."""
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["ID", "Risk", "Description"])
        for i in range(n):
            w.writerow([f"TAX-{i:03d}", f"Catalogue risk {i}", f"What could go wrong, case {i}"])


def cli(db, *args):
    return runner.invoke(app, [*args, "--db", str(db.path)])


def test_a_catalogue_without_scores_imports_awaiting_assessment_and_says_the_missing_columns_once(db, tmp_path):
    """~2,000 unscored rows were refused with 'no column maps to it' printed once per row
    (3,719 lines). Now they import, and the missing columns are said once."""
    path = tmp_path / "cat.csv"
    catalogue(path)
    res = cli(db, "import", "risks", str(path))
    assert res.exit_code == 0, res.stderr
    assert res.stderr.count("no column maps to likelihood or impact") == 1
    assert "40 awaiting assessment" in res.stdout
    rows = risks(db)
    assert len(rows) == 40 and all(r.awaiting_assessment for r in rows)
    with db.read() as s:
        assert audit.verify(s).ok


def imported(db, tmp_path, n: int = 3) -> list:
    path = tmp_path / "cat.csv"
    catalogue(path, n)
    importer.import_file(db, EDITOR, path)
    return risks(db)


def test_the_register_shows_awaiting_assessment_with_no_score_or_level(db, tmp_path):
    imported(db, tmp_path)
    res = cli(db, "risks", "list", "--format", "json")
    assert res.exit_code == 0, res.stderr
    listed = json.loads(res.stdout)
    assert {r["residual_level"] for r in listed} == {"Awaiting assessment"}
    assert all(r["residual_score"] is None and r["above_appetite"] is False for r in listed)
    text = cli(db, "risks", "list")
    assert text.exit_code == 0 and "Awaiting assessment" in text.stdout


def test_aims_check_lists_risks_awaiting_assessment_and_exits_3(db, tmp_path):
    rows = imported(db, tmp_path)
    res = cli(db, "check", "--format", "json")
    assert res.exit_code == 3
    gate = next(g for g in json.loads(res.stdout)["gates"] if g["id"] == "risk_awaiting_assessment")
    assert gate["count"] == 3 and [i["ref"] for i in gate["items"]] == [r.ref for r in rows]


def test_reminders_show_the_imported_risks_as_due_for_review_now(db, tmp_path):
    rows = imported(db, tmp_path)
    due = reminders.due_items(db, today=date.today(), within=0)
    assert {i.ref for i in due.items} >= {r.ref for r in rows}


def test_heat_maps_and_level_counts_leave_risks_awaiting_assessment_out(db, tmp_path):
    risk_service.create_risk(db, EDITOR, {"title": "Scored", "inherent_likelihood": 1, "inherent_impact": 1},
                             today=TODAY)
    imported(db, tmp_path)
    assert queries.heat_map(db, residual=True) == {(1, 1): 1}
    assert queries.heat_map(db, residual=False) == {(1, 1): 1}
    assert sum(queries.level_counts(db).values()) == 1


@pytest.mark.parametrize("fmt", ["csv", "xlsx", "json"])
def test_the_register_exports_with_risks_awaiting_assessment(db, tmp_path, fmt):
    imported(db, tmp_path)
    out = tmp_path / f"register.{fmt}"
    res = cli(db, "export", "register", "--format", fmt, "--out", str(out))
    assert res.exit_code == 0, res.stderr
    if fmt == "csv":
        rows = list(csv.DictReader(out.open(encoding="utf-8-sig")))
    elif fmt == "json":
        doc = json.loads(out.read_text())
        rows = doc if isinstance(doc, list) else doc.get("rows", doc.get("risks", []))
    else:
        ws = load_workbook(out).active
        head = [c.value for c in ws[1]]
        rows = [dict(zip(head, [c.value for c in r])) for r in ws.iter_rows(min_row=2)]
    assert len(rows) == 3
    assert {r["residual_level"] for r in rows} == {"Awaiting assessment"}


def test_the_pack_renders_with_risks_awaiting_assessment(db, tmp_path):
    imported(db, tmp_path)
    out = tmp_path / "pack.pdf"
    res = cli(db, "export", "pack", "--out", str(out))
    assert res.exit_code == 0, res.stderr
    assert "unexpected error" not in res.stderr and out.stat().st_size > 1000


def test_scoring_a_risk_ends_the_state_and_the_residual_follows_the_inherent(db, tmp_path):
    r = imported(db, tmp_path, 1)[0]
    res = cli(db, "risks", "update", r.ref, "--likelihood", "4", "--impact", "3")
    assert res.exit_code == 0, res.stderr
    after = risks(db)[0]
    assert not after.awaiting_assessment
    assert (after.residual_likelihood, after.residual_impact) == (4, 3)
    with db.read() as s:
        ev = audit.events(s, r.ref, limit=1)[0]
    assert ev["changes"]["awaiting_assessment"] == [True, False]
    gate = next(g for g in checks.run_checks(db).gates if g.id == "risk_awaiting_assessment")
    assert gate.count == 0


def test_default_scores_named_by_the_user_score_the_rows_instead(db, tmp_path):
    path = tmp_path / "cat.csv"
    catalogue(path, 2)
    res = cli(db, "import", "risks", str(path), "--default-likelihood", "3", "--default-impact", "2")
    assert res.exit_code == 0, res.stderr
    assert [(r.inherent_likelihood, r.inherent_impact, r.awaiting_assessment) for r in risks(db)] == \
        [(3, 2, False), (3, 2, False)]


def test_a_default_score_off_the_matrix_is_refused_naming_the_option(db, tmp_path):
    path = tmp_path / "cat.csv"
    catalogue(path, 2)
    res = cli(db, "import", "risks", str(path), "--default-likelihood", "9", "--default-impact", "2")
    assert res.exit_code != 0 and "--default-likelihood" in res.stderr and "between 1 and 5" in res.stderr
    assert count(db, Risk) == 0


def test_a_register_with_risks_awaiting_assessment_exports_and_restores(db, tmp_path):
    imported(db, tmp_path)
    out = tmp_path / "all.json"
    jsonio.export_json(db, out)
    from aims_tui.core.db import open_database

    target = open_database(str(tmp_path / "restored.db"))
    jsonio.import_json(target, out)
    assert [r.awaiting_assessment for r in risks(target)] == [True, True, True]
    target.dispose()


def test_an_import_skips_the_refs_of_deleted_risks_past_9999(db):
    """A deleted risk's ref is never reused (its audit trail still speaks of it), also
    where refs grow a digit (R-10001 sorts before R-9999 as text)."""
    from aims_tui.core.services.import_check import next_risk_nums

    def seed(s):
        s.add(Risk(ref="R-9998", ref_num=9998, title="Last", title_fold="last"))
        s.flush()
        audit.record(s, EDITOR, "risk", "R-10001", "delete", {})
    db.transact(seed)
    with db.read() as s:
        assert next_risk_nums(s, 3) == [9999, 10000, 10002]


async def test_the_app_shows_risks_awaiting_assessment_on_the_dashboard_register_and_editor(db, tmp_path):
    """Every screen that reads scores copes with a risk imported without them: no
    'unexpected error', the register says 'Awaiting assessment'."""
    from textual.widgets import DataTable

    from aims_tui.tui.dialogs.risk_editor import RiskEditor
    from aims_tui.tui.screens.register import RegisterScreen

    from ..tui.helpers import goto, make_app, notes, settle

    imported(db, tmp_path, 2)
    app = make_app(db, EDITOR)
    async with app.run_test(size=(160, 50)) as pilot:
        await settle(pilot)
        await goto(pilot, "2")
        assert isinstance(app.screen, RegisterScreen)
        table = app.screen.query_one(DataTable)
        cells = [str(c) for row in range(table.row_count) for c in table.get_row_at(row)]
        assert any("Awaiting assessment" in c for c in cells)
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, RiskEditor)
        await pilot.press("escape")
        await settle(pilot)
        await goto(pilot, "1")
        assert not [n for n in notes(app) if "unexpected" in n.lower() or "error" in n.lower()]
