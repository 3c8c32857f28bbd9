"""The top-level command list, loaded lazily: ``aims --version`` and ``aims --help``
import Typer and this module, never the ORM, the services or a command module.

Each entry of the list in ``cli/__init__.py`` names a command typed after ``aims``,
where it is made (``"module:attribute"`` in this package: a group made with
``common.command_group``) and the line ``aims --help`` shows for it. Only the
command actually run is imported (``tests/cli/test_import_hygiene.py`` checks that
the line shown is the command's own help, and what each command loads).

``--db`` is declared here (the root takes it before any module is loaded);
``common`` re-exports it for the command modules.
"""

from __future__ import annotations

import gc
import importlib
from typing import Annotated, Any, NamedTuple, Optional, Sequence

import typer
from typer.core import TyperCommand, TyperGroup

DB_HELP = ("Database path or SQLAlchemy URL (else $AIMS_DB, else ~/.config/aims/config.toml, "
           "else /etc/aims/config.toml, else data/aims.db).")
DB_KEY = "aims.db"


class Lazy(NamedTuple):
    """One command after ``aims``: its name, ``"module:attribute"`` of the group that
    makes it (a named group, or a nameless one whose commands sit at the top level),
    and its one line of help."""

    name: str
    where: str
    help: str


def _remember_db(ctx: typer.Context, value: Optional[str]) -> Optional[str]:
    if value is not None:
        ctx.meta[DB_KEY] = value  # meta is shared by the whole invocation (root and subcommands)
    return value


def db_param():
    """The --db option as a click parameter, made by Typer from one annotated signature."""
    probe = typer.Typer()

    @probe.command()
    def _probe(db: Annotated[Optional[str], typer.Option(
            "--db", help=DB_HELP, show_default=False, expose_value=False, callback=_remember_db)] = None) -> None:
        return None

    return typer.main.get_command(probe).params[0]


def takes_db(command) -> bool:
    return any("--db" in getattr(p, "opts", ()) for p in command.params)


# Set by ``aims_tui.cli.main`` (a command's own process, not a test's CliRunner): Python's
# cycle collector is held off while the command's modules load (the ORM, the services: about a
# million objects that live as long as the process), and what they made is then frozen
# (``gc.freeze``), so that the collections while the command runs no longer walk all of it.
# Measured at 1,000,000 risks (issue 15): ``aims check`` 1.47x -> 0.95x its floor of imports,
# median of 7 interleaved rounds; a gen-2 collection in the middle of its first query was ~100
# ms of its CPU. Not in a test process: a freeze there would keep whatever earlier tests left
# for the collector (open databases among it) for the rest of the session.
HOLD_COLLECTOR = False


def load(entry: Lazy):
    """The click command of ``entry``, made as ``app.add_typer(group)`` on the root would
    make it: a top-level command (from a nameless group) is given --db like the root's own."""
    module, attribute = entry.where.split(":")
    hold = HOLD_COLLECTOR and gc.isenabled()
    if hold:
        gc.disable()
    try:
        group = getattr(importlib.import_module(f"{__package__}.{module}"), attribute)
    finally:
        if hold:
            gc.freeze()
            gc.enable()
    parent = typer.Typer(add_completion=False)
    parent.add_typer(group)
    command = typer.main.get_command(parent).commands[entry.name]
    if not isinstance(command, TyperGroup) and not takes_db(command):
        command.params.append(db_param())
    return command


class LazyGroup(TyperGroup):
    """The root group: takes --db, lists ``entries`` without loading them, and loads
    the one command that runs."""

    entries: Sequence[Lazy] = ()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not takes_db(self):
            self.params.append(db_param())
        self._listing = False

    def list_commands(self, ctx) -> list[str]:
        return [*(e.name for e in self.entries if e.name not in self.commands), *super().list_commands(ctx)]

    def get_command(self, ctx, cmd_name: str):
        if cmd_name not in self.commands:
            entry = next((e for e in self.entries if e.name == cmd_name), None)
            if entry is None:
                return None
            if self._listing:  # the help page: the name and its line are enough
                return TyperCommand(entry.name, help=entry.help, short_help=entry.help)
            self.commands[cmd_name] = load(entry)
        return self.commands[cmd_name]

    def format_help(self, ctx, formatter) -> None:
        self._listing = True
        try:
            super().format_help(ctx, formatter)
        finally:
            self._listing = False


def group_of(entries: Sequence[Lazy]) -> type[LazyGroup]:
    """A root group class over ``entries`` (Typer instantiates the class itself)."""
    return type("AimsRoot", (LazyGroup,), {"entries": tuple(entries)})
