"""Whatever a form, a CLI option or a spreadsheet hands a service, the answer is either the saved
record or a ValidationError naming the field: never another exception, never a half write."""

from __future__ import annotations

import re
from datetime import date, datetime

import pytest
from hypothesis import HealthCheck, example, given, settings as hsettings, strategies as st

from aims_tui.core.errors import ValidationError
from aims_tui.core.services import nonconformities, risks, systems

from ..conftest import EDITOR, TODAY, make_db
from .helpers import audit_count

ANY_VALUE = st.one_of(
    st.none(), st.booleans(), st.integers(-10**20, 10**20), st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=40), st.dates(), st.datetimes(), st.lists(st.integers(), max_size=3),
    st.sampled_from(["3", " 4 ", "5.0", "2026-02-30", "Critical", "closed", "P90D", "R&D <b>", "=1+1"]),
)
RISK_FIELDS = ["title", "description", "category", "owner", "inherent_likelihood", "inherent_impact",
               "residual_likelihood", "residual_impact", "treatment_option", "status", "review_cadence",
               "next_review", "system", "controls"]
FUZZ = hsettings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@pytest.fixture(scope="module")
def shared_db(tmp_path_factory):
    database = make_db(tmp_path_factory.mktemp("fuzz") / "aims.db")
    systems.create_system(database, EDITOR, {"name": "Chatbot"})
    yield database
    database.dispose()


@FUZZ
@given(st.dictionaries(st.sampled_from(RISK_FIELDS), ANY_VALUE, max_size=5))
@example({"controls": False})  # found by this test: a TypeError, not a ValidationError
@example({"controls": 7})
def test_creating_a_risk_from_any_values_saves_or_names_a_field(shared_db, extra):
    """Any mix of types and strings in any field: saved and read back equal, or a ValidationError for a given field."""
    data = {"title": "Fuzzed", "inherent_likelihood": 3, "inherent_impact": 3, **extra}
    before = audit_count(shared_db)
    try:
        out = risks.create_risk(shared_db, EDITOR, data, today=TODAY)
    except ValidationError as exc:
        assert exc.field in data, (exc.field, data)
        assert all(f in data for f, _ in exc.errors)
        assert audit_count(shared_db) == before
        return
    assert audit_count(shared_db) == before + 1
    again = risks.get_risk(shared_db, out["ref"])
    assert 1 <= again["inherent_likelihood"] <= 5 and 1 <= again["residual_impact"] <= 5
    assert again == out


@FUZZ
@given(st.text(min_size=1, max_size=300))
def test_any_typed_title_is_kept_as_typed_apart_from_control_characters(shared_db, title):
    """User text is data: markup, quotes, formulas and any script are stored as they are."""
    try:
        out = risks.create_risk(shared_db, EDITOR, {"title": title, "inherent_likelihood": 1,
                                                    "inherent_impact": 1}, today=TODAY)
    except ValidationError as exc:
        assert exc.field == "title"
        return
    stored = risks.get_risk(shared_db, out["ref"])["title"]
    assert not CONTROL.search(stored) and "\n" not in stored
    # nothing but control characters, line breaks and surrounding white space is lost
    assert _letters(stored) == _letters(CONTROL.sub("", title))


CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def _letters(text: str) -> str:
    return "".join(text.split())


@FUZZ
@given(st.dictionaries(st.sampled_from(["title", "severity", "kind", "status", "raised_on", "due_date",
                                        "closed_on", "owner", "system"]), ANY_VALUE, max_size=4))
def test_recording_a_nonconformity_from_any_values_saves_or_names_a_field(shared_db, extra):
    """Same for nonconformities: dates come back as dates."""
    data = {"title": "Fuzzed finding", **extra}
    before = audit_count(shared_db)
    try:
        out = nonconformities.create_nonconformity(shared_db, EDITOR, data, today=TODAY)
    except ValidationError as exc:
        assert exc.field in data
        assert audit_count(shared_db) == before
        return
    assert audit_count(shared_db) == before + 1
    assert isinstance(out["raised_on"], date) and not isinstance(out["raised_on"], datetime)
