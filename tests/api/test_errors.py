"""The API's error answers: one JSON shape, the right status, documented in the spec."""

from __future__ import annotations

import pytest
from django.test import Client

from soms.tenancy.services import api_token_create

pytestmark = pytest.mark.django_db


def test_writes_without_credentials_are_401_not_a_csrf_failure(world):
    anonymous = Client(enforce_csrf_checks=True).post(
        "/api/v1/tokens", {"name": "x"}, content_type="application/json"
    )
    assert anonymous.status_code == 401
    wrong = Client(enforce_csrf_checks=True, headers={"Authorization": "Bearer soms_wrong"}).post(
        "/api/v1/tokens", {"name": "x"}, content_type="application/json"
    )
    assert wrong.status_code == 401


def test_signed_in_writes_still_need_the_csrf_token(world):
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.alice)
    response = client.post("/api/v1/tokens", {"name": "x"}, content_type="application/json")
    assert response.status_code == 403 and "CSRF" in response.json()["detail"]


def test_a_body_that_is_not_utf8_is_422_naming_the_body(world):
    client = world.client_for(world.alice)
    response = client.post("/api/v1/tokens", b'{"name": "\xff"}', content_type="application/json")
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body"] and "UTF-8" in response.json()["detail"][0]["msg"]


@pytest.mark.parametrize("query", ["offset=9223372036854775808", "offset=-1", "limit=0", "limit=501"])
def test_audit_log_paging_is_bounded(world, query):
    response = world.client_for(world.alice).get(f"/api/v1/audit-log?{query}")
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"][-1] == query.split("=")[0]


def test_an_unexpected_failure_answers_json_and_is_logged(world, monkeypatch, caplog):
    def broken(**kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr("soms.tenancy.api.selectors.api_tokens_of", broken)
    _, raw = api_token_create(user=world.alice, organisation=world.org_a, name="t")
    response = Client(headers={"Authorization": f"Bearer {raw}"}).get("/api/v1/tokens")
    assert response.status_code == 500
    assert response["Content-Type"].startswith("application/json")
    assert "boom" not in response.content.decode()
    assert any("Unhandled error" in r.message for r in caplog.records)


def test_the_spec_documents_the_error_answers():
    spec = Client().get("/api/openapi.json").json()
    assert "ErrorOut" in spec["components"]["schemas"]
    version = spec["paths"]["/api/v1/framework-versions/{version_id}"]["get"]["responses"]
    assert {"200", "401", "403", "404", "422"} <= set(version)
    assert version["404"]["content"]["application/json"]["schema"]["$ref"] == "#/components/schemas/ErrorOut"
    create = spec["paths"]["/api/v1/tokens"]["post"]["responses"]
    assert {"201", "401", "409", "422"} <= set(create)
    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            if operation.get("security"):
                assert "401" in operation["responses"], (method, path)


def test_a_body_declared_larger_than_any_upload_is_refused_before_it_is_read(world, settings):
    settings.SOMS_MAX_UPLOAD_BYTES = 1000
    client = world.client_for(world.alice)
    big = b"x" * (1000 + 300 * 1024)
    api = client.post("/api/v1/capacity/plan", big, content_type="text/csv")
    assert api.status_code == 413 and "upload limit" in api.json()["detail"]
    page = client.post("/frameworks/import/", big, content_type="application/octet-stream")
    assert page.status_code == 413
    small = client.post("/api/v1/capacity/plan", b"{}", content_type="application/json")
    assert small.status_code == 422


# Every operation that reads a form or an upload: Ninja's form and file parameters, and the views
# that read request.FILES themselves (a capacity plan's file, a framework import's).
UPLOAD_OPERATIONS = [
    "/api/v1/people/import",
    "/api/v1/history/assessments/import",
    "/api/v1/history/projects/import",
    "/api/v1/frameworks/import?format=yaml",
    "/api/v1/capacity/plan",
]


@pytest.mark.parametrize("path", UPLOAD_OPERATIONS)
@pytest.mark.parametrize(
    ("content_type", "body"),
    [
        ("multipart/form-data", b"no boundary"),
        ("multipart/form-data; boundary=", b"--\r\n"),
    ],
    ids=["no boundary", "empty boundary"],
)
def test_a_form_body_that_cannot_be_read_is_422_naming_the_body(world, path, content_type, body):
    """Django raises MultiPartParserError when such a body is first read; it was a 500."""
    _, raw = api_token_create(user=world.alice, organisation=world.org_a, name="t")
    client = Client(headers={"Authorization": f"Bearer {raw}"})
    response = client.post(path, body, content_type=content_type)
    assert response.status_code == 422, response.content
    problem = response.json()["detail"][0]
    assert problem["loc"] == ["body"] and problem["type"] == "multipart"
    assert "could not be read" in problem["msg"]


def test_more_form_fields_than_django_reads_is_422(world, settings):
    settings.DATA_UPLOAD_MAX_NUMBER_FIELDS = 10
    _, raw = api_token_create(user=world.alice, organisation=world.org_a, name="t")
    client = Client(headers={"Authorization": f"Bearer {raw}"})
    body = "&".join(f"f{i}=x" for i in range(20))
    response = client.post("/api/v1/people/import", body, content_type="application/x-www-form-urlencoded")
    assert response.status_code == 422, response.content
    assert response.json()["detail"][0]["loc"] == ["body"]
    assert response.json()["detail"][0]["msg"] == "The form has more than 10 fields"
    files = "".join(
        f'--b\r\nContent-Disposition: form-data; name="f{i}"; filename="f"\r\n\r\nx\r\n' for i in range(20)
    )
    settings.DATA_UPLOAD_MAX_NUMBER_FILES = 10
    response = client.post(
        "/api/v1/people/import", files + "--b--\r\n", content_type="multipart/form-data; boundary=b"
    )
    assert response.status_code == 422, response.content
    assert response.json()["detail"][0]["msg"] == "The form has more than 10 files"
