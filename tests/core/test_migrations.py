"""Alembic migrations: head equals the models; down and up round-trip; old databases upgrade on open."""

from __future__ import annotations

import sqlite3

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Column, Integer, MetaData, Table, inspect
from sqlmodel import SQLModel

from aims_tui.core import migrate, models  # noqa: F401
from aims_tui.core.db import open_database
from aims_tui.core.services import risks, setup, systems

from ..conftest import ADMIN, TODAY


def _differences(database, metadata=SQLModel.metadata) -> list:
    with database.engine.connect() as conn:
        ctx = MigrationContext.configure(conn, opts={"compare_type": True, "render_as_batch": True,
                                                     "include_name": migrate.include_name})
        return compare_metadata(ctx, metadata)


def _tables(path) -> set[str]:
    with sqlite3.connect(path) as c:
        return {r[0] for r in c.execute("SELECT name FROM sqlite_master WHERE type='table'")}


def test_an_empty_database_upgraded_to_head_equals_the_models(tmp_path):
    """A model changed without a migration (or the reverse) shows up as a difference here."""
    database = open_database(str(tmp_path / "aims.db"))
    try:
        assert migrate.current_revision(database) == migrate.head_revision()
        assert _differences(database) == []
    finally:
        database.dispose()


def test_the_comparison_can_see_a_difference(tmp_path):
    """Guards the test above: a table the migrations do not make is reported."""
    database = open_database(str(tmp_path / "aims.db"))
    try:
        extra = MetaData()
        for t in SQLModel.metadata.tables.values():
            t.to_metadata(extra)
        Table("not_migrated", extra, Column("id", Integer, primary_key=True))
        assert any(d[0] == "add_table" and d[1].name == "not_migrated" for d in _differences(database, extra))
    finally:
        database.dispose()


def test_downgrade_to_base_and_upgrade_again_round_trips(tmp_path):
    """0001 can be undone and redone; the result still equals the models."""
    path = tmp_path / "aims.db"
    database = open_database(str(path))
    try:
        migrate.downgrade(database, "base")
        assert migrate.current_revision(database) is None
        assert _tables(path) <= {"alembic_version"}
        assert migrate.upgrade_if_needed(database) is True
        assert migrate.current_revision(database) == migrate.head_revision()
        assert _differences(database) == []
        assert migrate.upgrade_if_needed(database) is False  # already at head: nothing to do
    finally:
        database.dispose()


def test_a_database_at_an_older_revision_is_upgraded_when_it_is_opened(tmp_path):
    """What a team gets after installing a newer aims: the next open migrates the file."""
    path = tmp_path / "aims.db"
    database = open_database(str(path))
    migrate.downgrade(database, "base")
    database.dispose()
    old = open_database(str(path), upgrade=False)
    assert migrate.current_revision(old) is None
    old.dispose()

    database = open_database(str(path))
    try:
        assert migrate.current_revision(database) == migrate.head_revision()
        setup.initialize(database, ADMIN, "Org")
        s = systems.create_system(database, ADMIN, {"name": "Works after upgrade"})
        r = risks.create_risk(database, ADMIN, {"system": s["ref"], "title": "Drift",
                                                 "inherent_likelihood": 2, "inherent_impact": 3}, today=TODAY)
        assert r["inherent_score"] == 6  # the generated column exists again
    finally:
        database.dispose()


def test_a_database_opened_twice_is_not_migrated_twice(tmp_path):
    """Opening an up-to-date database runs no migration."""
    path = tmp_path / "aims.db"
    open_database(str(path)).dispose()
    database = open_database(str(path))
    try:
        assert migrate.upgrade_if_needed(database) is False
    finally:
        database.dispose()


def test_the_register_filters_have_their_indexes(tmp_path):
    """Owner, system, level inputs, status and next review are indexed."""
    database = open_database(str(tmp_path / "aims.db"))
    try:
        idx = {tuple(i["column_names"]) for i in inspect(database.engine).get_indexes("risk")}
        for cols in [("owner", "ref_num"), ("system_id", "ref_num"), ("status", "ref_num"),
                     ("next_review", "ref_num"), ("residual_score", "ref_num"),
                     ("residual_likelihood", "residual_impact")]:
            assert cols in idx, cols
    finally:
        database.dispose()


def test_every_editable_record_has_a_version_column():
    """Optimistic versions on every editable record, wired as the mapper's version_id_col."""
    for model in models.EDITABLE_MODELS:
        col = model.__table__.columns["version"]  # type: ignore[attr-defined]
        assert not col.nullable and model.__mapper__.version_id_col is col, model.__name__


def test_a_database_at_the_first_revision_with_data_is_upgraded_on_open_and_keeps_its_data(tmp_path):
    """An aims 0001 database with a register in it: opening it with this aims applies every later
    migration, keeps the rows, and the audit trail still verifies."""
    from aims_tui.core import audit

    path = tmp_path / "aims.db"
    database = open_database(str(path))
    setup.initialize(database, ADMIN, "Org")
    s = systems.create_system(database, ADMIN, {"name": "Kept"})
    if migrate.head_revision() != "0001":
        migrate.downgrade(database, "0001")
    database.dispose()
    old = open_database(str(path), upgrade=False)
    assert migrate.current_revision(old) == "0001"
    old.dispose()

    database = open_database(str(path))
    try:
        assert migrate.current_revision(database) == migrate.head_revision()
        assert systems.get_system(database, s["ref"])["name"] == "Kept"
        systems.create_system(database, ADMIN, {"name": "After"})
        with database.read() as sess:
            result = audit.verify(sess)
        assert result.ok, result.reason
        assert _differences(database) == []
    finally:
        database.dispose()
