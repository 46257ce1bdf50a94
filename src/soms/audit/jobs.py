"""Audit reports rendered in the background: PDF (WeasyPrint, from the report template) and XLSX."""

from __future__ import annotations

import json

from django.template.loader import render_to_string
from django.utils.safestring import mark_safe

from soms.audit.models import Audit
from soms.audit.report import audit_document, pct, pdf_bytes, radar_svg, xlsx_bytes
from soms.jobs.runner import JobContext, JobError, job
from soms.tenancy.models import Membership
from soms.tenancy.permissions import can

FORMATS = ("pdf", "xlsx", "json")


def report_filename(audit: Audit, fmt: str) -> str:
    return f"audit-{audit.pk}-{audit.date:%Y-%m-%d}.{fmt}"


def report_html(audit: Audit, *, with_ratings: bool = True) -> str:
    doc = audit_document(audit, with_ratings=with_ratings)
    return render_to_string(
        "audit/report.html",
        {"doc": doc, "radar": mark_safe(radar_svg(audit, ident="report-radar")), "pct": pct},  # noqa: S308 - our own SVG, every text escaped
    )


def report_bytes(
    audit: Audit, fmt: str, ctx: JobContext | None = None, *, with_ratings: bool = True
) -> tuple[bytes, str]:
    if ctx:
        ctx.progress(1, 3, "Reading the audit")
    if fmt == "pdf":
        html = report_html(audit, with_ratings=with_ratings)
        if ctx:
            ctx.progress(2, 3, "Laying out the PDF")
        return pdf_bytes(html), "application/pdf"
    doc = audit_document(audit, with_ratings=with_ratings)
    if ctx:
        ctx.progress(2, 3, "Writing the workbook" if fmt == "xlsx" else "Writing JSON")
    if fmt == "xlsx":
        return xlsx_bytes(doc), "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    return json.dumps(doc, indent=2, ensure_ascii=False).encode(), "application/json"


@job
def audit_report_job(ctx: JobContext, *, audit_id: int, fmt: str) -> str:
    audit = (
        Audit.objects.select_related("template", "unit", "lead", "baseline", "template__framework_version")
        .filter(pk=audit_id, organisation=ctx.organisation)
        .first()
    )
    if audit is None:
        raise JobError("The audit was deleted before its report was made.")
    if fmt not in FORMATS:
        raise JobError(f"Unknown report format {fmt!r}.")
    # Each respondent's answers are the lead's to see while the audit is open.
    membership = Membership.objects.filter(organisation=ctx.organisation, user=ctx.actor).first()
    with_ratings = not audit.is_open or can(membership, "audit.lead", audit)
    data, content_type = report_bytes(audit, fmt, ctx, with_ratings=with_ratings)
    ctx.result_file(report_filename(audit, fmt), data, content_type=content_type)
    ctx.progress(3, 3, "Done")
    return f"The {fmt.upper()} report of “{audit.title}” is ready."
