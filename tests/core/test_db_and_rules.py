"""The database layer (pragmas, locks, paths, versions of aims) and rules found while testing."""

from __future__ import annotations

import sqlite3
import threading

import pytest
from sqlmodel import select

from aims_tui.core import identity, migrate
from aims_tui.core.db import default_db_path, open_database, resolve_url
from aims_tui.core.errors import DatabaseError, UnknownUser, ValidationError
from aims_tui.core.models import AISystem
from aims_tui.core.services import acceptances, risks, settings, systems, users

from ..conftest import ADMIN, APPROVER, EDITOR, TODAY
from .helpers import snapshot


# -- the database layer ---------------------------------------------------------------

def test_sqlite_runs_in_wal_with_a_busy_timeout_and_foreign_keys(db):
    """The pragmas every connection gets (WAL, busy timeout, foreign keys)."""
    with db.engine.connect() as c:
        assert c.exec_driver_sql("PRAGMA journal_mode").scalar().lower() == "wal"
        assert c.exec_driver_sql("PRAGMA busy_timeout").scalar() >= 3000
        assert c.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1


def test_the_database_comes_from_db_else_aims_db_else_data(monkeypatch, tmp_path):
    """--db, else AIMS_DB, else data/aims.db; a SQLAlchemy URL passes through."""
    monkeypatch.setenv("AIMS_DB", str(tmp_path / "env.db"))
    assert resolve_url(str(tmp_path / "opt.db")) == f"sqlite:///{tmp_path / 'opt.db'}"
    assert resolve_url(None) == f"sqlite:///{tmp_path / 'env.db'}"
    assert resolve_url("postgresql+psycopg://u@h/aims") == "postgresql+psycopg://u@h/aims"
    monkeypatch.delenv("AIMS_DB")
    assert resolve_url(None) == f"sqlite:///{default_db_path()}"
    assert default_db_path().parent.name == "data"


def test_a_write_takes_the_lock_before_it_reads(db):
    """BEGIN IMMEDIATE: while a service runs, nobody else can start writing."""
    seen = {}

    def fn(session):
        other = sqlite3.connect(db.path, timeout=0)
        try:
            other.execute("BEGIN IMMEDIATE")
            seen["locked"] = False
        except sqlite3.OperationalError as exc:
            seen["locked"] = "locked" in str(exc)
        finally:
            other.close()
        return session.exec(select(AISystem)).all()

    db.transact(fn)
    assert seen == {"locked": True}


def test_a_read_takes_no_write_lock(db):
    """A read session left open must not block writers (WAL: readers and one writer at once)."""
    with db.read() as s:
        s.exec(select(AISystem)).all()
        other = sqlite3.connect(db.path, timeout=0)
        other.execute("BEGIN IMMEDIATE")
        other.rollback()
        other.close()


def test_a_write_waits_for_another_writer_instead_of_failing(db):
    """Another user holds the write lock for a moment; the service waits and then saves."""
    holder = sqlite3.connect(db.path, check_same_thread=False)
    holder.execute("BEGIN IMMEDIATE")
    release = threading.Timer(0.3, holder.commit)
    release.start()
    try:
        out = systems.create_system(db, EDITOR, {"name": "Waited"})
    finally:
        release.join()
        holder.close()
    assert out["name"] == "Waited"


def test_what_was_read_stays_readable_after_the_read_session(db):
    """Screens get records out of db.read(); using them afterwards must not raise DetachedInstanceError."""
    systems.create_system(db, EDITOR, {"name": "Chatbot"})
    with db.read() as s:
        row = s.exec(select(AISystem)).first()
    assert row.name == "Chatbot" and row.version == 1


