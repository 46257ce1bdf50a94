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


def test_switch_from_an_object_page_lands_on_a_page_of_the_new_organisation(world):
    # A person of A: reloading its page in B would be a 404, so the switch goes to the dashboard.
    from soms.people.services.persons import person_create

    person = person_create(organisation=world.org_a, actor=world.alice, employee_id="E1", name="Erin")
    client = world.client_for(world.dana)
    for came_from in (
        reverse("people-person", args=[person.pk]),
        reverse("people-person-edit", args=[person.pk]),
        "/no/such/page/",
    ):
        response = client.post(
            reverse("switch-organisation"), {"organisation": world.org_b.pk, "next": came_from}
        )
        assert response["Location"] == reverse("home"), came_from
        assert client.get(response["Location"]).status_code == 200


def test_switch_keeps_a_list_page_but_not_its_filters(world):
    client = world.client_for(world.dana)
    response = client.post(
        reverse("switch-organisation"),
        {"organisation": world.org_b.pk, "next": reverse("people-list") + "?team=12"},
    )
    assert response["Location"] == reverse("people-list")
    assert client.get(response["Location"]).status_code == 200
    response = client.post(
        reverse("switch-organisation"), {"organisation": world.org_a.pk, "next": "//evil.example/people/"}
    )
    assert response["Location"] == reverse("home")
