"""The demo's lossless JSON export imports into a fresh database, as real processes (issue 17)."""

from __future__ import annotations

import json

from .processes import aims


def test_the_demos_json_export_imports_into_a_fresh_database_as_real_processes(tmp_path):
    """Issue 17: a demo loaded without --with-users named owners (alice, bob, chen) who were
    not users of its database, so `aims import json` refused the demo's own export. The
    demo now adds its team as users: the export imports whole, and reads the same."""
    first, second = tmp_path / "a" / "aims.db", tmp_path / "b" / "aims.db"
    aims(first, "init", "--org", "Acme AI")
    out = aims(first, "demo", "--systems", "4", "--risks-per-system", "3", "--seed", "5").stdout
    assert "Demo users: alice (editor), bob (approver), chen (editor), dana (viewer)" in out
    aims(first, "export", "json", "--out", str(tmp_path / "a.json"))
    done = aims(second, "import", "json", str(tmp_path / "a.json"))
    assert "the audit trail verifies" in done.stdout, done.stdout
    aims(second, "export", "json", "--out", str(tmp_path / "b.json"))
    assert json.loads((tmp_path / "b.json").read_text()) == json.loads((tmp_path / "a.json").read_text())
    readiness = [json.loads(aims(db, "readiness", "--format", "json", code=3).stdout) for db in (first, second)]
    assert readiness[0] == readiness[1] and 1 <= sum(1 for f in readiness[0]["findings"] if f["state"] != "ok") <= 8
    aims(second, "audit", "verify")
