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
