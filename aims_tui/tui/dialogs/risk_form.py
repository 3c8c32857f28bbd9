"""The risk editor's form, apart from its screen: which fields, how a risk is
read for it and shown in it, and its check as the user types, which asks
core.fields, the rules the service uses."""

from __future__ import annotations

from datetime import date
from typing import Any

from ...core import fields, queries
from ...core.scoring import Matrix
from ...core.services import acceptances, controls, risks, settings, treatments

SCORES = fields.RISK_SCORES
LABELS = {
    "title": "Title", "system": "AI system", "owner": "Owner", "category": "Category", "source": "Source",
    "inherent_likelihood": "Inherent likelihood", "inherent_impact": "Inherent impact",
    "residual_likelihood": "Residual likelihood", "residual_impact": "Residual impact",
    "treatment_option": "Treatment option", "status": "Status", "review_cadence": "Review cadence",
    "next_review": "Next review", "controls": "Controls", "description": "Description",
}
SELECTS = ("system", "owner", "category", "source", "treatment_option", "status")
INPUTS = ("title", "review_cadence", "next_review", "controls") + SCORES


def load_editor_data(db, ref: str | None, today=None) -> dict[str, Any]:
    """Everything the editor shows, read off the UI thread."""
    out: dict[str, Any] = {
        "matrix": settings.get_matrix(db), "systems": queries.system_refs(db), "owners": list(queries.owners(db)),
        "controls": [(c["code"], c["title"]) for c in controls.list_soa(db)],
    }
    if ref:
        out.update(load_risk_data(db, ref, today))
    return out


def load_risk_data(db, ref: str, today=None) -> dict[str, Any]:
    return {"risk": risks.get_risk(db, ref), "treatments": treatments.list_treatments(db, ref),
            "acceptances": acceptances.list_acceptances(db, ref, today)}


def form_problems(v: dict[str, Any], matrix: Matrix, known_controls: set[str]) -> dict[str, str]:
    """The editor's values checked by the service's own rules (core.fields)."""
    data = {k: v[k] for k in fields.RISK if k in v and k != "controls"}
    errs = fields.problems(fields.RISK, data)
    for k in SCORES:
        problem = fields.score_problem(k, v[k].strip(), matrix.n_likelihood, matrix.n_impact)
        if problem and k not in errs:
            errs[k] = problem
    unknown = [c for c in fields.control_codes(v["controls"]) if known_controls and c not in known_controls]
    if unknown:
        errs["controls"] = fields.unknown_controls(unknown)
    return {k: errs[k] for k in LABELS if k in errs}  # in the order of the form

NEW_RISK = {"title": "", "system": "", "owner": "", "category": "", "source": "", "inherent_likelihood": "",
            "inherent_impact": "", "residual_likelihood": "", "residual_impact": "", "treatment_option": "mitigate",
            "status": "open", "review_cadence": "", "next_review": "", "controls": "", "description": ""}


def values_of(risk: dict[str, Any]) -> dict[str, Any]:
    """A risk as the form shows it (strings, the system by its ref)."""
    nr = risk.get("next_review")
    return {
        "title": risk["title"], "system": risk.get("system_ref") or "", "owner": risk.get("owner") or "",
        "category": risk.get("category") or "", "source": risk.get("source") or "",
        **{k: str(risk[k]) for k in SCORES},
        "treatment_option": risk["treatment_option"], "status": risk["status"],
        "review_cadence": risk.get("review_cadence") or "",
        "next_review": nr.isoformat() if isinstance(nr, date) else (nr or ""),
        "controls": ", ".join(risk.get("controls") or []), "description": risk.get("description") or "",
    }
