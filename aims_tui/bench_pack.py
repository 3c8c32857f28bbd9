"""Benchmark: the management review pack for a large register.

    python -m aims_tui.bench_pack [--systems 1000] [--risks-per-system 10] [--runs 1]

Builds the demo database once (cached under .bench/, gitignored), then times
gathering the data and rendering the pack, full register appendix included.
Prints one JSON line per measurement: wall-clock seconds and the CPU seconds
of this process (the wall clock includes waiting for a busy machine's cores);
``trends_seconds``: the 12 month ends of the first page and trends page alone
(the register as of each, issue 19), already included in the pack's time.
Target (issue 15): under 5 s of CPU for 1,000 AI systems and 10,000 risks, in the first run
of a fresh process (`python -m aims_tui.bench --only-targets` runs this at 1,000 and 10,000
risks and compares the CPU per page).

It lives beside ``aims_tui.bench``, above every layer: building the demo
database needs the write path, which the reports never import.
"""

from __future__ import annotations

import argparse
import json
import time
from datetime import date
from pathlib import Path

from .core import trends as core_trends
from .core.db import REPO_DIR, open_database
from .core.services import setup
from .core.services.demo import load_demo
from .reports import data
from .reports.pack import render

AS_OF = date(2026, 6, 15)
ACTOR = "bench"


def bench_db(systems: int, per: int, folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"bench-{systems}x{per}.db"
    if path.exists():
        return path
    tmp = path.with_name(path.name + ".tmp")
    for p in (tmp, Path(str(tmp) + "-wal"), Path(str(tmp) + "-shm")):
        p.unlink(missing_ok=True)
    db = open_database(str(tmp))
    setup.initialize(db, ACTOR, "Bench Org")
    load_demo(db, ACTOR, systems=systems, risks_per_system=per, seed=1, today=AS_OF)
    with db.engine.connect() as c:
        c.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    db.dispose()
    tmp.replace(path)
    return path


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(prog="python -m aims_tui.bench_pack")
    ap.add_argument("--systems", type=int, default=1000)
    ap.add_argument("--risks-per-system", type=int, default=10)
    ap.add_argument("--runs", type=int, default=1)
    ap.add_argument("--out", default=str(REPO_DIR / ".bench" / "pack.pdf"))
    ap.add_argument("--dir", default=str(REPO_DIR / ".bench"), help="where the database is cached")
    args = ap.parse_args(argv)
    t0 = time.perf_counter()
    path = bench_db(args.systems, args.risks_per_system, Path(args.dir))
    print(json.dumps({"step": "database", "path": str(path), "seconds": round(time.perf_counter() - t0, 2)}),
          flush=True)
    db = open_database(str(path))
    for run in range(1, args.runs + 1):
        t1, c1 = time.perf_counter(), time.process_time()
        d = data.gather(db, AS_OF)
        t2 = time.perf_counter()
        res = render(d, Path(args.out), generated_by=ACTOR)
        t3, c3 = time.perf_counter(), time.process_time()
        core_trends.trends(db, AS_OF)  # the series alone (gather above computed them once already)
        t4, c4 = time.perf_counter(), time.process_time()
        print(json.dumps({
            "step": "pack", "run": run, "systems": len(d["systems"]), "risks": len(d["register"]),
            "pages": res.pages, "bytes": res.size, "gather_seconds": round(t2 - t1, 2),
            "render_seconds": round(t3 - t2, 2), "total_seconds": round(t3 - t1, 2),
            "cpu_seconds": round(c3 - c1, 2),
            "trends_seconds": round(t4 - t3, 2), "trends_cpu_seconds": round(c4 - c3, 2),
            "target_seconds": 10, "digest": res.digest, "out": str(res.path),
        }), flush=True)
    db.dispose()


if __name__ == "__main__":
    main()
