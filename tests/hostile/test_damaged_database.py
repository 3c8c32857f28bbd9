"""A damaged database is said to be damaged, with what to do (issue 14: a damaged
page gave "Could not decode to UTF-8 column" without saying the file was
damaged or pointing to `aims db check`)."""

from __future__ import annotations

import sqlite3

import pytest
from typer.testing import CliRunner

from aims_tui.cli import app
from aims_tui.core.db import open_database
from aims_tui.core.services import risks

from ..conftest import ADMIN, EDITOR, make_db

MARK = "Zebracrossingtitle"


@pytest.fixture
def db_file(tmp_path, monkeypatch):
    monkeypatch.setattr("aims_tui.core.identity.os_login", lambda: ADMIN)
    path = tmp_path / "aims.db"
    database = make_db(path)
    for i in range(30):
        risks.create_risk(database, EDITOR, {"title": f"{MARK} {i:02d}", "inherent_likelihood": 2,
                                             "inherent_impact": 3})
    database.dispose()
    con = sqlite3.connect(path)
    con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    root = con.execute("SELECT rootpage FROM sqlite_master WHERE name = 'risk'").fetchone()[0]
    page = con.execute("PRAGMA page_size").fetchone()[0]
    con.close()
    return path, root, page


def run(*args):
    return CliRunner().invoke(app, list(args))


def assert_damaged_line(result, path):
    assert result.exit_code == 1, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith(f"aims: {path} is damaged")
    assert f"aims db check --db {path}" in lines[0] and "backup" in lines[0]
    assert "Traceback" not in result.output
    assert "unexpected" not in result.output


def test_bytes_overwritten_in_a_table_page_say_the_file_is_damaged_and_what_to_do(db_file):
    """Garbage over the risk table's page: SQLite says "malformed"; aims says damaged, db check, backup."""
    path, root, page = db_file
    with open(path, "r+b") as f:
        f.seek((root - 1) * page)
        f.write(b"\xa5" * 200)
    assert_damaged_line(run("risks", "list", "--db", str(path)), path)
    check = run("db", "check", "--db", str(path))
    assert check.exit_code == 3 and "Integrity: ok" not in check.stdout  # db check still opens it


def test_a_title_whose_bytes_are_not_utf8_any_more_says_damaged_not_could_not_decode(db_file):
    """The exact case of the issue: text bytes of a record overwritten."""
    path, _root, _page = db_file
    data = bytearray(path.read_bytes())
    needle = MARK.encode()
    hits = 0
    at = data.find(needle)
    while at >= 0:
        data[at:at + 4] = b"\xff\xfe\xfd\xfc"
        hits += 1
        at = data.find(needle, at + 1)
    assert hits >= 30
    path.write_bytes(bytes(data))
    result = run("risks", "list", "--db", str(path))
    assert_damaged_line(result, path)
    assert "Could not decode to UTF-8 column 'title'" in result.stderr  # what SQLite said, without the bytes
    assert "\xff" not in result.stderr


def test_a_damaged_first_page_is_refused_on_open_in_one_line(db_file):
    """The schema page itself: every command, the app included, stops at the door."""
    path, _root, _page = db_file
    with open(path, "r+b") as f:
        f.seek(100)
        f.write(b"\x07" * 60)
    for args in (["audit", "verify"], ["systems", "list"], ["check"]):
        assert_damaged_line(run(*args, "--db", str(path)), path)
    from aims_tui.core.errors import DatabaseError

    with pytest.raises(DatabaseError, match="is damaged"):
        open_database(str(path))
    check = run("db", "check", "--db", str(path))  # the command the message points to reports the damage
    assert check.exit_code == 3, check.output
    assert "Migration: unreadable" in check.stdout and "Integrity: database disk image is malformed" in check.stdout
