"""risk tallies: the dashboard's counts kept as the register changes

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-01 22:15:00

Two small tables of counts, kept exact by triggers on ``risk`` (so in the very
transaction of every write, whoever makes it: a service, an import, a bulk
UPDATE, ``import json``), read by the dashboard instead of counting a million
rows (``aims_tui.core.tally``):

- ``risk_tally_cells``: risks per (status, awaiting assessment, inherent cell,
  residual cell); at most a few thousand rows whatever the register's size.
  The heat maps, level counts and the register's size are sums over it.
- ``risk_tally_due``: risks per (status, owner, next review); ``''`` stands
  for "no next review" (NULL would make each such row its own key). Overdue,
  due soon and "mine" are sums over a range of it.
- ``risk_tally_cover``: risks per (status, residual score, cover): the cover is
  the expiry of the risk's current acceptance (its newest one not revoked,
  ``9999-12-31`` when it never expires) when that acceptance's score covers the
  risk's residual score, else ``''``. "Above appetite without a valid
  acceptance" on a day is the sum where score > appetite and cover < that day.
  Kept by triggers on ``risk`` and on ``acceptance`` (a BEFORE trigger takes
  the risk's old cover out, an AFTER trigger puts its new one in).
- ``risk_tally_expiry``: risks per (status, owner, expiry of the current
  acceptance, ``''`` for none or never): the reminders' "acceptance expires"
  counts per owner. Kept like the cover.

A row whose count drops to 0 stays (it is reused when a risk comes back to
that key). SQLite only: on PostgreSQL the tables are absent and the counts are
read from ``risk`` as before. A later migration that rebuilds ``risk`` in
batch mode must create the triggers again (as for ``risk_fts``).
"""
from typing import Sequence, Union

from alembic import op
import sqlmodel  # noqa: F401


revision: str = '0014'
down_revision: Union[str, None] = '0013'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

# table -> (key columns, the key's value from a risk row, with "{r}" for NEW / OLD / a table alias)
TALLIES = {
    "risk_tally_cells": (
        ["status", "awaiting", "inherent_likelihood", "inherent_impact", "residual_likelihood", "residual_impact"],
        ["{r}.status", "{r}.awaiting_assessment", "{r}.inherent_likelihood", "{r}.inherent_impact",
         "{r}.residual_likelihood", "{r}.residual_impact"]),
    "risk_tally_due": (
        ["status", "owner", "next_review"],
        ["{r}.status", "{r}.owner", "COALESCE({r}.next_review, '')"]),
    "risk_tally_cover": (
        ["status", "residual_score", "cover"],
        ["{r}.status", "({r}.residual_likelihood * {r}.residual_impact)",
         "COALESCE((SELECT CASE WHEN a.residual_likelihood * a.residual_impact >= "
         "{r}.residual_likelihood * {r}.residual_impact THEN COALESCE(a.expires_on, '9999-12-31') ELSE '' END "
         "FROM acceptance a WHERE a.risk_id = {r}.id AND a.revoked = 0 "
         "ORDER BY a.accepted_at DESC, a.id DESC LIMIT 1), '')"]),
    "risk_tally_expiry": (
        ["status", "owner", "expires_on"],
        ["{r}.status", "{r}.owner",
         "COALESCE((SELECT COALESCE(a.expires_on, '') FROM acceptance a WHERE a.risk_id = {r}.id AND a.revoked = 0 "
         "ORDER BY a.accepted_at DESC, a.id DESC LIMIT 1), '')"]),
}
ON_ACCEPTANCE = ["risk_tally_cover", "risk_tally_expiry"]  # the tallies that read a risk's acceptances
TYPES = {"status": "VARCHAR(16)", "owner": "VARCHAR(64)", "next_review": "VARCHAR(10)",
         "cover": "VARCHAR(10)", "expires_on": "VARCHAR(10)"}  # others INTEGER
WATCHED = sorted({"status", "awaiting_assessment", "inherent_likelihood", "inherent_impact", "residual_likelihood",
                  "residual_impact", "owner", "next_review"})


