"""A writer process for the multi-process tests (run as a script, one per process).

Every line it prints on stdout is one JSON object, flushed at once, so the
parent knows what was committed even if this process is killed a moment later:

  {"ready": pid}                       started, waiting for the go file
  {"ref", "title", "version"}          one update committed (printed after commit)
  {"error": "Type: message"}           an exception reached this process
  {"inside": ref}                      (hold mode) inside an open write transaction
  {"done": n, "start": t0, "end": t1}  finished

Modes:
  burst DB LOGIN TAG N GO REF...   N updates (N = 0: until killed) of random refs
  hold  DB LOGIN REF               update REF, then sleep inside the transaction
"""

from __future__ import annotations

import json
import os
import random
import sys
import time


def say(obj: dict) -> None:
    sys.stdout.write(json.dumps(obj) + "\n")
    sys.stdout.flush()


def burst(path: str, login: str, tag: str, n: int, go: str, refs: list[str]) -> None:
    from aims_tui.core.db import open_database
    from aims_tui.core.services import risks

    db = open_database(path, upgrade=False)
    say({"ready": os.getpid()})
    deadline = time.monotonic() + 60
    while not os.path.exists(go):
        if time.monotonic() > deadline:
            say({"error": "no go signal"})
            return
        time.sleep(0.005)
    rnd = random.Random(tag)
    t0 = time.time()
    i = 0
    while n == 0 or i < n:
        i += 1
        ref = rnd.choice(refs)
        title = f"{tag}-{i}"
        try:
            r = risks.update_risk(db, login, ref, {"title": title, "residual_impact": rnd.randint(1, 5)})
        except Exception as exc:  # noqa: BLE001 - the parent asserts there are none
            say({"error": f"{type(exc).__name__}: {exc}"})
            continue
        say({"ref": ref, "title": title, "version": r["version"]})
    say({"done": i, "start": t0, "end": time.time()})


def hold(path: str, login: str, ref: str) -> None:
    """Write a large change and its audit event, then stop inside the transaction."""
    from sqlalchemy import event
    from sqlalchemy.engine import Engine

    # a tiny page cache makes SQLite spill the uncommitted pages into the WAL
    # file, so the kill finds half a transaction on disk, not only in memory
    # (SQLite only: PostgreSQL writes its own WAL whatever the cache)
    import sqlite3

    event.listen(Engine, "connect", lambda con, _rec: con.execute("PRAGMA cache_size = 2")
                 if isinstance(con, sqlite3.Connection) else None)

    from aims_tui.core import audit
    from aims_tui.core.db import open_database
    from aims_tui.core.services import risks

    real_record = audit.record

    def record_then_wait(*args, **kwargs):
        ev = real_record(*args, **kwargs)
        args[0].flush()
        say({"inside": ref})
        time.sleep(120)
        return ev

    audit.record = record_then_wait
    db = open_database(path, upgrade=False)
    risks.update_risk(db, login, ref, {"title": "HALF-WRITTEN", "description": "x" * 19_000})


if __name__ == "__main__":
    mode, *rest = sys.argv[1:]
    if mode == "burst":
        burst(rest[0], rest[1], rest[2], int(rest[3]), rest[4], rest[5:])
    elif mode == "hold":
        hold(rest[0], rest[1], rest[2])
    else:
        raise SystemExit(f"unknown mode {mode}")
