"""Fuzzed CSV never crashes the importer: it imports or it reports."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from aims_tui.core.errors import AimsError
from aims_tui.core.scoring import DEFAULT_LIKELIHOOD, parse_scale_value
from aims_tui.io import importer

from ..conftest import EDITOR, make_db
from .helpers import chain_ok, snapshot

HEADERS = ["Title", "Risk", "Likelihood", "Impact", "Owner", "Treatment", "Category", "System", "ID",
           "Residual likelihood", "Next review", "Status", "Description", "", "Controls"]
CELLS = st.one_of(
    st.text(max_size=30),
    st.sampled_from(["1", "3 - Possible", "High", "eve", "mitigate", "privacy", "2026-01-01", "A.6.2.4",
                     "=1+1", "'=x", "\"", "\n", ";", ",", "\t", "|", "\x00", "\ufeff", "9", "-1", "1e999"]),
)
ROW = st.lists(CELLS, max_size=8)
DELIM = st.sampled_from([",", ";", "\t", "|"])
ENCODING = st.sampled_from(["utf-8", "utf-8-sig", "cp1252", "utf-16"])


def render(header: list[str], rows: list[list[str]], delim: str, quote: bool) -> str:
    def cell(c: str) -> str:
        if quote or any(x in c for x in (delim, '"', "\n", "\r")):
            return '"' + c.replace('"', '""') + '"'
        return c
    return "\n".join(delim.join(cell(c) for c in r) for r in [header] + rows) + "\n"


@pytest.fixture(scope="module")
def fuzz_db(tmp_path_factory):
    """One database for all examples: a report writes nothing, an import adds risks."""
    database = make_db(tmp_path_factory.mktemp("fuzz") / "f.db")
    yield database
    database.dispose()


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(header=st.lists(st.one_of(st.sampled_from(HEADERS), st.text(max_size=12)), max_size=8),
       rows=st.lists(ROW, max_size=6), delim=DELIM, quote=st.booleans(), encoding=ENCODING,
       junk=st.binary(max_size=40), use_junk=st.booleans())
def test_any_csv_imports_or_is_reported_never_crashes(fuzz_db, header, rows, delim, quote, encoding,
                                                       junk, use_junk):
    """Random headers, cells, delimiters, quoting, encodings and raw bytes: the
    importer either imports (and the audit chain verifies) or raises an
    AimsError with a message, never another exception; a report writes nothing."""
    text = render(header, rows, delim, quote)
    try:
        data = junk if use_junk else text.encode(encoding, errors="replace")
    except UnicodeEncodeError:
        data = text.encode("utf-8")
    db = fuzz_db
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "fuzz.csv"
        path.write_bytes(data)
        before = snapshot(db)
        try:
            importer.import_file(db, EDITOR, path)
        except AimsError as exc:
            assert str(exc)
            assert snapshot(db) == before
    assert chain_ok(db)


@given(st.one_of(st.text(max_size=20), st.integers(), st.floats(allow_nan=True), st.none(), st.booleans()))
def test_parse_scale_value_returns_a_value_on_the_scale_or_none(value):
    """Whatever a cell holds, the scale parser answers 1..N or None."""
    got = parse_scale_value(value, DEFAULT_LIKELIHOOD)
    assert got is None or 1 <= got <= len(DEFAULT_LIKELIHOOD)


def test_parse_scale_value_reads_the_forms_spreadsheets_use():
    """Numbers win over words; labels, Low/Medium/High, "H", percentages."""
    L = DEFAULT_LIKELIHOOD
    cases = {"3": 3, "3.0": 3, 3.0: 3, "3 - Possible": 3, "Possible": 3, "possible (3)": 3, "High": 4, "H": 4,
             "Very high": 5, "Very unlikely": 1, "Almost certain": 5, "60%": 3, "medium-high": 4,
             "0": None, "6": None, "3.5": None, "": None, "Hgh": None, True: None}
    assert {k: parse_scale_value(k, L) for k in cases} == cases
    assert parse_scale_value("High", ("Low", "Medium", "High")) == 3
    assert parse_scale_value("Low", ("Low", "Medium", "High")) == 1