def _add(table: str, r: str) -> str:
    cols, values = TALLIES[table]
    return (f"INSERT INTO {table} ({', '.join(cols)}, n) VALUES ({', '.join(v.format(r=r) for v in values)}, 1) "
            f"ON CONFLICT ({', '.join(cols)}) DO UPDATE SET n = n + 1;")


def _remove(table: str, r: str) -> str:
    cols, values = TALLIES[table]
    where = " AND ".join(f"{c} = {v.format(r=r)}" for c, v in zip(cols, values))
    return f"UPDATE {table} SET n = n - 1 WHERE {where};"


def _add_risk(table: str, risk_id: str) -> str:
    cols, values = TALLIES[table]
    return (f"INSERT INTO {table} ({', '.join(cols)}, n) SELECT {', '.join(v.format(r='r') for v in values)}, 1 "
            f"FROM risk r WHERE r.id = {risk_id} ON CONFLICT ({', '.join(cols)}) DO UPDATE SET n = n + 1;")


def _remove_risk(table: str, risk_id: str) -> str:
    cols, values = TALLIES[table]
    return (f"UPDATE {table} SET n = n - 1 WHERE ({', '.join(cols)}) = "
            f"(SELECT {', '.join(v.format(r='r') for v in values)} FROM risk r WHERE r.id = {risk_id});")


def triggers() -> dict[str, str]:
    both = list(TALLIES)
    acceptance = {  # (name, when, event, risk ids whose cover the statement changes)
        "risk_tally_acc_bi": ("BEFORE", "INSERT", ["new.risk_id"]),
        "risk_tally_acc_ai": ("AFTER", "INSERT", ["new.risk_id"]),
        "risk_tally_acc_bu": ("BEFORE", "UPDATE", ["old.risk_id", "new.risk_id"]),
        "risk_tally_acc_au": ("AFTER", "UPDATE", ["old.risk_id", "new.risk_id"]),
        "risk_tally_acc_bd": ("BEFORE", "DELETE", ["old.risk_id"]),
        "risk_tally_acc_ad": ("AFTER", "DELETE", ["old.risk_id"]),
    }
    made = {}
    for name, (when, what, ids) in acceptance.items():
        step = _remove_risk if when == "BEFORE" else _add_risk
        body = " ".join(step(t, ids[0]) for t in ON_ACCEPTANCE)
        if len(ids) == 2:  # a moved acceptance (never done) changes the other risk's tallies too
            body += " " + " ".join(step(t, f"(SELECT {ids[1]} WHERE {ids[1]} != {ids[0]})") for t in ON_ACCEPTANCE)
        made[name] = f"CREATE TRIGGER {name} {when} {what} ON acceptance BEGIN {body} END"
    return made | {
        "risk_tally_ai": f"CREATE TRIGGER risk_tally_ai AFTER INSERT ON risk BEGIN "
                         f"{' '.join(_add(t, 'new') for t in both)} END",
        "risk_tally_ad": f"CREATE TRIGGER risk_tally_ad AFTER DELETE ON risk BEGIN "
                         f"{' '.join(_remove(t, 'old') for t in both)} END",
        "risk_tally_au": f"CREATE TRIGGER risk_tally_au AFTER UPDATE OF {', '.join(WATCHED)} ON risk BEGIN "
                         f"{' '.join(_remove(t, 'old') + ' ' + _add(t, 'new') for t in both)} END",
    }


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name != "sqlite":
        return
    for table, (cols, values) in TALLIES.items():
        defs = ", ".join(f"{c} {TYPES.get(c, 'INTEGER')} NOT NULL" for c in cols)
        bind.exec_driver_sql(f"CREATE TABLE {table} ({defs}, n INTEGER NOT NULL, PRIMARY KEY ({', '.join(cols)}))")
        keys = ", ".join(v.format(r="risk") for v in values)
        bind.exec_driver_sql(f"INSERT INTO {table} ({', '.join(cols)}, n) "
                             f"SELECT {keys}, count(*) FROM risk GROUP BY {keys}")
    for sql in triggers().values():
        bind.exec_driver_sql(sql)


def downgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name != "sqlite":
        return
    for name in triggers():
        bind.exec_driver_sql(f"DROP TRIGGER IF EXISTS {name}")
    for table in TALLIES:
        bind.exec_driver_sql(f"DROP TABLE IF EXISTS {table}")
