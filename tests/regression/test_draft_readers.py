"""Who may read drafts (issue 8): a draft is its authors' work in progress. Owners and admins
(the roles with "framework_version.read_draft") see drafts, comparisons with drafts and draft
exports; every other member sees published versions only, and a draft's id answers them 404,
exactly like a missing id. Before, every role could read them all."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from soms.frameworks.services.authoring import framework_create
from soms.tenancy.permissions import can
from soms.tenancy.services import api_token_create

pytestmark = pytest.mark.django_db


@pytest.fixture
def draft(world):
    return framework_create(
        organisation=world.org_a,
        code="wip",
        name="Work in progress",
        description="",
        kind="skills",
        label="1",
        actor=world.alice,
    )


def _bearer(user, organisation) -> Client:
    _, raw = api_token_create(user=user, organisation=organisation, name="d")
    return Client(headers={"Authorization": f"Bearer {raw}"})


def test_the_permission_table_answers_who_reads_drafts(world):
    from soms.tenancy.models import Membership

    found = Membership.objects.filter(organisation=world.org_a).select_related("user")
    memberships = {m.user.username: m for m in found}
    assert can(memberships["alice"], "framework_version.read_draft")
    assert not can(memberships["charlie"], "framework_version.read_draft")
    assert not can(memberships["dana"], "framework_version.read_draft")


def test_a_member_cannot_open_export_or_read_a_draft(world, draft):
    pages = world.client_for(world.charlie, world.org_a)
    api = _bearer(world.charlie, world.org_a)
    missing = api.get("/api/v1/framework-versions/987654321")
    assert pages.get(reverse("framework-version", args=[draft.pk])).status_code == 404
    assert pages.get(reverse("framework-version-export", args=[draft.pk, "yaml"])).status_code == 404
    answer = api.get(f"/api/v1/framework-versions/{draft.pk}")
    assert answer.status_code == 404 and answer.json() == missing.json()
    assert api.get(f"/api/v1/framework-versions/{draft.pk}/export?format=json").status_code == 404
    listed = {v["id"] for fw in api.get("/api/v1/frameworks").json() for v in fw["versions"]}
    assert draft.pk not in listed


def test_an_author_still_reads_the_draft(world, draft):
    assert (
        world.client_for(world.alice, world.org_a)
        .get(reverse("framework-version", args=[draft.pk]))
        .status_code
        == 200
    )
    api = _bearer(world.alice, world.org_a)
    assert api.get(f"/api/v1/framework-versions/{draft.pk}").status_code == 200
    listed = {v["id"] for fw in api.get("/api/v1/frameworks").json() for v in fw["versions"]}
    assert draft.pk in listed


def test_a_member_cannot_compare_with_a_draft(world, builtin):
    from soms.frameworks.models import FrameworkVersion
    from soms.frameworks.services.authoring import framework_version_draft_create

    published = FrameworkVersion.objects.filter(framework__organisation__isnull=True).first()
    adapted = framework_create(
        organisation=world.org_a,
        code="adapted",
        name="Adapted",
        description="",
        kind="skills",
        label="1",
        actor=world.alice,
        base=published,
    )
    from soms.frameworks.services.authoring import version_publish

    version_publish(version=adapted, expected_revision=adapted.revision, actor=world.alice)
    second = framework_version_draft_create(
        framework=adapted.framework, base=adapted, label="2", actor=world.alice
    )
    api = _bearer(world.charlie, world.org_a)
    # The published version against the newer draft: the draft is no base a member can name.
    refused = api.get(f"/api/v1/framework-versions/{adapted.pk}/diff?base={second.pk}")
    assert refused.status_code == 422
    page = world.client_for(world.charlie, world.org_a).get(
        reverse("framework-diff", args=[adapted.pk]), {"base": second.pk}
    )
    assert page.status_code == 400
    assert (
        _bearer(world.alice, world.org_a)
        .get(f"/api/v1/framework-versions/{adapted.pk}/diff?base={second.pk}")
        .status_code
        == 200
    )
