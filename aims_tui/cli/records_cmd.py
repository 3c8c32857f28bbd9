"""Commands for every kind of :mod:`aims_tui.core.catalog`, made by one function.

``record_commands(kind, name, columns)`` gives ``aims NAME``:

- ``add [--set FIELD=VALUE ...] [--json FILE|-]``: record one (or, from a JSON
  list, several: all or nothing);
- ``update REF [--set FIELD=VALUE ...] [--json FILE|-] [--expect-version N]``;
- ``list [--all] [--format table|csv|json]``; ``show REF [--format table|json]``;
- ``reviewed REF [--note TEXT]`` (kinds with a review cadence);
- ``withdraw REF [--reason TEXT]`` and ``restore REF``.

What ``list --format json`` prints, ``add --json`` takes back: each link reads
as the ref of the record it names.
"""

# no "from __future__ import annotations": Typer reads the help texts, made per kind, at run time

import json
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Callable, Iterable, Mapping, Optional, Protocol, Sequence

import typer

from . import common
from ..core.errors import ValidationError
from ..core.fields import F
from ..core.kind import Kind
from ..core.services import registers, withdrawal

SetOpt = Annotated[Optional[list[str]], typer.Option(
    "--set", "-s", help="FIELD=VALUE (repeat for more fields).", show_default=False)]
JsonOpt = Annotated[Optional[str], typer.Option(
    "--json", help="Read the record (or, for add, a list of records) from this JSON file, or - for stdin.",
    show_default=False)]
MAX_JSON_BYTES = 16 * 1024 * 1024


class Form(Protocol):
    """What the input helpers need of a kind of record: its word and its fields."""

    @property
    def what(self) -> str: ...

    @property
    def specs(self) -> Mapping[str, F]: ...


@dataclass(frozen=True)
class Fields:
    """A record kept by a service of its own (AI systems, impact assessments,
    nonconformities), described for the input helpers as a :class:`Kind` is."""

    what: str
    specs: Mapping[str, F]
    title_field: str = "title"
    aliases: Mapping[str, str] | None = None  # a key the record gives out -> the field it takes in
    itself: frozenset[str] = frozenset()  # keys the record says of itself (ref, id, version...): not input


def record_input(k: Form, sets: Sequence[str] | None, source: str | None, *,
                 aliases: Mapping[str, str] | None = None, itself: Iterable[str] = ()) -> dict[str, Any]:
    """One record from ``--json`` (an object) and ``--set`` (which wins), less what a
    listed record says of itself, so that what ``list --format json`` prints (one item
    of it) is taken back; a key the record gives out under another name (``system_ref``)
    is read as the field it names (``system``)."""
    values = parse_sets(k, sets)
    doc: Any = read_json(source) if source else {}
    if not isinstance(doc, dict):
        common.fail(f"--json {source}: give one object", common.EXIT_USAGE)
    skip = set(itself)
    data = {key: v for key, v in doc.items() if key in k.specs or key not in skip}
    for given, name in (aliases or {}).items():
        if given in data:
            value = data.pop(given)
            data.setdefault(name, value)
    data.update(values)
    if not data:
        common.fail(f"nothing to record: give --set FIELD=VALUE or --json (fields: {', '.join(k.specs)})",
                    common.EXIT_USAGE)
    return data


def change_input(k: Form, sets: Sequence[str] | None, source: str | None, *,
                 aliases: Mapping[str, str] | None = None, extra: Iterable[str] = ()) -> dict[str, Any]:
    """The changes of ``update``: the fields of ``--json`` (other keys of a listed record
    are left out) and ``--set`` (which wins; a field the record does not have is named)."""
    doc: Any = read_json(source) if source else {}
    if not isinstance(doc, dict):
        common.fail(f"--json {source}: give an object", common.EXIT_USAGE)
    doc = dict(doc)
    for given, name in (aliases or {}).items():
        if given in doc:
            value = doc.pop(given)
            doc.setdefault(name, value)
    keep = set(k.specs) | set(extra)
    changes = {**{key: v for key, v in doc.items() if key in keep}, **parse_sets(k, sets)}
    if not changes:
        common.fail(f"nothing to change: give --set FIELD=VALUE or --json (fields: {', '.join(k.specs)})",
                    common.EXIT_USAGE)
    return changes


