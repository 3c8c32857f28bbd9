"""The speed benchmark: ``python -m aims_tui.bench [--sizes 1000,100000,1000000]``.

Builds one demo database per size once (cached under ``.bench/``, rebuilt
when the schema or the demo loader changes) and prints one JSON line per
figure. Not part of the test run. What is measured (milliseconds):

- ``first_paint``: a fresh process, from its start until the register's first
  window and its row count are ready (the TUI's first paint when the TUI can
  be driven headless, else the query side: open + first page + count);
- ``search_keystroke``: typing a phrase one character at a time, each
  keystroke to the filtered first window (median and p95 of 20), and the same
  with the row count;
- ``page_down`` (20 windows from the top) and ``end`` (the last window), for
  the default view and for "active risks by next review";
- ``open_risk``: ``services.risks.get_risk`` for 20 refs spread over the register;
- ``dashboard_aggregates``: both heat maps, level counts, systems per stage, overdue count;
- ``aims_reminders`` / ``aims_check`` / ``aims_readiness``: the commands as subprocesses, when they exist;
- ``pack``: ``aims export pack`` at 10,000 risks, when it exists;
- ``history_as_of``: the register (first page, 20 pages down, end, by residual,
  count), the dashboard's aggregates and one system as of a moment 1,000
  rescores ago (core.history), each with the same view now as its floor and
  the ratio; ``history_build``: the first read of that moment (views built);
- ``peak_memory_mb``: ru_maxrss of the first-paint process;
- ``audit_verify_full``: ``aims audit verify``'s work (every event, every record
  against its digest), ``audit_quick_check``: the check the app runs at start
  and ``aims db check`` prints, and ``audit_floor``: reading every row of every
  record table once, untouched (the least a full verify could cost), with the
  ratio of each to it;
- ``import``: ``aims import risks`` of a generated CSV of 1,000 and 10,000 rows
  into a fresh register (``--import-sizes``): end to end (the command as a
  subprocess), the phases in one process (read, check, write), the time the
  write lock was held and peak memory; with the floor measured in the same run
  (``import_floor``: a command that opens the database and does nothing else,
  and a bare ``executemany`` of as many rows into a scratch SQLite table).

``--only-targets`` prints the targets of issue 15, each against its floor measured in the
same run (``"figure": "target"``), and two references that are not targets
(``"figure": "reference"``): the register reached through the dashboard (``aims``, then 2:
two screens painted, against the one-screen floor), and that path against the same two
screens drawn by Textual's own widgets (``FLOOR_TEXTUAL_TWO_SCREENS``).

``--pg URL`` (a PostgreSQL server aims may create databases on, e.g.
``postgresql+psycopg://me@/postgres?host=/var/run/postgresql``) also runs the
register figures (first paint, search, paging, open, dashboard, audit,
reminders, check) on PostgreSQL for ``--pg-sizes`` (default: ``--sizes``), one
database ``aims_bench_<size>`` each (kept, rebuilt when stale, like the SQLite
files; built by the demo loader with COPY). Every line then says its
``engine``; the SQLite figures come first, then PostgreSQL's.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, Callable

PACKAGE = Path(__file__).resolve().parent
PAGE = 100
PHRASE = "prompt injection leaks"  # 20 keystrokes: the first 20 characters
TARGETS = {"import_end_to_end": 5000, "import_lock_held": 1000, "first_paint": 1000, "search_keystroke": 100, "page_down": 100, "end": 100,
           "aims_reminders": 2000, "aims_check": 2000, "peak_memory_mb": 250,
           "aims_readiness": 2000}


ENGINE = {"engine": "sqlite"}  # named in every line (main switches it for --pg)


def emit(figure: str, size: int, **values: Any) -> None:
    line = {"figure": figure, "risks": size, **ENGINE, **values}
    if figure in TARGETS:
        line["target"] = TARGETS[figure]
    print(json.dumps(line), flush=True)


def shape(size: int) -> tuple[int, int]:
    """(systems, risks per system) for a register of ``size`` risks."""
    systems = max(1, min(100, size // 100))
    return systems, max(0, size // systems)


def _stamp() -> str:
    h = hashlib.sha256()
    for p in sorted([PACKAGE / "core" / "services" / "demo.py", PACKAGE / "core" / "models.py",
                     PACKAGE / "core" / "seal.py", PACKAGE / "core" / "audit.py"]):
        # (not the migrations: opening a cached database upgrades it, a 1M-risk build takes 15 min)
        h.update(p.read_bytes())
    return h.hexdigest()[:16]


def ensure_db(folder: Path, size: int, rebuild: bool = False) -> Path:
    """The cached database of ``size`` risks, built on first use."""
    from .core import identity
    from .core.db import open_database
    from .core.services import setup
    from .core.services.demo import load_demo

    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"aims-{size}.db"
    stamp = folder / f"aims-{size}.stamp"
    if path.exists() and not rebuild and stamp.exists() and stamp.read_text() == _stamp():
        return path
    tmp = folder / f"aims-{size}.building.db"
    for p in (tmp, Path(f"{tmp}-wal"), Path(f"{tmp}-shm")):
        p.unlink(missing_ok=True)
    t0 = time.perf_counter()
    db = open_database(str(tmp))
    login = identity.os_login()
    setup.initialize(db, login, "Benchmark Org")
    systems, per = shape(size)
    counts = load_demo(db, login, systems=systems, risks_per_system=per, seed=1)
    with db.engine.connect() as c:
        c.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    db.dispose()
    emit("build", size, ms=round((time.perf_counter() - t0) * 1000), counts=counts)
    for p in (path, Path(f"{path}-wal"), Path(f"{path}-shm")):
        p.unlink(missing_ok=True)
    tmp.rename(path)
    stamp.write_text(_stamp())
    return path


def ensure_pg_db(server_url: str, size: int, rebuild: bool = False) -> str:
    """The PostgreSQL register of ``size`` risks on the server, built on first use: the URL
    of database ``aims_bench_<size>`` (its comment holds the build's stamp)."""
    import psycopg
    from sqlalchemy.engine import make_url

    from .core.db import open_database
    from .core.services import setup
    from .core.services.demo import load_demo

    server = make_url(server_url)
    name = f"aims_bench_{size}"
    url = server.set(database=name).render_as_string(hide_password=False)
    admin = server.set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(admin, autocommit=True) as con:
        row = con.execute("SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = %s",
                          (name,)).fetchone()
        if row is not None and row[0] == _stamp() and not rebuild:
            return url
        con.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        con.execute(f'CREATE DATABASE "{name}"')
    t0 = time.perf_counter()
    db = open_database(url)
    with db.engine.connect() as c:  # on PostgreSQL aims is the connection's role, not the OS login
        login = str(c.exec_driver_sql("SELECT session_user").scalar())
    setup.initialize(db, login, "Benchmark Org")
    systems, per = shape(size)
    counts = load_demo(db, login, systems=systems, risks_per_system=per, seed=1)
    db.dispose()
    with psycopg.connect(make_url(url).set(drivername="postgresql").render_as_string(hide_password=False),
                         autocommit=True) as con:
        con.execute("VACUUM ANALYZE")
    emit("build", size, ms=round((time.perf_counter() - t0) * 1000), counts=counts)
    with psycopg.connect(admin, autocommit=True) as con:
        con.execute(f"COMMENT ON DATABASE \"{name}\" IS '{_stamp()}'")
    return url


def _timed(fn: Callable[[], Any]) -> float:
    t = time.perf_counter()
    fn()
    return (time.perf_counter() - t) * 1000


def _stats(ms: list[float]) -> dict[str, float]:
    s = sorted(ms)
    p95 = s[min(len(s) - 1, max(0, round(0.95 * len(s)) - 1))]
    return {"median_ms": round(statistics.median(s), 1), "p95_ms": round(p95, 1), "n": len(s)}


# -- first paint, in a fresh process -------------------------------------------

PROBE_QUERY = r"""
import resource, sys, time
t0 = float(sys.argv[2])
from aims_tui.core.db import open_database
from aims_tui.core.queries import RiskFilter, risk_count, risk_page
db = open_database(sys.argv[1])
page = risk_page(db, RiskFilter(), limit=%(page)d)
n = risk_count(db, RiskFilter())
t1 = time.time()
ru = resource.getrusage(resource.RUSAGE_SELF)
print((t1 - t0) * 1000, (ru.ru_utime + ru.ru_stime) * 1000, ru.ru_maxrss / 1024, len(page.rows), n)
"""


def _tui_probe() -> str | None:
    """A probe that drives the TUI headless, if the TUI offers what it needs."""
    # Only once the TUI has a register that reads windows (risk_page).
    if not any("risk_page" in p.read_text(encoding="utf-8", errors="replace")
               for p in (PACKAGE / "tui").rglob("*.py")):
        return None
    try:
        from .tui import app as tui_app  # noqa: F401
    except Exception:
        return None
    if not hasattr(tui_app, "AimsApp"):
        return None
    return r"""
import asyncio, resource, sys, time
t0 = float(sys.argv[2])
from aims_tui.core.db import open_database
from aims_tui.tui.app import AimsApp

async def main():
    db = open_database(sys.argv[1])
    start = sys.argv[4] if len(sys.argv) > 4 else "dashboard"
    # "register": the app opened on the register (aims --screen register); "dashboard": opened
    # as `aims` opens, on the dashboard, and sent to the register at once
    # "dashboard_first": opened as `aims` opens, until the dashboard's counts are on screen
    opens = start if start not in ("dashboard", "dashboard_first") else None
    app = AimsApp(db, sys.argv[3], screen=opens) if opens else AimsApp(db, sys.argv[3])
    async with app.run_test(size=(160, 50)) as pilot:
        if start == "dashboard" and hasattr(app, "goto"):
            app.goto("register")
        for _ in range(2000):
            await pilot.pause(0.005)
            if start == "dashboard_first":
                if _counts_shown(app):
                    break
            elif "register" in type(app.screen).__name__.lower() and _has_rows(app):
                break
        t1 = time.time()
        rows = _has_rows(app)
        ru = resource.getrusage(resource.RUSAGE_SELF)
    print((t1 - t0) * 1000, (ru.ru_utime + ru.ru_stime) * 1000, ru.ru_maxrss / 1024, rows, -1)

def _counts_shown(app):
    from textual.widgets import OptionList
    try:
        return "dashboard" in type(app.screen).__name__.lower() and app.screen.query_one("#summary", OptionList).option_count
    except Exception:
        return 0

def _has_rows(app):
    from textual.widgets import DataTable
    try:
        return sum(t.row_count for t in app.screen.query(DataTable))
    except Exception:
        return 0

asyncio.run(main())
"""


def first_paint(path: Path, size: int, runs: int = 3) -> None:
    from .core import identity

    probes = [("query", PROBE_QUERY % {"page": PAGE})]
    tui = _tui_probe()
    if tui:
        probes.append(("tui", tui))
    for side, code in probes:
        times, cpu, mem = [], [], []
        for _ in range(runs):
            out = subprocess.run([sys.executable, "-c", code, str(path), repr(time.time()), identity.os_login()],
                                 capture_output=True, text=True, timeout=600)
            if out.returncode != 0:
                emit("first_paint", size, side=side, error=out.stderr.strip().splitlines()[-1:])
                break
            ms, cpu_ms, rss, rows, _n = out.stdout.split()[-5:]
            times.append(float(ms))
            cpu.append(float(cpu_ms))
            mem.append(float(rss))
        if times:
            emit("first_paint", size, side=side, ms=round(min(times), 1), median_ms=round(statistics.median(times), 1),
                 cpu_ms=round(min(cpu), 1), rows=int(float(rows)),
                 note="wall clock from process start; cpu_ms: CPU time of that process (what a quiet machine shows)")
            emit("peak_memory_mb", size, side=side, mb=round(max(mem), 1))


# -- in-process figures --------------------------------------------------------

def query_figures(path: Path, size: int) -> None:
    from .core.db import open_database
    from .core.queries import RiskFilter, risk_count, risk_page
    from .core.services.risks import get_risk

    db = open_database(str(path))
    risk_page(db, RiskFilter(), limit=PAGE)  # warm the connection, as an open app has

    rows_ms, both_ms = [], []
    for i in range(1, 21):
        f = RiskFilter(search=PHRASE[:i])
        rows_ms.append(_timed(lambda: risk_page(db, f, limit=PAGE)))
        both_ms.append(_timed(lambda: (risk_page(db, f, limit=PAGE), risk_count(db, f))))
    emit("search_keystroke", size, side="query", what="first window", phrase=PHRASE[:20], **_stats(rows_ms))
    emit("search_keystroke_with_count", size, side="query", what="first window + row count", **_stats(both_ms))

    views = {"default (ref)": (RiskFilter(), "ref", False),
             "active by next review": (RiskFilter(status="active"), "next_review", False),
             "title descending": (RiskFilter(), "title", True)}
    for name, (f, sort, desc) in views.items():
        downs, page = [], risk_page(db, f, sort=sort, descending=desc, limit=PAGE)
        for _ in range(20):
            key = page.last_key
            t = time.perf_counter()
            page = risk_page(db, f, sort=sort, descending=desc, after=key, limit=PAGE)
            downs.append((time.perf_counter() - t) * 1000)
        emit("page_down", size, view=name, **_stats(downs))
        ends = [_timed(lambda: risk_page(db, f, sort=sort, descending=desc, from_end=True, limit=PAGE))
                for _ in range(5)]
        end = risk_page(db, f, sort=sort, descending=desc, from_end=True, limit=PAGE)
        ups = [_timed(lambda: risk_page(db, f, sort=sort, descending=desc, before=end.first_key, limit=PAGE))
               for _ in range(5)]
        emit("end", size, view=name, **_stats(ends))
        emit("page_up_from_end", size, view=name, **_stats(ups))
        emit("row_count", size, view=name, **_stats([_timed(lambda: risk_count(db, f)) for _ in range(3)]))

    from .core.queries import heat_map, level_counts, systems_per_stage

    def dashboard() -> None:
        heat_map(db)
        heat_map(db, residual=False)
        level_counts(db)
        systems_per_stage(db)
        risk_count(db, RiskFilter(overdue=True))

    runs = [_timed(dashboard) for _ in range(4)]
    emit("dashboard_aggregates", size, what="2 heat maps, level counts, stages, overdue count",
         first_ms=round(runs[0], 1), redraw_median_ms=round(statistics.median(runs[1:]), 1))

    refs = [f"R-{n:04d}" for n in range(1, size + 1, max(1, size // 20))][:20]
    emit("open_risk", size, **_stats([_timed(lambda r=r: get_risk(db, r)) for r in refs]))
    db.dispose()


def matrix(path: Path, size: int) -> None:
    """Every filter x sort x direction, first window and End: how many stay under 100 ms."""
    from .core.db import open_database
    from .core.queries import SORTS, RiskFilter, risk_page

    db = open_database(str(path))
    filters = {"none": RiskFilter(), "system": RiskFilter(system="AIS-007"), "org-wide": RiskFilter(system="-"),
               "owner": RiskFilter(owner="alice"), "level": RiskFilter(level="High"),
               "inherent_level": RiskFilter(inherent_level="Critical"), "status": RiskFilter(status="open"),
               "active": RiskFilter(status="active"), "category": RiskFilter(category="privacy"),
               "overdue": RiskFilter(overdue=True), "residual_cell": RiskFilter(residual_cell=(1, 1)),
               "inherent_cell": RiskFilter(inherent_cell=(5, 5)), "search": RiskFilter(search="prompt inj"),
               "search_1_char": RiskFilter(search="p")}
    all_ms, slow = [], []
    for fname, f in filters.items():
        for sort in SORTS:
            for desc in (False, True):
                for end in (False, True):
                    ms = _timed(lambda: risk_page(db, f, sort=sort, descending=desc, from_end=end, limit=PAGE))
                    all_ms.append(ms)
                    if ms >= 100:
                        slow.append(f"{fname}/{sort}/{'desc' if desc else 'asc'}/{'end' if end else 'top'}"
                                    f"={ms:.0f}")
    emit("filter_sort_matrix", size, under_100ms=sum(m < 100 for m in all_ms), total=len(all_ms),
         **_stats(all_ms), max_ms=round(max(all_ms), 1), slow=slow)
    db.dispose()


# -- commands as subprocesses ----------------------------------------------------

def _aims() -> list[str]:
    exe = Path(sys.executable).with_name("aims")
    return [str(exe)] if exe.exists() else [sys.executable, "-m", "aims_tui"]


def _has_command(*words: str) -> bool:
    out = subprocess.run([*_aims(), *words, "--help"], capture_output=True, text=True, timeout=120)
    return out.returncode == 0


def command(figure: str, size: int, args: list[str], runs: int = 3) -> None:
    import resource

    times, cpu, rc = [], [], None
    for _ in range(runs):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        t = time.perf_counter()
        out = subprocess.run([*_aims(), *args], capture_output=True, text=True, timeout=1800)
        times.append((time.perf_counter() - t) * 1000)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu.append((after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime) * 1000)
        rc = out.returncode
        if rc not in (0, 3):
            emit(figure, size, error=(out.stderr.strip().splitlines() or [""])[-1], exit_code=rc)
            return
    emit(figure, size, ms=round(min(times), 1), median_ms=round(statistics.median(times), 1),
         cpu_ms=round(min(cpu), 1), exit_code=rc)


def audit_figures(path: Path, size: int) -> None:
    """The full verify, the quick check, and the floor of reading every record once."""
    from .core import audit, seal
    from .core.db import open_database

    db = open_database(str(path))
    try:
        with db.read() as s:
            raw = s.connection().connection.driver_connection

            def floor() -> None:
                if not db.is_sqlite:  # every table of records, read once through the driver
                    for t in [r[0] for r in raw.execute("SELECT tablename FROM pg_tables WHERE schemaname = "
                                                        "current_schema() AND tablename NOT LIKE 'audit%'")]:
                        for _row in raw.execute(f'SELECT * FROM "{t}"'):
                            pass
                    return
                for k in seal.kinds(raw).values():
                    for _row in raw.execute(f"SELECT * FROM main.{k.q()}"):
                        pass

            floor_ms = min(_timed(floor) for _ in range(2))
            result: list = []
            full_ms = _timed(lambda: result.append(audit.verify(s)))
            quick = [_timed(lambda: audit.quick_check(s)) for _ in range(5)]
        emit("audit_floor", size, ms=round(floor_ms, 1), what="read every record row once")
        emit("audit_verify_full", size, ms=round(full_ms, 1), ok=result[0].ok, events=result[0].count,
             ratio_to_floor=round(full_ms / max(floor_ms, 0.001), 1))
        emit("audit_quick_check", size, **_stats(quick),
             ratio_to_floor=round(statistics.median(quick) / max(floor_ms, 0.001), 3))
    finally:
        db.dispose()


def _import_csv(path: Path, n: int) -> None:
    """A register as teams keep it: ID, title, description, owner, scores as words and numbers."""
    import csv
    import random

    rnd = random.Random(n)
    words = ["model", "drift", "prompt", "injection", "bias", "leak", "vendor", "outage", "label", "noise"]
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["Risk ID", "Risk Title", "Description", "Category", "Likelihood", "Impact",
                    "Residual Likelihood", "Residual Impact", "Treatment", "Status", "Next review"])
        for i in range(n):
            w.writerow([f"BR-{i:05d}", " ".join(rnd.sample(words, 4)).capitalize() + f" {i}",
                        " ".join(rnd.choices(words, k=40)), rnd.choice(["Fairness", "Privacy", "Security", ""]),
                        rnd.choice(["1", "2", "3 - Possible", "Likely", "High"]), rnd.randint(1, 5),
                        rnd.randint(1, 3), rnd.randint(1, 3), rnd.choice(["Mitigate", "Reduce", "Accept"]),
                        rnd.choice(["Open", "In progress"]), f"2027-{rnd.randint(1, 12):02d}-15"])


def _fresh_db(path: Path) -> None:
    from .core import identity
    from .core.db import open_database
    from .core.services import setup

    for p in (path, Path(f"{path}-wal"), Path(f"{path}-shm")):
        p.unlink(missing_ok=True)
    db = open_database(str(path))
    setup.initialize(db, identity.os_login(), "Bench")
    db.dispose()


def import_child(csv_path: str, db_path: str) -> None:
    """In a fresh process: the import's phases, the lock hold and peak memory (one JSON line)."""
    import resource

    from .core import identity
    from .core.db import open_database
    from .io import importer

    db = open_database(db_path)
    t0 = time.perf_counter()
    plan = importer.prepare(db, csv_path)
    t1 = time.perf_counter()
    result = importer.run(db, identity.os_login(), plan)
    t2 = time.perf_counter()
    print(json.dumps({"read_map_ms": round((t1 - t0) * 1000, 1), "check_write_ms": round((t2 - t1) * 1000, 1),
                      "lock_held_ms": round(result["lock_seconds"] * 1000, 1),
                      "lock_cpu_ms": round(result["lock_cpu_seconds"] * 1000, 1), "created": len(result["created"]),
                      "peak_memory_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)}))


def import_figures(folder: Path, n: int) -> None:
    import sqlite3

    folder.mkdir(parents=True, exist_ok=True)
    csv_path, db_path = folder / f"import-{n}.csv", folder / f"import-{n}.db"
    _import_csv(csv_path, n)
    # The floor: a command that opens the database and prints nothing, and a bare bulk insert.
    _fresh_db(db_path)
    t = time.perf_counter()
    subprocess.run([*_aims(), "risks", "list", "--db", str(db_path), "--format", "json"], capture_output=True,
                   timeout=600)
    floor_cmd = (time.perf_counter() - t) * 1000
    # (CPU time is printed too: on a shared host wall time measures the neighbours as well)
    scratch = folder / "scratch.db"
    scratch.unlink(missing_ok=True)
    con = sqlite3.connect(scratch)
    con.execute("CREATE TABLE t (a TEXT, b TEXT, c TEXT, d INT, e INT, f INT, g INT, h TEXT)")
    rows = [(f"R-{i}", "title " * 5, "description " * 40, 1, 2, 3, 4, "2027-01-01") for i in range(n)]
    t = time.perf_counter()
    with con:
        con.executemany("INSERT INTO t VALUES (?,?,?,?,?,?,?,?)", rows)
    floor_insert = (time.perf_counter() - t) * 1000
    con.close()
    scratch.unlink(missing_ok=True)
    emit("import_floor", n, command_ms=round(floor_cmd, 1), bare_insert_ms=round(floor_insert, 1))
    # End to end: the command a user types, into a fresh register.
    import resource

    _fresh_db(db_path)
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t = time.perf_counter()
    out = subprocess.run([*_aims(), "import", "risks", str(csv_path), "--db", str(db_path), "--format", "json"],
                         capture_output=True, text=True, timeout=1800)
    wall = (time.perf_counter() - t) * 1000
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime) * 1000
    if out.returncode != 0:
        emit("import_end_to_end", n, error=(out.stderr.strip().splitlines() or [""])[-1], exit_code=out.returncode)
        return
    emit("import_end_to_end", n, ms=round(wall, 1), over_floor_ms=round(wall - floor_cmd, 1), cpu_ms=round(cpu, 1),
         load_average=round(os.getloadavg()[0], 2))
    # The phases and the lock, in one process.
    _fresh_db(db_path)
    out = subprocess.run([sys.executable, "-c", "import sys; from aims_tui.bench import import_child; "
                          "import_child(sys.argv[1], sys.argv[2])", str(csv_path), str(db_path)],
                         capture_output=True, text=True, timeout=1800)
    if out.returncode != 0:
        emit("import_lock_held", n, error=(out.stderr.strip().splitlines() or [""])[-1])
        return
    figures = json.loads(out.stdout.strip().splitlines()[-1])
    emit("import_lock_held", n, ms=figures.pop("lock_held_ms"), **figures)


# -- the targets of issue 15, each against its floor measured in the same run -----

FLOOR_TEXTUAL = r"""
import asyncio, resource, sys, time
t0 = float(sys.argv[2])
from textual.app import App
from textual.widgets import DataTable

class Bare(App):
    def compose(self):
        yield DataTable()

    def on_mount(self):
        t = self.query_one(DataTable)
        t.add_columns("ref", "title", "owner", "status", "residual")
        t.add_rows([(f"R-{i:04d}", f"Risk {i}", "alice", "open", str(i % 25)) for i in range(44)])

async def main():
    app = Bare()
    async with app.run_test(size=(160, 50)) as pilot:
        for _ in range(2000):
            await pilot.pause(0.005)
            if app.query_one(DataTable).row_count:
                break
        t1 = time.time()
        ru = resource.getrusage(resource.RUSAGE_SELF)
    print((t1 - t0) * 1000, (ru.ru_utime + ru.ru_stime) * 1000, ru.ru_maxrss / 1024, 44, -1)

asyncio.run(main())
"""


# What `aims` then 2 draws, drawn by Textual's own widgets: a dashboard (header, a line of
# stages, two 5x5 heat maps with row labels and a cell cursor, a legend, a list of six lines,
# footer), then a register (header, search box, filter line, 44 rows of 9 columns, status
# line, footer). Not a target's floor: the reference that says how much of the path through
# the dashboard is Textual's own cost of two screens (issue 15).
FLOOR_TEXTUAL_TWO_SCREENS = r"""
import asyncio, resource, sys, time
t0 = float(sys.argv[2])
from textual.app import App
from textual.screen import Screen
from textual.containers import Horizontal, Vertical
from textual.widgets import DataTable, Footer, Header, Input, OptionList, Static

class Dash(Screen):
    def compose(self):
        yield Header()
        yield Static("AI systems by stage: design 1 · validation 2 · deployment 3")
        with Horizontal():
            for title in ("Inherent", "Residual"):
                with Vertical():
                    yield Static(title)
                    yield DataTable(cursor_type="cell")
        yield Static("Cells: count and level (L Low, M Medium, H High, C Critical).")
        yield OptionList(*[f"Risk reviews overdue: {i}" for i in range(6)])
        yield Footer()

    def on_mount(self):
        for t in self.query(DataTable):
            t.add_columns(*[f"I{i}" for i in range(1, 6)])
            for r in range(5):
                t.add_row(*[f" {i} L" for i in range(5)], label=f"L{5 - r}")

class Reg(Screen):
    def compose(self):
        yield Header()
        yield Input(placeholder="Search titles and refs (/)")
        yield Static("Filter: none")
        yield DataTable()
        yield Static("1-44 of 1000")
        yield Footer()

    def on_mount(self):
        t = self.query_one(DataTable)
        t.add_columns("Ref", "Residual", "Inherent", "Title", "System", "Owner", "Status", "Review", "Treatments")
        t.add_rows([(f"R-{i:04d}", "Medium 6", "High 12", f"Risk number {i} of the register", "AIS-001",
                     "alice", "open", "2027-01-20", "1/2") for i in range(44)])

class Bare(App):
    def on_mount(self):
        self.push_screen(Dash())

async def main():
    app = Bare()
    async with app.run_test(size=(160, 50)) as pilot:
        app.push_screen(Reg())
        for _ in range(2000):
            await pilot.pause(0.005)
            if isinstance(app.screen, Reg) and app.screen.query_one(DataTable).row_count:
                break
        t1 = time.time()
        ru = resource.getrusage(resource.RUSAGE_SELF)
    print((t1 - t0) * 1000, (ru.ru_utime + ru.ru_stime) * 1000, ru.ru_maxrss / 1024, 44, -1)

asyncio.run(main())
"""


def _installed_env() -> dict[str, str]:
    """The environment of the measured processes: Python's bytecode cache on, as in an
    installed aims (pip compiles a wheel's modules at install). A session that sets
    PYTHONDONTWRITEBYTECODE would otherwise compile every aims module from source in
    every process (30+ modules, ~20% of the app's start in cProfile) while the floors'
    libraries load compiled: not the same race."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    subprocess.run([sys.executable, "-c", "import compileall, aims_tui; compileall.compile_dir("
                    "aims_tui.__path__[0], quiet=1)"], env=env, capture_output=True, timeout=600)
    return env


def _probe_once(code: str, args: list[str]) -> tuple[float, float, float] | str:
    """A probe in a fresh process: wall from process start, CPU and peak RSS (or the error)."""
    out = subprocess.run([sys.executable, "-c", code, *args[:1], repr(time.time()), *args[1:]],
                         capture_output=True, text=True, timeout=900, env=ENV)
    if out.returncode != 0:
        return (out.stderr.strip().splitlines() or ["failed"])[-1]
    ms, cpu_ms, mb, _rows, _n = out.stdout.split()[-5:]
    return float(ms), float(cpu_ms), float(mb)


def _process_once(argv: list[str]) -> tuple[float, float, float]:
    """A command in a fresh process: wall and CPU (user + system) of the child."""
    import resource

    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t = time.perf_counter()
    subprocess.run(argv, capture_output=True, timeout=1800, env=ENV)
    wall = (time.perf_counter() - t) * 1000
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime) * 1000, 0.0


def _rounds(runners: dict[str, Callable[[], tuple[float, float, float] | str]], runs: int) -> dict[str, dict] | str:
    """Each runner once per round, ``runs`` rounds, in turn: a figure and its floor share the
    machine's minute (on a shared machine the speed drifts by a third between minutes, which
    made a figure taken after its floor's runs look 1.5x or 2x by turns). Per runner: min and
    max wall, min CPU, max RSS, and its CPU in each round (for the ratio per round)."""
    seen: dict[str, list[tuple[float, float, float]]] = {name: [] for name in runners}
    for _ in range(runs):
        for name, run in runners.items():
            got = run()
            if isinstance(got, str):
                return got
            seen[name].append(got)
    return {name: {"ms": min(w for w, _c, _m in xs), "ms_max": max(w for w, _c, _m in xs),
                   "cpu_ms": min(c for _w, c, _m in xs), "mb": max(m for _w, _c, m in xs),
                   "cpu_rounds": [c for _w, c, _m in xs]} for name, xs in seen.items()}


ENV: dict[str, str] | None = None  # the measured processes' environment (see _installed_env)


def _median_ratio(figure: dict, floor: dict) -> float | None:
    per_round = [c / max(f, 0.001) for c, f in zip(figure.get("cpu_rounds", []), floor.get("cpu_rounds", []))]
    return round(statistics.median(per_round), 2) if per_round else None


def target(name: str, size: int, figure: dict, floor: dict, limit: float, what: str, floor_what: str,
           held: dict | None = None, kind: str = "target") -> None:
    """One line: figure, floor and ratio (wall clock and CPU, each the best of its runs), the
    median of the CPU ratios of the rounds (figure and floor run in turn), and whether the
    target holds (either ratio of the bests within the limit). ``held``: the same floor with
    Python's cycle collector held while it loads, as aims holds it (``tui/__init__.py``,
    ``cli/lazy.py``); its ratios are printed beside, for the reader to see what part of a gain
    is the collector's, and the target is judged against the plain floor."""
    ratio = figure["ms"] / max(floor["ms"], 0.001)
    cpu_ratio = figure["cpu_ms"] / max(floor["cpu_ms"], 0.001)
    median = _median_ratio(figure, floor)
    extra: dict[str, Any] = {}
    if held is not None:
        extra = {"held_floor_cpu_ms": round(held["cpu_ms"], 1),
                 "cpu_ratio_to_held_floor": round(figure["cpu_ms"] / max(held["cpu_ms"], 0.001), 2),
                 "median_of_rounds_to_held_floor": _median_ratio(figure, held)}
    emit(kind, size, name=name, what=what, ms=round(figure["ms"], 1), ms_max=round(figure["ms_max"], 1),
         cpu_ms=round(figure["cpu_ms"], 1), floor=floor_what, floor_ms=round(floor["ms"], 1),
         floor_cpu_ms=round(floor["cpu_ms"], 1), ratio=round(ratio, 2), cpu_ratio=round(cpu_ratio, 2),
         **({"cpu_ratio_median_of_rounds": median} if median is not None else {}), **extra,
         **({"limit": limit, "met": bool(ratio <= limit or cpu_ratio <= limit)} if kind == "target" else {}))


def _own_sql(path: Path) -> dict[str, tuple[float, float]]:
    """The SQL each command runs (in this process, the database opened once): wall and CPU ms, best of 3."""
    from .core import reminders
    from .core.checks import run_checks
    from .core.db import open_database
    from .core.queries import RiskFilter, all_risks

    db = open_database(str(path))
    f = RiskFilter(system="AIS-007", level="Critical")

    def best(fn: Callable[[], Any]) -> tuple[float, float]:
        walls, cpus = [], []
        for _ in range(3):
            c = time.process_time()
            walls.append(_timed(fn))
            cpus.append((time.process_time() - c) * 1000)
        return min(walls), min(cpus)

    out = {"aims_reminders": best(lambda: reminders.due_items(db)), "aims_check": best(lambda: run_checks(db)),
           "aims_risks_list": best(lambda: list(all_risks(db, f)))}
    db.dispose()
    return out


def _dashboard_ms(path: Path) -> tuple[float, float]:
    """Everything the dashboard reads with nothing remembered (as after anyone's commit): ms, best of 5 in
    each of 3 fresh processes; wall clock and CPU time."""
    code = ("import sys, time\nfrom aims_tui.core.db import open_database\nfrom aims_tui.tui import reads\n"
            "from aims_tui.core import queries\n"
            "db = open_database(sys.argv[1]); reads.dashboard(db, 'x')\n"  # (the connection warm, as the app's is)
            "ms, cpu = [], []\n"
            "for _ in range(5):\n"
            "    queries._AGGREGATES.clear(); t, c = time.perf_counter(), time.process_time()\n"  # as after a commit
            "    reads.dashboard(db, sys.argv[2]); reads.heat_maps(db, True); reads.heat_maps(db, False)\n"
            "    ms.append((time.perf_counter() - t) * 1000); cpu.append((time.process_time() - c) * 1000)\n"
            "print(min(ms), min(cpu))")
    from .core import identity

    runs = [subprocess.run([sys.executable, "-c", code, str(path), identity.os_login()], capture_output=True,
                           text=True, timeout=600, env=ENV).stdout.split()[-2:] for _ in range(3)]
    return min(float(w) for w, _c in runs), min(float(c) for _w, c in runs)


def targets(folder: Path, sizes: list[int], runs: int, pack: bool) -> None:
    """Issue 15's targets: each figure with its floor, measured in the same run, interleaved."""
    from .core import identity

    global ENV
    ENV = _installed_env()
    emit("target_setup", 0, bytecode="cached (PYTHONDONTWRITEBYTECODE removed for the measured processes)")
    login, aims = identity.os_login(), _aims()
    typer = [sys.executable, "-c", "import typer"]
    cli = _rounds({"floor": lambda: _process_once(typer), "--version": lambda: _process_once([*aims, "--version"]),
                   "--help": lambda: _process_once([*aims, "--help"])}, runs)
    assert not isinstance(cli, str)
    for words in ("--version", "--help"):
        target(f"aims {words}", 0, cli[words], cli["floor"], 1.3, f"aims {words}", 'python -c "import typer"')
    tui = _tui_probe()
    memory: dict[int, float] = {}
    for size in sizes:
        path = ensure_db(folder, size)
        measured = _rounds({
            "floor": lambda: _probe_once(FLOOR_TEXTUAL, ["-"]),
            "held": lambda: _probe_once("import gc; gc.disable()\n" + FLOOR_TEXTUAL, ["-"]),
            "paint": lambda: _probe_once(tui, [str(path), login, "register"]),
            "via": lambda: _probe_once(tui, [str(path), login, "dashboard"]),
            "dashboard": lambda: _probe_once(tui, [str(path), login, "dashboard_first"]),
            "two_screens": lambda: _probe_once(FLOOR_TEXTUAL_TWO_SCREENS, ["-"]),
        }, runs) if tui else "no TUI probe"
        if isinstance(measured, str):
            emit("target", size, name="tui_first_paint", error=measured)
        else:
            floor, paint, via = measured["floor"], measured["paint"], measured["via"]
            target("tui_first_paint", size, paint, floor, 1.5,
                   "process start to the register's first rows (aims --screen register)",
                   "bare Textual app, DataTable of 44 rows", held=measured["held"])
            # Not a target of the issue (the register's first rows from process start, above): the
            # app's first paint (the dashboard) and then a second screen, against a floor of one
            # screen; the line after it says how much of that is Textual's own second screen.
            target("tui_first_paint_via_dashboard", size, via, floor, 1.5,
                   "process start to the register's first rows, the app opened on the dashboard and "
                   "sent to the register at once (aims, then 2): two screens painted", "bare Textual app, "
                   "DataTable of 44 rows", held=measured["held"], kind="reference")
            target("tui_first_paint_dashboard", size, measured["dashboard"], floor, 1.5,
                   "process start to the dashboard's counts and heat maps on screen (aims, as it opens)",
                   "bare Textual app, DataTable of 44 rows", held=measured["held"])
            two = measured["two_screens"]
            # the path through the dashboard draws two screens; the one-screen floor draws one:
            # the same two screens drawn by Textual's own widgets say what part is Textual's
            emit("reference", size, name="via_dashboard_against_textual_two_screens",
                 what="aims then 2, against the same two screens drawn by Textual's own widgets",
                 ms=round(via["ms"], 1), cpu_ms=round(via["cpu_ms"], 1), textual_ms=round(two["ms"], 1),
                 textual_cpu_ms=round(two["cpu_ms"], 1), ratio=round(via["ms"] / max(two["ms"], 0.001), 2),
                 cpu_ratio=round(via["cpu_ms"] / max(two["cpu_ms"], 0.001), 2),
                 cpu_ratio_median_of_rounds=_median_ratio(via, two),
                 textual_to_floor_cpu_ratio=round(two["cpu_ms"] / max(floor["cpu_ms"], 0.001), 2),
                 textual_to_floor_median_of_rounds=_median_ratio(two, floor))
            memory[size] = max(paint["mb"], via["mb"], measured["dashboard"]["mb"])
            emit("target", size, name="peak_memory_mb", mb=paint["mb"], limit_mb=200, floor_mb=floor["mb"],
                 met=paint["mb"] < 200)
        dash, dash_cpu = _dashboard_ms(path)
        emit("target", size, name="dashboard", ms=round(dash, 1), cpu_ms=round(dash_cpu, 1), limit_ms=50,
             met=dash < 50 or dash_cpu < 50,
             what="counts + both heat maps, nothing remembered (best of 15 reads, 3 processes)")
    if len(memory) >= 2:
        lo, hi = min(memory), max(memory)
        emit("target", hi, name="peak_memory_ratio", mb=memory[hi], floor_mb=memory[lo],
             ratio=round(memory[hi] / memory[lo], 2), limit=1.3, met=memory[hi] / memory[lo] <= 1.3)
    big = ensure_db(folder, max(sizes))
    engine = [sys.executable, "-c", "import typer, aims_tui.core.db, aims_tui.core.models"]
    engine_held = [sys.executable, "-c", "import gc; gc.disable()\nimport typer, aims_tui.core.db, "
                   "aims_tui.core.models\ngc.freeze(); gc.enable()"]
    sql = _own_sql(big)
    commands = {"aims_reminders": ["reminders"], "aims_check": ["check"],
                "aims_risks_list": ["risks", "list", "--system", "AIS-007", "--level", "Critical"]}
    timed = _rounds({"floor": lambda: _process_once(engine), "held": lambda: _process_once(engine_held)}
                    | {name: (lambda a=args: _process_once([*aims, *a, "--db", str(big)])) for name, args in commands.items()},
                    runs)
    assert not isinstance(timed, str)
    for name, args in commands.items():
        target(name, max(sizes), timed[name], timed["floor"], 1.5,
               f"aims {' '.join(args)}", "import typer + the engine layer (core.db, core.models)",
               held=timed["held"])
        wall, cpu = sql[name]
        emit("target", max(sizes), name=f"{name}_own_sql", ms=round(wall, 1), cpu_ms=round(cpu, 1), limit_ms=300,
             met=wall < 300 or cpu < 300)
    if pack:
        pack_targets(folder)


def pack_targets(folder: Path) -> None:
    """The pack of 1,000 systems / 10,000 risks: CPU under 5 s; CPU per page against a pack a tenth its size."""
    figures = {}
    for systems in (100, 1000):
        out = subprocess.run([sys.executable, "-m", "aims_tui.bench_pack", "--systems", str(systems),
                              "--risks-per-system", "10", "--dir", str(folder), "--out", str(folder / "pack.pdf")],
                             capture_output=True, text=True, timeout=3600, env=ENV)
        lines = [json.loads(x) for x in out.stdout.splitlines() if x.startswith("{")]
        runs = [x for x in lines if x.get("step") == "pack"]
        if not runs:
            emit("target", systems * 10, name="pack", error=(out.stderr.strip().splitlines() or ["failed"])[-1])
            return
        figures[systems] = runs[-1]
    small, big = figures[100], figures[1000]
    per_small, per_big = small["cpu_seconds"] / small["pages"], big["cpu_seconds"] / big["pages"]
    emit("target", 10_000, name="pack", cpu_s=big["cpu_seconds"], wall_s=big["total_seconds"], pages=big["pages"],
         limit_cpu_s=5, met=big["cpu_seconds"] < 5)
    emit("target", 10_000, name="pack_cost_per_page", cpu_ms_per_page=round(per_big * 1000, 1),
         floor="1,000 risks", floor_cpu_ms_per_page=round(per_small * 1000, 1), pages=big["pages"],
         floor_pages=small["pages"], ratio=round(per_big / per_small, 2), limit=1.0,
         met=per_big <= per_small * 1.1)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m aims_tui.bench", description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default="1000,100000,1000000", help="register sizes (risks), comma separated")
    ap.add_argument("--dir", default=".bench", help="where the databases are cached")
    ap.add_argument("--rebuild", action="store_true", help="build the databases again")
    ap.add_argument("--matrix", action="store_true", help="also time every filter x sort x direction")
    ap.add_argument("--pack-size", type=int, default=10_000, help="register size for the pack (0: skip)")
    ap.add_argument("--audit-only", action="store_true",
                    help="only the audit figures (full verify, quick check, floor), e.g. --sizes 1000,10000")
    ap.add_argument("--import-sizes", default="1000,10000", help="rows for the import figures ('' to skip)")
    ap.add_argument("--only-import", action="store_true", help="only the import figures")
    ap.add_argument("--targets", default="1000,1000000",
                    help="sizes for issue 15's targets, each with its floor ('' to skip)")
    ap.add_argument("--only-targets", action="store_true", help="only the targets and their floors")
    ap.add_argument("--runs", type=int, default=3, help="runs of each process for the targets (min and max shown)")
    ap.add_argument("--no-pack-targets", action="store_true", help="leave out the pack's targets (two builds)")
    ap.add_argument("--pg", default="", metavar="URL",
                    help="also run the register figures on this PostgreSQL server (postgresql+psycopg://...)")
    ap.add_argument("--pg-sizes", default="", help="register sizes on PostgreSQL (default: --sizes)")
    ap.add_argument("--pg-only", action="store_true", help="only the PostgreSQL register figures")
    ap.add_argument("--history-db", default="", help="only the history figures, on this database (it gets "
                    "1,000 rescores through the services when it has fewer)")
    args = ap.parse_args(argv)
    folder = Path(args.dir).resolve()
    sizes = [int(x.replace("_", "")) for x in args.sizes.split(",") if x.strip()]
    emit("machine", 0, cpus=os.cpu_count(), python=sys.version.split()[0], sqlite=_sqlite_version(),
         load_average=[round(x, 2) for x in os.getloadavg()])
    if args.pg_only:
        return pg_figures(args, sizes)
    if args.history_db:
        path = Path(args.history_db)
        with __import__("sqlite3").connect(str(path)) as c:
            n = int(c.execute("SELECT count(*) FROM risk").fetchone()[0])
        history_figures(path, n)
        return 0
    target_sizes = [int(x.replace("_", "")) for x in args.targets.split(",") if x.strip()]
    if target_sizes:
        targets(folder, target_sizes, args.runs, pack=not args.no_pack_targets)
        emit("machine", 0, load_average=[round(x, 2) for x in os.getloadavg()])
    if args.only_targets:
        return 0
    for n in [int(x.replace("_", "")) for x in args.import_sizes.split(",") if x.strip()]:
        import_figures(folder / "import", n)
    if args.only_import:
        return 0
    has_reminders, has_check = _has_command("reminders"), _has_command("check")
    for size in sizes:
        path = ensure_db(folder, size, args.rebuild)
        if args.audit_only:
            audit_figures(path, size)
            continue
        first_paint(path, size)
        query_figures(path, size)
        audit_figures(path, size)
        if args.matrix:
            matrix(path, size)
        if has_reminders:
            command("aims_reminders", size, ["reminders", "--db", str(path)])
        if has_check:
            command("aims_check", size, ["check", "--db", str(path)])
        if _has_command("readiness"):
            command("aims_readiness", size, ["readiness", "--db", str(path)])
        history_figures(path, size)
    if args.pack_size and not args.audit_only and _has_command("export", "pack"):
        path = ensure_db(folder, args.pack_size, args.rebuild)
        with tempfile.TemporaryDirectory() as tmp:
            command("pack", args.pack_size, ["export", "pack", "--db", str(path), "--out", str(Path(tmp) / "pack.pdf")],
                    runs=1)
    if args.pg:
        return pg_figures(args, sizes)
    return 0


def pg_figures(args: argparse.Namespace, sizes: list[int]) -> int:
    """The register figures on PostgreSQL (``--pg``), each line marked ``engine: postgresql``."""
    if not args.pg:
        print("--pg-only needs --pg URL", file=sys.stderr)
        return 2
    ENGINE["engine"] = "postgresql"
    pg_sizes = [int(x.replace("_", "")) for x in args.pg_sizes.split(",") if x.strip()] or sizes
    for size in pg_sizes:
        url = ensure_pg_db(args.pg, size, args.rebuild)
        first_paint(url, size)  # type: ignore[arg-type]
        query_figures(url, size)  # type: ignore[arg-type]
        audit_figures(url, size)  # type: ignore[arg-type]
        if _has_command("reminders"):
            command("aims_reminders", size, ["reminders", "--db", url])
        if _has_command("check"):
            command("aims_check", size, ["check", "--db", url])
    return 0


# -- the register as of a past moment (core.history) ----------------------------

def _history_moment(db, changes: int):
    """The moment before the newest ``changes`` rescores of the register, made
    through the services (spread over the register) when there are fewer."""
    from datetime import datetime, timedelta, timezone

    from .core import identity
    from .core.services import risks as risk_svc

    q = ("SELECT at FROM audit_event WHERE entity = 'risk' AND action = 'update' "
         "ORDER BY id DESC LIMIT 1 OFFSET ?")
    with db.read() as s:
        got = s.connection().exec_driver_sql(q, (changes - 1,)).first()
        top = int(s.connection().exec_driver_sql("SELECT max(ref_num) FROM risk").scalar() or 0)
    if got is None:
        login = identity.os_login()
        t = time.perf_counter()
        for i in range(changes):
            ref = f"R-{1 + (i * max(1, top // changes)) % max(1, top):04d}"
            cur = risk_svc.get_risk(db, ref)["residual_likelihood"] or 1
            risk_svc.update_risk(db, login, ref, {"residual_likelihood": cur % 5 + 1})  # always a change
        emit("history_setup", 0, changes=changes, ms=round((time.perf_counter() - t) * 1000))
        with db.read() as s:
            got = s.connection().exec_driver_sql(q, (changes - 1,)).first()
    at = datetime.fromisoformat(str(got[0])).replace(tzinfo=timezone.utc)
    return at - timedelta(microseconds=1)


def history_figures(path: Path, size: int, changes: int = 1000) -> None:
    """The register, one system and the dashboard's aggregates as of a moment
    ``changes`` rescores ago, each against the same view of the register as it
    is (the floor, measured in the same run): ``ratio`` = as of / now."""
    from .core import history
    from .core.db import open_database
    from .core.queries import RiskFilter, heat_map, level_counts, risk_count, risk_page, systems_per_stage
    from .core.services.systems import get_system, list_systems

    db = open_database(str(path))
    at = _history_moment(db, changes)
    past = history.at(db, at)
    first = _timed(lambda: risk_page(past, RiskFilter(), limit=PAGE))  # builds the views of that moment
    emit("history_build", size, ms=round(first, 1), overridden=past.overridden, what="first page as of, views built")
    systems = list_systems(db)
    sys_ref = systems[len(systems) // 2]["ref"]

    def views(d) -> dict[str, Callable[[], Any]]:
        def page_down() -> None:
            page = risk_page(d, RiskFilter(), limit=PAGE)
            for _ in range(20):
                page = risk_page(d, RiskFilter(), after=page.last_key, limit=PAGE)

        def dashboard() -> None:
            heat_map(d)
            heat_map(d, residual=False)
            level_counts(d)
            systems_per_stage(d)
            risk_count(d, RiskFilter(overdue=True))

        def one_system() -> None:
            get_system(d, sys_ref)
            f = RiskFilter(system=sys_ref)
            risk_page(d, f, limit=PAGE)
            risk_count(d, f)
            heat_map(d, f=RiskFilter(status="active", system=sys_ref))

        return {
            "register_first_page": lambda: risk_page(d, RiskFilter(), limit=PAGE),
            "register_20_pages_down": page_down,
            "register_end": lambda: risk_page(d, RiskFilter(), from_end=True, limit=PAGE),
            "register_by_residual": lambda: risk_page(d, RiskFilter(status="active"), sort="residual",
                                                      descending=True, limit=PAGE),
            "register_count": lambda: risk_count(d, RiskFilter()),
            "dashboard_aggregates": dashboard,
            "one_system": one_system,
        }

    now_v, past_v = views(db), views(past)
    for name in now_v:
        now_ms = min(_timed(now_v[name]) for _ in range(3))
        past_ms = min(_timed(past_v[name]) for _ in range(3))
        emit("history_as_of", size, view=name, as_of_ms=round(past_ms, 1), floor="the same view now",
             floor_ms=round(now_ms, 1), ratio=round(past_ms / max(now_ms, 0.001), 2), changes_since=changes)
    history.close(db)
    db.dispose()


def _sqlite_version() -> str:
    import sqlite3
    return sqlite3.sqlite_version


if __name__ == "__main__":
    raise SystemExit(main())
