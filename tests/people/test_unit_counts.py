"""A unit's counts are the same number on the tree, the unit's page and the unit's API answer."""

from __future__ import annotations

import pytest

from tests.people.conftest import Org

pytestmark = pytest.mark.django_db


def test_the_unit_api_counts_the_people_the_page_lists(org: Org) -> None:
    client = org.world.client_for(org.world.alice, org.world.org_a)
    claims = org.units["claims"]
    one = client.get(f"/api/v1/org-units/{claims.pk}").json()
    # Priya directly in Claims; Nina, Charlie, Noel (North) and Sam, Sue (South) below it.
    assert (one["people"], one["people_total"]) == (1, 6)
    listed = {u["id"]: u for u in client.get("/api/v1/org-units").json()}
    assert (listed[claims.pk]["people"], listed[claims.pk]["people_total"]) == (1, 6)
    page = client.get(f"/people/units/{claims.pk}/")
    assert page.status_code == 200
    assert b"1 active person directly in Claims, 6 including its sub-units" in page.content
    renamed = client.patch(
        f"/api/v1/org-units/{claims.pk}",
        {"name": "Claims team", "revision": one["revision"]},
        content_type="application/json",
    )
    assert renamed.status_code == 200 and renamed.json()["people_total"] == 6


def test_a_manager_sees_the_counts_of_their_scope(org: Org) -> None:
    from soms.tenancy.models import Organisation

    priya = org.world.client_for(org.priya, Organisation.objects.get(pk=org.world.org_a.pk))
    north = priya.get(f"/api/v1/org-units/{org.units['north'].pk}").json()
    assert (north["people"], north["people_total"]) == (3, 3)
