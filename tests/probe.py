"""A small draft framework (one level, one element, one statement) in organisation A, the object
graph that the API-wide probes (schemathesis, the bad-input corpus) aim their requests at."""

from __future__ import annotations

from typing import Any

from soms.frameworks.models import FrameworkVersion
from soms.frameworks.services.authoring import framework_create, version_item_create


def probe_draft(world: Any) -> tuple[FrameworkVersion, Any, Any, Any]:
    version = framework_create(
        organisation=world.org_a,
        actor=world.alice,
        code="probe",
        name="Probe",
        description="",
        kind="skills",
        label="1",
        base=None,
    )

    def add(kind: str, values: dict[str, Any]) -> Any:
        return version_item_create(
            version=version, kind=kind, values=values, expected_revision=version.revision, actor=world.alice
        )

    level = add("levels", {"code": "l1", "name": "One", "rank": 1})
    element = add("elements", {"code": "el", "name": "Element"})
    statement = add("statements", {"code": "S1", "text": "Words", "element": element, "level": level})
    return version, level, element, statement
