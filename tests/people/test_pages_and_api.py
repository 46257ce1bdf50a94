from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext

from soms.people.models import PeopleImport, Person
from soms.tenancy.models import AuditLogEntry, Membership
from tests.people.helpers import csv_bytes, xlsx_bytes

pytestmark = pytest.mark.django_db


def _bulk(org, n, start=0):
    Person.objects.bulk_create(
        Person(
            organisation=org.world.org_a,
            employee_id=f"X{i}",
            name=f"Extra {i}",
            name_key=f"extra {i}",
            search_key=f"extra {i}",
            unit=org.units["north"],
            team=org.team,
        )
        for i in range(start, start + n)
    )


def _queries(client, url):
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200, response.content[:300]
    return len(ctx.captured_queries)


@pytest.mark.parametrize("url", ["/people/", "/api/v1/people?limit=50", "/people/tree/", "/api/v1/org-units"])
def test_a_long_list_costs_the_same_queries_as_a_short_one(org, url):
    client = org.world.client_for(org.world.alice, org.world.org_a)
    _bulk(org, 5)
    few = _queries(client, url)
    _bulk(org, 400, start=5)
    many = _queries(client, url)
    assert many == few


def test_the_manager_sees_exactly_their_subtree_on_the_pages(org):
    client = org.world.client_for(org.priya, org.world.org_a)
    page = client.get("/people/?active=all").content.decode()
    # One row (a link to the person) per person shown; a manager's name in a column is not a row.
    shown = {c for c, p in org.people.items() if f'href="/people/{p.pk}/"' in page}
    assert shown == {"E002", "E003", "E004", "E005", "E007", "E008"}
    tree = client.get("/people/tree/").content.decode()
    assert "Claims" in tree and "North" in tree and "Finance" not in tree and "Operations" not in tree
    assert client.get(f"/people/{org.people['E006'].pk}/").status_code == 404
    assert client.get(f"/people/{org.people['E004'].pk}/").status_code == 200
    api = client.get("/api/v1/people?active=true&limit=500").json()
    assert {p["employee_id"] for p in api["items"]} == {"E002", "E003", "E004", "E005", "E007", "E008"}


def test_a_member_sees_their_teams_names_only(org):
    client = org.world.client_for(org.world.charlie, org.world.org_a)
    api = client.get("/api/v1/people").json()
    assert {p["name"] for p in api["items"]} == {"Nina North", "Charlie Member", "Noel Desk"}
    assert all(set(p) == {"id", "name", "team_id"} for p in api["items"])
    page = client.get("/people/").content.decode()
    assert "E005" not in page  # no employee ids, titles or managers


def test_search_filters_and_paging(org):
    client = org.world.client_for(org.world.alice, org.world.org_a)
    _bulk(org, 120)
    assert client.get("/api/v1/people?q=extra 11").json()["count"] == 11  # 11, 110..119
    assert client.get("/api/v1/people?q=E003").json()["items"][0]["name"] == "Sam South"
    assert client.get(f"/api/v1/people?unit_id={org.units['south'].pk}").json()["count"] == 2
    page2 = client.get("/people/?page=2").content.decode()
    assert "Page 2 of 3" in page2
    assert client.get("/api/v1/people?limit=501").status_code == 422


def test_import_page_flow_problems_file_dry_run_apply(org):
    client = org.world.client_for(org.world.alice, org.world.org_a)
    bad = xlsx_bytes({"People": [["employee_id", "name", "start_date"], ["N1", "New", "2024-13-01"]]})
    r = client.post("/people/import/", {"file": SimpleUploadedFile("hr.xlsx", bad)})
    detail = client.get(r["Location"]).content.decode()
    assert "1 problem in hr.xlsx; nothing was imported" in detail and "no such date" in detail
    problems = client.get(r["Location"] + "problems.csv")
    assert b"row,column,value,reason" in b"".join(problems.streaming_content)
    good = csv_bytes([["employee_id", "job_title"], ["E003", "Lead handler"]])
    r = client.post("/people/import/", {"file": SimpleUploadedFile("hr.csv", good)})
    detail = client.get(r["Location"]).content.decode()
    assert "Dry run" in detail and "Lead handler" in detail
    assert Person.objects.get(pk=org.people["E003"].pk).job_title == ""
    applied = client.post(r["Location"] + "apply/")
    assert applied.status_code == 302
    assert Person.objects.get(pk=org.people["E003"].pk).job_title == "Lead handler"
    assert (
        client.post(r["Location"] + "apply/", follow=True).content.decode().count("already been applied") == 1
    )
    assert AuditLogEntry.objects.filter(action="people.import").count() == 1


