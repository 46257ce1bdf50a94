"""POST /api/v1/development-actions with an Idempotency-Key: a retry adds nothing and answers as
the first time; the key with another body is refused; keys are per login and organisation."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from soms.insights.models import DevelopmentAction
from soms.tenancy.models import IdempotencyKey, Role
from soms.tenancy.services import membership_set
from tests.insights.conftest import DC

pytestmark = pytest.mark.django_db

URL = "/api/v1/development-actions"
KEY = "8e03978e-40d5-43e8-bc93-6894a57f9324"


def _body(sam: Any, version: Any, **over: Any) -> dict[str, Any]:
    return {
        "person_id": sam.pk,
        "version_id": version.pk,
        "element": DC,
        "kind": "coaching",
        "title": "Coach",
        "due_on": "2026-12-31",
    } | over


def _post(client: Client, body: dict[str, Any], key: str | None = KEY) -> Any:
    headers = {"Idempotency-Key": key} if key is not None else {}
    return client.post(URL, body, content_type="application/json", headers=headers)


def test_a_retry_with_the_key_answers_the_same_and_adds_nothing(skilled: Any, soms_version: Any) -> None:
    sam = skilled.people["E003"]
    client = skilled.world.client_for(skilled.priya, skilled.world.org_a)
    first = _post(client, _body(sam, soms_version))
    assert first.status_code == 201, first.content
    # As the draft writes it, a structured-field string: the same key.
    again = _post(client, _body(sam, soms_version), key=f'"{KEY}"')
    assert again.status_code == 201 and again.json() == first.json()
    assert DevelopmentAction.objects.filter(person=sam).count() == 1
    assert IdempotencyKey.objects.filter(organisation=skilled.world.org_a, key=KEY).count() == 1


def test_the_key_with_another_body_is_refused(skilled: Any, soms_version: Any) -> None:
    sam = skilled.people["E003"]
    client = skilled.world.client_for(skilled.priya, skilled.world.org_a)
    assert _post(client, _body(sam, soms_version)).status_code == 201
    other = _post(client, _body(sam, soms_version, title="Another"))
    assert other.status_code == 422
    problem = other.json()["detail"][0]
    assert problem["loc"] == ["header", "Idempotency-Key"] and "different request" in problem["msg"]
    assert DevelopmentAction.objects.filter(person=sam).count() == 1


def test_identical_actions_without_a_key_or_with_two_keys_are_two(skilled: Any, soms_version: Any) -> None:
    # No longer refused as a "duplicate": a second identical action is a request of its own.
    sam = skilled.people["E003"]
    client = skilled.world.client_for(skilled.priya, skilled.world.org_a)
    assert _post(client, _body(sam, soms_version), key=None).status_code == 201
    assert _post(client, _body(sam, soms_version), key=None).status_code == 201
    assert _post(client, _body(sam, soms_version), key="one").status_code == 201
    assert _post(client, _body(sam, soms_version), key="two").status_code == 201
    assert DevelopmentAction.objects.filter(person=sam).count() == 4


def test_another_logins_key_does_not_collide(skilled: Any, soms_version: Any) -> None:
    sam = skilled.people["E003"]
    w = skilled.world
    priya, alice = w.client_for(skilled.priya, w.org_a), w.client_for(w.alice, w.org_a)
    mine = _post(priya, _body(sam, soms_version)).json()
    theirs = _post(alice, _body(sam, soms_version))
    assert theirs.status_code == 201 and theirs.json()["id"] != mine["id"]
    assert DevelopmentAction.objects.filter(person=sam).count() == 2


def test_the_same_login_in_another_organisation_has_other_keys(skilled: Any, soms_version: Any) -> None:
    # Alice's key in Alpha is not looked up in Beta: there the request is refused on its own
    # merits (Sam is not Beta's: 422 on person_id, as for a missing person), not answered with
    # Alpha's action.
    sam = skilled.people["E003"]
    w = skilled.world
    membership_set(organisation=w.org_b, user=w.alice, role=Role.ADMIN, actor=w.bob)
    assert _post(w.client_for(w.alice, w.org_a), _body(sam, soms_version)).status_code == 201
    in_beta = _post(w.client_for(w.alice, w.org_b), _body(sam, soms_version))
    assert in_beta.status_code == 422 and in_beta.json()["detail"][0]["loc"][-1] == "person_id"
    assert not IdempotencyKey.objects.filter(organisation=w.org_b).exists()


def test_a_refused_request_keeps_no_key(skilled: Any, soms_version: Any) -> None:
    sam = skilled.people["E003"]
    client = skilled.world.client_for(skilled.priya, skilled.world.org_a)
    bad = _post(client, _body(sam, soms_version, element="nope"))
    assert bad.status_code == 422 and not IdempotencyKey.objects.exists()
    assert _post(client, _body(sam, soms_version)).status_code == 201


@pytest.mark.parametrize("key", ['""', "x" * 256, "caf\u00e9"])
def test_a_malformed_key_is_named_and_nothing_is_added(skilled: Any, soms_version: Any, key: str) -> None:
    sam = skilled.people["E003"]
    client = skilled.world.client_for(skilled.priya, skilled.world.org_a)
    r = _post(client, _body(sam, soms_version), key=key)
    assert r.status_code == 422 and r.json()["detail"][0]["loc"] == ["header", "Idempotency-Key"]
    assert not DevelopmentAction.objects.filter(person=sam).exists()


def test_the_spec_documents_the_header(skilled: Any) -> None:
    spec = skilled.world.client_for(skilled.world.alice, skilled.world.org_a).get("/api/openapi.json").json()
    params = spec["paths"]["/api/v1/development-actions"]["post"]["parameters"]
    header = next(p for p in params if p["name"] == "Idempotency-Key")
    assert header["in"] == "header" and not header["required"] and "422" in header["description"]
