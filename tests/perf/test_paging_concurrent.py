"""Scrolling while another process adds risks: no row twice, none skipped."""

from __future__ import annotations

import subprocess
import sys
import time

from aims_tui.core import queries
from aims_tui.core.queries import RiskFilter

from ..conftest import EDITOR, where
from .helpers import expected_refs, replace_register

WRITER = r"""
import sys, time
from aims_tui.core.db import open_database
from aims_tui.core.services import risks
db = open_database(sys.argv[1])
titles = ["B", "D", "F", "H", "A", "Z"]
for n in range(int(sys.argv[2])):
    risks.create_risk(db, sys.argv[3], {"title": titles[n % len(titles)], "inherent_likelihood": 1 + n % 5,
                                       "inherent_impact": 2})
    print(n, flush=True)
    time.sleep(0.005)
"""


def test_rows_added_by_another_process_while_scrolling_are_never_duplicated_or_skip_others(reg_db):
    """A real subprocess creates risks through the services (titles that sort
    before, between and after the window) while this process pages down by
    title three rows at a time: every row that existed before is seen once, no
    row is seen twice, and the keys seen only ever go forward."""
    replace_register(reg_db, [dict(title=t) for t in "ACEGCEGACE"] * 3)
    f, sort = RiskFilter(status="active"), "title"
    before = expected_refs(reg_db, f, sort, False)
    writer = subprocess.Popen([sys.executable, "-c", WRITER, where(reg_db), "40", EDITOR],
                              stdout=subprocess.PIPE, text=True)
    try:
        assert writer.stdout.readline().strip() == "0"  # the writer is writing
        seen, keys, after = [], [], None
        while True:
            page = queries.risk_page(reg_db, f, sort=sort, after=after, limit=3)
            seen.extend(r["ref"] for r in page.rows)
            keys.extend((r["title"].casefold(), r["ref_num"]) for r in page.rows)
            if not page.has_more:
                break
            after = page.last_key
            time.sleep(0.01)
        writer_rc = writer.wait(timeout=60)
    finally:
        writer.kill()
    assert writer_rc == 0
    assert len(seen) == len(set(seen))
    assert keys == sorted(keys)
    assert set(before) <= set(seen)
    after_all = expected_refs(reg_db, f, sort, False)
    assert len(after_all) == len(before) + 40
    assert len(seen) > len(before)  # some of the new rows were met on the way


def test_paging_up_while_another_process_writes_sees_each_old_row_once(reg_db):
    """The same from the bottom: End, then PageUp until the top."""
    replace_register(reg_db, [dict(title=t) for t in "BDFHBDFH"] * 3)
    f, sort = RiskFilter(), "title"
    before = expected_refs(reg_db, f, sort, False)
    writer = subprocess.Popen([sys.executable, "-c", WRITER, where(reg_db), "30", EDITOR],
                              stdout=subprocess.PIPE, text=True)
    try:
        assert writer.stdout.readline().strip() == "0"
        pages = []
        page = queries.risk_page(reg_db, f, sort=sort, from_end=True, limit=4)
        while True:
            pages.append(page.rows)
            if not page.has_more:
                break
            time.sleep(0.01)
            page = queries.risk_page(reg_db, f, sort=sort, before=page.first_key, limit=4)
        assert writer.wait(timeout=60) == 0
    finally:
        writer.kill()
    rows = [r for p in reversed(pages) for r in p]
    seen = [r["ref"] for r in rows]
    keys = [(r["title"].casefold(), r["ref_num"]) for r in rows]
    assert len(seen) == len(set(seen))
    assert keys == sorted(keys)
    assert set(before) <= set(seen)
