"""Opening a database that is already at head does not import Alembic (startup speed)."""

from __future__ import annotations

import subprocess
import sys

from aims_tui.core import migrate
from aims_tui.core.db import newest_migration_id


def test_the_newest_migration_read_from_file_names_is_alembics_head():
    """The fast check on open must agree with Alembic, or a database would never be upgraded."""
    assert newest_migration_id() == migrate.head_revision()


def test_opening_a_database_at_head_does_not_import_alembic(db):
    """Before: every `aims` command imported Alembic (about 0.25 s) just to learn nothing was due."""
    code = (
        "import sys; from aims_tui.core.db import open_database; "
        f"open_database({str(db.path)!r}); print('alembic' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "False"


def test_a_database_behind_head_is_still_upgraded_on_open(tmp_path):
    """The fast path must not skip a real upgrade."""
    from aims_tui.core.db import open_database

    database = open_database(str(tmp_path / "old.db"))
    migrate.downgrade(database, "0001")
    database.dispose()
    again = open_database(str(tmp_path / "old.db"))
    assert migrate.current_revision(again) == migrate.head_revision()
