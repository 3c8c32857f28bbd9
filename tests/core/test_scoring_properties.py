"""The risk matrix: bands cover every score exactly once; appetite decides acceptance."""

from __future__ import annotations

import pytest
from hypothesis import given, strategies as st

from aims_tui.core.errors import ValidationError
from aims_tui.core.scoring import DEFAULT_MATRIX, Band, Matrix, MatrixError, parse_scale_value
from aims_tui.core.services import settings as settings_svc

from ..conftest import ADMIN
from .helpers import snapshot

COLOURS = ("green", "yellow", "dark_orange", "red", "magenta", "blue")


@st.composite
def matrices(draw) -> Matrix:
    """A valid matrix: any shape up to 7x7, bands a partition of 1..max, any appetite."""
    n_l = draw(st.integers(1, 7))
    n_i = draw(st.integers(1, 7))
    top = n_l * n_i
    k = draw(st.integers(1, min(6, top)))
    cuts = sorted(draw(st.sets(st.integers(1, top - 1), min_size=k - 1, max_size=k - 1))) if top > 1 else []
    bounds = [0, *cuts, top]
    bands = tuple(Band(f"B{j}", bounds[j] + 1, bounds[j + 1], COLOURS[j % len(COLOURS)])
                  for j in range(len(bounds) - 1))
    return Matrix(
        likelihood_labels=tuple(f"L{j}" for j in range(1, n_l + 1)),
        impact_labels=tuple(f"I{j}" for j in range(1, n_i + 1)),
        bands=bands,
        appetite=draw(st.integers(0, top)),
    )


@given(matrices())
def test_every_score_of_a_valid_matrix_falls_in_exactly_one_band(m: Matrix):
    """Level bands partition 1..max: no score is in two bands or in none."""
    for score in range(1, m.max_score + 1):
        holders = [b for b in m.bands if b.contains(score)]
        assert len(holders) == 1
        assert m.band_for_score(score) == holders[0]
    for lk in range(1, m.n_likelihood + 1):
        for im in range(1, m.n_impact + 1):
            assert m.level(lk, im).contains(lk * im)


@given(matrices())
def test_a_matrix_survives_being_stored_as_settings(m: Matrix):
    """to_dict/from_dict is how the matrix lives in Settings: nothing is lost."""
    assert Matrix.from_dict(m.to_dict()) == m


@given(matrices(), st.data())
def test_a_residual_within_appetite_never_needs_acceptance(m: Matrix, data):
    """Only a residual score above appetite needs a formal acceptance (6.1.3)."""
    lk = data.draw(st.integers(1, m.n_likelihood))
    im = data.draw(st.integers(1, m.n_impact))
    needs = m.needs_acceptance(lk, im)
    if lk * im <= m.appetite:
        assert not needs
    else:
        assert needs


@given(matrices(), st.data())
def test_a_gap_in_the_bands_is_refused(m: Matrix, data):
    """Taking one score out of a band leaves it in no band."""
    wide = [b for b in m.bands if b.high > b.low]
    if not wide:
        return
    b = data.draw(st.sampled_from(wide))
    shrunk = [Band(x.name, x.low, x.high - 1 if x is b else x.high, x.colour) for x in m.bands]
    with pytest.raises(MatrixError, match="in no band"):
        Matrix(m.likelihood_labels, m.impact_labels, tuple(shrunk), m.appetite)


@given(matrices(), st.data())
def test_overlapping_bands_are_refused(m: Matrix, data):
    """Stretching a band over its neighbour puts a score in two bands."""
    if len(m.bands) < 2:
        return
    j = data.draw(st.integers(0, len(m.bands) - 2))
    stretched = list(m.bands)
    stretched[j] = Band(m.bands[j].name, m.bands[j].low, m.bands[j + 1].low, m.bands[j].colour)
    with pytest.raises(MatrixError, match="in both"):
        Matrix(m.likelihood_labels, m.impact_labels, tuple(stretched), m.appetite)


@given(matrices(), st.integers(1, 20))
def test_a_band_beyond_the_top_score_or_an_appetite_beyond_it_is_refused(m: Matrix, extra: int):
    """A band or an appetite past likelihood x impact would name scores that cannot happen."""
    top = m.max_score
    last = m.bands[-1]
    beyond = m.bands[:-1] + (Band(last.name, last.low, top + extra, last.colour),)
    with pytest.raises(MatrixError, match="outside"):
        Matrix(m.likelihood_labels, m.impact_labels, beyond, m.appetite)
    with pytest.raises(MatrixError, match="appetite"):
        Matrix(m.likelihood_labels, m.impact_labels, m.bands, top + extra)


def test_a_band_upside_down_or_without_labels_is_refused():
    """Obviously broken configurations fail at once."""
    with pytest.raises(MatrixError):
        Matrix(bands=(Band("Low", 4, 1, "green"),))
    with pytest.raises(MatrixError):
        Matrix(likelihood_labels=())


def test_the_default_matrix_is_the_references_5x5_with_four_bands():
    """Low 1-4, Medium 5-9, High 10-14, Critical 15-25; appetite 9 (reference/iso42001.md)."""
    m = DEFAULT_MATRIX
    assert (m.n_likelihood, m.n_impact) == (5, 5)
    assert [(b.name, b.low, b.high) for b in m.bands] == [
        ("Low", 1, 4), ("Medium", 5, 9), ("High", 10, 14), ("Critical", 15, 25)]
    assert m.level(4, 5).name == "Critical" and m.level(3, 3).name == "Medium" and m.level(1, 4).name == "Low"
    assert not m.needs_acceptance(3, 3) and m.needs_acceptance(2, 5)


@pytest.mark.parametrize("lk,im", [(0, 1), (6, 1), (1, 0), (1, 6), (True, 2)])
def test_a_score_off_the_matrix_is_refused(lk, im):
    """0, 6 and True are not 1..5 (found: True was taken as 1)."""
    with pytest.raises(ValueError):
        DEFAULT_MATRIX.level(lk, im)


@pytest.mark.parametrize("bad", [
    {"bands": [{"name": "Low", "low": 1, "high": 9}, {"name": "High", "low": 11, "high": 25}]},
    {"bands": [{"name": "Low", "low": 1, "high": 12}, {"name": "High", "low": 10, "high": 25}]},
    {"appetite": 26},
    {"appetite": "high"},
    {"bands": ["Low", "High"]},
    {"bands": [{"name": "All", "low": 1}]},
    {"likelihood_labels": ["1", "2", "3"]},  # 3x5 = 15: the default bands reach 25
])
def test_a_bad_matrix_is_refused_by_the_settings_service_and_nothing_changes(db, bad):
    """The admin's form or an import cannot store a matrix that leaves a score without a level."""
    before = snapshot(db)
    with pytest.raises(ValidationError) as exc:
        settings_svc.update_settings(db, ADMIN, {"matrix": bad})
    assert exc.value.field == "matrix"
    assert snapshot(db) == before


@pytest.mark.parametrize("text,expected", [
    ("3", 3), ("3 - Possible", 3), ("possible", 3), ("Almost certain", 5), ("5.0", 5),
    ("very high", 5), ("", None), ("7", None), ("banana", None),
])
def test_scale_values_typed_in_spreadsheets_map_onto_the_matrix(text, expected):
    """'3', '3 - Possible', 'Possible', 'very high' are read as scale values; nonsense is None."""
    assert parse_scale_value(text, DEFAULT_MATRIX.likelihood_labels) == expected