def test_a_database_made_by_a_newer_aims_is_refused_in_one_line(tmp_path):
    """Found by these tests: an older aims crashed with alembic's CommandError; now it says what
    to do and leaves the file alone."""
    path = tmp_path / "aims.db"
    open_database(str(path)).dispose()
    with sqlite3.connect(path) as c:
        c.execute("UPDATE alembic_version SET version_num = '0999'")
    before = path.read_bytes()
    with pytest.raises(DatabaseError) as exc:
        open_database(str(path))
    assert "newer aims" in str(exc.value) and "0999" in str(exc.value)
    assert "\n" not in str(exc.value)
    assert not migrate.is_known("0999") and migrate.is_known(migrate.head_revision())
    assert path.read_bytes() == before


def test_a_file_that_is_not_a_database_is_refused_in_one_line(tmp_path):
    """AIMS_DB pointing at some other file."""
    path = tmp_path / "notes.db"
    path.write_bytes(b"meeting notes, not a database\n" * 200)
    with pytest.raises(DatabaseError) as exc:
        open_database(str(path))
    assert "is not a SQLite file, not an aims database" in str(exc.value)
    assert path.read_bytes() == b"meeting notes, not a database\n" * 200


# -- identity --------------------------------------------------------------------------

def test_the_actor_is_the_os_login_not_an_environment_variable(monkeypatch):
    """Identity comes from the effective uid; USER and LOGNAME are easy to fake."""
    real = identity.os_login()
    monkeypatch.setenv("USER", "mallory")
    monkeypatch.setenv("LOGNAME", "mallory")
    monkeypatch.setenv("AIMS_USER", "mallory")
    assert identity.os_login() == real


def test_an_unknown_login_is_told_which_admin_to_ask(db):
    """The refusal names the admins and the command they should run."""
    with db.read() as s:
        with pytest.raises(UnknownUser) as exc:
            identity.require(s, "mallory", identity.READ, "reading")
    assert "ada" in str(exc.value) and "aims users add mallory" in str(exc.value)


# -- users -----------------------------------------------------------------------------

def test_an_inactive_admin_can_be_demoted_while_another_admin_is_active(db):
    """Found by these tests: the last-admin guard counted only active admins but applied to inactive ones."""
    users.add_user(db, ADMIN, "zed", "admin")
    users.deactivate(db, ADMIN, "zed")
    assert users.set_role(db, ADMIN, "zed", "viewer")["role"] == "viewer"


def test_a_deactivated_user_is_reactivated_by_adding_them_again(db):
    """Adding a deactivated login reactivates it with the new role."""
    users.deactivate(db, ADMIN, EDITOR)
    out = users.add_user(db, ADMIN, EDITOR, "viewer")
    assert out["active"] is True and out["role"] == "viewer"


# -- risks: acceptance is an approver's act -------------------------------------------

def _risk(db):
    s = systems.create_system(db, EDITOR, {"name": "Chatbot"})
    return risks.create_risk(db, EDITOR, {"system": s["ref"], "title": "Leaks data", "inherent_likelihood": 4,
                                          "inherent_impact": 5}, today=TODAY)


def test_an_editor_cannot_mark_a_risk_accepted_without_an_acceptance(db):
    """Found by these tests: `risks update --status accepted` bypassed the approver's acceptance (6.1.3)."""
    r = _risk(db)
    before = snapshot(db)
    with pytest.raises(ValidationError) as exc:
        risks.update_risk(db, EDITOR, r["ref"], {"status": "accepted"})
    assert exc.value.field == "status" and "approver" in str(exc.value)
    assert snapshot(db) == before


def test_a_risk_with_a_valid_acceptance_may_be_set_back_to_accepted(db):
    """The status guard lets a risk that is really accepted be marked so again."""
    r = _risk(db)
    acceptances.accept_risk(db, APPROVER, r["ref"], "Benefits outweigh the residual risk", today=TODAY)
    risks.update_risk(db, EDITOR, r["ref"], {"status": "treating"})
    assert risks.update_risk(db, EDITOR, r["ref"], {"status": "accepted"})["status"] == "accepted"


