"""aims import risks | json, and aims export json (issue 7)."""

from __future__ import annotations

import typer

from .export_cmd import export_app  # noqa: F401  (export json registers on it)

import_app = typer.Typer(help="Import risks from a spreadsheet, or a whole register from JSON.",
                         no_args_is_help=True)


def register(app: typer.Typer) -> None:
    app.add_typer(import_app, name="import")
