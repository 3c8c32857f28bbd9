"""Issue 18: a password in a database URL is never printed (messages and logs show the URL masked)."""

from __future__ import annotations

from typer.testing import CliRunner

from aims_tui.cli import app
from aims_tui.core.db import Database, shown_url


def test_a_url_with_a_password_is_shown_with_the_password_masked():
    assert shown_url("postgresql+psycopg://alice:s3cr%40t@db.example:5432/aims") == \
        "postgresql+psycopg://alice:***@db.example:5432/aims"


def test_a_url_without_a_password_is_shown_as_it_is():
    url = "postgresql+psycopg:///aims?host=/var/run/postgresql"
    assert shown_url(url) == url


def test_a_url_sqlalchemy_cannot_read_is_masked_by_hand():
    assert shown_url("postgresql+psycopg://bob:hunter2@[::1:5432/aims") == "postgresql+psycopg://bob:***@[::1:5432/aims"


def test_a_sqlite_database_is_shown_as_its_file(tmp_path):
    db = Database(f"sqlite:///{tmp_path / 'aims.db'}")
    try:
        assert db.where == str(tmp_path / "aims.db")
    finally:
        db.dispose()


def test_commands_that_cannot_reach_the_server_do_not_print_the_password():
    """`db check` shows the database it checked, and a failed connection says why: neither
    prints the password (port 1 on loopback refuses at once)."""
    for args in (["db", "check"], ["risks", "list"], ["users", "list"]):
        res = CliRunner().invoke(app, [*args, "--db", "postgresql+psycopg://alice:hunter2@127.0.0.1:1/aims"])
        assert res.exit_code != 0
        assert "hunter2" not in res.stdout + res.stderr, (args, res.stdout, res.stderr)
    res = CliRunner().invoke(app, ["db", "check", "--db", "postgresql+psycopg://alice:hunter2@127.0.0.1:1/aims"])
    assert "alice:***@127.0.0.1:1/aims" in res.stdout
    res = CliRunner().invoke(app, ["risks", "list", "--db", "postgresql+nodriver://alice:hunter2@127.0.0.1:1/aims"])
    assert res.exit_code == 1 and "alice:***@" in res.stderr and "hunter2" not in res.stderr