# -- settings: the matrix -----------------------------------------------------------------

def test_a_partial_matrix_change_keeps_the_rest_of_the_matrix(db):
    """Changing the appetite must not reset custom labels or bands to the defaults."""
    labels = ["Very rare", "Rare", "Possible", "Likely", "Certain"]
    settings.update_settings(db, ADMIN, {"matrix": {"likelihood_labels": labels}})
    settings.update_settings(db, ADMIN, {"matrix": {"appetite": 12}})
    m = settings.get_matrix(db)
    assert list(m.likelihood_labels) == labels and m.appetite == 12


def test_a_matrix_too_small_for_the_recorded_scores_is_refused(db):
    """Found by these tests: a 3x3 matrix over risks scored 4x5 made every risk list fail."""
    r = _risk(db)
    small = {"likelihood_labels": ["Low", "Medium", "High"], "impact_labels": ["Low", "Medium", "High"],
             "bands": [{"name": "Low", "low": 1, "high": 2}, {"name": "Medium", "low": 3, "high": 5},
                       {"name": "High", "low": 6, "high": 9}], "appetite": 4}
    before = snapshot(db)
    with pytest.raises(ValidationError) as exc:
        settings.update_settings(db, ADMIN, {"matrix": small})
    assert exc.value.field == "matrix" and "rescore" in str(exc.value)
    assert snapshot(db) == before
    risks.update_risk(db, EDITOR, r["ref"], {"inherent_likelihood": 3, "inherent_impact": 3,
                                             "residual_likelihood": 2, "residual_impact": 2})
    settings.update_settings(db, ADMIN, {"matrix": small})
    assert risks.get_risk(db, r["ref"])["inherent_level"] == "High"


# -- a deleted risk's ref and history are not handed to a new risk -----------------------

def test_a_new_risk_does_not_inherit_the_ref_or_reviews_of_a_deleted_one(db):
    """Found by these tests: deleting the newest risk gave its ref (and SQLite its row id, so its
    reviews) to the next risk created; the audit trail then mixed two different risks."""
    from aims_tui.core.services import reviews

    risks.create_risk(db, EDITOR, {"title": "Kept", "inherent_likelihood": 2, "inherent_impact": 2}, today=TODAY)
    gone = risks.create_risk(db, EDITOR, {"title": "Gone", "inherent_likelihood": 2, "inherent_impact": 2},
                             today=TODAY)
    reviews.record_review(db, EDITOR, "risk", gone["ref"], {"outcome": "still_valid", "notes": "old"}, today=TODAY)
    snap = risks.delete_risk(db, APPROVER, gone["ref"])
    assert [r["notes"] for r in snap["reviews"]] == ["old"]  # kept in the audit event
    new = risks.create_risk(db, EDITOR, {"title": "New", "inherent_likelihood": 2, "inherent_impact": 2},
                            today=TODAY)
    assert new["ref"] != gone["ref"]
    assert reviews.list_reviews(db, "risk", new["ref"]) == []


@pytest.mark.parametrize("field,value", [
    ("system.personal_data", None), ("system.personal_data", ""),
    ("nonconformity.raised_on", None), ("nonconformity.raised_on", ""),
    ("settings.due_soon_days", None), ("settings.overdue_grace_days", ""),
])
def test_emptying_a_field_that_cannot_be_empty_names_it(db, field, value):
    """Found by fuzzing: these raised IntegrityError (a traceback-worthy crash) instead of naming the field."""
    from aims_tui.core.services import nonconformities

    what, name = field.split(".")
    s = systems.create_system(db, EDITOR, {"name": "Chatbot", "personal_data": None})  # creation: default
    nc = nonconformities.create_nonconformity(db, EDITOR, {"title": "Logs", "raised_on": ""}, today=TODAY)
    assert s["personal_data"] is False and nc["raised_on"] == TODAY
    call = {
        "system": lambda: systems.update_system(db, EDITOR, s["ref"], {name: value}),
        "nonconformity": lambda: nonconformities.update_nonconformity(db, EDITOR, nc["ref"], {name: value}),
        "settings": lambda: settings.update_settings(db, ADMIN, {name: value}),
    }[what]
    before = snapshot(db)
    with pytest.raises(ValidationError) as exc:
        call()
    assert exc.value.field == name and "empty" in str(exc.value)
    assert snapshot(db) == before


