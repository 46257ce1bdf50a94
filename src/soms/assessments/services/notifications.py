"""Who is told what when an assessment moves (soms.notifications does the telling).

- submitted (or resubmitted): the people who could review it — the organisation's assessors and
  the person's manager's login — when the version's rules let their role validate;
- returned: its assessor and the person assessed (their login), with the reason;
- validated: its assessor and the person assessed.

Never the one who acted. Refresh-due and expiry notices come from the nightly job
(`soms.assessments.periodic`).
"""

from __future__ import annotations

from django.urls import reverse

from soms.assessments.access import may_validate
from soms.assessments.models import Assessment
from soms.notifications.services import notify
from soms.tenancy.models import Membership, Role


def _reviewers(assessment: Assessment) -> set[int]:
    members = Membership.objects.filter(organisation_id=assessment.organisation_id)
    ids: set[int] = set()
    for m in members.filter(role=Role.ASSESSOR):
        if may_validate(m, assessment.version.rules):
            ids.add(m.user_id)
    manager = assessment.person.manager
    if manager is not None and manager.user_id is not None:
        theirs = members.filter(user_id=manager.user_id).first()
        if theirs is not None and may_validate(theirs, assessment.version.rules):
            ids.add(theirs.user_id)
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
    what = f"{a.get_kind_display().lower()} assessment of {a.person.name} ({a.version.framework.name})"
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
