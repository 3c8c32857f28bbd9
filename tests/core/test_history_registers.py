"""The other registers as of a past moment (core.history): every kind of the catalog,
created, changed, reviewed, withdrawn and restored on moving days, rebuilt as of each
moment equals the table as it was saved at that moment."""

from __future__ import annotations

import sqlite3
from datetime import timedelta
from pathlib import Path

import pytest

from aims_tui.core import catalog, history
from aims_tui.core.services import registers, withdrawal

from ..conftest import EDITOR, TODAY
from ..system.examples import EXAMPLES
from .helpers import START
from .test_history import IGNORED

KINDS = [k.entity for k in catalog.ALL]


def table_now(path: Path, table: str) -> list[dict]:
    conn = sqlite3.connect(str(path))
    try:
        cur = conn.execute(f"SELECT * FROM {table} ORDER BY id")
        cols = [c[0] for c in cur.description]
        return [{k: v for k, v in zip(cols, r) if k not in IGNORED} for r in cur]
    finally:
        conn.close()


def table_then(db, table: str, moment) -> list[dict]:
    return [{k: v for k, v in r.items() if k not in IGNORED} for r in history.rows_as_of(db, table, moment)]


@pytest.mark.parametrize("entity", KINDS)
def test_a_record_of_every_register_is_rebuilt_as_it_was_at_each_moment(db, clock, entity):
    """Before this, only the risk register had a history: a document as of last month showed
    today's title and status."""
    ex = EXAMPLES[entity]
    kind = catalog.kind(entity)
    table = kind.model.__tablename__
    ex.setup(db)
    moments, saved = [], []

    def step(fn) -> None:
        clock.advance(60)
        fn()
        moments.append(clock.now + timedelta(minutes=1))
        saved.append(table_now(db.path, table))

    ref = {}
    step(lambda: ref.update(registers.create(db, EDITOR, entity, dict(ex.valid), today=TODAY)))
    step(lambda: registers.update(db, EDITOR, entity, ref["ref"], dict(ex.change), today=TODAY))
    step(lambda: withdrawal.withdraw(db, EDITOR, entity, ref["ref"], reason="made in error"))
    step(lambda: withdrawal.restore(db, EDITOR, entity, ref["ref"]))
    before_all = START + timedelta(minutes=30)
    assert table_then(db, table, before_all) == table_now(db.path, table)[:len(table_now(db.path, table)) - 1]
    for moment, rows in zip(moments, saved):
        assert table_then(db, table, moment) == rows, f"{entity} as of {moment}"
    assert saved[0] != saved[1] != saved[2]  # each step changed the record: the test can fail
