from __future__ import annotations

import pytest
from django.urls import reverse

from soms.tenancy.services import api_token_create

pytestmark = pytest.mark.django_db


def test_services_write_the_audit_log(world):
    actions = set(world.org_a.audit_log.values_list("action", flat=True))
    assert {"organisation.create", "membership.add"} <= actions
    entry = world.org_a.audit_log.filter(action="membership.add").first()
    assert entry.actor == world.alice
    assert entry.after["role"] in {"owner", "member", "assessor"}


def test_admin_reads_own_audit_log_only(world):
    api_token_create(user=world.bob, organisation=world.org_b, name="b secret token")
    client = world.client_for(world.alice)
    page = client.get(reverse("audit-log"))
    assert page.status_code == 200
    text = page.content.decode()
    assert "organisation.create" in text
    assert "b secret token" not in text
    api = client.get("/api/v1/audit-log").json()
    assert api and all("b secret token" not in (e["object_repr"]) for e in api)


@pytest.mark.parametrize("who", ["charlie", "dana"])
def test_non_admins_cannot_read_the_audit_log(world, who):
    client = world.client_for(getattr(world, who), world.org_a)
    assert client.get(reverse("audit-log")).status_code == 403
    assert client.get("/api/v1/audit-log").status_code == 403
    assert client.get(reverse("members")).status_code == 403


def test_members_page_lists_own_organisation(world):
    page = world.client_for(world.alice).get(reverse("members"))
    text = page.content.decode()
    assert "charlie" in text and "bob" not in text
