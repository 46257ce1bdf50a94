"""The requests of the load benchmark (benchmarks/bench_load.py) ask the database a fixed number of
times, however many frameworks, versions and studies the organisation has (issue 8: p95 under 20
concurrent clients). Each query is about a millisecond of a worker's CPU in the ORM; counting the
rate limits through the database cache once made the grid 33 queries and the API version 30."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from soms import ratelimits
from soms.frameworks.models import FrameworkVersion
from soms.frameworks.services.authoring import framework_create
from soms.tenancy.services import api_token_create
from soms.toolkits.capacity import services as capacity_services
from soms.toolkits.capacity.schemas import ErlangInput

pytestmark = pytest.mark.django_db

# (name, path or None for a version's, API?) -> queries. Pages: the session, the user and the
# memberships first (3), the unread count for the bell (1); API: the token with its membership (1).
# Counted reads (the grid group) add one statement for both rate-limit counters.
MIX: dict[str, tuple[str, bool, int]] = {
    # + members with guide dismissed?, frameworks with their readable version counts, recent studies
    "home": ("/", False, 7),
    "me": ("/api/v1/me", True, 1),
    # + frameworks, their versions
    "framework list": ("/frameworks/", False, 6),
    "framework list API": ("/api/v1/frameworks", True, 3),
    # + rate limit, the version, its cached grid; the version again with its framework for the page
    "grid": ("/frameworks/versions/{version}/", False, 8),
    # + rate limit, the version, its cached document
    "version API": ("/api/v1/framework-versions/{version}", True, 4),
    # + studies
    "capacity": ("/capacity/", False, 5),
    "studies API": ("/api/v1/capacity/studies", True, 2),
}


def _more(world: Any, n: int) -> None:
    """n more frameworks (each with a draft) and n more saved studies in organisation A."""
    base = FrameworkVersion.objects.filter(framework__code="soms").count()
    for i in range(n):
        framework_create(
            organisation=world.org_a,
            actor=world.alice,
            code=f"extra-{base}-{i}-{FrameworkVersion.objects.count()}",
            name=f"Extra {i}",
            description="",
            kind="skills",
            label="1",
        )
        capacity_services.capacity_study_create(
            organisation=world.org_a,
            actor=world.alice,
            name=f"Study {i}",
            inp=ErlangInput(calls=100 + i, aht=180, interval_seconds=1800),
        )


@pytest.mark.parametrize("name", list(MIX))
def test_each_request_of_the_load_mix_asks_a_fixed_number_of_queries(
    name, world, builtin, monkeypatch, django_assert_num_queries
):
    # One rate-limit window throughout: the first count of a window also clears ended windows.
    monkeypatch.setattr(ratelimits, "_clock", lambda: 1_800_000_000.0)
    path, is_api, expected = MIX[name]
    version = FrameworkVersion.objects.filter(
        framework__organisation__isnull=True, framework__code="soms"
    ).get()
    url = path.format(version=version.pk)
    if is_api:
        client = Client(
            headers={
                "Authorization": f"Bearer {api_token_create(user=world.charlie, organisation=world.org_a, name='t')[1]}"
            }
        )
    else:
        client = world.client_for(world.charlie, world.org_a)
    for more in (1, 4):
        _more(world, more)
        assert client.get(url).status_code == 200  # warms the published version's cache
        with django_assert_num_queries(expected):
            assert client.get(url).status_code == 200
