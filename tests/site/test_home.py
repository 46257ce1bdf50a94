from __future__ import annotations

import pytest
from django.urls import reverse

from tests.toolkits.capacity.conftest import erlang_study

pytestmark = pytest.mark.django_db


def test_home_shows_the_current_organisations_frameworks_and_studies_only(world, builtin):
    erlang_study(world, name="Alpha peak hour")
    erlang_study(world, organisation=world.org_b, user=world.bob, name="Beta secret study")
    page = world.client_for(world.dana, world.org_a).get(reverse("home")).content.decode()
    assert "Service Operating Model Skills (SOMS)" in page
    assert "Alpha peak hour" in page and "Beta secret study" not in page
    other = world.client_for(world.dana, world.org_b).get(reverse("home")).content.decode()
    assert "Beta secret study" in other and "Alpha peak hour" not in other


def test_home_says_when_there_are_no_studies(world):
    page = world.client_for(world.charlie).get(reverse("home")).content.decode()
    assert "No saved studies in Alpha Services yet." in page


def test_home_counts_only_the_versions_the_member_may_read(world):
    from soms.frameworks.services.authoring import framework_create

    framework_create(
        organisation=world.org_a,
        actor=world.alice,
        code="draft-only",
        name="Draft only",
        description="",
        kind="skills",
        label="1",
    )
    # A member does not read drafts: the framework's only version is not counted for them (as in
    # the framework list), where its author sees it.
    member = world.client_for(world.charlie, world.org_a).get(reverse("home")).content.decode()
    owner = world.client_for(world.alice, world.org_a).get(reverse("home")).content.decode()
    assert "Your organisation's · Skills framework · 0 versions<" in member
    assert "Your organisation's · Skills framework · 1 version<" in owner


def test_the_page_title_is_the_organisations_name_whether_or_not_the_guide_is_hidden(world):
    client = world.client_for(world.charlie, world.org_a)
    assert "<title>Alpha Services · SOMS</title>" in client.get(reverse("home")).content.decode()
    client.post(reverse("home-guide-dismiss"))
    page = client.get(reverse("home")).content.decode()
    assert "<title>Alpha Services · SOMS</title>" in page
    assert "Show the getting-started guide again" in page