def echo_saved(title_field: str, r: dict[str, Any], fmt: str, said: str) -> None:
    """What add and update print: the record as JSON, or one line with its ref and version."""
    if fmt == "json":
        common.print_json(r)
    else:
        typer.echo(f"{r['ref']} {said} (version {r['version']}): {common.shown(str(r.get(title_field) or ''))}")


def parse_sets(k: Form, pairs: Sequence[str] | None) -> dict[str, Any]:
    """``FIELD=VALUE`` pairs as a dict; a field the kind does not have is named."""
    out: dict[str, Any] = {}
    for pair in pairs or ():
        name, eq, value = pair.partition("=")
        name = name.strip().replace("-", "_")
        if not eq or not name:
            common.fail(f"--set {pair!r}: write FIELD=VALUE", common.EXIT_USAGE)
        if name not in k.specs:
            article = "an" if k.what[:1].lower() in "aeiou" else "a"
            common.fail(f"--set {name}: not a field of {article} {k.what} (fields: {', '.join(k.specs)})",
                        common.EXIT_USAGE)
        if k.specs[name].kind == "json" and value.strip():  # a list or an object, written as JSON
            try:
                out[name] = json.loads(value)
            except ValueError as exc:
                common.fail(f"--set {name}: not JSON ({exc})", common.EXIT_USAGE)
            continue
        out[name] = value
    return out


def read_json(source: str) -> Any:
    """The JSON document of a file or stdin ("-"), bounded; one line on any problem."""
    try:
        if source == "-":
            text = sys.stdin.read(MAX_JSON_BYTES + 1)
        else:
            p = Path(source)
            if not p.is_file():
                common.fail(f"--json {source}: not a file", common.EXIT_USAGE)
            with p.open(encoding="utf-8") as fh:
                text = fh.read(MAX_JSON_BYTES + 1)
    except (OSError, UnicodeDecodeError) as exc:
        common.fail(f"--json {source}: cannot read it ({exc.__class__.__name__}: {exc})")
    if len(text) > MAX_JSON_BYTES:
        common.fail(f"--json {source}: larger than {MAX_JSON_BYTES // (1024 * 1024)} MB")
    try:
        return json.loads(text)
    except (ValueError, RecursionError) as exc:
        common.fail(f"--json {source}: not JSON ({exc})")


def _echo_one(k: Kind, r: dict[str, Any], fmt: str, said: str) -> None:
    echo_saved(k.title_field, r, fmt, said)


