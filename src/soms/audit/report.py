"""An audit's results as one document: the JSON export, the XLSX and PDF reports and the results page
read the same figures from here, each with the scoring rule written out."""

from __future__ import annotations

import io
from typing import Any

from soms.audit.models import Audit, Consensus, Rating, Respondent
from soms.audit.scoring import show
from soms.audit.selectors import (
    actions_of,
    comparison_of,
    elements_of,
    evidence_of,
    findings_of,
    questions_of,
    results_of,
    today,
)
from soms.charts import Series, radar


def pct(x: float | None) -> str:
    return "–" if x is None else f"{100 * x:.0f} %"


def radar_svg(audit: Audit, *, ident: str = "audit-radar") -> str:
    cmp = comparison_of(audit)
    axes = [line.name for line in cmp.elements]
    series = []
    if audit.baseline_id:
        series.append(Series("Baseline", [line.baseline for line in cmp.elements]))
    series.append(
        Series("Current" if audit.baseline_id else "This audit", [line.current for line in cmp.elements])
    )
    if any(line.target is not None for line in cmp.elements):
        series.append(Series("Target", [line.target for line in cmp.elements], dashed=True))
    return radar(axes, series, title=f"{audit.title}: score per element", ident=ident)


def audit_document(audit: Audit, *, with_ratings: bool = True) -> dict[str, Any]:
    """Everything an audit's report holds, as plain JSON values. `with_ratings` False leaves out
    each respondent's answers (an open audit seen by someone other than its lead)."""
    questions = questions_of(audit.template_id)
    results = results_of(audit, questions)
    cmp = comparison_of(audit)
    consensus = {c.question_id: c for c in Consensus.objects.filter(audit=audit)}
    respondents = list(Respondent.objects.filter(audit=audit).order_by("name", "id"))
    ratings: dict[tuple[int, int], Rating] = {
        (r.respondent_id, r.question_id): r for r in Rating.objects.filter(respondent__audit=audit)
    }
    day = today()
    base_by_code = {q.code: (b, a) for q, _ch, b, a, _why in cmp.changes}
    return {
        "audit": {
            "id": audit.pk,
            "title": audit.title,
            "scope": audit.scope_name,
            "date": audit.date.isoformat(),
            "status": audit.status,
            "lead": audit.lead.get_full_name() or audit.lead.get_username(),
            "template": str(audit.template),
            "framework": str(audit.template.framework_version),
            "baseline": audit.baseline_id,
        },
        "rule": audit.template.rule,
        "rule_text": results.rule_text,
        "overall": {
            "score": results.score.overall.score,
            "to_target": results.score.overall.to_target,
            "baseline": cmp.overall_baseline,
            "explanation": results.score.overall.explanation,
        },
        "elements": [
            {
                "code": line.code,
                "name": line.name,
                "score": line.current,
                "baseline": line.baseline,
                "target": line.target,
                "to_target": results.score.element(line.code).to_target,
                "explanation": line.explanation,
            }
            for line in cmp.elements
        ],
        "questions": [
            {
                "code": q.code,
                "element": q.element.code,
                "text": q.text,
                "kind": q.kind,
                "weight": q.weight,
                "consensus": show(q, consensus[q.pk].value, consensus[q.pk].not_applicable)
                if q.pk in consensus
                else None,
                "reason": consensus[q.pk].reason if q.pk in consensus else "",
                "baseline": base_by_code.get(q.code, (None, None))[0],
                "ratings": {
                    r.name: show(q, ratings[(r.pk, q.pk)].value, ratings[(r.pk, q.pk)].not_applicable)
                    for r in respondents
                    if with_ratings and (r.pk, q.pk) in ratings and r.submitted_at is not None
                },
            }
            for q in questions
        ],
        "respondents": [{"name": r.name, "submitted": r.submitted_at is not None} for r in respondents],
        "findings": [
            {
                "id": f.pk,
                "kind": f.kind,
                "element": f.element.code,
                "question": f.question.code if f.question else None,
                "text": f.text,
                "status": f.status,
                "carried": f.carried_from_id is not None,
            }
            for f in findings_of(audit)
        ],
        "actions": [
            {
                "id": a.pk,
                "title": a.title,
                "element": a.element.code,
                "owner": (a.owner.get_full_name() or a.owner.get_username()) if a.owner else None,
                "due_date": a.due_date.isoformat() if a.due_date else None,
                "status": a.status,
                "overdue": a.overdue(day),
                "kpi": a.kpi.name if a.kpi else None,
            }
            for a in actions_of(audit)
        ],
        "evidence": [
            {
                "element": e.element.code,
                "question": e.question.code if e.question else None,
                "text": e.text,
                "link": e.link,
                "refers_to": e.refers_to.isoformat(),
                "expires_on": e.expires_on.isoformat() if e.expires_on else None,
                "expired": e.expired(day),
            }
            for e in evidence_of(audit)
        ],
        "elements_order": [code for code, _ in elements_of(questions)],
    }


