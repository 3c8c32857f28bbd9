"""Several processes writing one database at once: no lost update, one linear audit chain."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from aims_tui.core import audit
from aims_tui.core.services import risks

from ..conftest import EDITOR, TODAY, where
from .helpers import audit_count

WRITER = r"""
import sys
from aims_tui.core.db import open_database
from aims_tui.core.errors import Conflict
from aims_tui.core.services import risks
db = open_database(sys.argv[1])
ref, who, n = sys.argv[2], sys.argv[3], int(sys.argv[4])
conflicts = 0
for i in range(n):
    while True:
        r = risks.get_risk(db, ref)
        try:
            risks.update_risk(db, "eve", ref, {"description": r["description"] + f"{who}{i};"},
                              expect_version=r["version"])
            break
        except Conflict:
            conflicts += 1
print(conflicts)
"""


@pytest.mark.slow
def test_three_processes_updating_one_risk_lose_nothing_and_keep_one_chain(db):
    """Read-modify-write with expect_version, retried on Conflict: every edit lands exactly once."""
    r = risks.create_risk(db, EDITOR, {"title": "Shared", "inherent_likelihood": 2, "inherent_impact": 2},
                          today=TODAY)
    before = audit_count(db)
    n, names = 12, ["a", "b", "c"]
    procs = [subprocess.Popen([sys.executable, "-c", WRITER, where(db), r["ref"], who, str(n)],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                              cwd=Path(__file__).resolve().parents[2]) for who in names]
    for p in procs:
        out, err = p.communicate(timeout=300)
        assert p.returncode == 0, err
    final = risks.get_risk(db, r["ref"])
    tokens = [t for t in final["description"].split(";") if t]
    assert sorted(tokens) == sorted(f"{who}{i}" for who in names for i in range(n))
    assert final["version"] == r["version"] + len(names) * n
    assert audit_count(db) == before + len(names) * n
    with db.read() as s:
        result = audit.verify(s)
    assert result.ok, result.reason
