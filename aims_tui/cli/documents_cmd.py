"""aims documents add | update | list | show | reviewed | approve | withdraw | restore (7.5; the AI policy, 5.2)."""

# no "from __future__ import annotations": Typer reads the annotations at run time

from typing import Annotated, Any, Optional

import typer

from . import common
from .records_cmd import record_commands
from ..core.documents import DOCUMENT, returned_to_draft
from ..core.services import documents as documents_svc


def _said(before: dict[str, Any], after: dict[str, Any]) -> str | None:
    if returned_to_draft(before, after):
        return (f"{after['ref']} was approved; the change returns it to draft "
                f"(an approver approves it again: aims documents approve {after['ref']})")
    return None


documents = record_commands(DOCUMENT, "documents",
                            ["ref", "doc_type", "title", "version_label", "status", "approved_by", "next_review"],
                            help="Documented information (7.5): policies (the AI policy is doc_type ai_policy), "
                                 "procedures, records.", after_update=_said)


@documents.command("approve")
@common.handle_errors
def approve(ref: Annotated[str, typer.Argument(help="The document's ref, e.g. DOC-001.")],
            expect_version: Annotated[Optional[int], typer.Option(
                "--expect-version", help="Refuse if the document is no longer at this version.")] = None,
            fmt: common.FormatOpt = "table") -> None:
    """Approve a draft document (approvers and admins; audited)."""
    common.check_format(fmt, ("table", "json"))
    database = common.open_db()
    actor = common.actor_for(database)
    r = documents_svc.approve(database, actor, ref, expect_version)
    if fmt == "json":
        common.print_json(r)
    else:
        typer.echo(f"{ref} approved by {r['approved_by']} on {r['approved_on']} (version {r['version_label']})")
