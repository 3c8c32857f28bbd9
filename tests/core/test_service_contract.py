"""The write-path contract, for every service, table-driven.

For each write service:
- a valid change is written, with exactly one audit event;
- an invalid one raises ValidationError naming the field, and writes nothing;
- a viewer's write raises PermissionDenied naming the role needed, and writes nothing;
- a stale expect_version raises Conflict carrying the current values, and writes nothing
  (two people read version v; the first one saves; the second is refused).

"Writes nothing" compares a snapshot of every row of every table before and after.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

import pytest

from aims_tui.core.db import Database
from aims_tui.core.errors import Conflict, PermissionDenied, ValidationError
from aims_tui.core.services import (
    acceptances,
    controls,
    documents,
    criteria,
    impact,
    incidents,
    internal_audits,
    management,
    nonconformities,
    registers,
    reviews,
    risks,
    scope,
    settings,
    setup,
    systems,
    treatments,
    users,
    withdrawal,
)

from ..conftest import ADMIN, APPROVER, EDITOR, TODAY, VIEWER
from .helpers import audit_count, snapshot

Ctx = dict[str, Any]


# -- building blocks (made by the right people, before the snapshot) ----------

def _system(db: Database, **kw: Any) -> dict:
    return systems.create_system(db, EDITOR, {"name": "Customer chatbot", **kw})


def _risk(db: Database, system_ref: str | None = None, **kw: Any) -> dict:
    data = {"title": "Prompt injection leaks data", "inherent_likelihood": 4, "inherent_impact": 5, **kw}
    if system_ref:
        data["system"] = system_ref
    return risks.create_risk(db, EDITOR, data, today=TODAY)


def _with_risk(db: Database) -> Ctx:
    s = _system(db)
    return {"system": s["ref"], "risk": _risk(db, s["ref"])["ref"]}


def _with_system(db: Database) -> Ctx:
    return {"system": _system(db)["ref"]}


def _with_acceptance(db: Database) -> Ctx:
    ctx = _with_risk(db)
    acc = acceptances.accept_risk(db, APPROVER, ctx["risk"], "Benefits outweigh the residual risk", today=TODAY)
    ctx["acceptance"] = acc["id"]
    return ctx


def _with_treatment(db: Database) -> Ctx:
    ctx = _with_risk(db)
    ctx["treatment"] = treatments.add_treatment(db, EDITOR, ctx["risk"], {"action": "Filter inputs"})["id"]
    return ctx


def _with_assessment(db: Database) -> Ctx:
    ctx = _with_system(db)
    ia = impact.create_assessment(db, EDITOR, {
        "system": ctx["system"], "title": "Chatbot impact",
        "impacts": [{"description": "Wrong advice to a customer", "severity": "high"}],
    }, today=TODAY)
    empty = impact.create_assessment(db, EDITOR, {"system": ctx["system"], "title": "Not started"}, today=TODAY)
    ctx.update(ia=ia["ref"], empty_ia=empty["ref"])
    return ctx


def _with_nonconformity(db: Database) -> Ctx:
    nc = nonconformities.create_nonconformity(db, EDITOR, {"title": "Model served unmonitored"}, today=TODAY)
    return {"nc": nc["ref"]}


def _with_resolved_incident(db: Database) -> Ctx:
    done = registers.create(db, EDITOR, "incident", {"title": "Wrong answers for a day", "status": "resolved",
                                                     "severity": "high", "owner": EDITOR}, today=TODAY)
    still = registers.create(db, EDITOR, "incident", {"title": "Still open"}, today=TODAY)
    return {"inc": done["ref"], "open_inc": still["ref"]}


def _inc_version(db: Database, ctx: Ctx) -> int:
    return registers.show(db, "incident", ctx["inc"])["version"]


def _with_mreview(db: Database) -> Ctx:
    mr = management.create_review(db, EDITOR, {"held_on": "2026-06-01", "decisions": "Fund a bias audit"})
    bare = management.create_review(db, EDITOR, {"held_on": "2026-06-02"})
    return {"mr": mr["ref"], "bare_mr": bare["ref"]}


def _with_action(db: Database) -> Ctx:
    ctx = _with_mreview(db)
    ctx["action"] = management.add_action(db, EDITOR, ctx["mr"], {"action": "Train reviewers"})["id"]
    return ctx


def _nothing(db: Database) -> Ctx:
    return {}


def _with_programmes(db: Database) -> Ctx:
    p = registers.create(db, EDITOR, "audit_programme", {"title": "Programme 2027", "scope": "Every clause",
                                                         "criteria": "ISO/IEC 42001"}, today=TODAY)
    bare = registers.create(db, EDITOR, "audit_programme", {"title": "Programme 2028"}, today=TODAY)
    return {"programme": p["ref"], "bare_programme": bare["ref"]}


def _with_internal_audit(db: Database) -> Ctx:
    a = registers.create(db, EDITOR, "internal_audit", {"title": "Audit of the SoA", "area": "SoA",
                                                        "area_owner": APPROVER, "auditor": EDITOR}, today=TODAY)
    return {"audit": a["ref"]}


def _with_documents(db: Database) -> Ctx:
    doc = registers.create(db, EDITOR, "document", {"title": "AI policy", "doc_type": "ai_policy",
                                                    "version_label": "1.0"}, today=TODAY)
    bare = registers.create(db, EDITOR, "document", {"title": "Procedure", "doc_type": "procedure"}, today=TODAY)
    return {"doc": doc["ref"], "unversioned": bare["ref"]}


def _with_plan(db: Database) -> Ctx:
    ctx = _with_treatment(db)
    ctx["bare"] = _risk(db)["ref"]  # a risk with no treatment: no plan to approve
    return ctx


def _with_done_treatment(db: Database) -> Ctx:
    ctx = _with_treatment(db)
    treatments.complete_treatment(db, EDITOR, ctx["treatment"])
    return ctx


# -- versions --------------------------------------------------------------------

def _risk_version(db: Database, ctx: Ctx) -> int:
    return risks.get_risk(db, ctx["risk"])["version"]


def _soa_version(code: str) -> Callable[[Database, Ctx], int]:
    def get(db: Database, ctx: Ctx) -> int:
        return next(e["version"] for e in controls.list_soa(db) if e["code"] == code)
    return get


def _with_move(db: Database) -> Ctx:
    ctx = _with_risk(db)
    systems.transition(db, EDITOR, ctx["system"], "validation", today=TODAY)
    ctx["unmoved"] = _system(db)["ref"]
    return ctx


def _with_withdrawn(db: Database) -> Ctx:
    ctx = _with_risk(db)
    withdrawal.withdraw(db, EDITOR, "risk", ctx["risk"])
    return ctx


def _ia_version(db: Database, ctx: Ctx) -> int:
    return next(a["version"] for a in impact.list_assessments(db) if a["ref"] == ctx["ia"])


def _nc_version(db: Database, ctx: Ctx) -> int:
    return next(n["version"] for n in nonconformities.list_nonconformities(db) if n["ref"] == ctx["nc"])


def _mr_version(db: Database, ctx: Ctx) -> int:
    return management.get_review(db, ctx["mr"])["version"]


def _action_version(db: Database, ctx: Ctx) -> int:
    return next(a["version"] for a in management.get_review(db, ctx["mr"])["actions"] if a["id"] == ctx["action"])


def _treatment_version(db: Database, ctx: Ctx) -> int:
    return next(t["version"] for t in treatments.list_treatments(db, ctx["risk"]) if t["id"] == ctx["treatment"])


def _acceptance_version(db: Database, ctx: Ctx) -> int:
    return next(a["version"] for a in acceptances.list_acceptances(db, ctx["risk"]) if a["id"] == ctx["acceptance"])


# -- the table ---------------------------------------------------------------------

@dataclass
class Case:
    id: str
    setup: Callable[[Database], Ctx]
    # call(db, ctx, actor, expect_version): the valid change
    call: Callable[[Database, Ctx, str, int | None], Any]
    actor: str
    needed_role: str  # the role a viewer is told they need
    check: Callable[[Database, Ctx, Any], None]  # the valid change is really there
    invalid: Callable[[Database, Ctx], Any] | None = None  # made by `actor`
    invalid_field: str = ""
    version: Callable[[Database, Ctx], int] | None = None  # None: the service takes no version
    bump: Callable[[Database, Ctx], Any] | None = None  # someone else's save (default: the valid call)
    events: int = 1  # audit events of the valid change (one per record it writes)


CASES = [
    # users --------------------------------------------------------------------------
    Case("users.add_user", _nothing,
         lambda db, c, a, v: users.add_user(db, a, "zoe", "editor", "Zoe"), ADMIN, "admin",
         lambda db, c, r: users.get_user(db, "zoe")["role"] == "editor" or _fail("zoe not added"),
         invalid=lambda db, c: users.add_user(db, ADMIN, "Zoe Smith!", "editor"), invalid_field="login"),
    Case("users.add_user role", _nothing,
         lambda db, c, a, v: users.add_user(db, a, "zoe", "viewer"), ADMIN, "admin",
         lambda db, c, r: users.get_user(db, "zoe")["role"] == "viewer" or _fail("zoe not added"),
         invalid=lambda db, c: users.add_user(db, ADMIN, "zoe", "superuser"), invalid_field="role"),
    Case("users.set_role", _nothing,
         lambda db, c, a, v: users.set_role(db, a, EDITOR, "approver", expect_version=v), ADMIN, "admin",
         lambda db, c, r: users.get_user(db, EDITOR)["role"] == "approver" or _fail("role unchanged"),
         invalid=lambda db, c: users.set_role(db, ADMIN, EDITOR, "boss"), invalid_field="role",
         version=lambda db, c: users.get_user(db, EDITOR)["version"],
         bump=lambda db, c: users.set_role(db, ADMIN, EDITOR, "viewer")),
    Case("users.set_role last admin", _nothing,
         lambda db, c, a, v: users.set_role(db, a, EDITOR, "admin", expect_version=v), ADMIN, "admin",
         lambda db, c, r: users.get_user(db, EDITOR)["role"] == "admin" or _fail("role unchanged"),
         invalid=lambda db, c: users.set_role(db, ADMIN, ADMIN, "editor"), invalid_field="role"),
    Case("users.deactivate", _nothing,
         lambda db, c, a, v: users.deactivate(db, a, EDITOR, expect_version=v), ADMIN, "admin",
         lambda db, c, r: users.get_user(db, EDITOR)["active"] is False or _fail("still active"),
         invalid=lambda db, c: users.deactivate(db, ADMIN, ADMIN), invalid_field="login",
         version=lambda db, c: users.get_user(db, EDITOR)["version"],
         bump=lambda db, c: users.set_role(db, ADMIN, EDITOR, "viewer")),
    # settings --------------------------------------------------------------------
    Case("settings.update_settings", _nothing,
         lambda db, c, a, v: settings.update_settings(db, a, {"organization": "Acme AI"}, expect_version=v),
         ADMIN, "admin",
         lambda db, c, r: settings.get_settings(db)["organization"] == "Acme AI" or _fail("not renamed"),
         invalid=lambda db, c: settings.update_settings(db, ADMIN, {"due_soon_days": 999}),
         invalid_field="due_soon_days",
         version=lambda db, c: settings.get_settings(db)["version"]),
    Case("settings.update_settings matrix", _nothing,
         lambda db, c, a, v: settings.update_settings(db, a, {"matrix": {"appetite": 12}}, expect_version=v),
         ADMIN, "admin",
         lambda db, c, r: settings.get_matrix(db).appetite == 12 or _fail("appetite unchanged"),
         invalid=lambda db, c: settings.update_settings(db, ADMIN, {"matrix": {"bands": [
             {"name": "Low", "low": 1, "high": 9}, {"name": "High", "low": 11, "high": 25}]}}),
         invalid_field="matrix",
         version=lambda db, c: settings.get_settings(db)["version"]),
    Case("settings.update_settings cadences", _nothing,
         lambda db, c, a, v: settings.update_settings(db, a, {"cadences": {"Critical": "30d"}}, expect_version=v),
         ADMIN, "admin",
         lambda db, c, r: settings.get_settings(db)["cadences"]["Critical"] == "30d" or _fail("unchanged"),
         invalid=lambda db, c: settings.update_settings(db, ADMIN, {"cadences": {"Critical": "whenever"}}),
         invalid_field="cadences.Critical",
         version=lambda db, c: settings.get_settings(db)["version"]),
    # risk criteria (6.1.1): the matrix, appetite and cadences, with what a change does
    Case("criteria.set_criteria", _with_risk,
         lambda db, c, a, v: criteria.set_criteria(db, a, {"appetite": 12}, expect_version=v, today=TODAY),
         ADMIN, "admin",
         lambda db, c, r: criteria.get_criteria(db)["appetite"] == 12 and r["impact"]["changed"] == ["appetite"]
         or _fail("appetite unchanged"),
         invalid=lambda db, c: criteria.set_criteria(db, ADMIN, {"cadences": {"High": "90d"}}, today=TODAY),
         invalid_field="cadences",
         version=lambda db, c: criteria.get_criteria(db)["version"]),
    Case("criteria.set_criteria bands", _with_risk,
         lambda db, c, a, v: criteria.set_criteria(db, a, {"bands": [
             {"name": "Low", "low": 1, "high": 9}, {"name": "High", "low": 10, "high": 25}],
             "cadences": {"Low": "360d", "High": "90d"}}, expect_version=v, today=TODAY),
         ADMIN, "admin",
         lambda db, c, r: risks.get_risk(db, c["risk"])["inherent_level"] == "High" or _fail("level not derived"),
         invalid=lambda db, c: criteria.set_criteria(db, ADMIN, {"bands": [
             {"name": "Low", "low": 1, "high": 9}, {"name": "High", "low": 11, "high": 25}]}, today=TODAY),
         invalid_field="bands",
         version=lambda db, c: criteria.get_criteria(db)["version"]),
    Case("setup.initialize", _nothing,
         lambda db, c, a, v: setup.initialize(db, a, "Renamed Org"), ADMIN, "admin",
         lambda db, c, r: settings.get_settings(db)["organization"] == "Renamed Org" or _fail("not renamed"),
         invalid=lambda db, c: setup.initialize(db, ADMIN, "x" * 201), invalid_field="org"),
    # AI systems -----------------------------------------------------------------
    Case("systems.create_system", _nothing,
         lambda db, c, a, v: systems.create_system(db, a, {"name": "Fraud engine", "ai_role": "provider"}),
         EDITOR, "editor",
         lambda db, c, r: systems.get_system(db, r["ref"])["name"] == "Fraud engine" or _fail("not created"),
         invalid=lambda db, c: systems.create_system(db, EDITOR, {"name": "Fraud engine", "ai_role": "wizard"}),
         invalid_field="ai_role"),
    Case("systems.create_system name", _nothing,
         lambda db, c, a, v: systems.create_system(db, a, {"name": "Fraud engine"}), EDITOR, "editor",
         lambda db, c, r: systems.get_system(db, r["ref"])["stage"] == "design" or _fail("not created"),
         invalid=lambda db, c: systems.create_system(db, EDITOR, {"name": "   "}), invalid_field="name"),
    Case("systems.update_system", _with_system,
         lambda db, c, a, v: systems.update_system(db, a, c["system"], {"purpose": "Answers questions"}, v),
         EDITOR, "editor",
         lambda db, c, r: systems.get_system(db, c["system"])["purpose"] == "Answers questions" or _fail("no"),
         invalid=lambda db, c: systems.update_system(db, EDITOR, c["system"], {"eu_ai_act_tier": "extreme"}),
         invalid_field="eu_ai_act_tier",
         version=lambda db, c: systems.get_system(db, c["system"])["version"]),
    Case("systems.transition", _with_risk,
         lambda db, c, a, v: systems.transition(db, a, c["system"], "validation", expect_version=v, today=TODAY),
         EDITOR, "editor",
         lambda db, c, r: systems.get_system(db, c["system"])["stage"] == "validation" or _fail("not moved"),
         invalid=lambda db, c: systems.transition(db, EDITOR, c["system"], "deployment", today=TODAY),
         invalid_field="to_stage",
         version=lambda db, c: systems.get_system(db, c["system"])["version"],
         bump=lambda db, c: systems.update_system(db, EDITOR, c["system"], {"purpose": "changed"})),
    Case("systems.transition unknown stage", _with_risk,
         lambda db, c, a, v: systems.transition(db, a, c["system"], "retired", expect_version=v, today=TODAY),
         EDITOR, "editor",
         lambda db, c, r: systems.get_system(db, c["system"])["stage"] == "retired" or _fail("not moved"),
         invalid=lambda db, c: systems.transition(db, EDITOR, c["system"], "production", today=TODAY),
         invalid_field="to_stage"),
    Case("systems.undo_transition", _with_move,
         lambda db, c, a, v: systems.undo_transition(db, a, c["system"], expect_version=v),
         EDITOR, "editor",
         lambda db, c, r: systems.get_system(db, c["system"])["stage"] == "design" or _fail("not moved back"),
         invalid=lambda db, c: systems.undo_transition(db, EDITOR, c["unmoved"]),
         invalid_field="stage",
         version=lambda db, c: systems.get_system(db, c["system"])["version"],
         bump=lambda db, c: systems.update_system(db, EDITOR, c["system"], {"purpose": "changed"})),
    # withdrawing a record made by mistake ---------------------------------------------
    Case("withdrawal.withdraw", _with_risk,
         lambda db, c, a, v: withdrawal.withdraw(db, a, "risk", c["risk"], expect_version=v),
         EDITOR, "editor",
         lambda db, c, r: risks.get_risk(db, c["risk"])["status"] == "withdrawn" or _fail("not withdrawn"),
         invalid=lambda db, c: withdrawal.withdraw(db, EDITOR, "rumour", c["risk"]),
         invalid_field="kind",
         version=lambda db, c: risks.get_risk(db, c["risk"])["version"],
         bump=lambda db, c: risks.update_risk(db, EDITOR, c["risk"], {"title": "changed"})),
    Case("withdrawal.restore", _with_withdrawn,
         lambda db, c, a, v: withdrawal.restore(db, a, "risk", c["risk"], expect_version=v),
         EDITOR, "editor",
         lambda db, c, r: risks.get_risk(db, c["risk"])["status"] == "open" or _fail("not restored"),
         invalid=lambda db, c: withdrawal.restore(db, EDITOR, "ai_system", c["system"]),
         invalid_field="stage",
         version=lambda db, c: risks.get_risk(db, c["risk"])["version"],
         bump=lambda db, c: risks.update_risk(db, EDITOR, c["risk"], {"title": "changed"})),
    # risks -------------------------------------------------------------------------
    Case("risks.create_risk", _with_system,
         lambda db, c, a, v: risks.create_risk(db, a, {"system": c["system"], "title": "Drift",
                                                       "inherent_likelihood": 3, "inherent_impact": 3}, today=TODAY),
         EDITOR, "editor",
         lambda db, c, r: risks.get_risk(db, r["ref"])["inherent_level"] == "Medium" or _fail("not created"),
         invalid=lambda db, c: risks.create_risk(db, EDITOR, {"title": "Drift", "inherent_likelihood": 6,
                                                             "inherent_impact": 3}),
         invalid_field="inherent_likelihood"),
    Case("risks.create_risk owner", _with_system,
         lambda db, c, a, v: risks.create_risk(db, a, {"title": "Drift", "owner": APPROVER,
                                                       "inherent_likelihood": 3, "inherent_impact": 3}, today=TODAY),
         EDITOR, "editor",
         lambda db, c, r: risks.get_risk(db, r["ref"])["owner"] == APPROVER or _fail("not created"),
         invalid=lambda db, c: risks.create_risk(db, EDITOR, {"title": "Drift", "owner": "nobody",
                                                             "inherent_likelihood": 3, "inherent_impact": 3}),
         invalid_field="owner"),
    Case("risks.update_risk", _with_risk,
         lambda db, c, a, v: risks.update_risk(db, a, c["risk"], {"residual_likelihood": 2}, v), EDITOR, "editor",
         lambda db, c, r: risks.get_risk(db, c["risk"])["residual_score"] == 10 or _fail("not rescored"),
         invalid=lambda db, c: risks.update_risk(db, EDITOR, c["risk"], {"residual_impact": 0}),
         invalid_field="residual_impact", version=_risk_version),
    Case("risks.update_risk system", _with_risk,
         lambda db, c, a, v: risks.update_risk(db, a, c["risk"], {"system": ""}, v), EDITOR, "editor",
         lambda db, c, r: risks.get_risk(db, c["risk"])["system_ref"] is None or _fail("still linked"),
         invalid=lambda db, c: risks.update_risk(db, EDITOR, c["risk"], {"system": "AIS-999"}),
         invalid_field="system", version=_risk_version),
    Case("risks.update_risk controls", _with_risk,
         lambda db, c, a, v: risks.update_risk(db, a, c["risk"], {"controls": ["A.6.2.4"]}, v), EDITOR, "editor",
         lambda db, c, r: risks.get_risk(db, c["risk"])["controls"] == ["A.6.2.4"] or _fail("not linked"),
         invalid=lambda db, c: risks.update_risk(db, EDITOR, c["risk"], {"controls": ["Z.9"]}),
         invalid_field="controls", version=_risk_version),
    Case("risks.delete_risk", _with_treatment,
         lambda db, c, a, v: risks.delete_risk(db, a, c["risk"], v), APPROVER, "approver",
         lambda db, c, r: _gone(db, c["risk"]),
         version=_risk_version,
         bump=lambda db, c: risks.update_risk(db, EDITOR, c["risk"], {"title": "Renamed"})),
    # acceptances ------------------------------------------------------------------
    Case("acceptances.accept_risk", _with_risk,
         lambda db, c, a, v: acceptances.accept_risk(db, a, c["risk"], "Benefits outweigh the residual risk",
                                                     expect_version=v, today=TODAY), APPROVER, "approver",
         lambda db, c, r: risks.get_risk(db, c["risk"])["status"] == "accepted" or _fail("not accepted"),
         invalid=lambda db, c: acceptances.accept_risk(db, APPROVER, c["risk"], "fine", today=TODAY),
         invalid_field="justification", version=_risk_version,
         bump=lambda db, c: risks.update_risk(db, EDITOR, c["risk"], {"title": "Renamed"})),
    Case("acceptances.accept_risk expiry", _with_risk,
         lambda db, c, a, v: acceptances.accept_risk(db, a, c["risk"], "Benefits outweigh the residual risk",
                                                     expires_on="2026-12-31", expect_version=v, today=TODAY),
         APPROVER, "approver",
         lambda db, c, r: str(r["expires_on"]) == "2026-12-31" or _fail("wrong expiry"),
         invalid=lambda db, c: acceptances.accept_risk(db, APPROVER, c["risk"], "Benefits outweigh the risk",
                                                       expires_on="2026-01-01", today=TODAY),
         invalid_field="expires_on"),
    Case("acceptances.revoke_acceptance", _with_acceptance,
         lambda db, c, a, v: acceptances.revoke_acceptance(db, a, c["acceptance"], "Model changed", v),
         APPROVER, "approver",
         lambda db, c, r: risks.get_risk(db, c["risk"])["status"] == "open" or _fail("still accepted"),
         version=_acceptance_version),
    Case("acceptances.undo_acceptance", _with_acceptance,
         lambda db, c, a, v: acceptances.undo_acceptance(db, a, c["acceptance"], today=TODAY),
         APPROVER, "approver",
         lambda db, c, r: risks.get_risk(db, c["risk"])["status"] == "open" or _fail("still accepted")),
    # treatments -------------------------------------------------------------------
    Case("treatments.add_treatment", _with_risk,
         lambda db, c, a, v: treatments.add_treatment(db, a, c["risk"], {"action": "Bias audit",
                                                                          "due_date": "2026-07-01"}),
         EDITOR, "editor",
         lambda db, c, r: len(treatments.list_treatments(db, c["risk"])) == 1 or _fail("not added"),
         invalid=lambda db, c: treatments.add_treatment(db, EDITOR, c["risk"], {"action": "Bias audit",
                                                                                 "due_date": "next week"}),
         invalid_field="due_date"),
    Case("treatments.add_treatment control", _with_risk,
         lambda db, c, a, v: treatments.add_treatment(db, a, c["risk"], {"action": "Log", "control": "A.6.2.8"}),
         EDITOR, "editor",
         lambda db, c, r: r["control"] == "A.6.2.8" or _fail("no control"),
         invalid=lambda db, c: treatments.add_treatment(db, EDITOR, c["risk"], {"action": "Log", "control": "Q.1"}),
         invalid_field="control"),
    Case("treatments.update_treatment", _with_treatment,
         lambda db, c, a, v: treatments.update_treatment(db, a, c["treatment"], {"status": "done"}, v),
         EDITOR, "editor",
         lambda db, c, r: treatments.list_treatments(db, c["risk"])[0]["completed_at"] is not None or _fail("no"),
         invalid=lambda db, c: treatments.update_treatment(db, EDITOR, c["treatment"], {"status": "finished"}),
         invalid_field="status", version=_treatment_version),
    Case("treatments.delete_treatment", _with_treatment,
         lambda db, c, a, v: treatments.delete_treatment(db, a, c["treatment"], v), EDITOR, "editor",
         lambda db, c, r: treatments.list_treatments(db, c["risk"]) == [] or _fail("not deleted"),
         version=_treatment_version,
         bump=lambda db, c: treatments.update_treatment(db, EDITOR, c["treatment"], {"status": "in_progress"})),
    Case("treatments.complete_treatment", _with_treatment,
         lambda db, c, a, v: treatments.complete_treatment(db, a, c["treatment"], v, effectiveness="partly",
                                                           note="Fewer leaks, not none"), EDITOR, "editor",
         lambda db, c, r: (r["status"], r["effectiveness"]) == ("done", "partly") or _fail(str(r)),
         invalid=lambda db, c: treatments.complete_treatment(db, EDITOR, c["treatment"], effectiveness="great"),
         invalid_field="effectiveness", version=_treatment_version),
    Case("treatments.record_effectiveness", _with_done_treatment,
         lambda db, c, a, v: treatments.record_effectiveness(db, a, c["treatment"], "effective", "No leak since",
                                                             expect_version=v), EDITOR, "editor",
         lambda db, c, r: treatments.get_treatment(db, c["treatment"])["effectiveness"] == "effective"
         or _fail("not recorded"),
         invalid=lambda db, c: treatments.record_effectiveness(db, EDITOR, c["treatment"], "somewhat"),
         invalid_field="effectiveness", version=_treatment_version,
         bump=lambda db, c: treatments.record_effectiveness(db, EDITOR, c["treatment"], "partly")),
    Case("treatments.approve_plan", _with_plan,
         lambda db, c, a, v: treatments.approve_plan(db, a, c["risk"], v), APPROVER, "approver",
         lambda db, c, r: risks.get_risk(db, c["risk"])["plan_approved_by"] == APPROVER or _fail("not approved"),
         invalid=lambda db, c: treatments.approve_plan(db, APPROVER, c["bare"]), invalid_field="treatments",
         version=_risk_version,
         bump=lambda db, c: risks.update_risk(db, EDITOR, c["risk"], {"title": "Renamed"})),
    # reviews -----------------------------------------------------------------------
    Case("reviews.record_review risk", _with_risk,
         lambda db, c, a, v: reviews.record_review(db, a, "risk", c["risk"], {"outcome": "still_valid"}, v,
                                                   today=TODAY), EDITOR, "editor",
         lambda db, c, r: len(reviews.list_reviews(db, "risk", c["risk"])) == 1 or _fail("no review"),
         invalid=lambda db, c: reviews.record_review(db, EDITOR, "risk", c["risk"], {"outcome": "fine"},
                                                     today=TODAY),
         invalid_field="outcome", version=_risk_version),
    Case("reviews.record_review rescored", _with_risk,
         lambda db, c, a, v: reviews.record_review(db, a, "risk", c["risk"], {
             "outcome": "rescored", "residual_likelihood": 1}, v, today=TODAY), EDITOR, "editor",
         lambda db, c, r: risks.get_risk(db, c["risk"])["residual_score"] == 5 or _fail("not rescored"),
         invalid=lambda db, c: reviews.record_review(db, EDITOR, "risk", c["risk"], {
             "outcome": "still_valid", "residual_likelihood": 1}, today=TODAY),
         invalid_field="outcome", version=_risk_version),
    Case("reviews.record_review system", _with_system,
         lambda db, c, a, v: reviews.record_review(db, a, "system", c["system"], {
             "outcome": "still_valid", "kind": "verification_validation"}, v, today=TODAY), EDITOR, "editor",
         lambda db, c, r: reviews.list_reviews(db, "system", c["system"])[0]["kind"] == "verification_validation"
         or _fail("no review"),
         invalid=lambda db, c: reviews.record_review(db, EDITOR, "system", c["system"], {
             "outcome": "still_valid", "next_review": "2026-01-01"}, today=TODAY),
         invalid_field="next_review",
         version=lambda db, c: systems.get_system(db, c["system"])["version"]),
    Case("reviews.record_review applicability", _nothing,
         lambda db, c, a, v: reviews.record_review(db, a, "applicability", "A.6.2.4", {"outcome": "still_valid"},
                                                   v, today=TODAY), EDITOR, "editor",
         lambda db, c, r: len(reviews.list_reviews(db, "applicability", "A.6.2.4")) == 1 or _fail("no review"),
         invalid=lambda db, c: reviews.record_review(db, EDITOR, "applicability", "A.6.2.4",
                                                     {"outcome": "rescored"}, today=TODAY),
         invalid_field="outcome", version=_soa_version("A.6.2.4")),
    # controls and the SoA ----------------------------------------------------------
    Case("controls.add_control", _nothing,
         lambda db, c, a, v: controls.add_control(db, a, {"code": "ORG.1", "title": "Model register kept"}),
         ADMIN, "admin",
         lambda db, c, r: any(e["code"] == "ORG.1" and e["custom"] for e in controls.list_soa(db))
         or _fail("not added"),
         invalid=lambda db, c: controls.add_control(db, ADMIN, {"code": "bad code!", "title": "x"}),
         invalid_field="code"),
    Case("controls.update_applicability", _nothing,
         lambda db, c, a, v: controls.update_applicability(db, a, "A.10.4", {
             "applicable": False, "justification": "No customers"}, v), EDITOR, "editor",
         lambda db, c, r: r["applicable"] is False or _fail("not excluded"),
         invalid=lambda db, c: controls.update_applicability(db, EDITOR, "A.10.4", {"applicable": False}),
         invalid_field="justification", version=_soa_version("A.10.4")),
    Case("controls.update_applicability status", _nothing,
         lambda db, c, a, v: controls.update_applicability(db, a, "A.6.2.4", {
             "implementation_status": "partial"}, v), EDITOR, "editor",
         lambda db, c, r: r["implementation_status"] == "partial" or _fail("unchanged"),
         invalid=lambda db, c: controls.update_applicability(db, EDITOR, "A.6.2.4", {
             "implementation_status": "done-ish"}),
         invalid_field="implementation_status", version=_soa_version("A.6.2.4")),
    Case("controls.approve_soa",
         lambda db: controls.update_applicability(db, EDITOR, "A.6.2.4", {"applicable": True,
                                                                          "justification": "We log AI events"}) and {},
         lambda db, c, a, v: controls.approve_soa(db, a), APPROVER, "approver",
         lambda db, c, r: r == 1 or _fail(f"approved {r}")),
    # impact assessments -----------------------------------------------------------
    Case("impact.create_assessment", _with_system,
         lambda db, c, a, v: impact.create_assessment(db, a, {"system": c["system"], "title": "IA"}, today=TODAY),
         EDITOR, "editor",
         lambda db, c, r: r["status"] == "draft" and r["system_ref"] == c["system"] or _fail("not created"),
         invalid=lambda db, c: impact.create_assessment(db, EDITOR, {"system": "AIS-999"}),
         invalid_field="system"),
    Case("impact.update_assessment", _with_assessment,
         lambda db, c, a, v: impact.update_assessment(db, a, c["ia"], {"mitigations": "Human review"}, v),
         EDITOR, "editor",
         lambda db, c, r: r["mitigations"] == "Human review" or _fail("unchanged"),
         invalid=lambda db, c: impact.update_assessment(db, EDITOR, c["ia"], {
             "impacts": [{"description": "x", "severity": "apocalyptic"}]}),
         invalid_field="impacts", version=_ia_version),
    Case("impact.approve_assessment", _with_assessment,
         lambda db, c, a, v: impact.approve_assessment(db, a, c["ia"], v), APPROVER, "approver",
         lambda db, c, r: r["status"] == "approved" and r["approved_by"] == APPROVER or _fail("not approved"),
         invalid=lambda db, c: impact.approve_assessment(db, APPROVER, c["empty_ia"]), invalid_field="impacts",
         version=_ia_version,
         bump=lambda db, c: impact.update_assessment(db, EDITOR, c["ia"], {"title": "Renamed"})),
    # nonconformities ---------------------------------------------------------------
    Case("nonconformities.create", _nothing,
         lambda db, c, a, v: nonconformities.create_nonconformity(db, a, {
             "title": "Logs not kept", "severity": "major"}, today=TODAY), EDITOR, "editor",
         lambda db, c, r: r["ref"] == "NC-001" and str(r["raised_on"]) == str(TODAY) or _fail("not created"),
         invalid=lambda db, c: nonconformities.create_nonconformity(db, EDITOR, {
             "title": "Logs not kept", "severity": "huge"}), invalid_field="severity"),
    Case("nonconformities.update", _with_nonconformity,
         lambda db, c, a, v: nonconformities.update_nonconformity(db, a, c["nc"], {"status": "investigating"}, v),
         EDITOR, "editor",
         lambda db, c, r: r["status"] == "investigating" or _fail("unchanged"),
         invalid=lambda db, c: nonconformities.update_nonconformity(db, EDITOR, c["nc"], {"status": "closed"}),
         invalid_field="root_cause", version=_nc_version),
    # incidents ---------------------------------------------------------------------
    Case("incidents.raise_nonconformity", _with_resolved_incident,
         lambda db, c, a, v: incidents.raise_nonconformity(db, a, c["inc"], v, today=TODAY), EDITOR, "editor",
         lambda db, c, r: (r["incident"]["nonconformity"] == r["nonconformity"]["ref"]
                           and r["nonconformity"]["kind"] == "incident" and r["nonconformity"]["severity"] == "major")
         or _fail("not raised"),
         invalid=lambda db, c: incidents.raise_nonconformity(db, EDITOR, c["open_inc"], today=TODAY),
         invalid_field="status", version=_inc_version, events=2,
         bump=lambda db, c: registers.update(db, EDITOR, "incident", c["inc"], {"response": "Rolled back"},
                                            today=TODAY)),
    # management reviews ----------------------------------------------------------
    Case("management.create_review", _nothing,
         lambda db, c, a, v: management.create_review(db, a, {"held_on": "2026-06-01"}), EDITOR, "editor",
         lambda db, c, r: r["ref"] == "MR-2026-01" or _fail(r["ref"]),
         invalid=lambda db, c: management.create_review(db, EDITOR, {"held_on": "soon"}),
         invalid_field="held_on"),
    Case("management.update_review", _with_mreview,
         lambda db, c, a, v: management.update_review(db, a, c["mr"], {"attendees": "Board"}, v),
         EDITOR, "editor",
         lambda db, c, r: management.get_review(db, c["mr"])["attendees"] == "Board" or _fail("unchanged"),
         invalid=lambda db, c: management.update_review(db, EDITOR, c["mr"], {
             "period_start": "2026-06-01", "period_end": "2026-01-01"}), invalid_field="period_end",
         version=_mr_version),
    Case("management.sign_off", _with_mreview,
         lambda db, c, a, v: management.sign_off(db, a, c["mr"], v), APPROVER, "approver",
         lambda db, c, r: r["status"] == "signed_off" or _fail("not signed"),
         invalid=lambda db, c: management.sign_off(db, APPROVER, c["bare_mr"]), invalid_field="decisions",
         version=_mr_version,
         bump=lambda db, c: management.update_review(db, EDITOR, c["mr"], {"attendees": "Board"})),
    Case("management.add_action", _with_mreview,
         lambda db, c, a, v: management.add_action(db, a, c["mr"], {"action": "Train staff",
                                                                      "due_date": "2026-09-01"}),
         EDITOR, "editor",
         lambda db, c, r: len(management.get_review(db, c["mr"])["actions"]) == 1 or _fail("not added"),
         invalid=lambda db, c: management.add_action(db, EDITOR, c["mr"], {"action": "  "}),
         invalid_field="action"),
    # internal audits (9.2) -------------------------------------------------------------
    Case("internal_audits.approve_programme", _with_programmes,
         lambda db, c, a, v: internal_audits.approve_programme(db, a, c["programme"], v, today=TODAY),
         APPROVER, "approver",
         lambda db, c, r: r["status"] == "approved" and r["approved_by"] == APPROVER or _fail("not approved"),
         invalid=lambda db, c: internal_audits.approve_programme(db, APPROVER, c["bare_programme"], today=TODAY),
         invalid_field="scope",
         version=lambda db, c: registers.show(db, "audit_programme", c["programme"])["version"],
         bump=lambda db, c: registers.update(db, EDITOR, "audit_programme", c["programme"], {"title": "Renamed"})),
    Case("internal_audits.raise_finding", _with_internal_audit,
         lambda db, c, a, v: internal_audits.raise_finding(db, a, c["audit"], {"title": "No owner on R-0003",
                                                                               "severity": "major"}, v, today=TODAY),
         EDITOR, "editor",
         lambda db, c, r: (r["kind"], r["internal_audit"]) == ("audit_finding", c["audit"]) or _fail("not raised"),
         invalid=lambda db, c: internal_audits.raise_finding(db, EDITOR, c["audit"], {"title": "x", "severity": "huge"},
                                                             today=TODAY),
         invalid_field="severity",
         version=lambda db, c: registers.show(db, "internal_audit", c["audit"])["version"],
         bump=lambda db, c: registers.update(db, EDITOR, "internal_audit", c["audit"], {"title": "Renamed"}),
         events=2),  # one on the nonconformity, one on the audit
    Case("management.update_action", _with_action,
         lambda db, c, a, v: management.update_action(db, a, c["action"], {"status": "done"}, v),
         EDITOR, "editor",
         lambda db, c, r: r["completed_at"] is not None or _fail("not completed"),
         invalid=lambda db, c: management.update_action(db, EDITOR, c["action"], {"status": "over"}),
         invalid_field="status", version=_action_version),
    # documents (7.5) and the scope (4.3) ----------------------------------------------
    Case("documents.approve", _with_documents,
         lambda db, c, a, v: documents.approve(db, a, c["doc"], v, today=TODAY), APPROVER, "approver",
         lambda db, c, r: r["status"] == "approved" and r["approved_by"] == APPROVER or _fail("not approved"),
         invalid=lambda db, c: documents.approve(db, APPROVER, c["unversioned"], today=TODAY),
         invalid_field="version_label",
         version=lambda db, c: registers.show(db, "document", c["doc"])["version"],
         bump=lambda db, c: registers.update(db, EDITOR, "document", c["doc"], {"owner": EDITOR}, today=TODAY)),
    Case("scope.set_scope", _nothing,
         lambda db, c, a, v: scope.set_scope(db, a, "Every AI system", v), ADMIN, "admin",
         lambda db, c, r: scope.get_scope(db)["scope"] == "Every AI system" or _fail("scope not set"),
         invalid=lambda db, c: scope.set_scope(db, ADMIN, "x" * 20_001), invalid_field="scope",
         version=lambda db, c: scope.get_scope(db)["version"],
         bump=lambda db, c: settings.update_settings(db, ADMIN, {"due_soon_days": 9})),
]


def _fail(msg: str) -> bool:
    raise AssertionError(msg)


def _gone(db: Database, ref: str) -> bool:
    from aims_tui.core.errors import NotFound
    with pytest.raises(NotFound):
        risks.get_risk(db, ref)
    return True


IDS = [c.id for c in CASES]


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_a_valid_change_is_written_with_exactly_one_audit_event(db, case: Case):
    """The valid call, with the current version where the service takes one."""
    ctx = case.setup(db)
    v = case.version(db, ctx) if case.version else None
    before = audit_count(db)
    result = case.call(db, ctx, case.actor, v)
    assert audit_count(db) == before + case.events
    case.check(db, ctx, result)


@pytest.mark.parametrize("case", [c for c in CASES if c.invalid], ids=[c.id for c in CASES if c.invalid])
def test_an_invalid_change_names_the_field_and_writes_nothing(db, case: Case):
    """Input a person could type by mistake; the message must say which field is wrong."""
    ctx = case.setup(db)
    before = snapshot(db)
    with pytest.raises(ValidationError) as exc:
        case.invalid(db, ctx)
    assert exc.value.field == case.invalid_field, str(exc.value)
    assert case.invalid_field in str(exc.value)
    assert snapshot(db) == before


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_a_viewers_write_is_refused_naming_the_role_and_writes_nothing(db, case: Case):
    """A viewer reads and exports; every write service says which role it needs."""
    ctx = case.setup(db)
    v = case.version(db, ctx) if case.version else None
    before = snapshot(db)
    with pytest.raises(PermissionDenied) as exc:
        case.call(db, ctx, VIEWER, v)
    assert exc.value.needed == (case.needed_role,)
    assert case.needed_role in str(exc.value) and "viewer" in str(exc.value)
    assert snapshot(db) == before


@pytest.mark.parametrize("case", [c for c in CASES if c.version], ids=[c.id for c in CASES if c.version])
def test_a_stale_version_is_a_conflict_carrying_the_current_values_and_writes_nothing(db, case: Case):
    """Two people read version v; the first saves; the second save must not overwrite it."""
    ctx = case.setup(db)
    v = case.version(db, ctx)
    (case.bump or (lambda d, c: case.call(d, c, case.actor, v)))(db, ctx)
    now = case.version(db, ctx)
    assert now > v
    before = snapshot(db)
    with pytest.raises(Conflict) as exc:
        case.call(db, ctx, case.actor, v)
    assert exc.value.expected == v
    assert exc.value.current["version"] == now
    assert len(exc.value.current) > 2  # the record's values, not just its version
    assert snapshot(db) == before


def test_every_write_service_is_in_the_table():
    """A new write service must join the contract tests (names taken from the modules)."""
    import inspect

    modules = [acceptances, controls, criteria, impact, incidents, management, nonconformities, reviews, risks, settings,
               setup, systems, treatments, users, withdrawal, internal_audits, documents, scope]
    readers = ("get_", "list_", "is_", "load_", "current_", "ensure_", "bootstrap_", "check_", "gate_",
               "stage_", "title_", "risk_", "soa_", "ia_", "nc_", "review_", "treatment_", "next_", "sort_", "annex_",
               "preview_", "get", "_")
    writers = set()
    for m in modules:
        for name, fn in inspect.getmembers(m, inspect.isfunction):
            if fn.__module__ == m.__name__ and not name.startswith(readers):
                writers.add(f"{m.__name__.rsplit('.', 1)[1]}.{name}")
    covered = {c.id.split(" ")[0] for c in CASES}
    aliases = {"nonconformities.create_nonconformity": "nonconformities.create",
               "nonconformities.update_nonconformity": "nonconformities.update",
               }
    missing = sorted(w for w in writers if aliases.get(w, w) not in covered)
    assert missing == [], f"write services without a Case in tests/core/test_service_contract.py: {missing}"
