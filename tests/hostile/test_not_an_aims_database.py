"""Only `init` makes a database; a file that is not an aims database is refused
in one line and left untouched (issue 14: `risks list` or `audit verify` on a
0-byte or foreign SQLite file silently created the aims schema in it, loaded
Annex A and made the caller admin)."""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

import pytest
from typer.testing import CliRunner

from aims_tui.cli import app
from aims_tui.core.db import inspect_file, open_database
from aims_tui.core.errors import DatabaseError
from aims_tui.core.services import setup

from ..conftest import ADMIN, EDITOR


def zero_byte(folder: Path) -> Path:
    p = folder / "empty.db"
    p.write_bytes(b"")
    return p


def foreign_sqlite(folder: Path) -> Path:
    """Another program's database (a photo catalogue), rollback journal."""
    p = folder / "photos.db"
    con = sqlite3.connect(p)
    con.execute("CREATE TABLE photo (id INTEGER PRIMARY KEY, path TEXT)")
    con.execute("INSERT INTO photo (path) VALUES ('holiday.jpg')")
    con.commit()
    con.close()
    return p


def foreign_wal_sqlite(folder: Path) -> Path:
    """Another program's database in WAL mode (reading it must not leave -wal/-shm files)."""
    p = folder / "notes.sqlite"
    con = sqlite3.connect(p)
    con.execute("PRAGMA journal_mode = WAL")
    con.execute("CREATE TABLE note (body TEXT)")
    con.commit()
    con.close()
    return p


def text_file(folder: Path) -> Path:
    p = folder / "aims.db"
    p.write_text("meeting notes: not a database\n" * 50, encoding="utf-8")
    return p


FILES = {"0-byte": zero_byte, "foreign SQLite": foreign_sqlite, "foreign WAL SQLite": foreign_wal_sqlite,
         "text": text_file}
COMMANDS = [["risks", "list"], ["audit", "verify"], ["systems", "list"], ["users", "list"], ["reminders"],
            ["check"], ["db", "upgrade"], ["demo", "--systems", "1"], ["export", "register", "--out", "-"]]
SAYS = {"0-byte": "is an empty file (0 bytes), not an aims database; left it untouched",
        "foreign SQLite": "is another program's SQLite database (tables: photo), not an aims database; "
                          "left it untouched",
        "foreign WAL SQLite": "is another program's SQLite database (tables: note), not an aims database",
        "text": "is not a SQLite file, not an aims database; left it untouched"}


def folder_state(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


@pytest.mark.parametrize("kind", list(FILES))
@pytest.mark.parametrize("args", COMMANDS, ids=[" ".join(a[:2]) for a in COMMANDS])
def test_a_command_on_a_file_that_is_not_an_aims_database_refuses_and_changes_nothing(tmp_path, monkeypatch,
                                                                                     kind, args):
    """Before: the schema was created in the file and the caller became its admin."""
    monkeypatch.setattr("aims_tui.core.identity.os_login", lambda: ADMIN)
    path = FILES[kind](tmp_path)
    before = folder_state(tmp_path)
    result = CliRunner().invoke(app, [*args, "--db", str(path)])
    assert result.exit_code == 1, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"aims: {path} "), result.stderr
    assert SAYS[kind] in lines[0]
    assert "Traceback" not in result.output and "unexpected" not in result.output
    assert folder_state(tmp_path) == before  # byte-identical, and no -wal/-shm/-journal left


@pytest.mark.parametrize("kind", ["0-byte", "foreign SQLite", "text"])
def test_the_app_refuses_a_file_that_is_not_an_aims_database(tmp_path, monkeypatch, kind):
    """`aims --db FILE` (the app) says so before any screen opens."""
    monkeypatch.setattr("aims_tui.core.identity.os_login", lambda: ADMIN)
    monkeypatch.setattr("aims_tui.tui.app.run", lambda *a: pytest.fail("the app must not open"))
    path = FILES[kind](tmp_path)
    before = folder_state(tmp_path)
    result = CliRunner().invoke(app, ["--db", str(path)])
    assert result.exit_code == 1 and SAYS[kind] in result.stderr
    assert folder_state(tmp_path) == before


def test_init_makes_a_database_of_a_0_byte_file_and_refuses_a_foreign_one(tmp_path, monkeypatch):
    """`init` is the one command that may fill an empty file; someone else's data it leaves alone."""
    monkeypatch.setattr("aims_tui.core.identity.os_login", lambda: ADMIN)
    empty = zero_byte(tmp_path)
    made = CliRunner().invoke(app, ["init", "--db", str(empty)])
    assert made.exit_code == 0, made.output
    assert inspect_file(empty)[0] == "aims"
    listed = CliRunner().invoke(app, ["users", "list", "--db", str(empty), "--format", "json"])
    assert listed.exit_code == 0 and f'"{ADMIN}"' in listed.stdout
    photos = foreign_sqlite(tmp_path)
    before = photos.read_bytes()
    refused = CliRunner().invoke(app, ["init", "--db", str(photos)])
    assert refused.exit_code == 1 and SAYS["foreign SQLite"] in refused.stderr
    assert photos.read_bytes() == before


def test_the_core_refuses_the_same_files_and_names_a_folder_and_a_fifo(tmp_path):
    """open_database itself (the app, scripts and tests use it): only an aims database,
    or a missing file it may create; a FIFO is refused without being opened (it would hang)."""
    for kind, make in FILES.items():
        path = make(tmp_path)
        with pytest.raises(DatabaseError) as exc:
            open_database(str(path))
        assert SAYS[kind] in str(exc.value)
    with pytest.raises(DatabaseError, match="is a folder, not an aims database"):
        open_database(str(tmp_path))
    fifo = tmp_path / "pipe.db"
    os.mkfifo(fifo)
    with pytest.raises(DatabaseError, match="is not a regular file, not an aims database"):
        open_database(str(fifo))
    fresh = open_database(str(tmp_path / "new.db"))  # a missing file is still created
    assert inspect_file(fresh.path)[0] == "aims"
    fresh.dispose()


def test_an_aims_database_opened_by_another_process_is_recognised_from_its_wal(tmp_path):
    """The tables of a database another process has just made may live only in the WAL:
    it is an aims database all the same (not "an empty SQLite file")."""
    path = tmp_path / "live.db"
    first = open_database(str(path))
    holder = sqlite3.connect(path)  # keeps the WAL from being checkpointed away
    holder.execute("PRAGMA wal_autocheckpoint = 0")
    holder.execute("SELECT 1 FROM risk LIMIT 1").fetchall()
    try:
        setup.initialize(first, EDITOR, "Org")
        assert inspect_file(path)[0] == "aims"
        again = open_database(str(path), create=False)
        again.dispose()
    finally:
        holder.close()
        first.dispose()
