"""The management review pack (clause 9.3) as a PDF.

Imported only when exporting: :mod:`aims_tui.reports.data` is headless (the
TUI reads a review's inputs from it); :mod:`aims_tui.reports.pack` renders with
ReportLab, which nothing in ``aims_tui.core`` imports.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date
from pathlib import Path
from typing import Any, Callable

from ..core.db import REPO_DIR
from ..core.outfile import target_path
from . import data

Progress = Callable[[str, float], None]


def slug(text: str) -> str:
    """A file-name-safe form of an organization name ("Ωmega & Co <b>" -> "ωmega-co-b")."""
    s = unicodedata.normalize("NFKC", text or "").casefold()
    s = re.sub(r"[^\w]+|_", "-", s).strip("-")
    return s[:60].strip("-") or "organization"


def default_pack_name(organization: str, as_of: date) -> str:
    return f"management-review-pack-{slug(organization)}-{as_of.isoformat()}.pdf"


def default_exports_dir() -> Path:
    """The repository's exports/ (editable install), else ./exports."""
    repo = REPO_DIR / "exports"
    return repo if repo.is_dir() else Path.cwd() / "exports"


def build_pack(db: Any, out: Path | None, *, as_of: date, since: date | None = None, generated_by: str,
               review_ref: str | None = None, progress: Progress | None = None,
               exports_dir: Path | None = None) -> Any:
    """Gather the data and render the pack; returns a ``PackResult`` (path, digest, pages, size)."""
    from .pack import render  # deferred: ReportLab loads here, only when exporting

    d = data.gather(db, as_of, since, review_ref, progress=progress)
    # --out naming a folder: the default name in it
    out = target_path(out, exports_dir or default_exports_dir(), default_pack_name(d["head"]["organization"], as_of))
    return render(d, Path(out), generated_by=generated_by, progress=progress)
