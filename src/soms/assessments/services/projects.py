"""Change projects: what a person or a team changed, and its review. Pages, API and demo come here.

A project belongs to one framework version. It is owned by a person, or by a team with named
members (everyone of the project's organisation), says which areas of its version it addresses
(element codes when the version's rules count elements as areas, else the version's declared area
codes), has a status (planned, in progress, completed, cancelled) with dates in order, and outcomes
(ideally a KPI before and after). Its review runs like an assessment's: draft → submitted →
validated, or returned with a reason → resubmitted; every step is an `AssessmentEvent(project=…)`
and an audit row. Validation records the day and the validator and recomputes the attainment of
the project's people once the transaction commits. A validated project never changes.

Every write takes the `revision` it was read at: a second writer of a stale project gets
`ProjectConflict` (409 / the form again with what they typed), and nothing is written.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.utils import timezone

from soms.assessments.models import (
    AssessmentEvent,
    ChangeProject,
    EventAction,
    Evidence,
    ProjectMember,
    ProjectOutcome,
    ProjectStatus,
    Status,
)
from soms.core.problems import Invalid, Problem
from soms.frameworks.models import Area, Element, FrameworkVersion, VersionStatus
from soms.limits import MAX_PROJECT_OUTCOMES, MAX_TEXT_LENGTH
from soms.people.models import Person, Team
from soms.tenancy.access import require
from soms.tenancy.models import Membership
from soms.tenancy.permissions import can
from soms.tenancy.services import audit_log_write

CODE_MAX = 80
TITLE_MAX = 200
REASON_MAX = 2000


class ProjectConflict(Exception):
    """Clashes with what is stored: changed since it was read, validated, or the code is taken."""

    def __init__(self, message: str, *, current: int | None = None, field: str = "") -> None:
        super().__init__(message)
        self.current = current
        self.field = field


@dataclass
class OutcomeData:
    description: str
    kpi: str = ""
    before: float | None = None
    after: float | None = None
    unit: str = ""


@dataclass
class ProjectData:
    code: str
    title: str
    version: FrameworkVersion
    scope: str = ""
    owner: Person | None = None
    team: Team | None = None
    members: Sequence[Person] = field(default_factory=list)
    areas: Sequence[str] = field(default_factory=list)
    status: str = ProjectStatus.PLANNED
    started_on: date | None = None
    completed_on: date | None = None
    outcomes: Sequence[OutcomeData] = field(default_factory=list)


def area_choices(version: FrameworkVersion) -> list[tuple[str, str]]:
    """(code, name) of what counts as an area on this version, in the framework's order."""
    rules = version.rules or {}
    if rules.get("areas", "elements") == "elements":
        return list(
            Element.objects.filter(version=version).order_by("order", "id").values_list("code", "name")
        )
    return list(Area.objects.filter(version=version).order_by("order", "id").values_list("code", "name"))


