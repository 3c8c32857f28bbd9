"""Shared CLI plumbing: --db, the acting login, output formats, exit codes.

Exit codes: 0 done, 1 failed (one line, no traceback), 2 bad usage,
3 done but something needs attention.
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
from typing import Annotated, Any, Callable, Iterable, Optional, Sequence

import typer

from ..core.errors import AimsError, Conflict, ValidationError
from ..core.text import visible as shown  # user text on the terminal: controls and bidi escaped

EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_ATTENTION = 0, 1, 2, 3

DbOpt = Annotated[
    Optional[str],
    typer.Option("--db", help="Database path or SQLAlchemy URL (else $AIMS_DB, else data/aims.db).",
                 show_default=False),
]


class State:
    db: str | None = None


state = State()


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
                raise typer.Exit(EXIT_FAILED)
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
            raise typer.Exit(EXIT_OK)
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
    from sqlalchemy.exc import DBAPIError

    if isinstance(exc, DBAPIError):  # a damaged or read-only file met outside a session
        from ..core.db import db_error_message, resolve_url, sqlite_path

        fail(db_error_message(exc, sqlite_path(resolve_url(state.db)) or "the database"))
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


def open_db(db: str | None, *, create: bool = False, adopt: bool = False):
    """Open (and upgrade) the database for a command.

    Only ``init``, ``demo``, ``import json`` and opening the app may create a
    missing database file: a typo in --db or AIMS_DB must not quietly start a
    new register. Only ``init`` (``adopt``) may make a database of an existing
    empty file; any other file that is not an aims database (another
    program's SQLite file, a text file) is refused and left untouched.
    """
    from ..core.db import open_database, resolve_url, sqlite_path

    target = db or state.db
    path = sqlite_path(resolve_url(target))
    if path is not None and not create and not _exists(path):
        fail(f"there is no aims database at {path}; create it with 'aims init' "
             "(or check --db and AIMS_DB)")
    return open_database(target, create=create, adopt=adopt)


def actor_for(database, *, bootstrap: bool = True) -> str:
    """The OS login, checked against the users of the database.

    On a brand-new database the caller becomes its first admin (first use).
    """
    from ..core import identity
    from ..core.services import setup

    login = identity.os_login()
    if bootstrap and not setup.is_initialized(database):
        setup.initialize(database, login)
        where = database.path or database.url
        note(f"aims: created {where} with Annex A loaded; {login} is its admin")
    with database.read() as s:
        identity.lookup(s, login)
    return login


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
        from ..io.safe import spreadsheet_safe

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
