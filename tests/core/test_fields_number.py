"""core.fields F("number"): a real number a person types (a target of 93.5 %, a
measurement of 0.82), with bounds, for the objectives and measurements of issue 16
(6.2, 9.1). Before it, only whole numbers (F("int")) could be recorded."""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings, strategies as st

from aims_tui.core import fields
from aims_tui.core.errors import ValidationError
from aims_tui.core.fields import F

VALUE = {"value": F("number", required=True, label="Value")}
PERCENT = {"share": F("number", lo=0, hi=100)}


@pytest.mark.parametrize("typed, read", [("93.5", 93.5), (" 7 ", 7.0), ("-2.25", -2.25), ("1e3", 1000.0),
                                         (12, 12.0), (0.5, 0.5), ("-0", 0.0)])
def test_a_number_typed_as_text_or_given_as_json_is_read_as_a_float(typed, read):
    out = fields.clean(VALUE, {"value": typed}, partial=False)["value"]
    assert isinstance(out, float) and out == read and math.copysign(1, out) == math.copysign(1, read)


@pytest.mark.parametrize("typed", ["abc", "1,5", "nan", "inf", "-Infinity", "1_000", True, "12%", [1]])
def test_what_is_not_a_finite_number_is_refused_naming_the_field_and_the_text(typed):
    """The case: '1,5' (a decimal comma) must not become 15, and NaN would make every
    comparison with a target false."""
    with pytest.raises(ValidationError) as exc:
        fields.clean(VALUE, {"value": typed}, partial=False)
    assert exc.value.field == "value"
    assert str(typed) in exc.value.message and "number" in exc.value.message


def test_a_required_number_left_empty_is_named_and_an_optional_one_is_none():
    with pytest.raises(ValidationError) as exc:
        fields.clean(VALUE, {"value": "  "}, partial=False)
    assert (exc.value.field, exc.value.message) == ("value", "is required")
    assert fields.clean(PERCENT, {"share": ""}, partial=False) == {"share": None}


@settings(max_examples=80, deadline=None)
@given(st.floats(allow_nan=False, allow_infinity=False, min_value=-1e6, max_value=1e6))
def test_a_bounded_number_is_taken_exactly_when_within_its_bounds(v):
    problems = fields.problems(PERCENT, {"share": repr(v)})
    if 0 <= v <= 100:
        assert problems == {}
        assert fields.clean(PERCENT, {"share": repr(v)}, partial=False)["share"] == v
    else:
        assert "must be between 0 and 100" in problems["share"]


def test_a_bound_on_one_side_says_which_side():
    at_least = {"n": F("number", lo=0.5)}
    at_most = {"n": F("number", hi=10)}
    assert fields.problems(at_least, {"n": "0.25"}) == {"n": "must be at least 0.5, got 0.25"}
    assert fields.problems(at_most, {"n": "11"}) == {"n": "must be at most 10, got 11"}
    assert fields.problems(at_most, {"n": "-1e9"}) == {}


@settings(max_examples=80, deadline=None)
@given(st.floats(allow_nan=False, allow_infinity=False))
def test_every_finite_float_written_as_text_reads_back_as_itself(v):
    assert fields.check(VALUE["value"], repr(v)) == v
