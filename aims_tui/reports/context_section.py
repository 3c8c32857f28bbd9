"""The pack's part of 9.3.2 b from the context registers: changes in external and
internal issues and in interested parties since the last management review, the
scope of the AIMS and the AI policy in force (ReportLab flowables; the data is
:func:`aims_tui.reports.context_data.context_changes`)."""

from __future__ import annotations

from typing import Any

from reportlab.platypus import Paragraph

from .layout import BODY_W, LIST_LIMIT, fmt, kv_table, more_note, para, table


def _counts(c: dict[str, Any], entity: str, word: str) -> str:
    n = c["counts"][entity]
    return f"{word}: {n['added']} added, {n['changed']} changed, {n['closed']} closed"


def context_blocks(d: dict, st: dict) -> list:
    """Issues and interested parties changed in the period, the scope, the AI policy."""
    c = d.get("context")
    if c is None:
        return []
    h = d["head"]
    out: list = [Paragraph("External and internal issues and interested parties (4.1, 4.2)", st["h3"]),
                 para(f"From the registers' audit trail between {fmt(h['since'])} and {fmt(h['as_of'])}. "
                      + _counts(c, "context_issue", "Issues") + "; "
                      + _counts(c, "interested_party", "interested parties") + ".", st["body"])]
    rows = [[r["ref"], r["what"] + (f" ({r['kind']})" if r["kind"] else ""), r["title"], r["status"],
             "; ".join(f"{fmt(e['on'])} {e['what']}" for e in r["events"])] for r in c["rows"]]
    if rows:
        out.append(table(["Ref", "Register", "Issue or party", "Status now", "What happened"], rows[:LIST_LIMIT],
                         [50, 95, 150, 55, BODY_W - 350]))
        out += more_note(min(len(rows), LIST_LIMIT), len(rows), st, "the registers (aims context issues list)")
    else:
        out.append(para("No issue or interested party was added, changed or closed in the period.", st["small"]))
    out.append(Paragraph("Scope of the AIMS (4.3)", st["h3"]))
    changed = c["scope_changes"]
    out.append(para(c["scope"] or "(not set: aims context scope set, an admin)", st["body"]))
    out.append(para("Changed in the period: " + ", ".join(f"{fmt(e['on'])} by {e['actor']}" for e in changed)
                    if changed else "Not changed in the period.", st["small"]))
    out.append(Paragraph("AI policy (5.2)", st["h3"]))
    p = c["ai_policy"]
    if p is None:
        out.append(para("No AI policy is approved (aims documents add --set doc_type=ai_policy, then "
                        "aims documents approve by an approver).", st["body"]))
        return out
    review = fmt(p["next_review"]) or "(no date)"
    out.append(kv_table([("Document", f"{p['ref']} {p['title']}"), ("Version", p["version_label"] or "(none)"),
                         ("Approved by", p["approved_by"]), ("Approved on", fmt(p["approved_on"])),
                         ("Next review", review + ("" if p["current"] else " (past: the policy is due for review)")),
                         ("Location", p["location"] or "(not given)")], st, 120))
    return out

