"""Fixtures for the framework tests: exchange-format documents, and adapted SOMS drafts in A and B."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from soms.frameworks.document import FrameworkDocument, with_derived_ids
from soms.frameworks.models import FrameworkVersion
from soms.frameworks.services.authoring import framework_create

FIXTURES = Path(__file__).parent / "fixtures"


def capability_document() -> FrameworkDocument:
    """A small capability-style model (grouped capabilities rated 1-5, deeper criteria, a reference to
    another framework), written for these tests; the built-in capability model is someone else's."""
    return with_derived_ids(
        FrameworkDocument.model_validate(
            {
                "framework": {
                    "code": "smo-mini",
                    "name": "Service management office — mini capability model",
                    "kind": "capability",
                    "description": "Capabilities grouped as strategic, tactical and operational.",
                },
                "version": {
                    "label": "2025-1",
                    "attribution": "Test fixture written for SOMS.",
                    "rules": {
                        "cumulative_levels": True,
                        "expectations": {
                            "specialist_min_level": "managed",
                            "specialists_wanted": 1,
                            "backup_min_level": "defined",
                            "backups_wanted": 1,
                        },
                        "scale_note": "A level counts only when all of its criteria are met.",
                    },
                },
                "levels": [
                    {"code": "initial", "name": "Initial", "rank": 1},
                    {"code": "repeatable", "name": "Repeatable", "rank": 2},
                    {"code": "defined", "name": "Defined", "rank": 3, "validity_months": 24},
                    {"code": "managed", "name": "Managed", "rank": 4},
                    {"code": "improving", "name": "Continually improving", "rank": 5},
                ],
                "elements": [
                    {
                        "code": "portfolio",
                        "name": "Portfolio management",
                        "group": "Strategic",
                        "item_type": "Capability",
                        "statements": [
                            {"code": "PF-1", "level": "initial", "text": "Keeps a list of services."},
                            {
                                "code": "PF-3",
                                "level": "defined",
                                "text": "Reviews the portfolio **every quarter**.",
                                "item_type": "Criterion",
                            },
                            {
                                "code": "PF-3.a",
                                "level": "defined",
                                "text": "Retires services nobody uses.",
                                "parent": "PF-3",
                                "item_type": "Indicator",
                            },
                        ],
                    },
                    {
                        "code": "incident",
                        "name": "Incident management",
                        "group": "Operational",
                        "item_type": "Capability",
                        "statements": [
                            {"code": "IN-1", "level": "initial", "text": "Logs every incident."},
                            {
                                "code": "IN-4",
                                "level": "managed",
                                "text": "Meets restore targets; reports trends.",
                            },
                        ],
                    },
                    {"code": "supplier", "name": "Supplier management", "group": "Tactical"},
                ],
                "external_associations": [
                    {
                        "type": "exactMatchOf",
                        "origin": "incident",
                        "destination": {
                            "identifier": "0b9f7a2e-4c1d-4e8f-9a6b-2d3c4e5f6a7b",
                            "uri": "https://frameworks.example.net/case/items/0b9f7a2e-4c1d-4e8f-9a6b-2d3c4e5f6a7b",
                            "title": "Incident management practice",
                            "target_type": "CASE",
                        },
                    }
                ],
            }
        )
    )


@pytest.fixture
def capability() -> FrameworkDocument:
    return capability_document()


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