def _check(organisation_id: int, data: ProjectData) -> tuple[dict[str, Any], list[Person]]:
    problems: list[Problem] = []
    code = (data.code or "").strip()
    title = (data.title or "").strip()
    scope = (data.scope or "").strip()
    if not code:
        problems.append(Problem(("code",), "give the project a code (your own reference)"))
    elif len(code) > CODE_MAX:
        problems.append(Problem(("code",), f"at most {CODE_MAX} characters"))
    if not title:
        problems.append(Problem(("title",), "give the project a title"))
    elif len(title) > TITLE_MAX:
        problems.append(Problem(("title",), f"at most {TITLE_MAX} characters"))
    if len(scope) > MAX_TEXT_LENGTH:
        problems.append(
            Problem(
                ("scope",), f"at most {MAX_TEXT_LENGTH:,} characters are accepted (limit MAX_TEXT_LENGTH)"
            )
        )
    version = data.version
    if (
        version.framework.organisation_id not in (None, organisation_id)
        or version.status != VersionStatus.PUBLISHED
    ):
        problems.append(Problem(("version",), "choose a published framework version of this organisation"))
    owner, team = data.owner, data.team
    if owner is not None and owner.organisation_id != organisation_id:
        problems.append(Problem(("owner",), "the owner must be a person of this organisation"))
    if team is not None and team.organisation_id != organisation_id:
        problems.append(Problem(("team",), "the team must be a team of this organisation"))
    members: list[Person] = []
    for i, person in enumerate(data.members):
        if person.organisation_id != organisation_id:
            problems.append(Problem(("members", i), f"{person.name} is not a person of this organisation"))
        elif person not in members and (owner is None or person.pk != owner.pk):
            members.append(person)
    if owner is None and team is None:
        problems.append(Problem(("owner",), "give an owner: a person, or a team with its named members"))
    elif owner is None and not members:
        problems.append(Problem(("members",), "name the members of the team who did the project"))
    areas = [str(a).strip() for a in data.areas if str(a).strip()]
    known = dict(area_choices(version))
    unknown = [a for a in areas if a not in known]
    if unknown:
        problems.append(
            Problem(
                ("areas",), f"not an area of {version.framework.name} {version.label}: {', '.join(unknown)}"
            )
        )
    if data.status not in ProjectStatus.values:
        problems.append(Problem(("status",), f"one of {', '.join(ProjectStatus.values)}"))
    today = timezone.localdate()
    if data.started_on and data.completed_on and data.completed_on < data.started_on:
        problems.append(Problem(("completed_on",), "the project cannot be completed before it started"))
    if data.status == ProjectStatus.COMPLETED and data.completed_on is None:
        problems.append(Problem(("completed_on",), "a completed project needs the day it was completed"))
    if data.completed_on and data.status in (ProjectStatus.PLANNED, ProjectStatus.IN_PROGRESS):
        problems.append(
            Problem(("completed_on",), "only a completed or cancelled project has a completion day")
        )
    if data.completed_on and data.completed_on > today:
        problems.append(Problem(("completed_on",), "the completion day cannot be in the future"))
    if len(data.outcomes) > MAX_PROJECT_OUTCOMES:
        problems.append(
            Problem(
                ("outcomes",),
                f"{len(data.outcomes):,} outcomes: at most {MAX_PROJECT_OUTCOMES} are accepted "
                "(limit MAX_PROJECT_OUTCOMES)",
            )
        )
    for i, o in enumerate(data.outcomes):
        if not (o.description or "").strip():
            problems.append(Problem(("outcomes", i, "description"), "say what changed"))
        elif len(o.description.strip()) > 300:
            problems.append(Problem(("outcomes", i, "description"), "at most 300 characters"))
        if len((o.kpi or "").strip()) > 200:
            problems.append(Problem(("outcomes", i, "kpi"), "at most 200 characters"))
        if len((o.unit or "").strip()) > 40:
            problems.append(Problem(("outcomes", i, "unit"), "at most 40 characters"))
        for name in ("before", "after"):
            value = getattr(o, name)
            if value is not None and not math.isfinite(value):
                problems.append(Problem(("outcomes", i, name), "must be a finite number"))
    if problems:
        raise Invalid(problems)
    values = {
        "code": code,
        "title": title,
        "scope": scope,
        "version": version,
        "owner": owner,
        "team": team,
        "areas": list(dict.fromkeys(areas)),
        "status": data.status,
        "started_on": data.started_on,
        "completed_on": data.completed_on,
    }
    return values, members


