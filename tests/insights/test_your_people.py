"""A manager's own view of the dashboard and its reports is titled "Your people", not the
organisation's name: it holds their reports and the subtree of the units they manage, no more."""

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

PRIYAS = {"Priya Raman", "Sam South", "Sue Junior", "Nina North", "Charlie Member", "Noel Desk"}


def _file(job: Job) -> bytes:
    job.refresh_from_db()
    assert job.status == "done", job.message
    with job.result_file.open("rb") as fh:
        return bytes(fh.read())


def test_a_managers_dashboard_is_titled_your_people(skilled: Any, soms_version: Any) -> None:
    priya = skilled.world.client_for(skilled.priya, skilled.world.org_a)
    r = priya.get(reverse("insights-dashboard"))
    assert r.status_code == 200
    html = r.content.decode()
    assert "<h1>Capability: Your people</h1>" in html
    assert f"Capability: {skilled.world.org_a.name}" not in html
    assert "6 people on" in html and "Fred Finance" not in html
    # What "your people" means, with the units she manages named.
    assert "everyone in the units you manage: North" in html
    assert "Your people: levels per element" in html  # the grid's title


def test_a_manager_who_picks_a_unit_or_a_manager_sees_that_title(skilled: Any, soms_version: Any) -> None:
    priya = skilled.world.client_for(skilled.priya, skilled.world.org_a)
    html = priya.get(reverse("insights-dashboard"), {"unit": skilled.units["north"].pk}).content.decode()
    assert "<h1>Capability: North</h1>" in html
    html = priya.get(reverse("insights-dashboard"), {"manager": "E005"}).content.decode()
    assert "<h1>Capability: People reporting to Nina North</h1>" in html


def test_an_admin_sees_the_organisation_and_a_member_sees_you(skilled: Any, soms_version: Any) -> None:
    """A member's view holds only themself: it is called "You", says so, and offers no link to set
    coverage targets (which only owners and admins may) nor counts any; the admin's view keeps the link."""
    alice = skilled.world.client_for(skilled.world.alice, skilled.world.org_a)
    name = skilled.world.org_a.name
    html = alice.get(reverse("insights-dashboard")).content.decode()
    assert f"<h1>Capability: {name}</h1>" in html
    targets = reverse("people-coverage")
    assert f'href="{targets}"' in html
    charlie = skilled.world.client_for(skilled.world.charlie, skilled.world.org_a)
    html = charlie.get(reverse("insights-dashboard")).content.decode()
    assert "<h1>Capability: You</h1>" in html and "A member sees only themself" in html
    assert "Your people" not in html and "1 person on" in html and name not in html.split("<h1>")[1][:200]
    # No target is counted over her alone; the card says why and who sees the team's cover.
    assert f'href="{targets}"' not in html and "not shown in your own view" in html


def test_another_organisations_manager_sees_none_of_priyas_people(skilled: Any, soms_version: Any) -> None:
    from soms.tenancy.models import Role
    from soms.tenancy.services import membership_set

    world = skilled.world
    membership_set(organisation=world.org_b, user=skilled.priya, role=Role.MANAGER, actor=world.bob)
    priya_in_b = world.client_for(skilled.priya, world.org_b)
    html = priya_in_b.get(reverse("insights-dashboard")).content.decode()
    assert "Your people" in html
    assert not any(name in html for name in PRIYAS)


def test_a_managers_reports_are_titled_your_people(skilled: Any, soms_version: Any) -> None:
    priya = skilled.world.client_for(skilled.priya, skilled.world.org_a)
    with jobs_run():
        assert priya.post(reverse("insights-export"), {"format": "xlsx"}).status_code == 302
        assert priya.post(reverse("insights-export"), {"format": "pdf"}).status_code == 302
        api = priya.post("/api/v1/insights/reports", {"format": "xlsx"}, content_type="application/json")
    assert api.status_code == 202
    xlsx_job, pdf_job, api_job = Job.objects.order_by("id")
    assert xlsx_job.title == "XLSX report: Your people" and api_job.title == "XLSX report: Your people"
    assert pdf_job.title == "PDF report: Your people"
    book = CalamineWorkbook.from_filelike(io.BytesIO(_file(xlsx_job)))
    summary = book.get_sheet_by_name("Summary").to_python()
    assert summary[0][:2] == ["Report", "Capability: Your people"]
    assert {row[0] for row in book.get_sheet_by_name("People").to_python()[1:]} == PRIYAS
    assert "your-people" in xlsx_job.result_file.name
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(_file(pdf_job))).pages)
    assert "Capability: Your people" in text and skilled.world.org_a.name not in text
    assert "units you manage: North" in text
    assert priya.get("/api/v1/insights/overview").json()["title"] == "Your people"
