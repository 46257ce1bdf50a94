"""Demo data for framework authoring: Harbourside's own adaptation of SOMS, in two versions.

Version 1 is published; version 2 is a draft that rewords, adds, moves, re-codes and removes a few
statements, with the statement mappings saved, so a newcomer can open the grid, the comparison and
the mapping page and see each of them doing something. Running it again changes nothing.
"""

from __future__ import annotations

from typing import Any

from soms.frameworks.models import Framework, FrameworkVersion
from soms.frameworks.selectors.authoring import mapping_entries_resolve, mapping_rows
from soms.frameworks.services.authoring import (
    framework_create,
    framework_version_draft_create,
    statement_mappings_set,
    version_item_create,
    version_item_delete,
    version_item_update,
    version_publish,
)

CODE = "harbourside-claims-skills"

# code: new words, for statements Harbourside says in its own terms.
REWORDED = {
    "CX-F1": (
        "Knows the claims team's customer groups — policyholders, brokers and loss adjusters — and how "
        "each of them deals with the team."
    ),
    "DC-F1": "Knows the claims team's demand profile, weather-driven surges included.",
}


def seed(ctx: Any) -> None:
    organisation = ctx.organisations["harbourside"]
    if Framework.objects.filter(organisation=organisation, code=CODE).exists():
        return
    actor = ctx.users.get("lena.fischer") or ctx.admin
    soms = FrameworkVersion.objects.get(framework__organisation__isnull=True, framework__code="soms")
    v1 = framework_create(
        organisation=organisation,
        actor=actor,
        code=CODE,
        name="Harbourside claims skills",
        description="SOMS adapted to claims handling at Harbourside Insurance.",
        kind="skills",
        label="1",
        base=soms,
    )
    version_publish(version=v1, expected_revision=v1.revision, actor=actor)

    v2 = framework_version_draft_create(framework=v1.framework, base=v1, label="2", actor=actor)

    def update(statement_code: str, **values: Any) -> None:
        item = v2.statements.get(code=statement_code)
        version_item_update(
            version=v2,
            kind="statements",
            item=item,
            values=values,
            expected_revision=v2.revision,
            actor=actor,
        )

    for code, text in REWORDED.items():
        update(code, text=text)
    # Re-coded with the same words: the comparison pairs it up as renamed.
    update("PM-P2", code="PM-P3")
    # Understanding technology's part moved down to where every handler starts.
    update("DL-P2", level=v2.levels.get(code="foundation"))
    version_item_create(
        version=v2,
        kind="statements",
        values={
            "code": "DC-P3",
            "text": "Can forecast claim volumes after a major weather event and plan cover for the surge.",
            "element": v2.elements.get(code="demand-capacity"),
            "level": v2.levels.get(code="practitioner"),
        },
        expected_revision=v2.revision,
        actor=actor,
    )
    version_item_delete(
        version=v2,
        kind="statements",
        item=v2.statements.get(code="SG-P2"),
        expected_revision=v2.revision,
        actor=actor,
    )
    # The author accepted the suggestions from the comparison.
    raw = [(row.statement.code, *row.targets[0]) for row in mapping_rows(version=v2, base=v1)]
    statement_mappings_set(
        version=v2,
        base=v1,
        entries=mapping_entries_resolve(version=v2, base=v1, raw=raw),
        expected_revision=v2.revision,
        actor=actor,
    )
    ctx.notes.append(
        "Harbourside has its own framework, “Harbourside claims skills”: version 1 published, version 2 a "
        "draft with reworded, added, moved and removed statements; open Compare and Map statements on it."
    )