def _plain(values: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for k, v in values.items():
        if isinstance(v, date):
            out[k] = v.isoformat()
        elif hasattr(v, "pk"):
            out[k] = v.pk
        else:
            out[k] = v
    return out


def _write_outcomes(project: ChangeProject, outcomes: Sequence[OutcomeData]) -> None:
    ProjectOutcome.objects.filter(project=project).delete()
    ProjectOutcome.objects.bulk_create(
        ProjectOutcome(
            organisation_id=project.organisation_id,
            project=project,
            description=o.description.strip(),
            kpi=(o.kpi or "").strip(),
            before=o.before,
            after=o.after,
            unit=(o.unit or "").strip(),
        )
        for o in outcomes
    )


def _outcomes_plain(outcomes: Sequence[OutcomeData]) -> list[str]:
    def num(v: float | None) -> str:
        return "—" if v is None else f"{v:g}"

    return [
        f"{o.description.strip()}{f' ({o.kpi.strip()})' if o.kpi.strip() else ''}: "
        f"{num(o.before)} → {num(o.after)}{f' {o.unit.strip()}' if o.unit.strip() else ''}"
        for o in outcomes
    ]


def _event(project: ChangeProject, action: str, actor: User | None, reason: str = "") -> None:
    AssessmentEvent.objects.create(
        organisation_id=project.organisation_id,
        project=project,
        action=action,
        actor=actor if actor is not None and actor.is_authenticated else None,
        reason=reason,
    )


def _code_taken(organisation_id: int, code: str, exclude: int | None = None) -> ProjectConflict | None:
    qs = ChangeProject.objects.filter(organisation_id=organisation_id, code=code)
    if exclude is not None:
        qs = qs.exclude(pk=exclude)
    if qs.exists():
        return ProjectConflict(f"A change project with the code {code!r} already exists here", field="code")
    return None


def project_create(*, membership: Membership, actor: User | None, data: ProjectData) -> ChangeProject:
    require(membership, "project.manage")
    values, members = _check(membership.organisation_id, data)
    taken = _code_taken(membership.organisation_id, values["code"])
    if taken:
        raise taken
    try:
        with transaction.atomic():
            project = ChangeProject.objects.create(
                organisation_id=membership.organisation_id,
                created_by=actor if actor is not None and actor.is_authenticated else None,
                **values,
            )
            ProjectMember.objects.bulk_create(
                ProjectMember(organisation_id=membership.organisation_id, project=project, person=p)
                for p in members
            )
            _write_outcomes(project, data.outcomes)
            _event(project, EventAction.CREATE, actor)
            audit_log_write(
                actor=actor,
                organisation=membership.organisation,
                action="change_project.create",
                obj=project,
                after={
                    **_plain(values),
                    "members": [p.pk for p in members],
                    "outcomes": _outcomes_plain(data.outcomes),
                },
            )
    except IntegrityError:
        raise ProjectConflict(
            f"A change project with the code {values['code']!r} already exists here", field="code"
        ) from None
    return project


def _locked(project: ChangeProject, revision: int | None) -> ChangeProject:
    locked = ChangeProject.objects.select_for_update().select_related("version__framework").get(pk=project.pk)
    if revision is not None and locked.revision != revision:
        raise ProjectConflict(
            "Someone changed this project since you opened it: nothing was saved. Reload to see their "
            "changes, then make yours again.",
            current=locked.revision,
        )
    return locked


def require_manage(membership: Membership, project: ChangeProject) -> None:
    require(membership, "project.manage")
    if not can(membership, "project.manage", project):
        raise PermissionDenied(
            "Only the project's owner, its named members, or an owner or admin may change it"
        )


def project_update(
    *, membership: Membership, actor: User | None, project: ChangeProject, data: ProjectData, revision: int
) -> ChangeProject:
    """Replace what the project says (members and outcomes too); refused once validated or while
    under review."""
    require_manage(membership, project)
    values, members = _check(membership.organisation_id, data)
    with transaction.atomic():
        locked = _locked(project, revision)
        if locked.review_status == Status.VALIDATED:
            raise ProjectConflict("A validated change project never changes: add a new project instead")
        if locked.review_status == Status.SUBMITTED:
            raise ProjectConflict("The project is waiting for its review: it can change once it is returned")
        taken = _code_taken(locked.organisation_id, values["code"], exclude=locked.pk)
        if taken:
            raise taken
        before = _plain({k: getattr(locked, k) for k in values})
        before_members = sorted(locked.memberships.values_list("person_id", flat=True))
        before_outcomes = _outcomes_plain(
            [
                OutcomeData(o.description, o.kpi, o.before, o.after, o.unit)
                for o in ProjectOutcome.objects.filter(project=locked)
            ]
        )
        for k, v in values.items():
            setattr(locked, k, v)
        locked.revision += 1
        locked.save()
        ProjectMember.objects.filter(project=locked).exclude(person__in=members).delete()
        have = set(ProjectMember.objects.filter(project=locked).values_list("person_id", flat=True))
        ProjectMember.objects.bulk_create(
            ProjectMember(organisation_id=locked.organisation_id, project=locked, person=p)
            for p in members
            if p.pk not in have
        )
        _write_outcomes(locked, data.outcomes)
        after = _plain(values)
        after_members = sorted(p.pk for p in members)
        after_outcomes = _outcomes_plain(data.outcomes)
        changed_before = {k: before[k] for k in after if before[k] != after[k]}
        changed_after = {k: after[k] for k in changed_before}
        if before_members != after_members:
            changed_before["members"], changed_after["members"] = before_members, after_members
        if before_outcomes != after_outcomes:
            changed_before["outcomes"], changed_after["outcomes"] = before_outcomes, after_outcomes
        audit_log_write(
            actor=actor,
            organisation=membership.organisation,
            action="change_project.update",
            obj=locked,
            before=changed_before,
            after=changed_after,
        )
    return locked


def project_submit(
    *, membership: Membership, actor: User | None, project: ChangeProject, revision: int | None = None
) -> ChangeProject:
    """Ask for validation (again, after a return). Only a completed project is submitted."""
    require_manage(membership, project)
    with transaction.atomic():
        locked = _locked(project, revision)
        if locked.review_status not in (Status.DRAFT, Status.RETURNED):
            raise ProjectConflict(
                f"The project is {locked.get_review_status_display().lower()}: it cannot be submitted"
            )
        if locked.status != ProjectStatus.COMPLETED:
            raise Invalid.for_field("status", "only a completed project can be submitted for validation")
        if not locked.areas:
            raise Invalid.for_field("areas", "say which areas the project addresses before submitting it")
        action = EventAction.RESUBMIT if locked.review_status == Status.RETURNED else EventAction.SUBMIT
        locked.review_status = Status.SUBMITTED
        locked.revision += 1
        locked.save(update_fields=["review_status", "revision", "updated_at"])
        _event(locked, action, actor)
        audit_log_write(
            actor=actor,
            organisation=membership.organisation,
            action="change_project.submit",
            obj=locked,
            after={"review_status": Status.SUBMITTED, "resubmitted": action == EventAction.RESUBMIT},
        )
    return locked


def _require_review(membership: Membership, project: ChangeProject) -> None:
    require(membership, "project.review")
    if project.review_status != Status.SUBMITTED:
        raise ProjectConflict(
            f"The project is {project.get_review_status_display().lower()}: only a submitted project is reviewed"
        )
    if not can(membership, "project.review", project):
        raise PermissionDenied(
            "You may not review this project: the framework's rules do not name your role, or it is your own"
        )


def project_return(
    *,
    membership: Membership,
    actor: User | None,
    project: ChangeProject,
    reason: str,
    revision: int | None = None,
) -> ChangeProject:
    reason = (reason or "").strip()
    with transaction.atomic():
        locked = _locked(project, revision)
        _require_review(membership, locked)
        if not reason:
            raise Invalid.for_field("reason", "say why the project goes back, so its owners know what to do")
        if len(reason) > REASON_MAX:
            raise Invalid.for_field("reason", f"at most {REASON_MAX} characters")
        locked.review_status = Status.RETURNED
        locked.return_reason = reason
        locked.revision += 1
        locked.save(update_fields=["review_status", "return_reason", "revision", "updated_at"])
        _event(locked, EventAction.RETURN, actor, reason)
        audit_log_write(
            actor=actor,
            organisation=membership.organisation,
            action="change_project.return",
            obj=locked,
            after={"review_status": Status.RETURNED, "reason": reason},
        )
    return locked


def project_validate(
    *, membership: Membership, actor: User | None, project: ChangeProject, revision: int | None = None
) -> ChangeProject:
    from soms.assessments.services.attainment import recompute_project

    with transaction.atomic():
        locked = _locked(project, revision)
        _require_review(membership, locked)
        locked.review_status = Status.VALIDATED
        locked.validated_on = timezone.localdate()
        locked.validated_by = actor if actor is not None and actor.is_authenticated else None
        locked.return_reason = ""
        locked.revision += 1
        locked.save(
            update_fields=[
                "review_status",
                "validated_on",
                "validated_by",
                "return_reason",
                "revision",
                "updated_at",
            ]
        )
        _event(locked, EventAction.VALIDATE, actor)
        audit_log_write(
            actor=actor,
            organisation=membership.organisation,
            action="change_project.validate",
            obj=locked,
            after={"review_status": Status.VALIDATED, "validated_on": locked.validated_on.isoformat()},
        )
        transaction.on_commit(lambda: recompute_project(locked))
    return locked


def project_people_ids(project: ChangeProject) -> set[int]:
    ids = set(ProjectMember.objects.filter(project=project).values_list("person_id", flat=True))
    if project.owner_id is not None:
        ids.add(project.owner_id)
    return ids


def project_evidence_attach(
    *, membership: Membership, actor: User | None, project: ChangeProject, evidence: Evidence
) -> None:
    """Attach an item about one of the project's people (the evidence lookup already checked that
    the member may see it)."""
    require_manage(membership, project)
    with transaction.atomic():
        locked = _locked(project, None)
        if locked.review_status in (Status.VALIDATED, Status.SUBMITTED):
            raise ProjectConflict("Evidence of a submitted or validated project stays as it was reviewed")
        if evidence.organisation_id != locked.organisation_id or evidence.person_id not in project_people_ids(
            locked
        ):
            raise Invalid.for_field(
                "evidence_id", "the evidence must be about the project's owner or a named member"
            )
        locked.evidence.add(evidence)
        audit_log_write(
            actor=actor,
            organisation=membership.organisation,
            action="change_project.evidence",
            obj=locked,
            after={"attached": evidence.title},
        )


def project_evidence_detach(
    *, membership: Membership, actor: User | None, project: ChangeProject, evidence: Evidence
) -> None:
    require_manage(membership, project)
    with transaction.atomic():
        locked = _locked(project, None)
        if locked.review_status in (Status.VALIDATED, Status.SUBMITTED):
            raise ProjectConflict("Evidence of a submitted or validated project stays as it was reviewed")
        locked.evidence.remove(evidence)
        audit_log_write(
            actor=actor,
            organisation=membership.organisation,
            action="change_project.evidence",
            obj=locked,
            before={"detached": evidence.title},
        )


__all__ = [
    "OutcomeData",
    "ProjectConflict",
    "ProjectData",
    "area_choices",
    "project_create",
    "project_evidence_attach",
    "project_evidence_detach",
    "project_return",
    "project_submit",
    "project_update",
    "project_validate",
]