def xlsx_bytes(doc: dict[str, Any]) -> bytes:
    """The report as a workbook (XlsxWriter in constant-memory mode: rows are written in order)."""
    import xlsxwriter

    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(
        buffer, {"constant_memory": True, "in_memory": True, "strings_to_formulas": False}
    )
    bold = book.add_format({"bold": True})
    wrap = book.add_format({"text_wrap": True, "valign": "top"})
    summary = book.add_worksheet("Summary")
    summary.set_column(0, 0, 28)
    summary.set_column(1, 4, 16)
    a = doc["audit"]
    rows: list[list[Any]] = [
        ["Audit", a["title"]],
        ["Scope", a["scope"]],
        ["Date", a["date"]],
        ["Status", a["status"]],
        ["Lead", a["lead"]],
        ["Template", a["template"]],
        ["Scoring rule", doc["rule_text"]],
        ["Overall score", pct(doc["overall"]["score"])],
        [],
        ["Element", "Score", "Baseline", "Target", "To target"],
    ]
    for e in doc["elements"]:
        rows.append([e["name"], pct(e["score"]), pct(e["baseline"]), pct(e["target"]), pct(e["to_target"])])
    for i, row in enumerate(rows):
        for j, value in enumerate(row):
            summary.write_string(i, j, str(value), bold if j == 0 or i == 9 else wrap)
    sheets = [
        (
            "Questions",
            ["Code", "Element", "Question", "Consensus", "Reason", "Baseline", "Ratings"],
            [
                [
                    q["code"],
                    q["element"],
                    q["text"],
                    q["consensus"] or "",
                    q["reason"],
                    q["baseline"] or "",
                    "; ".join(f"{k}: {v}" for k, v in q["ratings"].items()),
                ]
                for q in doc["questions"]
            ],
        ),
        (
            "Findings",
            ["Kind", "Element", "Question", "Text", "Status", "Carried forward"],
            [
                [
                    f["kind"],
                    f["element"],
                    f["question"] or "",
                    f["text"],
                    f["status"],
                    "yes" if f["carried"] else "",
                ]
                for f in doc["findings"]
            ],
        ),
        (
            "Actions",
            ["Action", "Element", "Owner", "Due", "Status", "Overdue", "KPI"],
            [
                [
                    x["title"],
                    x["element"],
                    x["owner"] or "",
                    x["due_date"] or "",
                    x["status"],
                    "overdue" if x["overdue"] else "",
                    x["kpi"] or "",
                ]
                for x in doc["actions"]
            ],
        ),
        (
            "Evidence",
            ["Element", "Question", "Evidence", "Link", "Refers to", "Expires", "Expired"],
            [
                [
                    e["element"],
                    e["question"] or "",
                    e["text"],
                    e["link"],
                    e["refers_to"],
                    e["expires_on"] or "",
                    "expired" if e["expired"] else "",
                ]
                for e in doc["evidence"]
            ],
        ),
    ]
    for name, header, body in sheets:
        sheet = book.add_worksheet(name)
        sheet.set_column(0, len(header) - 1, 22)
        for j, h in enumerate(header):
            sheet.write_string(0, j, h, bold)
        for i, row in enumerate(body, start=1):
            for j, value in enumerate(row):
                sheet.write_string(i, j, str(value), wrap)
    book.close()
    return buffer.getvalue()


def pdf_bytes(html: str) -> bytes:
    from weasyprint import HTML

    return HTML(string=html).write_pdf()  # type: ignore[no-any-return]
