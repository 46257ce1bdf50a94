"""Merging or erasing a person (the people app's privacy services) keeps attainment right: the kept
person's levels come from both records' validated inputs, recomputed once the merge has committed;
an erased person holds nothing, and no later recompute brings their levels back."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from soms.assessments.models import ElementAttainment, PersonStanding, ProjectMember
from soms.assessments.services.attainment import recompute, recompute_version
from soms.people.services.privacy import person_erase, person_merge
from tests.assessments.conftest import project, statements, validated

pytestmark = pytest.mark.django_db

DC = "demand-capacity"


def _level(person: Any, version: Any, element: str = DC) -> str | None:
    row = ElementAttainment.objects.select_related("level").get(
        person=person, version=version, element__code=element
    )
    return row.level.code if row.level else None


def test_merge_recomputes_the_kept_person_from_both_records(
    org: Any, soms_version: Any, django_capture_on_commit_callbacks: Any
) -> None:
    keep, duplicate = org.people["E006"], org.people["E003"]
    org_id = keep.organisation_id
    validated(keep, soms_version, statements(soms_version, DC, "foundation"), on=date(2026, 1, 10))
    validated(duplicate, soms_version, statements(soms_version, DC, "practitioner"), on=date(2026, 1, 12))
    recompute([keep.pk, duplicate.pk], soms_version, org_id)
    assert _level(keep, soms_version) == "foundation"
    assert _level(duplicate, soms_version) is None  # practitioner statements alone: not cumulative
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        person_merge(keep=keep, duplicate=duplicate, actor=org.world.alice)
    assert callbacks, "the recompute waits for the merge to commit"
    # Foundation from one record, Practitioner's statements from the other: Practitioner.
    assert _level(keep, soms_version) == "practitioner"
    assert ElementAttainment.objects.filter(person_id=duplicate.pk).count() == 0
    assert PersonStanding.objects.filter(person=keep, version=soms_version).count() == 1


def test_merge_carries_the_duplicates_project_and_a_membership_both_hold(
    org: Any, soms_version: Any, django_capture_on_commit_callbacks: Any
) -> None:
    keep, duplicate, owner = org.people["E006"], org.people["E003"], org.people["E001"]
    for level in ("foundation", "practitioner", "senior-practitioner"):
        validated(keep, soms_version, statements(soms_version, DC, level), on=date(2026, 1, 10))
    shared = project(
        owner,
        soms_version,
        ["performance"],
        completed_on=date(2026, 1, 5),
        validated_on=date(2026, 1, 6),
        code="SHARED",
        members=[keep, duplicate],
    )
    project(
        duplicate,
        soms_version,
        [DC, "people-capability"],
        completed_on=date(2026, 1, 5),
        validated_on=date(2026, 1, 20),
        code="OWN",
    )
    recompute([keep.pk, duplicate.pk], soms_version, keep.organisation_id)
    assert _level(keep, soms_version) == "practitioner"
    with django_capture_on_commit_callbacks(execute=True):
        person_merge(keep=keep, duplicate=duplicate, actor=org.world.alice)
    assert list(ProjectMember.objects.filter(project=shared).values_list("person_id", flat=True)) == [keep.pk]
    # The duplicate's qualifying project now counts for the kept person.
    assert _level(keep, soms_version) == "senior-practitioner"


def test_an_erased_person_holds_nothing_and_no_recompute_brings_it_back(
    org: Any, soms_version: Any, django_capture_on_commit_callbacks: Any
) -> None:
    nina = org.people["E005"]
    validated(nina, soms_version, statements(soms_version, DC, "foundation"), on=date(2026, 1, 10))
    recompute([nina.pk], soms_version, nina.organisation_id)
    assert _level(nina, soms_version) == "foundation"
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        person_erase(person=nina, actor=org.world.alice)
    assert callbacks
    assert not ElementAttainment.objects.filter(person=nina).exists()
    assert not PersonStanding.objects.filter(person=nina).exists()
    # A validity change recomputes everyone on the version: still nothing for the erased person.
    recompute_version(soms_version, nina.organisation_id)
    assert not ElementAttainment.objects.filter(person=nina).exists()


def test_merge_through_the_api_carries_assessments_and_answers_the_new_level(
    org: Any, soms_version: Any, django_capture_on_commit_callbacks: Any
) -> None:
    """Before, a duplicate with any assessment could not be merged at all (its protected reference
    was not moved, so deleting it failed with a 500)."""
    keep, duplicate = org.people["E006"], org.people["E003"]
    validated(duplicate, soms_version, statements(soms_version, DC, "foundation"), on=date(2026, 1, 12))
    recompute([duplicate.pk], soms_version, keep.organisation_id)
    admin = org.world.client_for(org.world.alice)
    with django_capture_on_commit_callbacks(execute=True):
        answer = admin.post(
            f"/api/v1/people/{keep.pk}/merge", {"duplicate_id": duplicate.pk}, content_type="application/json"
        )
    assert answer.status_code == 200, answer.content
    data = admin.get(f"/api/v1/people/{keep.pk}/attainment").json()
    dc = next(e for e in data["elements"] if e["element"] == DC)
    assert dc["level"] == "foundation" and dc["since"] == "2026-01-12"
    # A member may not merge, and another organisation's person answers like a missing one.
    member = org.world.client_for(org.world.charlie)
    assert (
        member.post(
            f"/api/v1/people/{keep.pk}/merge", {"duplicate_id": keep.pk}, content_type="application/json"
        ).status_code
        == 403
    )


def test_erasure_withdraws_open_assessments_and_projects_from_every_queue(
    org: Any, soms_version: Any, django_capture_on_commit_callbacks: Any
) -> None:
    import json

    from soms.assessments.models import Assessment, AssessmentEvent, ChangeProject

    charlie_login = org.world.client_for(org.world.charlie, org.world.org_a)
    charlie = org.people["E007"]
    api = "/api/v1/assessments"
    r = charlie_login.post(
        api,
        json.dumps({"person_id": charlie.pk, "version_id": soms_version.pk, "kind": "self"}),
        content_type="application/json",
    )
    a = r.json()
    found = statements(soms_version, DC, "foundation")
    charlie_login.put(
        f"{api}/{a['id']}/judgements",
        json.dumps({"revision": 1, "judgements": [{"statement_id": s.pk, "value": "met"} for s in found]}),
        content_type="application/json",
    )
    assert (
        charlie_login.post(
            f"{api}/{a['id']}/submit", json.dumps({"revision": 2}), content_type="application/json"
        ).status_code
        == 200
    )
    old = validated(charlie, soms_version, found, on=date(2026, 1, 10))
    own = project(charlie, soms_version, [DC], completed_on=date(2026, 1, 5), validated_on=None, code="OPEN")
    dana = org.world.client_for(org.world.dana, org.world.org_a)
    assert dana.get(f"{api}/queue").json()["count"] == 1

    with django_capture_on_commit_callbacks(execute=True):
        person_erase(person=charlie, actor=org.world.alice)

    assert Assessment.objects.get(pk=a["id"]).status == "withdrawn"
    assert Assessment.objects.get(pk=old.pk).status == "validated"  # history stays as it was
    own.refresh_from_db()
    assert own.review_status == "withdrawn" and own.status == "completed"
    assert set(
        AssessmentEvent.objects.filter(action="withdraw").values_list("assessment_id", "project_id")
    ) == {
        (a["id"], None),
        (None, own.pk),
    }
    assert dana.get(f"{api}/queue").json()["count"] == 0
    # No longer hers to review (it answers like a missing one), and never validated.
    assert dana.post(f"{api}/{a['id']}/validate", "{}", content_type="application/json").status_code == 404
    assert Assessment.objects.get(pk=a["id"]).status == "withdrawn"
    assert not ChangeProject.objects.filter(review_status="submitted").exists()
