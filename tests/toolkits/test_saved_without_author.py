"""A study or result saved from the command line has no author (no login ran the command): every
page that lists or shows it must still answer. Saving one from the CLI made Home, the capacity page
and the study's page answer 500 to every member of the organisation."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command

from soms.toolkits.models.capacity import CapacityStudy
from soms.toolkits.models.saved import ValueStreamMap

pytestmark = pytest.mark.django_db

EXAMPLE = Path(__file__).resolve().parents[2] / "docs" / "examples" / "value-stream.json"


def test_pages_show_what_the_command_line_saved(world: Any) -> None:
    slug = world.org_a.slug
    call_command("capacity", "plan", "--sample", "--save", "--org", slug, "--name", "Claims line")
    call_command("vsm", "analyse", str(EXAMPLE), "--save", "--org", slug, "--name", "Claims (from the CLI)")
    study = CapacityStudy.objects.get(organisation=world.org_a, name="Claims line")
    result = ValueStreamMap.objects.get(organisation=world.org_a, name="Claims (from the CLI)")
    assert study.created_by is None and result.created_by is None
    for user in (world.alice, world.charlie):
        client = world.client_for(user, world.org_a)
        for url in (
            "/",
            "/capacity/",
            f"/capacity/studies/{study.pk}/",
            "/value-streams/",
            f"/value-streams/{result.pk}/",
        ):
            answer = client.get(url)
            assert answer.status_code == 200, (user, url, answer.status_code)
