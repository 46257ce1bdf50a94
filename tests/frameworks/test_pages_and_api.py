from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from soms.frameworks.document import FrameworkDocument
from soms.frameworks.models import FrameworkVersion
from soms.frameworks.services.versions import framework_version_create_from_document

pytestmark = pytest.mark.django_db


@pytest.fixture
def private(world, builtin):
    """A framework owned by organisation B."""
    document = FrameworkDocument.model_validate(
        {
            "framework": {"code": "beta-skills", "name": "Beta's private skills"},
            "version": {"label": "1"},
            "levels": [{"code": "basic", "name": "Basic", "rank": 1}],
            "elements": [
                {
                    "code": "e1",
                    "name": "Secret element",
                    "statements": [{"code": "S1", "level": "basic", "text": "Knows the secret"}],
                }
            ],
        }
    )
    return framework_version_create_from_document(
        document=document, organisation=world.org_b, actor=world.bob, publish=True
    )


def soms_version():
    return FrameworkVersion.objects.get(framework__code="soms")


def test_framework_list_shows_builtin_and_own_only(world, private):
    a = world.client_for(world.alice).get(reverse("framework-list")).content.decode()
    b = world.client_for(world.bob).get(reverse("framework-list")).content.decode()
    assert "Service Operating Model Skills" in a and "Beta&#x27;s private skills" not in a
    assert "Service Operating Model Skills" in b and "Beta&#x27;s private skills" in b


def test_grid_page_shows_elements_levels_statements_and_attribution(world, builtin):
    client = world.client_for(world.charlie)
    detail = client.get(reverse("framework-detail", args=[soms_version().framework_id]))
    assert detail.status_code == 302
    page = client.get(detail["Location"])
    text = page.content.decode()
    assert page.status_code == 200
    assert text.count('<th scope="row" class="grid-element">') == 7
    for level in ["Foundation", "Practitioner", "Senior Practitioner"]:
        assert f">{level}</th>" in text or f">{level}<br>" in text
    assert "Knows the team&#x27;s demand profile." in text
    assert "Centre for Service Management, Loughborough University (2016)" in text


def test_other_organisations_framework_is_not_found(world, private):
    client = world.client_for(world.alice)
    for url in [
        reverse("framework-detail", args=[private.framework_id]),
        reverse("framework-version", args=[private.pk]),
    ]:
        assert client.get(url).status_code == 404
    assert client.get(reverse("framework-version", args=[999999])).status_code == 404
    for url in [f"/api/v1/frameworks/{private.framework_id}", f"/api/v1/framework-versions/{private.pk}"]:
        response = client.get(url)
        assert response.status_code == 404
        assert response.json() == client.get("/api/v1/frameworks/999999").json()
    # The owner sees it.
    assert world.client_for(world.bob).get(f"/api/v1/framework-versions/{private.pk}").status_code == 200


@pytest.mark.parametrize("who", ["alice", "charlie", "dana"])
def test_every_role_reads_frameworks(world, builtin, who):
    client = world.client_for(getattr(world, who))
    assert client.get(reverse("framework-version", args=[soms_version().pk])).status_code == 200
    assert client.get(f"/api/v1/framework-versions/{soms_version().pk}").status_code == 200


def test_api_full_version(world, builtin):
    client = world.client_for(world.charlie)
    listed = client.get("/api/v1/frameworks").json()
    soms = next(f for f in listed if f["code"] == "soms")
    assert soms["builtin"] and soms["versions"][0]["label"] == "2016"
    full = client.get(f"/api/v1/framework-versions/{soms['versions'][0]['id']}").json()
    doc = full["document"]
    assert len(doc["elements"]) == 7 and len(doc["levels"]) == 3
    assert doc["version"]["rules"]["change_project"]["min_areas"] == 2
    assert full["attribution"].startswith("Based on the SOMS framework")


def test_api_needs_authentication(builtin):
    assert Client().get("/api/v1/frameworks").status_code == 401
    assert Client().get("/api/v1/me").status_code == 401
