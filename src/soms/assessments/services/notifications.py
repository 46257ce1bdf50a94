"""Who is told what when an assessment moves (soms.notifications does the telling).

- submitted (or resubmitted): the people who could review it — the organisation's assessors and
  the person's manager's login — when the version's rules let their role validate;
- returned: its assessor and the person assessed (their login), with the reason;
- validated: its assessor and the person assessed.

Never the one who acted. The nightly job (`soms.assessments.periodic`) tells a person when one of
their levels becomes refresh due or expires (`attainment_snapshot` before its pass,
`attainment_changes_notify` after).
"""

from __future__ import annotations

from datetime import date

from django.urls import reverse

from soms.assessments.access import may_validate
from soms.assessments.models import Assessment, AttainmentStatus, ElementAttainment, PersonStanding
from soms.notifications.services import notify
from soms.people.models import ID_WIDTH, OrgUnit, Person
from soms.tenancy.models import Membership, Role


def _reviewers(assessment: Assessment) -> set[int]:
    members = Membership.objects.filter(organisation_id=assessment.organisation_id)
    ids: set[int] = set()
    for m in members.filter(role=Role.ASSESSOR):
        if may_validate(m, assessment.version.rules):
            ids.add(m.user_id)
    # Every manager whose review queue holds it: the managers above the person (their chain) and
    # the managers of the units the person sits in, the inverse of a manager's scope, in two queries.
    person = assessment.person
    above = {int(person.chain[i : i + ID_WIDTH]) for i in range(0, len(person.chain), ID_WIDTH)}
    if person.unit_id is not None:
        path = OrgUnit.objects.filter(pk=person.unit_id).values_list("path", flat=True).first() or ""
        units = {int(path[i : i + ID_WIDTH]) for i in range(0, len(path), ID_WIDTH)} | {person.unit_id}
        above |= set(
            OrgUnit.objects.filter(pk__in=units, manager__isnull=False).values_list("manager_id", flat=True)
        )
    managers = members.filter(
        role=Role.MANAGER,
        user_id__in=Person.objects.filter(organisation_id=assessment.organisation_id, pk__in=above)
        .exclude(user=None)
        .values("user_id"),
    )
    for m in managers:
        if may_validate(m, assessment.version.rules):
            ids.add(m.user_id)
    ids.discard(assessment.assessor_id or 0)
    if assessment.person.user_id is not None:
        ids.discard(assessment.person.user_id)
    return ids


def _writer_and_person(assessment: Assessment) -> set[int]:
    ids = {assessment.assessor_id, assessment.person.user_id}
    return {i for i in ids if i is not None}


def assessment_notify(step: str, assessment_id: int, actor_id: int | None, reason: str = "") -> int:
    """Write the notifications of one step (inside the step's transaction); answers how many."""
    a = Assessment.objects.select_related("person__manager", "version__framework").get(pk=assessment_id)
    kind = {"self": "self-assessment", "manager": "manager's assessment"}.get(a.kind, "coach's assessment")
    what = f"{kind} of {a.person.name} ({a.version.framework.name})"
    if step == "submit":
        users = _reviewers(a)
        text = f"Waiting for review: {what}"
        url = reverse("assessment-review", args=[a.pk])
    elif step == "return":
        users = _writer_and_person(a)
        text = f"Returned: {what}. Reason: {reason}"
        url = reverse("assessment", args=[a.pk])
    elif step == "validate":
        users = _writer_and_person(a)
        text = f"Validated: {what}"
        url = reverse("assessment", args=[a.pk])
    else:
        raise ValueError(f"unknown step {step!r}")
    users.discard(actor_id or 0)
    return len(notify(organisation_id=a.organisation_id, user_ids=users, text=text, url=url))


# --- refresh due and expiry (the nightly job) ------------------------------------------------------

Key = tuple[int, int, int]  # (person id, version id, element id)


def attainment_snapshot(today: date) -> dict[Key, str]:
    """The stored status of every element of the people whose next change has come (what the
    nightly pass is about to recompute)."""
    due = PersonStanding.objects.filter(next_change_on__lte=today).values_list("person_id", "version_id")
    pairs = set(due)
    if not pairs:
        return {}
    rows = ElementAttainment.objects.filter(
        person_id__in={p for p, _ in pairs}, version_id__in={v for _, v in pairs}
    ).values_list("person_id", "version_id", "element_id", "status")
    return {(p, v, e): s for p, v, e, s in rows if (p, v) in pairs}


def attainment_changes_notify(before: dict[Key, str]) -> int:
    """Tell each person (their login) of every element that became refresh due or expired since
    `before`; answers how many notifications were written."""
    if not before:
        return 0
    people = {p for p, _, _ in before}
    after = {
        (p, v, e): (s, org, level, element)
        for p, v, e, s, org, level, element in ElementAttainment.objects.filter(
            person_id__in=people, version_id__in={v for _, v, _ in before}
        ).values_list(
            "person_id",
            "version_id",
            "element_id",
            "status",
            "organisation_id",
            "level__name",
            "element__name",
        )
    }
    logins = dict(Person.objects.filter(pk__in=people, user__isnull=False).values_list("pk", "user_id"))
    written = 0
    for key, old in sorted(before.items()):
        new = after.get(key)
        if new is None or new[0] == old or key[0] not in logins:
            continue
        status, org, level, element = new
        if status == AttainmentStatus.REFRESH_DUE:
            text = f"Refresh due: your {level} in {element} needs a refresher assessment"
        elif status == AttainmentStatus.EXPIRED:
            text = f"Expired: your level in {element} has lapsed; a new assessment restores it"
        else:
            continue
        url = reverse("people-person", args=[key[0]])
        written += len(notify(organisation_id=org, user_ids=[logins[key[0]]], text=text, url=url))
    return written
