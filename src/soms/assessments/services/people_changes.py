"""Keeping assessments and attainment right when the people app merges or erases a person.

Merge: the duplicate's judgements, evidence and projects follow the kept person (the people app
moves every reference); what cannot follow is cleared first — the duplicate's derived attainment
(recomputed for the kept person instead) and a project membership both of them hold — and once the
merge has committed the kept person's attainment is recomputed on every version they have inputs
on, so the levels reflect both records' validated judgements and projects together.

Erase: an erased person holds no level. Their derived rows go, through the same recompute, which
writes nothing for an erased person. Their evidence goes (its files from the storage once the
erasure has committed), and what people wrote about them — judgement comments, return reasons —
is blanked; the assessments stay as anonymised history (who judged what, when), so counts stay right,
and those still in the workflow are withdrawn (out of every review queue), as are the unvalidated
change projects they own.

Everything held is part of the person's data export (`person_data`): assessments with their
judgements and comments, evidence, change projects and attainment.
"""

from __future__ import annotations

from typing import Any

from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import Case, F, Q, Value, When

from soms.assessments.models import (
    OPEN_STATUSES,
    Assessment,
    AssessmentEvent,
    ChangeProject,
    ElementAttainment,
    EventAction,
    Evidence,
    Judgement,
    PersonStanding,
    ProjectMember,
    ProjectStatus,
    SelfLine,
    Status,
)
from soms.assessments.services.attainment import recompute
from soms.frameworks.models import FrameworkVersion
from soms.people.models import Person
from soms.people.services.privacy import register_person_data
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
    # (A stored self line is only a reader's copy: the kept person's no longer matches what it was
    # computed from once the assessments move, and the duplicate's would collide with it.)
    SelfLine.objects.filter(person=duplicate).delete()
    ProjectMember.objects.filter(
        person=duplicate, project__in=ProjectMember.objects.filter(person=keep).values("project")
    ).delete()


def _merged(sender: Any, *, keep: Person, duplicate_id: int, **_: Any) -> None:
    keep_id, org_id = keep.pk, keep.organisation_id
    transaction.on_commit(lambda: recompute_person(keep_id, org_id))


def _withdraw_open(person_id: int, org_id: int) -> None:
    """Nobody may review, validate or finish work about an erased person: their assessments still in
    the workflow (draft, submitted, returned) and the change projects they own that are not yet
    validated are withdrawn (out of every queue, kept as history); an unfinished project is cancelled."""
    assessments = Assessment.objects.filter(
        organisation_id=org_id, person_id=person_id, status__in=OPEN_STATUSES
    )
    ids = list(assessments.values_list("pk", flat=True))
    assessments.update(status=Status.WITHDRAWN, revision=F("revision") + 1)
    projects = ChangeProject.objects.filter(
        organisation_id=org_id, owner_id=person_id, review_status__in=OPEN_STATUSES
    )
    project_ids = list(projects.values_list("pk", flat=True))
    projects.update(
        review_status=Status.WITHDRAWN,
        status=Case(
            When(
                status__in=[ProjectStatus.PLANNED, ProjectStatus.IN_PROGRESS],
                then=Value(ProjectStatus.CANCELLED),
            ),
            default=F("status"),
        ),
        revision=F("revision") + 1,
    )
    AssessmentEvent.objects.bulk_create(
        [AssessmentEvent(organisation_id=org_id, assessment_id=pk, action=EventAction.WITHDRAW) for pk in ids]
        + [
            AssessmentEvent(organisation_id=org_id, project_id=pk, action=EventAction.WITHDRAW)
            for pk in project_ids
        ]
    )


def _erased(sender: Any, *, person: Person, **_: Any) -> None:
    person_id, org_id = person.pk, person.organisation_id
    assessments = Assessment.objects.filter(organisation_id=org_id, person_id=person_id)
    Judgement.objects.filter(assessment__in=assessments).exclude(comment="").update(comment="")
    assessments.exclude(return_reason="").update(return_reason="")
    AssessmentEvent.objects.filter(assessment__in=assessments).exclude(reason="").update(reason="")
    _withdraw_open(person_id, org_id)
    evidence = Evidence.objects.filter(organisation_id=org_id, person_id=person_id)
    files = [name for name in evidence.exclude(file="").values_list("file", flat=True) if name]
    evidence.delete()  # its links to statements and to change projects go with it

    def after() -> None:
        for name in files:
            default_storage.delete(name)
        recompute_person(person_id, org_id)

    transaction.on_commit(after)


def person_data(person: Person) -> dict[str, Any]:
    """What the assessments app holds about `person`, for their data export."""
    assessments = (
        Assessment.objects.filter(organisation_id=person.organisation_id, person=person)
        .select_related("version__framework", "assessor", "validated_by")
        .prefetch_related("judgements__statement")
        .order_by("created_at", "id")
    )
    evidence = (
        Evidence.objects.filter(organisation_id=person.organisation_id, person=person)
        .prefetch_related("statements")
        .order_by("created_at", "id")
    )
    projects = (
        ChangeProject.objects.filter(organisation_id=person.organisation_id)
        .filter(Q(owner=person) | Q(memberships__person=person))
        .distinct()
        .order_by("created_at", "id")
    )
    attainment = (
        ElementAttainment.objects.filter(organisation_id=person.organisation_id, person=person)
        .select_related("version__framework", "element", "level")
        .order_by("version_id", "element__order", "element_id")
    )

    def day(d: Any) -> str | None:
        return d.isoformat() if d else None

    return {
        "assessments": [
            {
                "id": a.pk,
                "framework": a.version.framework.code,
                "version": a.version.label,
                "kind": a.kind,
                "status": a.status,
                "assessor": a.assessor.get_username() if a.assessor else None,
                "validated_by": a.validated_by.get_username() if a.validated_by else None,
                "validated_on": day(a.validated_on),
                "return_reason": a.return_reason,
                "judgements": [
                    {"statement": j.statement.code, "judgement": j.value, "comment": j.comment}
                    for j in a.judgements.all()
                ],
            }
            for a in assessments
        ],
        "evidence": [
            {
                "id": e.pk,
                "kind": e.kind,
                "title": e.title,
                "text": e.text,
                "url": e.url,
                "filename": e.filename,
                "sha256": e.sha256,
                "refers_on": day(e.refers_on),
                "statements": sorted(s.code for s in e.statements.all()),
            }
            for e in evidence
        ],
        "change_projects": [
            {
                "code": p.code,
                "title": p.title,
                "role": "owner" if p.owner_id == person.pk else "member",
                "status": p.status,
                "review_status": p.review_status,
                "areas": p.areas,
                "validated_on": day(p.validated_on),
            }
            for p in projects
        ],
        "attainment": [
            {
                "framework": r.version.framework.code,
                "version": r.version.label,
                "element": r.element.code,
                "level": r.level.code if r.level else None,
                "status": r.status,
                "since": day(r.since),
                "expires_on": day(r.expires_on),
            }
            for r in attainment
        ],
    }


def connect() -> None:
    person_merging.connect(_merging, sender=Person, dispatch_uid="assessments.person_merging")
    person_merged.connect(_merged, sender=Person, dispatch_uid="assessments.person_merged")
    person_erased.connect(_erased, sender=Person, dispatch_uid="assessments.person_erased")
    register_person_data("assessments", person_data)
