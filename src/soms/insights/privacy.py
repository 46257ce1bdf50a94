"""A person's development plan in their data export, and gone when they are erased (a plan says
what someone should learn and why: personal data, not history anyone else needs). Their monthly
standing behind the trend lines (`PersonSnapshot`) goes with it, and the stored report files that
may name them; the unit snapshots, counts only, stay."""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from soms.insights.jobs import development_plan_job, insights_report_job
from soms.insights.models import DevelopmentAction, PersonSnapshot
from soms.jobs.runner import job_name
from soms.jobs.services import job_results_forget
from soms.people.models import Person
from soms.people.services.privacy import register_person_data
from soms.people.signals import person_erased, person_merged


def person_data(person: Person) -> list[dict[str, Any]]:
    actions = (
        DevelopmentAction.objects.filter(organisation_id=person.organisation_id, person=person)
        .select_related("version__framework", "element", "statement", "owner")
        .order_by("created_at", "id")
    )
    return [
        {
            "framework": a.version.framework.code,
            "version": a.version.label,
            "element": a.element.code,
            "statement": a.statement.code if a.statement else None,
            "kind": a.kind,
            "title": a.title,
            "notes": a.notes,
            "owner": a.owner.get_username() if a.owner else None,
            "due_on": a.due_on.isoformat() if a.due_on else None,
            "status": a.status,
            "source": a.source,
            "done_on": a.done_on.isoformat() if a.done_on else None,
        }
        for a in actions
    ]


def _erased(sender: Any, *, person: Person, **_: Any) -> None:
    DevelopmentAction.objects.filter(organisation_id=person.organisation_id, person=person).delete()
    # Reports made before the erasure may name them: a team or unit report (PDF, XLSX) of any scope
    # that held them, and their own development plan. Which people a report covered is not kept,
    # so every report of the organisation goes (a new one is a click away); other plans stay.
    before = person.erased_at or timezone.now()
    job_results_forget(
        organisation_id=person.organisation_id, kinds=[job_name(insights_report_job)], before=before
    )
    job_results_forget(
        organisation_id=person.organisation_id,
        kinds=[job_name(development_plan_job)],
        before=before,
        person_id=person.pk,
    )
    PersonSnapshot.objects.filter(organisation_id=person.organisation_id, person_id=person.pk).delete()


def _merged(sender: Any, *, keep: Person, duplicate_id: int, **_: Any) -> None:
    """The merged-away record's monthly rows become the kept person's, so their trend goes on
    unbroken; a month both records were counted in keeps the kept person's row (one person, one
    row: two would count them twice in any trend that holds them)."""
    org = keep.organisation_id
    rows = PersonSnapshot.objects.filter(organisation_id=org)
    taken = set(rows.filter(person_id=keep.pk).values_list("version_id", "month"))
    clash = [
        pk
        for pk, version_id, month in rows.filter(person_id=duplicate_id).values_list(
            "pk", "version_id", "month"
        )
        if (version_id, month) in taken
    ]
    rows.filter(pk__in=clash).delete()
    rows.filter(person_id=duplicate_id).update(person_id=keep.pk)


def connect() -> None:
    person_erased.connect(_erased, sender=Person, dispatch_uid="insights.person_erased")
    person_merged.connect(_merged, sender=Person, dispatch_uid="insights.person_merged")
    register_person_data("development_actions", person_data)
