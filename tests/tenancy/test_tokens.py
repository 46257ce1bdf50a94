from __future__ import annotations

import hashlib

import pytest
from django.test import Client
from django.urls import reverse

from soms.tenancy.models import ApiToken
from soms.tenancy.services import api_token_create

pytestmark = pytest.mark.django_db


def test_token_page_creates_a_token_shown_once_and_hashed_at_rest(world):
    client = world.client_for(world.alice)
    # POST, redirect, GET: the answer to the POST is a redirect, never the token itself.
    response = client.post(reverse("api-tokens"), {"name": "reporting"})
    assert response.status_code == 302 and response["Location"] == reverse("api-tokens")
    assert "soms_" not in response.content.decode()
    shown = client.get(response["Location"])
    raw = shown.context["new_token"]
    assert raw.startswith("soms_") and raw in shown.content.decode()
    token = ApiToken.objects.get(name="reporting")
    assert token.token_hash == hashlib.sha256(raw.encode()).hexdigest()
    assert raw not in {token.token_hash, token.prefix}
    # A refresh of the page that showed it neither shows it again nor makes a second token.
    again = client.get(reverse("api-tokens"))
    assert raw not in again.content.decode() and again.context["new_token"] is None
    assert token.prefix in again.content.decode()
    assert ApiToken.objects.filter(user=world.alice).count() == 1


def test_a_new_token_is_not_shown_in_another_organisation(world):
    client = world.client_for(world.dana)  # a member of A and of B
    client.post(reverse("api-tokens"), {"name": "made in a"})
    raw_in = ApiToken.objects.get(name="made in a")
    other = next(o for o in (world.org_a, world.org_b) if o.pk != raw_in.organisation_id)
    client.post(reverse("switch-organisation"), {"organisation": other.pk})
    page = client.get(reverse("api-tokens"))
    assert page.context["new_token"] is None


def test_token_form_rejects_blank_name(world):
    client = world.client_for(world.alice)
    response = client.post(reverse("api-tokens"), {"name": "   "})
    assert response.status_code == 400
    assert response.context["form"].errors["name"]
    assert not ApiToken.objects.exists()


def test_token_authenticates_the_api_in_its_organisation_only(world):
    _, raw = api_token_create(user=world.dana, organisation=world.org_b, name="b-only")
    client = Client(headers={"Authorization": f"Bearer {raw}"})
    me = client.get("/api/v1/me").json()
    assert me["username"] == "dana"
    assert me["current_organisation"]["id"] == world.org_b.pk
    assert me["authenticated_by"] == "token"
    assert [o["id"] for o in client.get("/api/v1/organisations").json()] == [world.org_b.pk]
    assert client.get(f"/api/v1/organisations/{world.org_a.pk}").status_code == 404


def test_revoked_or_unknown_token_is_refused(world):
    token, raw = api_token_create(user=world.alice, organisation=world.org_a, name="t")
    client = world.client_for(world.alice)
    assert client.post(reverse("api-token-revoke", args=[token.pk])).status_code == 302
    assert Client(headers={"Authorization": f"Bearer {raw}"}).get("/api/v1/me").status_code == 401
    assert Client(headers={"Authorization": "Bearer soms_madeup"}).get("/api/v1/me").status_code == 401


def test_token_stops_working_when_membership_ends(world):
    _, raw = api_token_create(user=world.charlie, organisation=world.org_a, name="t")
    world.charlie.memberships.all().delete()
    assert Client(headers={"Authorization": f"Bearer {raw}"}).get("/api/v1/me").status_code == 401


def test_cannot_revoke_someone_elses_token(world):
    token, _ = api_token_create(user=world.bob, organisation=world.org_b, name="bob's")
    client = world.client_for(world.alice)
    assert client.post(reverse("api-token-revoke", args=[token.pk])).status_code == 404
    assert client.post(reverse("api-token-revoke", args=[987654])).status_code == 404
    assert client.delete(f"/api/v1/tokens/{token.pk}").status_code == 404
    token.refresh_from_db()
    assert token.is_active


def test_token_api_create_list_revoke(world):
    client = world.client_for(world.alice)
    created = client.post("/api/v1/tokens", {"name": "ci"}, content_type="application/json")
    assert created.status_code == 201
    body = created.json()
    assert body["token"].startswith("soms_") and body["organisation_id"] == world.org_a.pk
    listed = client.get("/api/v1/tokens").json()
    assert [t["name"] for t in listed] == ["ci"]
    assert "token" not in listed[0]
    assert client.delete(f"/api/v1/tokens/{body['id']}").status_code == 204
    assert client.get("/api/v1/tokens").json()[0]["revoked_at"] is not None


def test_token_api_rejects_bad_input_naming_the_field(world):
    client = world.client_for(world.alice)
    malformed = client.post("/api/v1/tokens", "{not json", content_type="application/json")
    assert malformed.status_code == 422
    assert malformed.json()["detail"][0]["loc"] == ["body"]
    missing = client.post("/api/v1/tokens", {}, content_type="application/json")
    assert missing.status_code == 422
    assert missing.json()["detail"][0]["loc"][-1] == "name"
    blank = client.post("/api/v1/tokens", {"name": "  "}, content_type="application/json")
    assert blank.status_code == 422
    assert blank.json()["detail"][0]["loc"][-1] == "name"
    assert not ApiToken.objects.exists()


def test_ids_beyond_the_database_range_are_not_found(world):
    client = world.client_for(world.alice)
    huge = 2**63
    assert client.post(reverse("api-token-revoke", args=[huge])).status_code == 404
    assert client.post(reverse("switch-organisation"), {"organisation": huge}).status_code == 404
    assert client.get(f"/capacity/studies/{huge}/").status_code == 404