def test_api_import_reports_problems_and_applies(org):
    client = org.world.client_for(org.world.alice, org.world.org_a)
    bad = csv_bytes([["employee_id", "name", "manager_employee_id"], ["N1", "New", "GHOST"]])
    refused = client.post(
        "/api/v1/people/import", {"file": SimpleUploadedFile("a.csv", bad), "dry_run": "false"}
    )
    assert refused.status_code == 422
    out = refused.json()
    assert out["status"] == "invalid" and out["problems"][0]["column"] == "manager_employee_id"
    assert out["problems"][0]["row"] == 2 and "nothing was written" in out["detail"]
    # The error file stays reachable, for the API (token or session) and on the page.
    error_file = client.get(out["problems_url"])
    assert error_file.status_code == 200 and error_file["Content-Type"].startswith("text/csv")
    assert b"row,column,value,reason" in error_file.content and b"manager_employee_id" in error_file.content
    page_file = client.get(f"/people/imports/{out['id']}/problems.csv")
    assert b"manager_employee_id" in b"".join(page_file.streaming_content)
    # A dry run of a bad file is refused the same way.
    dry = client.post("/api/v1/people/import", {"file": SimpleUploadedFile("a.csv", bad)})
    assert dry.status_code == 422 and dry.json()["problems"]
    good = csv_bytes([["employee_id", "name", "manager_employee_id"], ["N1", "New", "E001"]])
    ready = client.post("/api/v1/people/import", {"file": SimpleUploadedFile("a.csv", good)})
    out = ready.json()
    assert ready.status_code == 200 and out["status"] == "ready" and out["summary"]["create"] == 1
    out = client.post(f"/api/v1/people/imports/{out['id']}/apply").json()
    assert out["status"] == "applied"
    assert Person.objects.filter(employee_id="N1", manager=org.people["E001"]).exists()
    again = client.post(f"/api/v1/people/imports/{out['id']}/apply")
    assert again.status_code == 409


def test_api_bad_input_names_the_field(org):
    client = org.world.client_for(org.world.alice, org.world.org_a)
    taken = client.post(
        "/api/v1/people", {"employee_id": "E001", "name": "Again"}, content_type="application/json"
    )
    assert taken.status_code == 422 and taken.json()["detail"][0]["loc"][-1] == "employee_id"
    foreign = client.patch(
        f"/api/v1/people/{org.people['E001'].pk}",
        {"unit_id": org.b_unit.pk, "revision": org.people["E001"].revision},
        content_type="application/json",
    )
    assert foreign.status_code == 422 and foreign.json()["detail"][0]["loc"][-1] == "unit_id"
    cycle = client.patch(
        f"/api/v1/people/{org.people['E002'].pk}",
        {"manager_id": org.people["E004"].pk, "revision": org.people["E002"].revision},
        content_type="application/json",
    )
    assert cycle.status_code == 422 and cycle.json()["detail"][0]["loc"][-1] == "manager_id"
    unit_cycle = client.patch(
        f"/api/v1/org-units/{org.units['claims'].pk}",
        {"parent_id": org.units["north"].pk, "revision": org.units["claims"].revision},
        content_type="application/json",
    )
    assert unit_cycle.status_code == 422
    owner = Membership.objects.get(organisation=org.world.org_a, user=org.world.alice)
    last = client.patch(
        f"/api/v1/members/{owner.pk}",
        {"role": "admin", "revision": owner.revision},
        content_type="application/json",
    )
    assert last.status_code == 409 and "last owner" in last.json()["detail"]


def test_export_page_downloads_reimportable_files(org):
    client = org.world.client_for(org.world.alice, org.world.org_a)
    csv_body = b"".join(client.get("/people/export.csv").streaming_content)
    assert csv_body.startswith(b"employee_id,name,email")
    xlsx = client.get("/api/v1/people/export?format=xlsx")
    assert xlsx.status_code == 200 and xlsx.content[:2] == b"PK"
    r = client.post("/people/import/", {"file": SimpleUploadedFile("people.xlsx", xlsx.content)})
    detail = client.get(r["Location"]).content.decode()
    assert "Dry run" in detail
    record = PeopleImport.objects.filter(organisation=org.world.org_a).latest("id")
    assert record.summary["update"] == 0 and record.summary["unchanged"] == 8
