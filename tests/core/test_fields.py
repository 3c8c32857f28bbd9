"""core.fields: the one set of field rules the services validate with and the
forms check with as the user types (issue 11: the editors repeated the services'
checks down to the same messages, and could drift)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings, strategies as st

from aims_tui.core import fields
from aims_tui.core.errors import ValidationError
from aims_tui.core.services import risks, systems
from aims_tui.core.scoring import Matrix
from aims_tui.tui.dialogs.risk_editor import form_problems

from ..conftest import EDITOR

TEXT = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=12)
SCORE = st.one_of(st.just(""), st.integers(-2, 9).map(str), TEXT)


def _form(**kw) -> dict:
    v = {"title": "Drift", "system": "", "owner": "", "category": "", "source": "", "inherent_likelihood": "2",
         "inherent_impact": "2", "residual_likelihood": "", "residual_impact": "", "treatment_option": "mitigate",
         "status": "open", "review_cadence": "", "next_review": "", "controls": "", "description": ""}
    v.update(kw)
    return v


@settings(max_examples=60, deadline=None)
@given(title=st.one_of(TEXT, st.text(min_size=299, max_size=302)), il=SCORE, ri=SCORE,
       cadence=st.one_of(st.just(""), st.sampled_from(["90d", "quarterly", "every now and then", "0d"]), TEXT),
       next_review=st.one_of(st.just(""), st.sampled_from(["2027-01-31", "2027/01/31", "2027-02-30"]), TEXT))
def test_the_risk_form_refuses_exactly_what_the_service_refuses_with_the_same_message(
        db_once, title, il, ri, cadence, next_review):
    """Property: for any typed values, the editor refuses when the service does, with its words."""
    v = _form(title=title, inherent_likelihood=il, residual_impact=ri, review_cadence=cadence,
              next_review=next_review)
    shown = form_problems(v, Matrix(), set())
    payload = {k: x for k, x in v.items() if k != "controls"}
    payload = {k: (x if x != "" or k in ("title", "inherent_likelihood", "inherent_impact") else None)
               for k, x in payload.items()}
    try:
        risks.create_risk(db_once, EDITOR, payload)
    except ValidationError as exc:
        refused = dict(exc.errors)
    else:
        refused = {}
    # the service stops at the first stage that fails (fields, then the matrix), the form lists all:
    # it refuses exactly when the service does, and says what the service says
    assert bool(shown) == bool(refused), (shown, refused)
    for k in refused:
        assert shown[k] == refused[k]


@pytest.fixture(scope="module")
def db_once(tmp_path_factory):
    from ..conftest import make_db

    database = make_db(tmp_path_factory.mktemp("fields") / "aims.db")
    yield database
    database.dispose()


def test_the_system_editor_and_the_service_use_the_same_rules():
    assert systems.SPECS is fields.SYSTEM
    assert risks.SPECS is fields.RISK
    assert fields.problems(fields.SYSTEM, {"name": " ", "next_review": "soon", "ai_role": "deployer"}) == {
        "name": "must not be empty", "next_review": "'soon' is not a date (use YYYY-MM-DD)"}


def test_a_score_outside_the_matrix_names_the_range():
    assert fields.score_problem("inherent_impact", "7", 5, 5) == "must be between 1 and 5, got 7"
    assert fields.score_problem("inherent_impact", "x", 5, 5) == "'x' is not a whole number"
    assert fields.score_problem("inherent_impact", "", 5, 5) is None