@pytest.mark.parametrize("version", ["abc", "", " ", [], True, 1.5])
def test_an_expect_version_that_is_not_a_number_names_the_field(db, version):
    """Found by fuzzing: a version typed into a form or passed from a file raised ValueError/TypeError."""
    r = _risk(db)
    before = snapshot(db)
    with pytest.raises(ValidationError) as exc:
        risks.update_risk(db, EDITOR, r["ref"], {"title": "x"}, expect_version=version)
    assert exc.value.field == "expect_version"
    assert snapshot(db) == before


def test_an_expect_version_given_as_text_is_read_as_a_number(db):
    """A version read from a form or a file as text still works."""
    r = _risk(db)
    assert risks.update_risk(db, EDITOR, r["ref"], {"title": "x"}, expect_version=" 1 ")["version"] == 2


@pytest.mark.parametrize("org", [12, "  Acme\nAI  ", "x" * 201])
def test_initialize_cleans_the_organization_name_like_any_text(db, org):
    """Found by fuzzing: a non-text name raised TypeError; line breaks are folded, over 200 characters refused."""
    from aims_tui.core.services import setup

    if isinstance(org, str) and len(org) > 200:
        with pytest.raises(ValidationError) as exc:
            setup.initialize(db, ADMIN, org)
        assert exc.value.field == "org"
        return
    out = setup.initialize(db, ADMIN, org)
    assert out["organization"] == ("12" if org == 12 else "Acme AI")


@pytest.mark.parametrize("empty", [None, ""])
def test_an_empty_choice_in_a_change_is_refused_not_reset_to_the_first_choice(db, empty):
    """Found while reviewing: {"status": None} from a form silently reopened a closed risk."""
    r = _risk(db)
    risks.update_risk(db, EDITOR, r["ref"], {"status": "closed"})
    before = snapshot(db)
    with pytest.raises(ValidationError) as exc:
        risks.update_risk(db, EDITOR, r["ref"], {"status": empty})
    assert exc.value.field == "status"
    assert snapshot(db) == before
    # a choice that may be empty stays clearable
    assert risks.update_risk(db, EDITOR, r["ref"], {"category": empty})["category"] == ""


def test_a_demo_load_does_not_reuse_the_refs_of_deleted_risks(db):
    """The demo's bulk load numbers risks itself; it must skip deleted refs like create_risk does."""
    from aims_tui.core.services.demo import load_demo

    gone = risks.create_risk(db, EDITOR, {"title": "Gone", "inherent_likelihood": 2, "inherent_impact": 2},
                             today=TODAY)
    risks.delete_risk(db, APPROVER, gone["ref"])
    load_demo(db, ADMIN, systems=1, risks_per_system=2, seed=1, today=TODAY)
    from aims_tui.core.queries import all_risks
    refs = [r["ref"] for r in all_risks(db)]
    assert gone["ref"] not in refs and len(refs) == 2


@pytest.mark.parametrize("url", ["nonsense://x", "://x", "postgresql+psycopg://aims@127.0.0.1:1/aims"])
def test_a_database_url_that_cannot_be_used_is_one_line_saying_why(url):
    """Found while reviewing: a missing driver or an unknown scheme was an 'unexpected error'
    (psycopg is an optional extra; with it installed, port 1 refuses the connection instead)."""
    with pytest.raises(DatabaseError) as exc:
        open_database(url)
    assert "\n" not in str(exc.value)
