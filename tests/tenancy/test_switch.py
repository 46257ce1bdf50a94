from __future__ import annotations

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_member_of_two_organisations_switches(world):
    client = world.client_for(world.dana)
    first = client.get(reverse("home"))
    assert "Alpha Services" in first.content.decode()
    response = client.post(
        reverse("switch-organisation"), {"organisation": world.org_b.pk, "next": "/frameworks/"}
    )
    assert response.status_code == 302
    assert response["Location"] == "/frameworks/"
    home = client.get(reverse("home"))
    assert home.context["current_organisation"] == world.org_b
    assert home.context["current_membership"].role == "member"


def test_switch_to_an_organisation_you_are_not_in_is_not_found(world):
    client = world.client_for(world.alice)
    response = client.post(reverse("switch-organisation"), {"organisation": world.org_b.pk})
    missing = client.post(reverse("switch-organisation"), {"organisation": 999999})
    assert response.status_code == missing.status_code == 404
    assert client.get(reverse("home")).context["current_organisation"] == world.org_a


def test_switch_rejects_bad_input_and_foreign_redirects(world):
    client = world.client_for(world.dana)
    assert client.post(reverse("switch-organisation"), {"organisation": "abc"}).status_code == 400
    assert client.get(reverse("switch-organisation")).status_code == 405
    response = client.post(
        reverse("switch-organisation"), {"organisation": world.org_b.pk, "next": "https://evil.example/"}
    )
    assert response["Location"] == reverse("home")


def test_removed_membership_falls_back_to_remaining_organisation(world):
    client = world.client_for(world.dana, world.org_b)
    world.dana.memberships.filter(organisation=world.org_b).delete()
    assert client.get(reverse("home")).context["current_organisation"] == world.org_a
