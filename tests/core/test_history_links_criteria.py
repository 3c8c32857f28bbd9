"""The register as of a past moment, beyond the records' own fields: the links
between risks and controls, and the risk criteria (matrix, appetite, cadences)
and settings in force then. Runs on both engines (ENGINE_MODULES). The `past` and `clock`
fixtures: tests/core/conftest.py."""

from __future__ import annotations

from aims_tui.core import checks, evidence, history
from aims_tui.core.services import criteria, risks, settings as settings_svc
from tests.conftest import ADMIN, APPROVER, EDITOR, TODAY


def test_a_risk_as_of_a_moment_shows_the_controls_linked_then(past, clock):
    """The case: R-0001 was treated by A.6.2.4 when the auditor's day ended; a week later it
    was relinked to A.7.2 and A.9.2. Its detail as of that day names A.6.2.4 only, today the new two."""
    db = past
    risks.create_risk(db, EDITOR, {"title": "Bias", "inherent_likelihood": 4, "inherent_impact": 4,
                                   "controls": ["A.6.2.4"]}, today=TODAY)
    clock.advance(60)
    then = clock.now
    clock.advance(60 * 24 * 7)
    risks.update_risk(db, EDITOR, "R-0001", {"controls": ["A.7.2", "A.9.2"]})
    assert risks.get_risk(history.at(db, then), "R-0001")["controls"] == ["A.6.2.4"]
    assert risks.get_risk(db, "R-0001")["controls"] == ["A.7.2", "A.9.2"]


def test_the_statement_of_applicability_links_as_of_a_moment_are_those_of_then(past, clock):
    """The case: the SoA's "risks linked to this control" as of a past day: a risk linked since
    is not there yet, a risk deleted since is there again with its link, an unlinked one still linked."""
    db = past
    risks.create_risk(db, EDITOR, {"title": "Bias", "inherent_likelihood": 4, "inherent_impact": 4,
                                   "controls": ["A.6.2.4", "A.5.2"]}, today=TODAY)
    risks.create_risk(db, EDITOR, {"title": "Leak", "inherent_likelihood": 2, "inherent_impact": 3,
                                   "controls": ["A.6.2.4"]}, today=TODAY)
    clock.advance(30)
    then = clock.now
    clock.advance(30)
    risks.update_risk(db, EDITOR, "R-0001", {"controls": ["A.5.2"]})
    risks.delete_risk(db, APPROVER, "R-0002")
    risks.create_risk(db, EDITOR, {"title": "Drift", "inherent_likelihood": 3, "inherent_impact": 3,
                                   "controls": ["A.6.2.4"]}, today=TODAY)

    def linked(database) -> dict[str, list[str]]:
        with database.read() as s:
            return {code: [r[0] for r in links.risks] for code, links in evidence.links_by_control(s, TODAY).items()
                    if links.risks}

    assert linked(history.at(db, then)) == {"A.5.2": ["R-0001"], "A.6.2.4": ["R-0001", "R-0002"]}
    assert linked(db) == {"A.5.2": ["R-0001"], "A.6.2.4": ["R-0003"]}


def test_the_risk_criteria_as_of_a_moment_are_those_in_force_then(past, clock):
    """The case: on the auditor's day the appetite was 9 and 9 was Medium; a month later the
    admin lowered the appetite to 6 and made 8-14 High. As of that day the criteria, the risk's
    level and the "above appetite without acceptance" gate read the old criteria; now the new."""
    db = past
    risks.create_risk(db, EDITOR, {"title": "Bias", "inherent_likelihood": 3, "inherent_impact": 3}, today=TODAY)
    old = criteria.get_criteria(db)
    clock.advance(60)
    then = clock.now
    clock.advance(60 * 24 * 30)
    bands = [{"name": "Low", "low": 1, "high": 4}, {"name": "Medium", "low": 5, "high": 7},
             {"name": "High", "low": 8, "high": 14}, {"name": "Critical", "low": 15, "high": 25}]
    criteria.set_criteria(db, ADMIN, {"appetite": 6, "bands": bands}, today=TODAY)
    past_db = history.at(db, then)
    assert criteria.get_criteria(past_db) == old
    assert criteria.get_criteria(db)["appetite"] == 6
    assert risks.get_risk(past_db, "R-0001")["residual_level"] == "Medium"
    assert risks.get_risk(db, "R-0001")["residual_level"] == "High"

    def gate(database) -> int:
        rep = checks.run_checks(database, today=TODAY)
        return next(g.count for g in rep.gates if g.id == "unaccepted_above_appetite")

    assert (gate(past_db), gate(db)) == (0, 1)


def test_settings_as_of_a_moment_are_those_saved_then(past, clock):
    """The case: reminders as of a past day use the "due soon" window of that day (14 days),
    not the 60 days set since; the organization's name is the one of then."""
    db = past
    before = settings_svc.get_settings(db)
    clock.advance(60)
    then = clock.now
    clock.advance(60)
    settings_svc.update_settings(db, ADMIN, {"due_soon_days": 60, "organization": "Renamed Org"})
    got = settings_svc.get_settings(history.at(db, then))
    assert (got["due_soon_days"], got["organization"], got["version"]) == \
        (before["due_soon_days"], before["organization"], before["version"])
    assert settings_svc.get_settings(db)["due_soon_days"] == 60
