"""PostgreSQL: only aims' write path changes records; the risk tallies kept by the server

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-02 04:15:00

PostgreSQL only (nothing on SQLite, where 0014 keeps the tallies and the file's
writers are trusted by the seal, see ``core/seal.py``):

- The write guard (``pgroles.guard_records``): every statement that changes rows of a
  record table marks its transaction in ``aims_write_tx``; every statement that inserts
  audit events marks it audited; at commit a deferred constraint trigger refuses a
  transaction that changed records and wrote no audit event. So an UPDATE typed in psql
  by an editor's login fails at COMMIT; aims' write path (a service, an import,
  ``aims db move``, the demo's bulk load) writes the change and its event in one
  transaction and passes. The functions are SECURITY DEFINER: no login has a grant on
  the marks. ``aims db roles`` installs the guard again on tables a later migration adds.
  A later migration that changes rows of a record table on PostgreSQL must write an audit
  event in its transaction too (``audit.record``), or the check refuses the upgrade.
- The four tallies of 0014 (same tables, same keys), kept by plpgsql triggers: statement
  triggers on ``risk`` (transition tables: one grouped upsert per statement, so a bulk
  load of a million risks adds per key, not per row) and row triggers on ``acceptance``
  (BEFORE takes the risk's old cover / expiry out, AFTER puts the new one in). They
  lock ``audit_head`` first, as every writer does when it writes its audit event, so
  that two writers take the tally rows in one order (no deadlock). Dates are kept as
  ``YYYY-MM-DD`` text ('' for none), as on SQLite, so ``core/tally.py`` reads both alike.
"""
from typing import Sequence, Union

from alembic import op

from aims_tui.core import pgroles


revision: str = '0017'
down_revision: Union[str, None] = '0016'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

_DAY = "COALESCE(to_char({d}, 'YYYY-MM-DD'), '')"
_CURRENT = ("FROM acceptance a WHERE a.risk_id = {r}.id AND NOT a.revoked "
            "ORDER BY a.accepted_at DESC, a.id DESC LIMIT 1")
# table -> (key columns and types, the key's value from a risk row ``{r}``)
TALLIES = {
    "risk_tally_cells": (
        [("status", "VARCHAR(16)"), ("awaiting", "INTEGER"), ("inherent_likelihood", "INTEGER"),
         ("inherent_impact", "INTEGER"), ("residual_likelihood", "INTEGER"), ("residual_impact", "INTEGER")],
        ["{r}.status", "({r}.awaiting_assessment)::int", "{r}.inherent_likelihood", "{r}.inherent_impact",
         "{r}.residual_likelihood", "{r}.residual_impact"]),
    "risk_tally_due": (
        [("status", "VARCHAR(16)"), ("owner", "VARCHAR(64)"), ("next_review", "VARCHAR(10)")],
        ["{r}.status", "{r}.owner", _DAY.format(d="{r}.next_review")]),
    "risk_tally_cover": (
        [("status", "VARCHAR(16)"), ("residual_score", "INTEGER"), ("cover", "VARCHAR(10)")],
        ["{r}.status", "({r}.residual_likelihood * {r}.residual_impact)",
         "COALESCE((SELECT CASE WHEN a.residual_likelihood * a.residual_impact >= "
         "{r}.residual_likelihood * {r}.residual_impact THEN COALESCE(to_char(a.expires_on, 'YYYY-MM-DD'), "
         "'9999-12-31') ELSE '' END " + _CURRENT + "), '')"]),
    "risk_tally_expiry": (
        [("status", "VARCHAR(16)"), ("owner", "VARCHAR(64)"), ("expires_on", "VARCHAR(10)")],
        ["{r}.status", "{r}.owner",
         "COALESCE((SELECT " + _DAY.format(d="a.expires_on") + " " + _CURRENT + "), '')"]),
}
ON_ACCEPTANCE = ["risk_tally_cover", "risk_tally_expiry"]
CURRENT_INDEX = "ix_acceptance_risk_current"
LOCK = "PERFORM 1 FROM audit_head WHERE id = 1 FOR UPDATE;"


def _cols(table: str) -> str:
    return ", ".join(c for c, _ in TALLIES[table][0])


def _keys(table: str, r: str) -> str:
    return ", ".join(v.format(r=r) for v in TALLIES[table][1])


def _upsert(table: str, rows_sql: str) -> str:
    """Add ``rows_sql``'s (key..., step) rows to ``table``, summed per key."""
    cols = _cols(table)
    return (f"INSERT INTO {table} AS t ({cols}, n) SELECT {cols}, sum(dn) FROM ({rows_sql}) AS x ({cols}, dn) "
            f"GROUP BY {cols} HAVING sum(dn) <> 0 ORDER BY {cols} "
            f"ON CONFLICT ({cols}) DO UPDATE SET n = t.n + excluded.n;")


