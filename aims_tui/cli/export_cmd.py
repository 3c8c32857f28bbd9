"""aims export pack | register | soa (issue 5); `export json` is added by import_cmd."""

from __future__ import annotations

import typer

export_app = typer.Typer(help="Export the review pack, the register, the SoA, or everything as JSON.",
                         no_args_is_help=True)


def register(app: typer.Typer) -> None:
    app.add_typer(export_app, name="export")
