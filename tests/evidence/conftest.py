"""The evidence tests read the readiness findings written in core/readiness.py for the
records they make (``readiness.OWN``); every area together is tested in
tests/system/test_readiness_areas.py."""

import pytest

from aims_tui.core import readiness


@pytest.fixture(autouse=True)
def own_areas(monkeypatch):
    monkeypatch.setattr(readiness, "AREAS", readiness.OWN)
