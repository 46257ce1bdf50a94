"""Keeping assessments and attainment right when the people app merges or erases a person.

Merge: the duplicate's judgements, evidence and projects follow the kept person (the people app
moves every reference); what cannot follow is cleared first — the duplicate's derived attainment
(recomputed for the kept person instead) and a project membership both of them hold — and once the
merge has committed the kept person's attainment is recomputed on every version they have inputs
on, so the levels reflect both records' validated judgements and projects together.

Erase: an erased person holds no level. Their derived rows go, through the same recompute, which
writes nothing for an erased person; the anonymised assessments stay as history.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction

from soms.assessments.models import (
    Assessment,
    ChangeProject,
    ElementAttainment,
    PersonStanding,
    ProjectMember,
)
from soms.assessments.services.attainment import recompute
from soms.frameworks.models import FrameworkVersion
from soms.people.models import Person
from soms.people.signals import person_erased, person_merged, person_merging


def versions_of(person_id: int) -> list[FrameworkVersion]:
    """Every version on which the person has an input or a stored attainment row."""
    ids = (
        set(Assessment.objects.filter(person_id=person_id).values_list("version_id", flat=True))
        | set(ChangeProject.objects.filter(owner_id=person_id).values_list("version_id", flat=True))
        | set(ProjectMember.objects.filter(person_id=person_id).values_list("project__version_id", flat=True))
        | set(PersonStanding.objects.filter(person_id=person_id).values_list("version_id", flat=True))
    )
    return list(FrameworkVersion.objects.filter(pk__in=ids).order_by("pk"))


def recompute_person(person_id: int, organisation_id: int) -> int:
    """The person's attainment on every version they have anything on; answers how many versions."""
    versions = versions_of(person_id)
    for version in versions:
        recompute([person_id], version, organisation_id)
    return len(versions)


def _merging(sender: Any, *, keep: Person, duplicate: Person, **_: Any) -> None:
    ElementAttainment.objects.filter(person=duplicate).delete()
    PersonStanding.objects.filter(person=duplicate).delete()
    ProjectMember.objects.filter(
        person=duplicate, project__in=ProjectMember.objects.filter(person=keep).values("project")
    ).delete()


def _merged(sender: Any, *, keep: Person, duplicate_id: int, **_: Any) -> None:
    keep_id, org_id = keep.pk, keep.organisation_id
    transaction.on_commit(lambda: recompute_person(keep_id, org_id))


def _erased(sender: Any, *, person: Person, **_: Any) -> None:
    person_id, org_id = person.pk, person.organisation_id
    transaction.on_commit(lambda: recompute_person(person_id, org_id))


def connect() -> None:
    person_merging.connect(_merging, sender=Person, dispatch_uid="assessments.person_merging")
    person_merged.connect(_merged, sender=Person, dispatch_uid="assessments.person_merged")
    person_erased.connect(_erased, sender=Person, dispatch_uid="assessments.person_erased")
