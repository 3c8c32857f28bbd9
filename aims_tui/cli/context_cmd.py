"""aims context issues | parties add | update | list | show | reviewed | withdraw | restore,
and aims context scope show | set (clause 4)."""

# no "from __future__ import annotations": Typer reads the annotations at run time

import sys
from pathlib import Path
from typing import Annotated, Optional

import typer

from . import common
from .records_cmd import record_commands
from ..core.context import CONTEXT_ISSUE, INTERESTED_PARTY
from ..core.services import scope as scope_svc

MAX_SCOPE_BYTES = 1024 * 1024

context = common.command_group("context", help="Context of the organization (clause 4).")
context.add_typer(record_commands(CONTEXT_ISSUE, "issues", ["ref", "kind", "title", "owner", "status", "next_review"],
                                  help="Internal and external issues (4.1).", path="context issues"))
context.add_typer(record_commands(INTERESTED_PARTY, "parties", ["ref", "kind", "name", "owner", "status", "next_review"],
                                  help="Interested parties and their needs and expectations (4.2).",
                                  path="context parties"))

scope = common.command_group("scope", help="The scope of the AIMS (4.3): show it, or set it (admins).")
context.add_typer(scope)


@scope.command("show")
@common.handle_errors
def scope_show(fmt: common.FormatOpt = "table") -> None:
    """Print the scope of the AIMS."""
    common.check_format(fmt, ("table", "json"))
    database = common.open_db()
    common.actor_for(database)
    got = scope_svc.get_scope(database)
    if fmt == "json":
        common.print_json(got)
    elif got["scope"]:
        typer.echo(common.shown(got["scope"]))
    else:
        common.note("the scope is not set: aims context scope set --text '...' (an admin)")


@scope.command("set")
@common.handle_errors
def scope_set(text: Annotated[Optional[str], typer.Option("--text", help="The scope, as text.")] = None,
              file: Annotated[Optional[str], typer.Option("--file", help="Read the scope from this text file "
                                                                          "(- for stdin).")] = None,
              expect_version: Annotated[Optional[int], typer.Option(
                  "--expect-version", help="Refuse if the settings are no longer at this version.")] = None) -> None:
    """Set the scope of the AIMS (admins only; audited)."""
    if (text is None) == (file is None):
        common.fail("give the scope with --text TEXT or --file FILE (one of them)", common.EXIT_USAGE)
    if file is not None:
        text = _read_text(file)
    database = common.open_db()
    actor = common.actor_for(database)
    got = scope_svc.set_scope(database, actor, text or "", expect_version)
    if not got["changed"]:
        typer.echo("scope unchanged")
    else:
        typer.echo(f"scope set ({len(got['scope'])} characters; settings version {got['version']})")


def _read_text(source: str) -> str:
    """A text file or stdin ("-"), bounded; one line on any problem."""
    try:
        if source == "-":
            data = sys.stdin.read(MAX_SCOPE_BYTES + 1)
        else:
            p = Path(source)
            if not p.is_file():
                common.fail(f"--file {source}: not a file", common.EXIT_USAGE)
            with p.open(encoding="utf-8") as fh:
                data = fh.read(MAX_SCOPE_BYTES + 1)
    except (OSError, UnicodeDecodeError) as exc:
        common.fail(f"--file {source}: cannot read it ({exc.__class__.__name__}: {exc})")
    if len(data) > MAX_SCOPE_BYTES:
        common.fail(f"--file {source}: larger than 1 MB")
    return data
