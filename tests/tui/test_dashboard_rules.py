"""The dashboard takes its rules from core: it must agree with `aims check`."""

from __future__ import annotations

from sqlmodel import select

from aims_tui.core import checks
from aims_tui.core.models import Acceptance
from aims_tui.core.services import acceptances, risks, systems
from aims_tui.tui import reads

from ..conftest import APPROVER, EDITOR, TODAY


def _unaccepted_gate(db) -> int:
    report = checks.run_checks(db, today=TODAY)
    return next(g.count for g in report.gates if g.id == "unaccepted_above_appetite")


def test_the_dashboard_counts_unaccepted_risks_as_the_check_does_when_an_older_acceptance_still_covers(db):
    """Before: the dashboard counted a risk as accepted when any acceptance covered it, while
    `aims check` looks only at the current one; a risk rescored after its newest acceptance
    was fine on the dashboard and a violation in the check."""
    sys_ = systems.create_system(db, EDITOR, {"name": "Scorer"})
    r = risks.create_risk(db, EDITOR, {"system": sys_["ref"], "title": "Drift",
                                       "inherent_likelihood": 5, "inherent_impact": 5}, today=TODAY)
    acceptances.accept_risk(db, APPROVER, r["ref"], "Board accepted the full exposure", today=TODAY)
    risks.update_risk(db, EDITOR, r["ref"], {"residual_likelihood": 4, "residual_impact": 4})
    acceptances.accept_risk(db, APPROVER, r["ref"], "Board accepted the reduced exposure", today=TODAY)
    risks.update_risk(db, EDITOR, r["ref"], {"residual_likelihood": 4, "residual_impact": 5})
    gate = _unaccepted_gate(db)
    assert gate == 1
    assert reads.dashboard(db, EDITOR, TODAY).unaccepted == gate
    assert reads.unaccepted_refs(db, TODAY) == [r["ref"]]


def test_the_dashboard_and_the_check_agree_on_the_demo_register(demo_db):
    assert reads.dashboard(demo_db, EDITOR, TODAY).unaccepted == _unaccepted_gate(demo_db)


def test_an_older_acceptance_does_not_cover_a_risk_whose_current_acceptance_lapsed(db):
    """The risk editor showed "Accepted by ..." from any valid acceptance; only the current
    one counts (as in the deployment gate and `aims check`)."""
    sys_ = systems.create_system(db, EDITOR, {"name": "Scorer"})
    r = risks.create_risk(db, EDITOR, {"system": sys_["ref"], "title": "Drift",
                                       "inherent_likelihood": 5, "inherent_impact": 5}, today=TODAY)
    acceptances.accept_risk(db, APPROVER, r["ref"], "Board accepted the full exposure", today=TODAY)
    risks.update_risk(db, EDITOR, r["ref"], {"residual_likelihood": 4, "residual_impact": 4})
    acceptances.accept_risk(db, APPROVER, r["ref"], "Board accepted the reduced exposure", today=TODAY)
    assert [a["revoked"] for a in acceptances.list_acceptances(db, r["ref"], TODAY)] == [True, False]  # superseded

    def before_the_rule(s):  # a database from before one acceptance in force: both not revoked
        first = s.exec(select(Acceptance).order_by(Acceptance.id)).first()
        first.revoked = False
        s.add(first)

    db.transact(before_the_rule)
    risks.update_risk(db, EDITOR, r["ref"], {"residual_likelihood": 4, "residual_impact": 5})
    listed = acceptances.list_acceptances(db, r["ref"], TODAY)
    assert [a["valid"] for a in listed] == [True, False]
    assert [a["current"] for a in listed] == [False, True]
    assert not any(a["covers"] for a in listed)
    risks.update_risk(db, EDITOR, r["ref"], {"residual_likelihood": 4, "residual_impact": 4})
    assert [a["covers"] for a in acceptances.list_acceptances(db, r["ref"], TODAY)] == [False, True]
