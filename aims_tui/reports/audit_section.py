"""The pack's section on internal audits and corrective actions (9.3.2 d)."""

from __future__ import annotations

from reportlab.platypus import Paragraph, Spacer

from .layout import BODY_W, fmt, heading, more_note, para, table

TITLE = "Internal audits and corrective actions"


def audit_section(d: dict, st: dict, number: str) -> list:
    a = d["internal_audits"]
    out: list = [heading(f"{number} {TITLE}", 1, st)]
    late = f" Planned and past their date: {', '.join(a['audits_late'])}." if a["audits_late"] else ""
    out.append(para(f"Internal audits held in the period: {a['audits_held_total']}; findings raised as "
                    f"nonconformities: {a['findings_total']}.{late}", st["body"]))
    if a["audits_held"]:
        rows = [[x["ref"], para(x["title"], st["cell"]), para(x["area"], st["cell"]), x["auditor"], fmt(x["held_on"]),
                 para(x["conclusion"] or "(no conclusion yet)", st["cell"]), ", ".join(x["findings"]) or "none"]
                for x in a["audits_held"]]
        out.append(Paragraph("Audits held and their conclusions", st["h3"]))
        out.append(table(["Ref", "Audit", "Area", "Auditor", "Held on", "Conclusion", "Findings"], rows,
                         [45, 100, 70, 45, 52, 120, BODY_W - 432]))
        out += more_note(len(a["audits_held"]), a["audits_held_total"], st, "the register")
    if a["findings"]:
        rows = [[x["ref"], x["audit"], para(x["title"], st["cell"]), x["severity"], x["status"].replace("_", " ")]
                for x in a["findings"]]
        out.append(Paragraph("Findings raised in the period", st["h3"]))
        out.append(table(["Ref", "Audit", "Finding", "Severity", "Status"], rows, [45, 50, 250, 55, BODY_W - 400]))
        out += more_note(len(a["findings"]), a["findings_total"], st, "the register")
    by = ", ".join(f"{v} {k.replace('_', ' ')}" for k, v in a["actions_by_status"].items())
    unreviewed = a["actions_review_overdue"]
    out.append(Spacer(1, 4))
    out.append(para(f"Corrective actions: {by}. Open: {a['actions_open']}, of which overdue: "
                    f"{a['actions_overdue']}. Done in the period: {a['actions_done_in_period']}. Effectiveness "
                    f"reviewed: {a['actions_reviewed']} ({a['actions_effective']} effective, "
                    f"{a['actions_not_effective']} not effective); review overdue: {len(unreviewed)}"
                    + (f" ({', '.join(unreviewed[:20])})" if unreviewed else "") + ".", st["body"]))
    if a["actions_attention"]:
        rows = [[x["ref"], x["nonconformity"], para(x["action"], st["cell"]), x["owner"],
                 fmt(x["due_date"]) + (" (overdue)" if x["overdue"] else ""), x["status"].replace("_", " ")]
                for x in a["actions_attention"]]
        out.append(Paragraph("Open corrective actions", st["h3"]))
        out.append(table(["Ref", "NC", "Action", "Owner", "Due", "Status"], rows, [40, 45, 230, 50, 80, BODY_W - 445]))
        out += more_note(len(a["actions_attention"]), a["actions_open"], st, "the register")
    return out
