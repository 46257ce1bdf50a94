"""Fixtures for framework authoring: an adapted SOMS draft in organisation A, one in B."""

from __future__ import annotations

import json
from typing import Any

import pytest

from soms.frameworks.models import FrameworkVersion
from soms.frameworks.services_authoring import framework_create


@pytest.fixture
def soms(builtin: Any) -> FrameworkVersion:
    return FrameworkVersion.objects.get(framework__code="soms")


@pytest.fixture
def draft(world: Any, soms: FrameworkVersion) -> FrameworkVersion:
    """Alpha's adaptation of SOMS, still a draft."""
    return framework_create(
        organisation=world.org_a,
        actor=world.alice,
        code="alpha-skills",
        name="Alpha skills",
        description="",
        kind="skills",
        label="1",
        base=soms,
    )


@pytest.fixture
def b_draft(world: Any, soms: FrameworkVersion) -> FrameworkVersion:
    return framework_create(
        organisation=world.org_b,
        actor=world.bob,
        code="beta-skills",
        name="Beta skills",
        description="",
        kind="skills",
        label="1",
        base=soms,
    )


def call(client: Any, method: str, url: str, body: Any = None) -> Any:
    kwargs: dict[str, Any] = {}
    if body is not None:
        kwargs = {"data": json.dumps(body), "content_type": "application/json"}
    return getattr(client, method.lower())(url, **kwargs)


def locs(response: Any) -> list[str]:
    """The field paths a 422 names, joined with dots."""
    return [".".join(str(p) for p in e["loc"]) for e in response.json()["detail"]]
