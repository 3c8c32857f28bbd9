"""Counts in the pack and the messages agree in number with their noun ("1 risk", "2 risks")."""

from __future__ import annotations

from hypothesis import given, strategies as st

from aims_tui.core.text import are, counted


def test_one_is_singular_and_every_other_count_plural():
    assert counted(1, "risk") == "1 risk"
    assert counted(0, "risk") == "0 risks"
    assert counted(2, "risk review") == "2 risk reviews"
    assert counted(1, "nonconformity", "nonconformities") == "1 nonconformity"
    assert counted(3, "nonconformity", "nonconformities") == "3 nonconformities"
    assert f"{counted(1, 'treatment')} {are(1)} overdue" == "1 treatment is overdue"
    assert f"{counted(4, 'treatment')} {are(4)} overdue" == "4 treatments are overdue"


@given(st.integers(min_value=0, max_value=10**6))
def test_the_noun_is_singular_exactly_when_the_count_is_one(n):
    text = counted(n, "risk")
    assert text.startswith(f"{n} ") and text.endswith("risks") == (n != 1) and are(n) == ("is" if n == 1 else "are")
