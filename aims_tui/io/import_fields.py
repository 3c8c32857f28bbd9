"""The names a risk register's columns go by, and a cell as text.

The vocabulary of the import (fields, the synonyms of their column names, the
words spreadsheets use for treatments, statuses and Annex C objectives) and the
two helpers every later step shares: :func:`cell_text` and :func:`field_for`.
Reads no file and touches no database.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date, datetime, time
from typing import Any, Sequence

from ..core.models import RISK_CATEGORIES, RISK_SOURCES

# ---------------------------------------------------------------------------
# Fields and the names spreadsheets give them
# ---------------------------------------------------------------------------

FIELDS: dict[str, str] = {
    "title": "the risk in a few words (required)",
    "description": "longer text",
    "notes": "extra text added to the description under the column's name (several columns may map here)",
    "system": "AI system ref or name (empty: --system, else organization-wide)",
    "owner": "risk owner: login or display name (empty: you)",
    "category": "Annex C objective: " + ", ".join(RISK_CATEGORIES),
    "source": "Annex C risk source: " + ", ".join(RISK_SOURCES),
    "inherent_likelihood": "1..N, a label such as 'Possible', or 'Low/Medium/High' (required)",
    "inherent_impact": "1..N, a label such as 'Major', or 'Low/Medium/High' (required)",
    "residual_likelihood": "as inherent (empty: same as inherent)",
    "residual_impact": "as inherent (empty: same as inherent)",
    "treatment_option": "mitigate, avoid, transfer or accept (and synonyms)",
    "status": "open, treating, accepted or closed (and synonyms)",
    "review_cadence": "monthly, quarterly, yearly, 90d (empty: the default by level)",
    "next_review": "a date (YYYY-MM-DD, or a spreadsheet date)",
    "controls": "Annex A control codes, comma separated",
    "external_id": "the spreadsheet's own risk ID (keeps re-imports from duplicating)",
    "ignore": "leave this column out",
}
MULTI_FIELDS = {"notes", "ignore"}  # several columns may map to these
FIELD_ALIASES = {
    "likelihood": "inherent_likelihood", "impact": "inherent_impact", "id": "external_id",
    "treatment": "treatment_option", "skip": "ignore", "none": "ignore", "-": "ignore",
    "ai_system": "system", "review_date": "next_review",
}

SYNONYMS: dict[str, tuple[str, ...]] = {
    "title": ("title", "risk", "risk title", "risk name", "name", "risk summary", "summary", "short description",
              "risk event", "risk statement", "hazard", "threat", "risk scenario", "scenario", "headline"),
    "description": ("description", "risk description", "details", "detail", "risk details", "long description",
                    "explanation", "narrative"),
    "notes": ("notes", "note", "comments", "comment", "remarks", "cause", "causes", "root cause", "effect",
              "effects", "consequence description", "mitigation", "mitigations", "mitigation plan",
              "treatment plan", "treatment actions", "actions", "action plan", "mitigating actions",
              "existing controls", "current controls", "controls in place", "rationale", "justification"),
    "system": ("system", "ai system", "ai system ref", "system ref", "system name", "ai system name",
               "application", "model", "ai model", "product", "use case", "service", "asset"),
    "owner": ("owner", "risk owner", "owner login", "responsible", "responsible person", "assigned to",
              "assignee", "accountable", "accountable person", "risk manager"),
    "category": ("category", "risk category", "objective", "annex c objective", "risk type", "type", "area",
                 "risk area", "domain", "theme"),
    "source": ("source", "risk source", "annex c source", "origin"),
    "inherent_likelihood": ("likelihood", "probability", "inherent likelihood", "inherent probability",
                            "gross likelihood", "initial likelihood", "frequency", "chance", "l", "p"),
    "inherent_impact": ("impact", "severity", "consequence", "consequences", "inherent impact",
                        "inherent severity", "inherent consequence", "gross impact", "initial impact",
                        "magnitude", "i", "s", "c"),
    "residual_likelihood": ("residual likelihood", "residual probability", "net likelihood",
                            "target likelihood", "post mitigation likelihood", "rl"),
    "residual_impact": ("residual impact", "residual severity", "residual consequence", "net impact",
                        "target impact", "post mitigation impact", "ri"),
    "treatment_option": ("treatment", "treatment option", "risk treatment", "response", "risk response",
                         "treatment strategy", "response strategy", "strategy", "decision"),
    "status": ("status", "risk status", "state"),
    "review_cadence": ("review cadence", "review frequency", "review cycle", "review interval", "cadence"),
    "next_review": ("next review", "next review date", "review date", "review by", "review due", "due date",
                    "next review due"),
    "controls": ("controls", "control", "annex a controls", "annex a control", "linked controls",
                 "iso 42001 controls", "control codes", "control ref", "control refs"),
    "external_id": ("id", "risk id", "ref", "ref id", "risk ref", "reference", "risk reference", "no", "nr", "number",
                    "risk no", "risk number", "#", "key", "risk key", "identifier"),
    "ignore": ("score", "risk score", "rating", "risk rating", "level", "risk level", "inherent score",
               "residual score", "inherent risk", "residual risk", "inherent rating", "residual rating",
               "rag", "heat", "priority"),
}
_SYN_INDEX = {name: f for f, names in SYNONYMS.items() for name in names}

_LIKELIHOOD_WORDS = {"likelihood", "probability", "proba", "frequency", "chance", "occurrence"}
_IMPACT_WORDS = {"impact", "severity", "consequence", "consequences", "magnitude"}
_RESIDUAL_WORDS = {"residual", "net", "post", "target", "after", "remaining"}

# Peer tools' exports, recognised by their headers (their scales noted for the reader).
# CISO Assistant risk scenarios: ref_id, name, description, current_proba, current_impact,
# residual_proba, residual_impact, treatment, owner; probabilities and impacts are 0-based
# indexes into its matrix (-1: not rated).
PEER_FORMATS = {
    "CISO Assistant risk scenarios": {"ref id", "current proba", "current impact"},
}
# Treatment words that say no option was chosen yet (CISO Assistant's "open"): the
# risk gets the default option and stays open.
TREATMENT_UNDECIDED = {"open", "undecided", "tbd", "to be decided", "pending", "not decided", "none", "n a"}

TREATMENT_SYNONYMS = {
    "mitigate": "mitigate", "mitigation": "mitigate", "reduce": "mitigate", "reduction": "mitigate",
    "treat": "mitigate", "modify": "mitigate", "control": "mitigate", "minimise": "mitigate",
    "minimize": "mitigate", "change the likelihood": "mitigate", "change the consequences": "mitigate",
    "avoid": "avoid", "avoidance": "avoid", "terminate": "avoid", "eliminate": "avoid", "remove": "avoid",
    "transfer": "transfer", "share": "transfer", "sharing": "transfer", "insure": "transfer",
    "insurance": "transfer", "outsource": "transfer",
    "accept": "accept", "acceptance": "accept", "retain": "accept", "retention": "accept",
    "tolerate": "accept", "take": "accept",
}
STATUS_SYNONYMS = {
    "open": "open", "new": "open", "identified": "open", "active": "open", "raised": "open", "draft": "open",
    "to do": "open", "todo": "open", "not started": "open",
    "treating": "treating", "in treatment": "treating", "in progress": "treating", "mitigating": "treating",
    "ongoing": "treating", "being treated": "treating", "wip": "treating",
    "accepted": "accepted", "tolerated": "accepted", "retained": "accepted",
    "closed": "closed", "resolved": "closed", "done": "closed", "retired": "closed", "complete": "closed",
    "completed": "closed", "mitigated": "closed",
}
CATEGORY_SYNONYMS = {
    "bias": "fairness", "discrimination": "fairness", "equity": "fairness", "fair": "fairness",
    "data protection": "privacy", "gdpr": "privacy", "personal data": "privacy", "confidentiality": "privacy",
    "cyber": "security", "cybersecurity": "security", "cyber security": "security",
    "information security": "security", "infosec": "security",
    "explainability": "transparency", "explicability": "transparency", "interpretability": "transparency",
    "reliability": "robustness", "accuracy": "robustness", "performance": "robustness",
    "resilience": "robustness", "drift": "robustness",
    "data": "data_quality", "data quality": "data_quality", "data integrity": "data_quality",
    "environment": "environmental_impact", "environmental": "environmental_impact",
    "sustainability": "environmental_impact", "energy": "environmental_impact",
    "expertise": "ai_expertise", "skills": "ai_expertise", "competence": "ai_expertise",
    "knowledge": "ai_expertise", "ai expertise": "ai_expertise",
    "governance": "accountability", "oversight": "accountability", "responsibility": "accountability",
    "maintenance": "maintainability", "technical debt": "maintainability",
    "harm": "safety", "physical safety": "safety", "health and safety": "safety",
}


def normalize_header(text: Any) -> str:
    """Casefolded words: "Likelihood (1-5)*" -> "likelihood", "Risk_Owner" -> "risk owner"."""
    s = "" if text is None else str(text)
    s = unicodedata.normalize("NFKC", s).casefold()
    s = re.sub(r"\([^)]*\)|\[[^\]]*\]", " ", s)  # "(1-5)", "[H/M/L]"
    s = s.replace("#", " # ")
    s = re.sub(r"[^\w#]+", " ", s).replace("_", " ")
    return " ".join(s.split())


def field_for(header: Any) -> tuple[str | None, int]:
    """The field a column name maps to, and how sure (2 exact, 1 by words, 0 none)."""
    raw = "" if header is None else str(header)
    n = normalize_header(raw)
    if not n:
        return None, 0
    if n in _SYN_INDEX:
        return _SYN_INDEX[n], 2
    # "Pre-mitigation probability", "Likelihood - residual", "Inherent Risk Impact"
    words = set(n.split())
    residual = bool(words & _RESIDUAL_WORDS)
    if words & _LIKELIHOOD_WORDS and not words & _IMPACT_WORDS:
        return ("residual_likelihood" if residual else "inherent_likelihood"), 1
    if words & _IMPACT_WORDS and not words & _LIKELIHOOD_WORDS:
        return ("residual_impact" if residual else "inherent_impact"), 1
    if "owner" in words:
        return "owner", 1
    if words & {"title", "name"} and "system" not in words and "owner" not in words:
        return "title", 1
    if "description" in words:
        return "description", 1
    if "category" in words:
        return "category", 1
    if words & {"status"}:
        return "status", 1
    return None, 0


def resolve_field_name(name: str) -> str | None:
    """A --map target: a field name, an alias ("likelihood") or a column name ("Probability")."""
    n = name.strip().casefold().replace("-", "_").replace(" ", "_")
    if n in FIELDS:
        return n
    if n in FIELD_ALIASES:
        return FIELD_ALIASES[n]
    f, _ = field_for(name)
    return f



def column_letter(index: int) -> str:
    """0 -> A, 25 -> Z, 26 -> AA."""
    s = ""
    n = index + 1
    while n:
        n, r = divmod(n - 1, 26)
        s = chr(65 + r) + s
    return s


def _letter_index(letters: str) -> int | None:
    if not re.fullmatch(r"[A-Za-z]{1,3}", letters):
        return None
    n = 0
    for ch in letters.upper():
        n = n * 26 + (ord(ch) - 64)
    return n - 1



def cell_text(value: Any) -> str:
    """A cell as text: numbers without a spurious ".0", dates as ISO, newlines as \\n."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        if value.is_integer() and abs(value) < 1e15:
            return str(int(value))
        return repr(value)
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == time(0) else value.isoformat(sep=" ")
    if isinstance(value, (date, time)):
        return value.isoformat()
    s = str(value).replace("\r\n", "\n").replace("\r", "\n")
    # A text cell guarded against formula injection by an export ("'=x") comes back as written.
    if len(s) > 1 and s[0] == "'" and s[1] in "=+-@":
        s = s[1:]
    return s


def _fields_of(cells: Sequence[Any]) -> set[str]:
    return {f for f in (field_for(cell_text(c))[0] for c in cells) if f and f not in MULTI_FIELDS}



_text = cell_text
