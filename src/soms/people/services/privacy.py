"""Privacy: everything held about a person, erasure with anonymised history, merging duplicates.

Erasure keeps the row (with its unit, team and active flag) so that counts per unit or team stay
right, and blanks everything that identifies the human, in the person and in the audit log's copies
of them. Merging moves every reference to the duplicate onto the record kept — found through the
model's relations, so tables added later (assessments, evidence…) are carried over without touching
this code — and then deletes the duplicate.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from django.db import transaction
from django.db.models import F, ForeignObjectRel
from django.utils import timezone

from soms.people.errors import PeopleInvalid
from soms.people.models import ImportStatus, OrgUnit, PeopleImport, Person, path_segment, under_q
from soms.people.signals import people_changed, person_erased, person_merged, person_merging
from soms.tenancy.models import AuditLogEntry
from soms.tenancy.services import audit_log_write

ERASED_NAME = "Erased person"

# What the apps above this one hold about a person, for `person_data`: each registers a function
# `fn(person) -> JSON-ready value` under a key (the people app must not import them).
_data_sections: dict[str, Callable[[Person], Any]] = {}


def register_person_data(key: str, fn: Callable[[Person], Any]) -> None:
    """Hook for the apps above: `fn(person)` answers what the app holds about that person."""
    _data_sections[key] = fn


def person_data(person: Person) -> dict[str, Any]:
    """Everything SOMS holds about one person, as plain JSON-ready data."""
    audit = AuditLogEntry.objects.filter(
        organisation_id=person.organisation_id, object_type="Person", object_id=str(person.pk)
    ).order_by("created_at", "id")
    return {
        "person": {
            "id": person.pk,
            "employee_id": person.employee_id,
            "name": person.name,
            "email": person.email,
            "job_title": person.job_title,
            "manager": {"id": person.manager_id, "name": person.manager.name} if person.manager else None,
            "unit": person.unit.name if person.unit else None,
            "team": person.team.name if person.team else None,
            "location": person.location,
            "start_date": person.start_date.isoformat() if person.start_date else None,
            "active": person.active,
            "login": person.user.get_username() if person.user else None,
            "role_profiles": sorted(person.role_profiles.values_list("code", flat=True)),
            "created_at": person.created_at.isoformat(),
            "updated_at": person.updated_at.isoformat(),
        },
        "organisation": person.organisation.name,
        "manages_units": list(OrgUnit.objects.filter(manager=person).values_list("name", flat=True)),
        "direct_reports": list(person.direct_reports.values_list("name", flat=True)),
        "history": [
            {
                "at": e.created_at.isoformat(),
                "action": e.action,
                "actor": e.actor.get_username() if e.actor else None,
                "before": e.before,
                "after": e.after,
            }
            for e in audit.select_related("actor")
        ],
        **{key: fn(person) for key, fn in sorted(_data_sections.items())},
    }


def scrub_name(queryset: Any, field: str, name: str, replacement: str) -> int:
    """Replace `name` by `replacement` in `field` of the rows of `queryset` that contain it."""
    from django.db.models import F, Value
    from django.db.models.functions import Replace

    return int(
        queryset.filter(**{f"{field}__contains": name}).update(
            **{field: Replace(F(field), Value(name), Value(replacement))}
        )
    )


def _forget_in_files(person: Person, former_ids: tuple[str, str, str]) -> None:
    """What the people app keeps in files: HR uploads and exports of people that name the person.

    Uploads checked but not applied keep the whole file (to apply it without a second upload): they
    are deleted, whoever they name (they are also deleted a day after upload, `people_imports_expire`).
    An applied upload keeps no file, but its dry-run summary names people: the lists go from the
    summaries that name this person, the counts stay. An export job's file names everyone."""
    from soms.jobs.models import Job
    from soms.jobs.runner import job_name
    from soms.jobs.services import job_results_forget
    from soms.people.jobs import people_export_job

    org_id = person.organisation_id
    former_name = former_ids[0]
    PeopleImport.objects.filter(organisation_id=org_id).exclude(status=ImportStatus.APPLIED).delete()
    former = {v.strip().casefold() for v in former_ids if len(v.strip()) > 1}
    for record in PeopleImport.objects.filter(organisation_id=org_id, status=ImportStatus.APPLIED).only(
        "summary", "problems"
    ):
        text = json.dumps([record.summary, record.problems], ensure_ascii=False).casefold()
        if any(v in text for v in former):
            summary = {k: v for k, v in record.summary.items() if not isinstance(v, list) or k == "columns"}
            PeopleImport.objects.filter(pk=record.pk).update(summary=summary, problems=[])
    job_results_forget(organisation_id=org_id, kinds=[job_name(people_export_job)], before=timezone.now())
    if former_name.strip():
        jobs = Job.objects.filter(organisation_id=org_id)
        scrub_name(jobs, "title", former_name, person.name)
        scrub_name(jobs, "message", former_name, person.name)


