"""Who may see and touch assessments, evidence, change projects and attainment.

Reads are scoped with `Q` filters, never per-object rows:

- an assessment is visible to whoever may see its person (`soms.people.access`: admins everyone, a
  manager their subtree, a member themself) and to its assessor;
- an assessor (coach) sees the people they are asked to assess (registered as the people app's
  assessor scope): those with an assessment they write or validated, with a submitted assessment
  they may review (`review_queue`), or with a change project waiting for review or validated by
  them — and so their evidence, which a reviewer must see beside each statement;
- evidence and change projects follow the people they are about.

Object rules (the role comes from the permission table):

- `assessment.edit`: the assessor while the assessment is a draft or returned (for a
  self-assessment the assessor is the person's own login);
- `assessment.review` (return or validate): the assessment is submitted, the member's role is among
  the version's `validator_roles`, and the member is neither the person assessed nor its assessor:
  nobody validates their own assessment or an assessment of themself;
- `evidence.view` / `evidence.add`: evidence about a person in the member's scope; adding it to
  someone else's record needs the member to be that person, their assessor, or an admin;
- `project.manage`: admins, the owner, a named member; `project.review` as for assessments.

Objects of another organisation answer 404 before any role is asked (`get_in_organisation`).
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet

from soms.assessments.models import Assessment, ChangeProject, Evidence, HistoryImport, Status
from soms.people.access import me_person, people_in_scope, register_assessor_scope
from soms.tenancy.access import get_in_organisation, require
from soms.tenancy.models import Membership, Role
from soms.tenancy.permissions import ADMINS, object_rule


def _assessed_by(membership: Membership) -> Q:
    """The people a coach is asked to assess (a Q on Person): those with an assessment they write or
    have validated, those whose submitted assessment waits in their review queue (any coach may pick
    one up), and the owners and named members of a change project submitted for review or validated
    by them. Without this a coach would validate an assessment without seeing its evidence."""
    from soms.assessments.models import ProjectMember

    org, user = membership.organisation_id, membership.user_id
    assessments = Assessment.objects.filter(organisation_id=org).filter(
        Q(assessor_id=user) | Q(validated_by_id=user) | Q(status=Status.SUBMITTED)
    )
    projects = ChangeProject.objects.filter(organisation_id=org).filter(
        Q(review_status=Status.SUBMITTED) | Q(validated_by_id=user)
    )
    return (
        Q(pk__in=assessments.values("person_id"))
        | Q(pk__in=projects.values("owner_id"))
        | Q(pk__in=ProjectMember.objects.filter(project__in=projects).values("person_id"))
    )


register_assessor_scope(_assessed_by)


def may_validate(membership: Membership, version_rules: dict[str, Any] | None) -> bool:
    """The member's role is one the version's rules name as validators."""
    from soms.frameworks.rules import VALIDATOR_ROLES

    roles = (version_rules or {}).get("validator_roles", list(VALIDATOR_ROLES))
    return membership.role in roles


def assessment_scope(membership: Membership) -> Q:
    """The assessments this member may read (a Q on Assessment)."""
    require(membership, "assessment.view")
    if membership.role in ADMINS:
        return Q()
    q = Q(person__in=people_in_scope(membership, "person.view")) | Q(assessor_id=membership.user_id)
    if membership.role in (Role.ASSESSOR, Role.MANAGER):
        # Reviewers see what is waiting for them, whoever wrote it (their queue).
        q |= Q(status=Status.SUBMITTED, person__in=_reviewable_people(membership))
    return q


def _reviewable_people(membership: Membership) -> QuerySet[Any]:
    """Whose submitted assessments a reviewer may pick up: a manager their subtree; an assessor
    (coach) everyone of the organisation, since coaches are asked to assess across teams."""
    from soms.people.models import Person

    if membership.role == Role.ASSESSOR:
        return Person.objects.filter(organisation_id=membership.organisation_id).values("pk")
    return people_in_scope(membership, "person.view").values("pk")


def assessments_visible(membership: Membership) -> QuerySet[Assessment]:
    return Assessment.objects.filter(organisation_id=membership.organisation_id).filter(
        assessment_scope(membership)
    )


def assessment_for(membership: Membership, pk: Any, *, action: str = "assessment.view") -> Assessment:
    require(membership, action)
    queryset = Assessment.objects.select_related("person", "version__framework", "assessor", "validated_by")
    return get_in_organisation(queryset.filter(assessment_scope(membership)), membership.organisation, pk)


def review_queue(membership: Membership) -> QuerySet[Assessment]:
    """Submitted assessments this member may return or validate, oldest first."""
    require(membership, "assessment.review")
    return (
        Assessment.objects.filter(
            organisation_id=membership.organisation_id,
            status=Status.SUBMITTED,
            person__in=_reviewable_people(membership),
        )
        .exclude(assessor_id=membership.user_id)
        .exclude(person__user_id=membership.user_id)
        .select_related("person", "version__framework", "assessor")
        .order_by("submitted_at", "id")
    )


@object_rule("assessment.edit")
def _may_edit(membership: Membership, assessment: Assessment) -> bool:
    """Its assessor (for a self-assessment, the person's own login), while it is a draft or returned."""
    return assessment.is_editable and assessment.assessor_id == membership.user_id


@object_rule("assessment.review")
def _may_review(membership: Membership, assessment: Assessment) -> bool:
    """Submitted; the role is among the version's validator roles; neither the person assessed nor its assessor."""
    if assessment.status != Status.SUBMITTED or assessment.assessor_id == membership.user_id:
        return False
    if assessment.person.user_id is not None and assessment.person.user_id == membership.user_id:
        return False
    return may_validate(membership, assessment.version.rules)


def evidence_scope(membership: Membership) -> Q:
    """Evidence about the people the member may see (for a coach, the people they are asked to
    assess: see `_assessed_by`), and about anyone whose assessment they write."""
    require(membership, "evidence.view")
    if membership.role in ADMINS:
        return Q()
    mine = Q(assessor_id=membership.user_id) | Q(validated_by_id=membership.user_id)
    if membership.role in (Role.ASSESSOR, Role.MANAGER):
        # A reviewer sees the evidence beside what waits in their queue, whoever wrote it.
        mine |= Q(status=Status.SUBMITTED, person__in=_reviewable_people(membership))
    reviewed = Q(validated_by_id=membership.user_id)
    if membership.role == Role.ASSESSOR:
        reviewed |= Q(review_status=Status.SUBMITTED)  # a coach's project queue (`project_scope`)
    projects = ChangeProject.objects.filter(reviewed, organisation_id=membership.organisation_id)
    return (
        Q(person__in=people_in_scope(membership, "person.view"))
        | Q(
            person__in=Assessment.objects.filter(mine, organisation_id=membership.organisation_id).values(
                "person_id"
            )
        )
        | Q(
            pk__in=ChangeProject.evidence.through.objects.filter(changeproject__in=projects).values(
                "evidence_id"
            )
        )
    )


def evidence_for(membership: Membership, pk: Any, *, action: str = "evidence.view") -> Evidence:
    require(membership, action)
    queryset = Evidence.objects.select_related("person").filter(evidence_scope(membership))
    return get_in_organisation(queryset, membership.organisation, pk)


@object_rule("evidence.add")
def _may_add_evidence(membership: Membership, person: Any) -> bool:
    """About themself or a person they assess (owners and admins: anyone); `obj` is the person."""
    if membership.role in ADMINS:
        return True
    me = me_person(membership)
    if me is not None and me.pk == person.pk:
        return True
    return Assessment.objects.filter(
        organisation_id=membership.organisation_id, assessor_id=membership.user_id, person_id=person.pk
    ).exists()


def project_scope(membership: Membership) -> Q:
    require(membership, "project.view")
    if membership.role in ADMINS:
        return Q()
    people = people_in_scope(membership, "person.view")
    q = Q(owner__in=people) | Q(memberships__person__in=people)
    if membership.role == Role.ASSESSOR:
        q |= Q(review_status=Status.SUBMITTED)
    return q


def projects_visible(membership: Membership) -> QuerySet[ChangeProject]:
    return (
        ChangeProject.objects.filter(organisation_id=membership.organisation_id)
        .filter(project_scope(membership))
        .distinct()
    )


def project_for(membership: Membership, pk: Any, *, action: str = "project.view") -> ChangeProject:
    require(membership, action)
    queryset = ChangeProject.objects.select_related("owner", "team", "version__framework").filter(
        pk__in=projects_visible(membership).values("pk")
    )
    return get_in_organisation(queryset, membership.organisation, pk)


@object_rule("project.manage")
def _may_manage_project(membership: Membership, project: ChangeProject) -> bool:
    """Owners and admins, the project's owner or one of its named members."""
    if membership.role in ADMINS:
        return True
    me = me_person(membership)
    if me is None:
        return project.created_by_id == membership.user_id
    return project.owner_id == me.pk or project.memberships.filter(person=me).exists()


@object_rule("project.review")
def _may_review_project(membership: Membership, project: ChangeProject) -> bool:
    """Submitted; the role is among the version's validator roles; not its owner nor a named member."""
    if project.review_status != Status.SUBMITTED:
        return False
    me = me_person(membership)
    if me is not None and (project.owner_id == me.pk or project.memberships.filter(person=me).exists()):
        return False
    return may_validate(membership, project.version.rules)


def held_history_import_for(membership: Membership | None, import_id: Any) -> HistoryImport:
    """A held historic-results file of the member's organisation, for those who may import what
    it holds (403 for everyone else before anything is looked up)."""
    from soms.tenancy.permissions import can

    if not (can(membership, "assessment.import") or can(membership, "project.import")):
        require(membership, "assessment.import")
    assert membership is not None
    pending = get_in_organisation(HistoryImport.objects.all(), membership.organisation_id, import_id)
    require(membership, "assessment.import" if pending.what == "assessments" else "project.import")
    return pending
