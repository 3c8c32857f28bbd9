"""Shared CLI plumbing: --db, the acting login, output formats, exit codes.

Exit codes: 0 done, 1 failed (one line, no traceback), 2 bad usage,
3 done but something needs attention.

``--db`` is declared once, here: every command group made by :func:`command_group`
adds it to the app itself and to each of its commands, so both
``aims --db X risks list`` and ``aims risks list --db X`` work. The value is kept
in the invocation's context (``ctx.meta``), not in a module global, and
:func:`open_db` reads it from there.
"""

from __future__ import annotations

import csv
import errno
import functools
import json
import os
import re
import sys
from datetime import date, datetime
from pathlib import Path
from typing import Annotated, Any, Callable, Iterable, Optional, Sequence

import typer
from typer.core import TyperGroup
from typer.main import get_current_context
from sqlalchemy.exc import DBAPIError

from ..core import config, history, identity, permissions, records, schedule
from ..core.db import db_error_message, open_database, resolve_url, sqlite_path
from ..core.errors import AimsError, Conflict, ValidationError
from ..core.services import setup
from ..core.text import visible as shown  # user text on the terminal: controls and bidi escaped
from ..io.safe import spreadsheet_safe
from .lazy import DB_HELP, DB_KEY as _DB_KEY, db_param as _db_param, takes_db as _takes_db  # --db, declared once

EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_ATTENTION = 0, 1, 2, 3

_CHOICE_KEY = "aims.db.choice"

# For a command that takes --db as its own parameter (``db: common.DbOpt = None``,
# then ``common.open_db(db)``); command groups give every command --db without it.
DbOpt = Annotated[Optional[str], typer.Option("--db", help=DB_HELP, show_default=False)]


class AimsGroup(TyperGroup):
    """A command group whose commands (and itself) all take --db."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for command in (self, *self.commands.values()):
            if (command is self or not isinstance(command, TyperGroup)) and not _takes_db(command):
                command.params.append(_db_param())


def command_group(name: str | None = None, help: str | None = None, **kwargs: Any) -> typer.Typer:
    """A group of commands: with a name, ``aims NAME ...``; without, its commands
    sit at the top level (``aims init``). The one way every command module registers."""
    if name is not None:
        kwargs.setdefault("no_args_is_help", True)
    return typer.Typer(name=name, help=help, cls=AimsGroup, **kwargs)


def chosen_db(db: str | None = None) -> str | None:
    """The --db of this invocation: the argument when given, else --db wherever it was
    put on the command line, else None (then $AIMS_DB or the default)."""
    if db is not None:
        return db
    ctx = get_current_context(silent=True)
    return ctx.meta.get(_DB_KEY) if ctx is not None else None


def fail(message: str, code: int = EXIT_FAILED) -> None:
    """One line on stderr (a message quoting user text cannot break the line or the terminal)."""
    typer.echo(f"aims: {shown(message)}", err=True)
    raise typer.Exit(code)


def note(message: str) -> None:
    typer.echo(shown(message), err=True)


def handle_errors(fn: Callable) -> Callable:
    """Turn expected failures into one line on stderr and exit code 1."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            result = fn(*args, **kwargs)
            sys.stdout.flush()  # a full disk behind stdout is said here, not at exit
            return result
        except typer.Exit:
            _flush_quietly()
            raise
        except ValidationError as exc:
            if len(exc.errors) > 1:
                for field, msg in exc.errors:
                    typer.echo(f"aims: {shown(field)}: {shown(msg)}", err=True)
                raise typer.Exit(EXIT_FAILED) from None
            fail(str(exc))
        except Conflict as exc:
            fail(str(exc))
        except AimsError as exc:
            fail(str(exc))
        except KeyboardInterrupt:
            fail("interrupted", 130)
        except BrokenPipeError:
            # the reader went away (e.g. `aims risks list | head`): not an error
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
            raise typer.Exit(EXIT_OK) from None
        except OSError as exc:
            if exc.errno not in _WRITE_ERRNOS:
                _unexpected(exc)
            if exc.filename:
                fail(f"cannot write {exc.filename}: {exc.strerror}")
            _drop_stdout()
            fail(f"cannot write to standard output: {exc.strerror}")
        except Exception as exc:  # noqa: BLE001 - the user gets one line, never a traceback
            _unexpected(exc)

    return wrapper