@transaction.atomic
def person_erase(*, person: Person, actor: Any) -> Person:
    if person.erased_at is not None:
        return person
    former_name = person.name
    # What to look for in stored files below.
    former_ids = (former_name, person.employee_id, person.email)
    person.name = f"{ERASED_NAME} {person.pk}"
    person.employee_id = f"erased-{person.pk}"
    person.email = ""
    person.job_title = ""
    person.location = ""
    person.start_date = None
    person.user = None
    person.former_user = None  # an erased record is never linked to a returning login
    person.active = False
    person.erased_at = timezone.now()
    # An edit form opened before the erasure must not write the personal data back.
    person.revision = F("revision") + 1
    person.save()
    person.refresh_from_db(fields=["revision"])
    people_changed.send(None, organisation_id=person.organisation_id, person_ids=[person.pk])
    # History stays (counts of changes stay right) but no longer says who it was about.
    AuditLogEntry.objects.filter(
        organisation_id=person.organisation_id, object_type="Person", object_id=str(person.pk)
    ).update(object_repr=person.name, before=None, after=None)
    # Other history names them in its description ("Self-assessment of Ann Lee (Validated)").
    if former_name.strip():
        scrub_name(
            AuditLogEntry.objects.filter(organisation_id=person.organisation_id),
            "object_repr",
            former_name,
            person.name,
        )
    _forget_in_files(person, former_ids)
    audit_log_write(actor=actor, organisation=person.organisation, action="person.erase", obj=person)
    # The apps above remove what they hold about the person (evidence, comments, plans, the name
    # in notifications); `former_name` is what to look for in their text.
    person_erased.send(sender=Person, person=person, former_name=former_name)
    return person


@transaction.atomic
def person_merge(*, keep: Person, duplicate: Person, actor: Any) -> Person:
    """Fold `duplicate` into `keep`: references, role profiles and any blank fields move over."""
    if keep.pk == duplicate.pk:
        raise PeopleInvalid("duplicate", "choose two different people")
    if keep.organisation_id != duplicate.organisation_id:
        raise PeopleInvalid("duplicate", "not part of this organisation")
    keep = Person.objects.select_for_update().get(pk=keep.pk)
    duplicate = Person.objects.select_for_update().get(pk=duplicate.pk)
    # An erased record is nobody any more: folding it into a real person would hand them another
    # human's validated assessments and levels, and re-attach the anonymised history to a name.
    if duplicate.erased_at is not None:
        raise PeopleInvalid("duplicate", "an erased record cannot be merged into anyone")
    if keep.erased_at is not None:
        raise PeopleInvalid("duplicate", "nothing can be merged into an erased record")
    filled = {}
    for field in ("email", "job_title", "location", "start_date"):
        if not getattr(keep, field) and getattr(duplicate, field):
            setattr(keep, field, getattr(duplicate, field))
            filled[field] = str(getattr(duplicate, field))
    # Unit and team travel together: a team belongs to a unit, so the duplicate's team is taken
    # only with its unit, or when it sits in the unit the kept person already has.
    if keep.unit_id is None and duplicate.unit_id is not None:
        keep.unit_id = duplicate.unit_id
        filled["unit"] = str(duplicate.unit)
    if keep.team_id is None and duplicate.team_id is not None:
        team = duplicate.team
        if team is not None and (team.unit_id is None or team.unit_id == keep.unit_id):
            keep.team_id = team.pk
            filled["team"] = str(team)
    if keep.user_id is None and duplicate.user_id is not None:
        keep.user_id = duplicate.user_id
        duplicate.user_id = None
        duplicate.save(update_fields=["user"])
        filled["user"] = str(keep.user_id)
    keep.revision += 1
    keep.save()
    keep.role_profiles.add(*duplicate.role_profiles.all())
    people_changed.send(None, organisation_id=keep.organisation_id, person_ids=[keep.pk, duplicate.pk])
    # Apps above this one clear what cannot follow (derived rows, a membership both hold) first.
    person_merging.send(sender=Person, keep=keep, duplicate=duplicate)
    moved: dict[str, int] = {}
    # Every foreign key that points at Person, in any app, follows the record that is kept — hidden
    # ones too (`related_name="+"`, as the assessments app declares them), which `related_objects`
    # leaves out. Many-to-many tables Django makes itself (role profiles) were carried above.
    for rel in Person._meta.get_fields(include_hidden=True):
        if not isinstance(rel, ForeignObjectRel) or rel.many_to_many or not rel.field.concrete:
            continue
        if rel.related_model is Person or rel.related_model._meta.auto_created:
            continue
        n = rel.related_model._default_manager.filter(**{rel.field.name: duplicate}).update(
            **{rel.field.name: keep}
        )
        if n:
            moved[f"{rel.related_model._meta.label}.{rel.field.name}"] = n
    # Reports of the duplicate now report to the kept person (and their chains follow).
    reports = list(Person.objects.filter(manager=duplicate).exclude(pk=keep.pk))
    dup_prefix = duplicate.reports_prefix
    keep_prefix = keep.reports_prefix
    if reports:
        if keep.chain.startswith(dup_prefix):
            raise PeopleInvalid(
                "duplicate", "the kept person reports to the duplicate; merge the other way round"
            )
        from django.db.models import Value
        from django.db.models.functions import Concat, Substr

        Person.objects.filter(manager=duplicate).exclude(pk=keep.pk).update(manager=keep)
        Person.objects.filter(under_q("chain", dup_prefix), organisation_id=keep.organisation_id).update(
            chain=Concat(Value(keep_prefix), Substr("chain", len(dup_prefix) + 1))
        )
        moved["direct_reports"] = len(reports)
    if keep.manager_id == duplicate.pk:
        keep.manager = duplicate.manager
        keep.chain = duplicate.chain
        keep.save(update_fields=["manager", "chain"])
    AuditLogEntry.objects.filter(
        organisation_id=keep.organisation_id, object_type="Person", object_id=str(duplicate.pk)
    ).update(object_id=str(keep.pk))
    audit_log_write(
        actor=actor,
        organisation=keep.organisation,
        action="person.merge",
        obj=keep,
        before={
            "duplicate": {"id": duplicate.pk, "employee_id": duplicate.employee_id, "name": duplicate.name}
        },
        after={"filled": filled, "moved": moved},
    )
    duplicate_id = duplicate.pk
    duplicate.delete()
    person_merged.send(sender=Person, keep=keep, duplicate_id=duplicate_id)
    return keep


__all__ = ["person_data", "person_erase", "person_merge", "path_segment"]
