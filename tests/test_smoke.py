"""A first end-to-end pass over the core: create, update, audit chain."""

from aims_tui.core import audit
from aims_tui.core.services import risks, systems

from .conftest import EDITOR


def test_a_risk_created_and_updated_leaves_a_verifiable_trail(db):
    s = systems.create_system(db, EDITOR, {"name": "Chatbot"})
    r = risks.create_risk(db, EDITOR, {"system": s["ref"], "title": "Leaks data",
                                       "inherent_likelihood": 4, "inherent_impact": 5})
    assert r["inherent_level"] == "Critical" and r["residual_score"] == 20
    r2 = risks.update_risk(db, EDITOR, r["ref"], {"residual_likelihood": 1}, expect_version=r["version"])
    assert r2["residual_score"] == 5 and r2["version"] == r["version"] + 1
    with db.read() as sess:
        result = audit.verify(sess)
    assert result.ok, result.reason
