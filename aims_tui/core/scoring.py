"""The risk matrix: scores, levels and appetite, in one place for every face.

Neither ISO/IEC 42001 nor ISO 31000 prescribes a matrix, so everything here is
configurable (stored in Settings.matrix); the default is the common 5x5 with
four bands. Score = likelihood x impact.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

DEFAULT_LIKELIHOOD = ("Rare", "Unlikely", "Possible", "Likely", "Almost certain")
DEFAULT_IMPACT = ("Negligible", "Minor", "Moderate", "Major", "Severe")


def score(likelihood: int, impact: int) -> int:
    """Score = likelihood x impact: the formula itself, for values already checked
    (the risk table computes the same in its generated score columns)."""
    return likelihood * impact


@dataclass(frozen=True)
class Band:
    name: str
    low: int  # inclusive
    high: int  # inclusive
    colour: str  # a colour name understood by Rich and ReportLab

    def contains(self, score: int) -> bool:
        return self.low <= score <= self.high


DEFAULT_BANDS = (
    Band("Low", 1, 4, "green"),
    Band("Medium", 5, 9, "yellow"),
    Band("High", 10, 14, "dark_orange"),
    Band("Critical", 15, 25, "red"),
)


class MatrixError(ValueError):
    """The matrix configuration is inconsistent."""


@dataclass(frozen=True)
class Matrix:
    likelihood_labels: tuple[str, ...] = DEFAULT_LIKELIHOOD
    impact_labels: tuple[str, ...] = DEFAULT_IMPACT
    bands: tuple[Band, ...] = DEFAULT_BANDS
    # The highest residual score that is within appetite; above it a residual
    # risk needs a formal acceptance.
    appetite: int = 9
    _lookup: tuple[str, ...] = field(default=(), init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if not self.likelihood_labels or not self.impact_labels:
            raise MatrixError("the matrix needs at least one likelihood and one impact label")
        top = self.max_score
        covered: list[str | None] = [None] * (top + 1)
        for band in self.bands:
            if band.low > band.high:
                raise MatrixError(f"band {band.name!r}: low {band.low} is above high {band.high}")
            for s in range(band.low, band.high + 1):
                if s < 1 or s > top:
                    raise MatrixError(f"band {band.name!r} covers {s}, outside 1..{top}")
                if covered[s] is not None:
                    raise MatrixError(f"score {s} is in both {covered[s]!r} and {band.name!r}")
                covered[s] = band.name
        missing = [s for s in range(1, top + 1) if covered[s] is None]
        if missing:
            raise MatrixError(f"scores {missing} are in no band")
        if not 0 <= self.appetite <= top:
            raise MatrixError(f"appetite {self.appetite} is outside 0..{top}")
        object.__setattr__(self, "_lookup", tuple(covered[1:]))

    # -- shape ---------------------------------------------------------------
    @property
    def n_likelihood(self) -> int:
        return len(self.likelihood_labels)

    @property
    def n_impact(self) -> int:
        return len(self.impact_labels)

    @property
    def max_score(self) -> int:
        return self.n_likelihood * self.n_impact

    # -- rules ---------------------------------------------------------------
    def check_likelihood(self, value: int) -> bool:
        return isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= self.n_likelihood

    def check_impact(self, value: int) -> bool:
        return isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= self.n_impact

    def score(self, likelihood: int, impact: int) -> int:
        if not self.check_likelihood(likelihood):
            raise ValueError(f"likelihood must be 1..{self.n_likelihood}, got {likelihood!r}")
        if not self.check_impact(impact):
            raise ValueError(f"impact must be 1..{self.n_impact}, got {impact!r}")
        return score(likelihood, impact)

    def band_for_score(self, score: int) -> Band:
        if not 1 <= score <= self.max_score:
            raise ValueError(f"score must be 1..{self.max_score}, got {score!r}")
        name = self._lookup[score - 1]
        return next(b for b in self.bands if b.name == name)

    def level(self, likelihood: int, impact: int) -> Band:
        """The band of a likelihood/impact pair: the one function every face uses."""
        return self.band_for_score(self.score(likelihood, impact))

    def band(self, name: str) -> Band:
        for b in self.bands:
            if b.name.casefold() == name.casefold():
                return b
        raise KeyError(name)

    def level_names(self) -> list[str]:
        return [b.name for b in self.bands]

    def above_appetite(self, residual_score: int) -> bool:
        return residual_score > self.appetite

    def needs_acceptance(self, residual_likelihood: int, residual_impact: int) -> bool:
        return self.above_appetite(self.score(residual_likelihood, residual_impact))

    def likelihood_label(self, value: int) -> str:
        return self.likelihood_labels[value - 1]

    def impact_label(self, value: int) -> str:
        return self.impact_labels[value - 1]

    # -- persistence ---------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        return {
            "likelihood_labels": list(self.likelihood_labels),
            "impact_labels": list(self.impact_labels),
            "bands": [
                {"name": b.name, "low": b.low, "high": b.high, "colour": b.colour} for b in self.bands
            ],
            "appetite": self.appetite,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any] | None) -> "Matrix":
        if not data:
            return cls()
        return cls(
            likelihood_labels=tuple(data.get("likelihood_labels") or DEFAULT_LIKELIHOOD),
            impact_labels=tuple(data.get("impact_labels") or DEFAULT_IMPACT),
            bands=tuple(
                Band(str(b["name"]), int(b["low"]), int(b["high"]), str(b.get("colour", "white")))
                for b in (data.get("bands") or [b.__dict__ for b in DEFAULT_BANDS])
            ),
            appetite=int(data.get("appetite", 9)),
        )


DEFAULT_MATRIX = Matrix()

# The level shown for a risk brought in without scores (risk.awaiting_assessment):
# it is in no band, above no appetite and in no heat map until someone scores it.
AWAITING_LEVEL = "Awaiting assessment"
AWAITING_COLOUR = "grey"


# Words that spreadsheets use for a position on a scale, as a position on a
# five-point scale (1 lowest). Mapped onto the configured scale by
# _onto_scale. Keys are casefolded with "-", "_" and "/" read as spaces.
_SCALE_WORDS = {
    "very low": 1, "vl": 1, "insignificant": 1, "negligible": 1, "rare": 1, "remote": 1,
    "improbable": 1, "very unlikely": 1, "minimal": 1, "trivial": 1,
    "low": 2, "l": 2, "minor": 2, "unlikely": 2, "limited": 2,
    "medium": 3, "med": 3, "m": 3, "moderate": 3, "possible": 3, "occasional": 3, "significant": 3,
    "medium low": 3, "low medium": 3, "medium high": 4, "high medium": 4,
    "high": 4, "h": 4, "major": 4, "likely": 4, "probable": 4, "serious": 4, "very likely": 5,
    "very high": 5, "vh": 5, "extreme": 5, "critical": 5, "severe": 5, "catastrophic": 5,
    "almost certain": 5, "certain": 5, "frequent": 5,
}
_THREE_POINT = {"very low": 1, "vl": 1, "low": 1, "l": 1, "medium": 2, "med": 2, "m": 2,
                "moderate": 2, "high": 3, "h": 3, "very high": 3, "vh": 3}
_LEADING_NUMBER = re.compile(r"^\s*[(\[]?\s*(\d+(?:[.,]\d+)?)\s*(%?)(?![\d.,])")
_TRAILING_NUMBER = re.compile(r"[(\[]\s*(\d+)\s*[)\]]\s*$")


def _fold(text: str) -> str:
    return " ".join(re.sub(r"[-_/]+", " ", text.casefold()).split())


def _onto_scale(position: int, n: int, word: str) -> int:
    if n == 5:
        return position
    if n == 3 and word in _THREE_POINT:
        return _THREE_POINT[word]
    # Linear, rounding half up: 1 -> 1, 5 -> n.
    return max(1, min(n, int((position - 1) * (n - 1) / 4 + 1.5)))


def parse_scale_value(text: Any, labels: tuple[str, ...]) -> int | None:
    """Map "3", "3.0", "3 - Possible", "Possible", "Possible (3)", "High", "H",
    "60%" onto a 1..N scale value (N = len(labels)).

    Used by importers and forms. Numbers win over words ("3 - Rare" is 3).
    Returns None when nothing sensible matches (or a number is off the scale).
    """
    if text is None or isinstance(text, bool):
        return None
    n = len(labels)
    if isinstance(text, (int, float)):
        f = float(text)
        return int(f) if f.is_integer() and 1 <= f <= n else None
    s = str(text).strip()
    if not s:
        return None
    m = _LEADING_NUMBER.match(s)
    if m:
        try:
            f = float(m.group(1).replace(",", "."))
        except ValueError:  # pragma: no cover - the pattern only lets digits through
            return None
        if m.group(2) == "%":  # a probability: split 0..100 % into n equal bands
            if not 0 <= f <= 100:
                return None
            return max(1, min(n, int(-(-f * n // 100)) or 1))
        if f.is_integer() and 1 <= f <= n:
            return int(f)
        return None
    fold = _fold(s)
    folded_labels = [_fold(label) for label in labels]
    for i, label in enumerate(folded_labels, start=1):
        if fold == label:
            return i
    if fold in _SCALE_WORDS:
        return _onto_scale(_SCALE_WORDS[fold], n, fold)
    m = _TRAILING_NUMBER.search(s)
    if m and 1 <= int(m.group(1)) <= n:
        return int(m.group(1))
    # A label inside longer text ("Likely to happen"): the longest label that
    # appears as whole words wins, so "unlikely" is not read as "likely".
    best = None
    for i, label in enumerate(folded_labels, start=1):
        if label and re.search(r"(?<!\w)" + re.escape(label) + r"(?!\w)", fold):
            if best is None or len(label) > len(folded_labels[best - 1]):
                best = i
    return best
