"""Evidence names the record it supports by ref (issue 17): every kind of record is
found, an unknown or withdrawn one is refused naming the field."""

from __future__ import annotations

import pytest

from aims_tui.core import catalog
from aims_tui.core import evidence as ev
from aims_tui.core.errors import ValidationError
from aims_tui.core.services import impact, management, nonconformities, registers, risks, systems, treatments
from aims_tui.core.services import withdrawal

from ..conftest import ADMIN, EDITOR, TODAY
from ..system.examples import EXAMPLES


def _for(db, ref):
    with db.read() as s:
        return ev.resolve(s, ref)


@pytest.fixture
def records(db):
    sys_ = systems.create_system(db, EDITOR, {"name": "Scoring"})
    risk = risks.create_risk(db, EDITOR, {"title": "Bias", "system": sys_["ref"], "inherent_likelihood": 3,
                                          "inherent_impact": 3})
    t = treatments.add_treatment(db, EDITOR, risk["ref"], {"action": "Retrain"})
    ia = impact.create_assessment(db, EDITOR, {"system": sys_["ref"], "title": "IA"})
    nc = nonconformities.create_nonconformity(db, EDITOR, {"title": "Drift", "raised_on": TODAY.isoformat()})
    mr = management.create_review(db, ADMIN, {"held_on": TODAY.isoformat()})
    ctx = registers.create(db, EDITOR, "context_issue", {"title": "Law"}, today=TODAY)
    return {"system": sys_["ref"], "risk": risk["ref"], "treatment": f"{risk['ref']}/T{t['id']}", "ia": ia["ref"],
            "nc": nc["ref"], "mr": mr["ref"], "ctx": ctx["ref"]}


def test_every_kind_of_record_is_found_by_its_ref(db, records):
    assert _for(db, "A.6.2.4") == ("control", "A.6.2.4")
    assert _for(db, "a.6.2.4") == ("control", "A.6.2.4")
    assert _for(db, records["system"]) == ("ai_system", records["system"])
    assert _for(db, records["risk"]) == ("risk", records["risk"])
    assert _for(db, records["treatment"]) == ("treatment", records["treatment"])
    assert _for(db, records["ia"]) == ("impact_assessment", records["ia"])
    assert _for(db, records["nc"]) == ("nonconformity", records["nc"])
    assert _for(db, records["mr"]) == ("management_review", records["mr"])
    assert _for(db, records["ctx"]) == ("context_issue", records["ctx"])


def test_every_kind_of_the_catalog_is_found_by_its_prefix(db):
    """A kind another helper adds (DOC-, OBJ-...) is found without a line here."""
    for k in catalog.ALL:
        ex = EXAMPLES[k.entity]
        ex.setup(db)
        ref = registers.create(db, EDITOR, k.entity, ex.valid, today=TODAY)["ref"]
        assert _for(db, ref) == (k.entity, ref)


@pytest.mark.parametrize("ref", ["A.99.9", "R-9999", "R-0001/T99", "CTX-404", "AIS-007", "nonsense", " "])
def test_an_unknown_ref_is_refused_naming_the_field(db, records, ref):
    with pytest.raises(ValidationError) as exc:
        registers.create(db, EDITOR, "evidence", {"title": "t", "location": "https://x.example.com/",
                                                   "for_ref": ref}, today=TODAY)
    assert exc.value.field == "for_ref"
    assert registers.listing(db, "evidence") == []


def test_a_withdrawn_record_cannot_be_given_evidence(db, records):
    withdrawal.withdraw(db, EDITOR, "risk", records["risk"], reason="mistake")
    with pytest.raises(ValidationError) as exc:
        _for(db, records["risk"])
    assert exc.value.field == "for_ref" and "withdrawn" in exc.value.message


def test_a_control_code_with_control_characters_is_refused_shown_escaped(db):
    with pytest.raises(ValidationError) as exc:
        _for(db, "A.6\x1b[2J")
    assert "\x1b" not in exc.value.message and "\\x1b" in exc.value.message
