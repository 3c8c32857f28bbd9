"""The pack's "Objectives and their trend" (issue 16, 9.3.2 c and d): each objective with
its target, latest value (as of the pack's date), on or off target, its travel and a
small line drawn with ReportLab's graphics; read back with pypdf; the same data and
date give the same bytes."""

from __future__ import annotations

from datetime import date

from pypdf import PdfReader

from aims_tui.core.services import objectives as objective_services
from aims_tui.core.services import registers
from aims_tui.reports import build_pack
from aims_tui.reports.sections import OFF_COLOUR, ON_COLOUR, SUBHEADINGS, trend_drawing

from ..conftest import EDITOR, TODAY

AS_OF = date(2026, 6, 10)


def _seed(db) -> None:
    registers.create(db, EDITOR, "objective", {"title": "Triage model accuracy", "metric": "holdout accuracy",
                                               "target": 93, "unit": "%"}, today=TODAY)
    registers.create(db, EDITOR, "objective", {"title": "Fewer <b>incidents</b> & outages", "target": 2,
                                               "direction": "at_most", "unit": "incidents"}, today=TODAY)
    registers.create(db, EDITOR, "objective", {"title": "Never measured", "target": 1}, today=TODAY)
    for on, v in (("2026-03-31", 90.5), ("2026-04-30", 91.75), ("2026-05-31", 94.25), ("2026-06-14", 80)):
        objective_services.measure(db, EDITOR, "OBJ-001", v, on, today=TODAY)
    for on, v in (("2026-04-30", 1), ("2026-05-31", 4)):
        objective_services.measure(db, EDITOR, "OBJ-002", v, on, today=TODAY)


def _section(pdf) -> str:
    text = " ".join(" ".join((p.extract_text() or "").split()) for p in PdfReader(str(pdf)).pages)
    number = SUBHEADINGS.index("Objectives and their trend") + 1
    start = text.rindex(f"4.{number} Objectives and their trend")  # the last: not the contents
    return text[start:text.index(f"4.{number + 1} ", start)]


def test_the_pack_lists_each_objective_with_target_latest_value_as_of_its_date_and_state(db, tmp_path):
    """The case: 9.3.2 asks for the objectives' results; the pack said nothing of them."""
    _seed(db)
    res = build_pack(db, tmp_path / "pack.pdf", as_of=AS_OF, generated_by="ada")
    sec = _section(res.path)
    assert "3 active objectives: 1 on target, 1 off target, 1 not yet measured (values up to 2026-06-10)" in sec
    assert "OBJ-001 Triage model accuracy holdout accuracy at least 93 % 94.25 % on 2026-05-31 on target improving" \
        in sec
    assert "OBJ-002 Fewer <b>incidents</b> & outages at most 2 incidents 4 incidents on 2026-05-31 off target " \
           "worsening" in sec
    assert "OBJ-003 Never measured at least 1 - no measurement" in sec
    assert "80 %" not in sec  # measured after the pack's date


def test_the_same_data_and_date_give_the_same_bytes_and_a_new_measurement_changes_them(db, tmp_path):
    _seed(db)
    one = build_pack(db, tmp_path / "one.pdf", as_of=AS_OF, generated_by="ada")
    two = build_pack(db, tmp_path / "two.pdf", as_of=AS_OF, generated_by="ada")
    assert one.path.read_bytes() == two.path.read_bytes()
    objective_services.measure(db, EDITOR, "OBJ-002", 2, "2026-06-09", today=TODAY)
    three = build_pack(db, tmp_path / "three.pdf", as_of=AS_OF, generated_by="ada")
    assert three.digest != one.digest
    assert "2 incidents on 2026-06-09 on target improving" in _section(three.path)


def test_an_empty_register_of_objectives_says_so(db, tmp_path):
    res = build_pack(db, tmp_path / "pack.pdf", as_of=AS_OF, generated_by="ada")
    assert "No objectives recorded (aims objectives add; clause 6.2)." in _section(res.path)


def _shapes(d):
    return {type(s).__name__: [x for x in d.contents if type(x) is type(s)] for s in d.contents}


def test_the_trend_line_spaces_points_by_date_and_colours_them_by_target():
    pts = [{"measured_on": date(2026, 1, 1), "value": 1.0, "on_target": False},
           {"measured_on": date(2026, 1, 11), "value": 3.0, "on_target": True},
           {"measured_on": date(2026, 1, 31), "value": 2.0, "on_target": True}]
    d = trend_drawing(pts, 2.0, w=100, h=30)
    shapes = _shapes(d)
    target = shapes["Line"][0]
    assert target.y1 == target.y2 == 15.0 and target.strokeDashArray  # halfway between 1 and 3
    xs = [c.cx for c in shapes["Circle"]]
    assert xs == [3.0, round(3 + 10 / 30 * 94, 2), 97.0]
    assert [c.fillColor for c in shapes["Circle"]] == [OFF_COLOUR, ON_COLOUR, ON_COLOUR]
    assert shapes["PolyLine"][0].points == [3.0, 3.0, xs[1], 27.0, 97.0, 15.0]


def test_a_trend_with_one_point_or_none_draws_the_target_and_that_point():
    assert [type(s).__name__ for s in trend_drawing([], 5.0).contents] == ["Line"]
    one = trend_drawing([{"measured_on": date(2026, 1, 1), "value": 5.0, "on_target": True}], 5.0, w=100)
    assert [type(s).__name__ for s in one.contents] == ["Line", "Circle"] and one.contents[1].cx == 50