def record_commands(k: Kind, name: str, columns: Sequence[str], *, help: str | None = None,
                    path: str | None = None,
                    after_update: Callable[[dict[str, Any], dict[str, Any]], str | None] | None = None
                    ) -> typer.Typer:
    """The command group ``aims NAME`` for kind ``k``; ``columns`` are the table's;
    ``path``: how the user types the group (``context issues`` for a nested one);
    ``after_update(before, after)``: a line to say after an update (a rule of the kind that
    changed more than was asked, e.g. an approved document back to draft), or None."""
    path = path or name
    app = common.command_group(name, help=help or f"{k.many.capitalize()}.")
    every = ["ref", *k.specs.keys(), "status", "version"]
    full = list(dict.fromkeys(every))

    @app.command("add")
    @common.handle_errors
    def add(sets: SetOpt = None, source: JsonOpt = None, fmt: common.FormatOpt = "table") -> None:
        common.check_format(fmt, ("table", "json"))
        values = parse_sets(k, sets)
        doc: Any = read_json(source) if source else None
        database = common.open_db()
        actor = common.actor_for(database)
        if isinstance(doc, list):
            if values:
                common.fail("--set with a --json list: put the fields in each item", common.EXIT_USAGE)
            rows = registers.create_many(database, actor, k, doc)
            if fmt == "json":
                common.print_json(rows)
            else:
                for r in rows:
                    _echo_one(k, r, fmt, "recorded")
            return
        if doc is not None and not isinstance(doc, dict):
            common.fail(f"--json {source}: give an object (or a list of objects)", common.EXIT_USAGE)
        data = {**(doc or {}), **values}
        if not data:
            common.fail(f"nothing to record: give --set FIELD=VALUE or --json (fields: {', '.join(k.specs)})",
                        common.EXIT_USAGE)
        _echo_one(k, registers.create(database, actor, k, data), fmt, "recorded")

    add.__doc__ = f"Record a {k.what}."

    @app.command("update")
    @common.handle_errors
    def update(ref: Annotated[str, typer.Argument(help=f"The {k.what}'s ref, e.g. {k.prefix}-001.")],
               sets: SetOpt = None, source: JsonOpt = None,
               expect_version: Annotated[Optional[int], typer.Option(
                   "--expect-version", help="Refuse if the record is no longer at this version.")] = None,
               fmt: common.FormatOpt = "table") -> None:
        common.check_format(fmt, ("table", "json"))
        changes = change_input(k, sets, source, extra=k.links)
        database = common.open_db()
        actor = common.actor_for(database)
        before = registers.show(database, k, ref) if after_update else None
        after = registers.update(database, actor, k, ref, changes, expect_version)
        _echo_one(k, after, fmt, "updated")
        said = after_update(before, after) if after_update and before is not None else None
        if said:
            common.note(said)

    update.__doc__ = f"Change fields of a {k.what}."

    @app.command("list")
    @common.handle_errors
    def list_(all_: Annotated[bool, typer.Option("--all", help="Withdrawn ones too.")] = False,
              fmt: common.FormatOpt = "table") -> None:
        common.check_format(fmt)
        database = common.open_db()
        common.actor_for(database)
        rows = registers.listing(database, k, include_withdrawn=all_)
        cols = list(columns) if fmt == "table" else full
        common.print_rows(rows, cols, fmt, [c.upper().replace("_", " ") for c in cols] if fmt == "table" else None)

    list_.__doc__ = f"List {k.many}."

    @app.command("show")
    @common.handle_errors
    def show(ref: Annotated[str, typer.Argument(help=f"The {k.what}'s ref.")],
             fmt: common.FormatOpt = "table") -> None:
        common.check_format(fmt, ("table", "json"))
        database = common.open_db()
        common.actor_for(database)
        r = registers.show(database, k, ref)
        common.print_record(r, full, fmt)

    show.__doc__ = f"Show one {k.what}, every field."

    @app.command("reviewed")
    @common.handle_errors
    def reviewed(ref: Annotated[str, typer.Argument(help=f"The {k.what}'s ref.")],
                 note: Annotated[str, typer.Option("--note", help="What the review found.")] = "",
                 expect_version: Annotated[Optional[int], typer.Option("--expect-version")] = None,
                 fmt: common.FormatOpt = "table") -> None:
        common.check_format(fmt, ("table", "json"))
        database = common.open_db()
        actor = common.actor_for(database)
        r = registers.mark_reviewed(database, actor, k, ref, expect_version, note=note)
        if fmt == "json":
            common.print_json(r)
        else:
            typer.echo(f"{ref} reviewed on {common.cell(r.get('last_reviewed'))}; next review "
                       f"{common.cell(r.get('next_review')) or '(no cadence)'}")

    reviewed.__doc__ = f"Record that a {k.what} was reviewed today (the next review follows its cadence)."

    @app.command("withdraw")
    @common.handle_errors
    def withdraw(ref: Annotated[str, typer.Argument(help=f"The {k.what}'s ref.")],
                 reason: Annotated[str, typer.Option("--reason", help="Why (kept in the audit trail).")] = "",
                 expect_version: Annotated[Optional[int], typer.Option("--expect-version")] = None) -> None:
        database = common.open_db()
        actor = common.actor_for(database)
        withdrawal.withdraw(database, actor, k.entity, ref, reason=reason, expect_version=expect_version)
        typer.echo(f"{ref} withdrawn (aims {path} restore {ref} puts it back)")

    withdraw.__doc__ = f"Withdraw a {k.what} recorded by mistake (restore undoes it)."

    @app.command("restore")
    @common.handle_errors
    def restore(ref: Annotated[str, typer.Argument(help=f"The {k.what}'s ref.")]) -> None:
        database = common.open_db()
        actor = common.actor_for(database)
        withdrawal.restore(database, actor, k.entity, ref)
        typer.echo(f"{ref} restored")

    restore.__doc__ = f"Put back a withdrawn {k.what}."
    return app


__all__ = ["record_commands", "parse_sets", "read_json", "record_input", "change_input", "echo_saved", "Fields",
           "Form", "ValidationError"]
