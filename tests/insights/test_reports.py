"""Reports: rendered in a job, in the asker's scope; the files hold the heatmap and the people."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.urls import reverse
from pypdf import PdfReader
from python_calamine import CalamineWorkbook

from soms.jobs.models import Job
from soms.jobs.testing import jobs_run

pytestmark = pytest.mark.django_db


def _file(job: Job) -> bytes:
    job.refresh_from_db()
    assert job.status == "done", job.message
    with job.result_file.open("rb") as fh:
        return bytes(fh.read())


def test_team_xlsx_and_pdf_hold_the_people_and_the_heatmap(skilled: Any, soms_version: Any) -> None:
    client = skilled.world.client_for(skilled.priya, skilled.world.org_a)
    url = reverse("insights-export") + f"?team={skilled.team.pk}"
    with jobs_run():
        r_x = client.post(url, {"format": "xlsx"})
        r_p = client.post(url, {"format": "pdf"})
    assert r_x.status_code == r_p.status_code == 302
    xlsx_job, pdf_job = Job.objects.order_by("id")
    book = CalamineWorkbook.from_filelike(io.BytesIO(_file(xlsx_job)))
    people = book.get_sheet_by_name("People").to_python()
    names = {row[0] for row in people[1:]}
    assert names == {"Nina North", "Charlie Member", "Noel Desk"}
    assert "Summary" in book.sheet_names and "Single points" in book.sheet_names
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(_file(pdf_job))).pages)
    assert "Capability: Team North desk" in text
    assert "People × elements" in text and "Nina North" in text and "Noel Desk" in text


def test_a_managers_report_never_leaves_her_subtree(skilled: Any, soms_version: Any) -> None:
    client = skilled.world.client_for(skilled.priya, skilled.world.org_a)
    with jobs_run():
        client.post(reverse("insights-export"), {"format": "xlsx"})
    book = CalamineWorkbook.from_filelike(io.BytesIO(_file(Job.objects.get())))
    names = {row[0] for row in book.get_sheet_by_name("People").to_python()[1:]}
    assert "Fred Finance" not in names and "Olivia Chief" not in names and "Sam South" in names


def test_plan_pdf_and_report_api(skilled: Any, soms_version: Any) -> None:
    sam = skilled.people["E003"]
    client = skilled.world.client_for(skilled.world.alice, skilled.world.org_a)
    with jobs_run():
        r = client.post(reverse("insights-plan-pdf", args=[sam.pk]), {"version": soms_version.pk})
        api = client.post(
            "/api/v1/insights/reports",
            {"format": "xlsx", "unit": skilled.units["south"].pk},
            content_type="application/json",
        )
    assert r.status_code == 302 and api.status_code == 202
    plan_job, report_job = Job.objects.order_by("id")
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(_file(plan_job))).pages)
    assert "Development plan of Sam South" in text
    book = CalamineWorkbook.from_filelike(io.BytesIO(_file(report_job)))
    assert {row[0] for row in book.get_sheet_by_name("People").to_python()[1:]} == {"Sam South", "Sue Junior"}


def test_members_may_not_export_and_bad_format_is_refused(skilled: Any, soms_version: Any) -> None:
    member = skilled.world.client_for(skilled.world.charlie, skilled.world.org_a)
    assert member.post(reverse("insights-export"), {"format": "pdf"}).status_code == 403
    owner = skilled.world.client_for(skilled.world.alice, skilled.world.org_a)
    bad = owner.post("/api/v1/insights/reports", {"format": "docx"}, content_type="application/json")
    assert bad.status_code == 422
    assert not Job.objects.exists()