def _risk_function() -> str:
    def step(table: str) -> str:
        added = f"SELECT {_keys(table, 'r')}, 1 FROM new_rows r"
        taken = f"SELECT {_keys(table, 'r')}, -1 FROM old_rows r"
        return (f"IF TG_OP = 'INSERT' THEN {_upsert(table, added)} "
                f"ELSIF TG_OP = 'DELETE' THEN {_upsert(table, taken)} "
                f"ELSE {_upsert(table, added + ' UNION ALL ' + taken)} END IF;")
    body = "\n    ".join(step(t) for t in TALLIES)
    return f"""CREATE OR REPLACE FUNCTION aims_risk_tally() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
    {LOCK}
    {body}
    RETURN NULL;
END $$"""


def _acceptance_function() -> str:
    body = "\n    ".join(_upsert(t, f"SELECT {_keys(t, 'r')}, step FROM risk r WHERE r.id = ANY(ids)") for t in ON_ACCEPTANCE)
    return f"""CREATE OR REPLACE FUNCTION aims_acceptance_tally() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    ids bigint[];
    step int := CASE WHEN TG_WHEN = 'BEFORE' THEN -1 ELSE 1 END;
BEGIN
    {LOCK}
    IF TG_OP = 'INSERT' THEN ids := ARRAY[NEW.risk_id];
    ELSIF TG_OP = 'DELETE' THEN ids := ARRAY[OLD.risk_id];
    ELSIF OLD.risk_id = NEW.risk_id THEN ids := ARRAY[NEW.risk_id];
    ELSE ids := ARRAY[OLD.risk_id, NEW.risk_id];
    END IF;
    {body}
    IF TG_WHEN = 'AFTER' THEN RETURN NULL; END IF;
    RETURN CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
END $$"""


TRIGGERS = {  # name -> (table, CREATE TRIGGER's tail)
    "aims_risk_tally_ins": ("risk", "AFTER INSERT ON risk REFERENCING NEW TABLE AS new_rows "
                                    "FOR EACH STATEMENT EXECUTE FUNCTION aims_risk_tally()"),
    "aims_risk_tally_del": ("risk", "AFTER DELETE ON risk REFERENCING OLD TABLE AS old_rows "
                                    "FOR EACH STATEMENT EXECUTE FUNCTION aims_risk_tally()"),
    "aims_risk_tally_upd": ("risk", "AFTER UPDATE ON risk REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows "
                                    "FOR EACH STATEMENT EXECUTE FUNCTION aims_risk_tally()"),
    "aims_acceptance_tally_before": ("acceptance", "BEFORE INSERT OR UPDATE OR DELETE ON acceptance "
                                                   "FOR EACH ROW EXECUTE FUNCTION aims_acceptance_tally()"),
    "aims_acceptance_tally_after": ("acceptance", "AFTER INSERT OR UPDATE OR DELETE ON acceptance "
                                                  "FOR EACH ROW EXECUTE FUNCTION aims_acceptance_tally()"),
}


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return
    for table, (cols, _values) in TALLIES.items():
        defs = ", ".join(f"{c} {t} NOT NULL" for c, t in cols)
        names = _cols(table)
        bind.exec_driver_sql(f"CREATE TABLE {table} ({defs}, n INTEGER NOT NULL, PRIMARY KEY ({names}))")
        keys = _keys(table, "r")
        bind.exec_driver_sql(f"INSERT INTO {table} ({names}, n) SELECT {keys}, count(*) FROM risk r GROUP BY {keys}")
    # a risk's current acceptance in one index probe (without it the planner may walk
    # ix_acceptance_accepted_at for each row: a bulk load of acceptances went quadratic)
    bind.exec_driver_sql(f"CREATE INDEX {CURRENT_INDEX} ON acceptance (risk_id, accepted_at, id)")
    bind.exec_driver_sql(_risk_function())
    bind.exec_driver_sql(_acceptance_function())
    for name, (_table, tail) in TRIGGERS.items():
        bind.exec_driver_sql(f"CREATE TRIGGER {name} {tail}")
    pgroles.guard_records(bind)


def downgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return
    pgroles.unguard_records(bind)
    for name, (table, _tail) in TRIGGERS.items():
        bind.exec_driver_sql(f"DROP TRIGGER IF EXISTS {name} ON {table}")
    bind.exec_driver_sql("DROP FUNCTION IF EXISTS aims_risk_tally()")
    bind.exec_driver_sql(f"DROP INDEX IF EXISTS {CURRENT_INDEX}")
    bind.exec_driver_sql("DROP FUNCTION IF EXISTS aims_acceptance_tally()")
    for table in TALLIES:
        bind.exec_driver_sql(f"DROP TABLE IF EXISTS {table}")
