"""The Annex A catalogue: shipped as data, loaded by init, extended with custom controls."""

from __future__ import annotations

import re

from aims_tui.core.services import controls, setup

from ..conftest import ADMIN


def test_the_catalogue_has_the_38_annex_a_controls_once_each():
    """data/annex_a.json: identifiers and short titles of ISO/IEC 42001 Annex A."""
    cat = controls.annex_a()
    codes = [c["code"] for c in cat]
    assert len(codes) == 38 == len(set(codes))
    assert all(re.fullmatch(r"A\.(\d+)(\.\d+){1,2}", c) for c in codes)
    assert {c["group"] for c in cat} == {f"A.{n}" for n in range(2, 11)}
    assert all(c["code"].startswith(c["group"] + ".") and c["title"] and c["group_title"] for c in cat)


def test_init_loads_every_control_with_an_undecided_soa_entry_and_is_idempotent(db):
    """Each control gets one SoA entry, undecided; a second init loads nothing twice."""
    soa = controls.list_soa(db)
    assert len(soa) == 38 and all(e["applicable"] is None and e["version"] == 1 for e in soa)
    assert setup.initialize(db, ADMIN)["controls_added"] == 0
    assert len(controls.list_soa(db)) == 38


def test_the_soa_is_in_numeric_order_and_custom_controls_join_it(db):
    """A.10 sorts after A.9 and A.6.2.10 after A.6.2.8; custom controls are applicable by default."""
    controls.add_control(db, ADMIN, {"code": "A.6.2.10", "title": "Numbered after A.6.2.9"})
    controls.add_control(db, ADMIN, {"code": "ORG.1", "title": "Our own"})
    codes = [e["code"] for e in controls.list_soa(db)]
    assert codes.index("A.2.2") < codes.index("A.10.2")  # 10 after 2, not before
    assert codes.index("A.6.2.8") < codes.index("A.6.2.10") < codes.index("A.7.2")
    org = next(e for e in controls.list_soa(db) if e["code"] == "ORG.1")
    assert org["custom"] is True and org["applicable"] is True