_WRITE_ERRNOS = {errno.ENOSPC, errno.EDQUOT, errno.EFBIG, errno.EIO, errno.EROFS}


def _unexpected(exc: Exception) -> None:
    if os.environ.get("AIMS_DEBUG"):
        raise exc

    if isinstance(exc, DBAPIError):  # a damaged or read-only file met outside a session

        fail(db_error_message(exc, sqlite_path(resolve_url(chosen_db())) or "the database"))
    first = (str(exc).strip().splitlines() or [""])[0]
    fail(f"unexpected error: {type(exc).__name__}: {first} (set AIMS_DEBUG=1 for details)")


def _drop_stdout() -> None:
    """Send stdout to /dev/null: bytes that could not be written are not retried at exit
    (which would print a Python "Exception ignored" traceback)."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass


def _flush_quietly() -> None:
    try:
        sys.stdout.flush()
    except (OSError, ValueError):
        _drop_stdout()


def _exists(path) -> bool:
    """Whether the database file exists; a folder we may not enter is a clear refusal."""
    try:
        return path.exists()
    except PermissionError:
        fail(f"cannot open {path}: permission denied; ask an admin to add you to the database's "
             "group (see 'Team setup' in the README)")
        raise  # unreachable: fail() exits


def choose_db(db: str | None = None) -> str:
    """--db (wherever it was put on the command line), AIMS_DB, the user's and the host's
    config file, data/aims.db (core.config); applies the file's umask. Returns the
    database path or URL; what chose it is kept for :func:`db_choice`."""
    choice = config.choose_db(chosen_db(db))
    config.apply(choice)
    ctx = get_current_context(silent=True)
    if ctx is not None:
        ctx.meta[_CHOICE_KEY] = choice
    return choice.value


def db_choice():
    """The core.config.Choice of this invocation (after :func:`choose_db`), or None."""
    ctx = get_current_context(silent=True)
    return ctx.meta.get(_CHOICE_KEY) if ctx is not None else None


def open_db(db: str | None = None, *, create: bool = False, adopt: bool = False):
    """Open (and upgrade) the database for a command.

    Only ``init``, ``demo``, ``import json`` and opening the app may create a
    missing database file: a typo in --db or AIMS_DB must not quietly start a
    new register. Only ``init`` (``adopt``) may make a database of an existing
    empty file; any other file that is not an aims database (another
    program's SQLite file, a text file) is refused and left untouched.
    """
    target = choose_db(db)
    path = sqlite_path(resolve_url(target))
    if path is not None and not create and not _exists(path):
        fail(f"there is no aims database at {path}; create it with 'aims init' "
             "(or check --db and AIMS_DB)")
    return open_database(target, create=create, adopt=adopt)


def prepare_out_folder(database, folder) -> None:
    """A folder aims writes into (exports) is made like the database's folder
    (its group, setgid 2770 when shared); one writable only by someone else is one line."""
    permissions.prepare_folder(Path(folder).expanduser().absolute(), database.path)


def share_out_file(database, path) -> None:
    """An export made next to a shared database: its group, mode 0640 (readable by the group)."""
    try:
        permissions.share_file(Path(path), database.path, 0o640)
    except OSError:
        pass  # written by us, so ours to chmod; a file system without modes keeps its own


def actor_for(database, *, bootstrap: bool = True) -> str:
    """The OS login, checked against the users of the database.

    On a brand-new database the caller becomes its first admin (first use).
    """
    login = identity.acting_login(database)
    if bootstrap and not setup.is_initialized(database):
        setup.initialize(database, login)
        where = database.where
        note(f"aims: created {where} with Annex A loaded; {login} is its admin")
    with database.read() as s:
        identity.lookup(s, login)
    return login


def known_system(database, ref: str | None, option: str = "--system") -> None:
    """A list filtered by an AI system that does not exist would print ``(none)`` as if it
    had nothing: one line naming the option and the ref instead, exit 1 (as ``systems show``).
    ``-`` (organization-wide) and no ref pass."""
    if not ref or ref == "-":
        return
    with database.read() as s:
        if records.system_id_of(s, ref) is None:
            fail(f"{option}: AI system {ref} not found")


def known_user(database, login: str | None, option: str = "--owner") -> None:
    """A list filtered by a login that is no user of the database (a typo) would print
    ``(none)``: one line naming the option and the login instead, exit 1."""
    if not login:
        return
    with database.read() as s:
        if not identity.is_user(s, login):
            fail(f"{option}: {login} is not a user of this database (aims users list shows them)")


def jsonable(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, dict):
        return {k: jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [jsonable(v) for v in value]
    return value


# JSON escapes C0 controls itself; DEL, C1 controls, bidi controls and line
# separators would pass raw with ensure_ascii=False: written as \uXXXX (same data).
_JSON_RAW = re.compile("[\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\u2028\u2029]")


def dumps(data: Any, **kwargs: Any) -> str:
    """JSON for the terminal: non-ASCII stays readable, nothing a terminal obeys gets through."""
    return _JSON_RAW.sub(lambda m: f"\\u{ord(m.group()):04x}", json.dumps(data, ensure_ascii=False, **kwargs))


def print_json(data: Any) -> None:
    typer.echo(dumps(jsonable(data), indent=2, sort_keys=False))


def print_record(record: dict[str, Any], keys: Iterable[str], fmt: str) -> None:
    """One record as a ``show`` command prints it: JSON, or a line ``key: value`` for each
    key in order (user text escaped)."""
    if fmt == "json":
        print_json(record)
        return
    for key in keys:
        typer.echo(f"{key.replace('_', ' ')}: {shown(cell(record.get(key)))}")


def cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    return str(value)


def print_rows(rows: Iterable[dict[str, Any]], columns: Sequence[str], fmt: str,
               headers: Sequence[str] | None = None) -> int:
    """Print rows as table, csv or json; returns how many."""
    headers = list(headers or columns)
    if fmt == "json":
        out = [{c: jsonable(r.get(c)) for c in columns} for r in rows]
        typer.echo(dumps(out, indent=2))
        return len(out)
    if fmt == "csv":
        w = csv.writer(sys.stdout, lineterminator="\n")
        w.writerow(headers)
        n = 0
        for r in rows:
            w.writerow([spreadsheet_safe(cell(r.get(c))) for c in columns])
            n += 1
        return n
    rows = list(rows)
    text = [[shown(cell(r.get(c)).replace("\n", " ")) for c in columns] for r in rows]
    widths = [min(40, max([len(h)] + [len(t[i]) for t in text])) for i, h in enumerate(headers)]

    def line(vals: Sequence[str]) -> str:
        return "  ".join((v if len(v) <= w else v[: w - 1] + "…").ljust(w) for v, w in zip(vals, widths)).rstrip()

    typer.echo(line(headers))
    typer.echo(line(["-" * w for w in widths]))
    for t in text:
        typer.echo(line(t))
    if not rows:
        typer.echo("(none)")
    return len(rows)


FormatOpt = Annotated[str, typer.Option("--format", "-f", help="table, csv or json")]


def check_format(fmt: str, allowed: Sequence[str] = ("table", "csv", "json")) -> str:
    if fmt not in allowed:
        typer.echo(f"aims: --format must be one of {', '.join(allowed)}", err=True)
        raise typer.Exit(EXIT_USAGE)
    return fmt


AsOfOpt = Annotated[Optional[str], typer.Option(
    "--as-of", help="The register as it was at the end of this day (YYYY-MM-DD); default: as it is now.",
    show_default=False)]


def as_of_day(value: str | None, option: str = "--as-of", *, future: bool = False) -> date | None:
    """The day an ``--as-of`` (or another date of the register, e.g. ``aims diff``'s) names:
    None when not given or empty (an unset variable in a script means today). The one
    parser of these days on the command line (:func:`aims_tui.core.history.parse_day`):
    YYYY-MM-DD only, and not after today unless ``future`` (``aims reminders``, which
    computes what will be due as if today were that day); exit 2 with one line naming the
    option otherwise."""
    if value is None or not value.strip():
        return None
    try:
        return history.parse_day(value, option, today=None if future else schedule.today())
    except ValidationError as exc:
        fail(str(exc), EXIT_USAGE)
        raise AssertionError from exc  # fail() exits


def as_of_db(database, day: date | None):
    """The database read as it was at the end of ``day`` (core.history.as_of_day's rule)."""
    return history.as_of_day(database, day, schedule.today())
