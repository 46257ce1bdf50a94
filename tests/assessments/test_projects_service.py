"""Change projects: what is checked, the review workflow, conflicts, and the attainment it feeds."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied
from django.test import TestCase
from django.utils import timezone

from soms.assessments.models import (
    AssessmentEvent,
    ChangeProject,
    ElementAttainment,
    ProjectMember,
    ProjectOutcome,
)
from soms.assessments.services.projects import (
    OutcomeData,
    ProjectConflict,
    ProjectData,
    area_choices,
    project_create,
    project_return,
    project_submit,
    project_update,
    project_validate,
)
from soms.core.problems import Invalid
from soms.people.services.structure import team_create
from soms.tenancy.models import AuditLogEntry, Membership
from tests.assessments.conftest import statements, validated

pytestmark = pytest.mark.django_db

DC, PC = "demand-capacity", "people-capability"


def member(world: Any, user: Any, organisation: Any = None) -> Membership:
    return Membership.objects.get(organisation=organisation or world.org_a, user=user)


def data(org: Any, version: Any, **kw: Any) -> ProjectData:
    base = ProjectData(
        code="CP-1",
        title="Rebalance the claims desk",
        version=version,
        scope="North desk",
        owner=org.people["E005"],
        areas=[DC, PC],
        status="completed",
        started_on=date(2025, 9, 1),
        completed_on=date(2025, 12, 1),
        outcomes=[OutcomeData("Calls answered in 20 s", "service level", 62, 81, "%")],
    )
    return replace(base, **kw)


def test_create_with_owner_members_areas_and_outcomes(org: Any, soms_version: Any) -> None:
    world = org.world
    p = project_create(
        membership=member(world, world.alice),
        actor=world.alice,
        data=data(org, soms_version, members=[org.people["E007"], org.people["E005"]]),
    )
    assert p.areas == [DC, PC] and p.review_status == "draft" and p.revision == 1
    # The owner is not listed again as a named member.
    assert list(ProjectMember.objects.filter(project=p).values_list("person__employee_id", flat=True)) == [
        "E007"
    ]
    o = ProjectOutcome.objects.get(project=p)
    assert (o.before, o.after, o.unit) == (62, 81, "%")
    assert AssessmentEvent.objects.filter(project=p, action="create").count() == 1
    assert AuditLogEntry.objects.filter(action="change_project.create", object_id=str(p.pk)).exists()
    assert [c for c, _ in area_choices(soms_version)][:1] == ["customer-experience"]


def test_bad_input_names_each_problem_and_writes_nothing(org: Any, soms_version: Any) -> None:
    world = org.world
    m = member(world, world.alice)
    cases = {
        "completed_on": data(org, soms_version, started_on=date(2026, 1, 2), completed_on=date(2026, 1, 1)),
        "owner": data(org, soms_version, owner=org.b_person),
        "areas": data(org, soms_version, areas=[DC, "no-such-area"]),
        "members": data(org, soms_version, members=[org.b_person]),
        "title": data(org, soms_version, title=" "),
    }
    for field, bad in cases.items():
        with pytest.raises(Invalid) as exc:
            project_create(membership=m, actor=world.alice, data=bad)
        assert field in {p.loc[0] for p in exc.value.problems}, field
    with pytest.raises(Invalid, match="completed project needs"):
        project_create(membership=m, actor=world.alice, data=data(org, soms_version, completed_on=None))
    with pytest.raises(Invalid, match="future"):
        project_create(
            membership=m,
            actor=world.alice,
            data=data(org, soms_version, completed_on=timezone.localdate() + timedelta(days=3)),
        )
    # A team of another organisation, or a team without named members.
    b_team = team_create(organisation=world.org_b, name="Beta desk", unit=None, actor=world.bob)
    with pytest.raises(Invalid) as exc:
        project_create(membership=m, actor=world.alice, data=data(org, soms_version, owner=None, team=b_team))
    assert {p.loc[0] for p in exc.value.problems} >= {"team"}
    with pytest.raises(Invalid, match="name the members"):
        project_create(
            membership=m, actor=world.alice, data=data(org, soms_version, owner=None, team=org.team)
        )
    assert (
        not ChangeProject.objects.exists()
        and not AuditLogEntry.objects.filter(action__startswith="change_project").exists()
    )


def test_team_project_and_unique_code(org: Any, soms_version: Any) -> None:
    world = org.world
    m = member(world, world.alice)
    p = project_create(
        membership=m,
        actor=world.alice,
        data=data(
            org, soms_version, owner=None, team=org.team, members=[org.people["E007"], org.people["E008"]]
        ),
    )
    assert p.team == org.team and p.memberships.count() == 2
    with pytest.raises(ProjectConflict) as exc:
        project_create(membership=m, actor=world.alice, data=data(org, soms_version))
    assert exc.value.field == "code"
    # The same code in another organisation is fine.
    bob = member(world, world.bob, world.org_b)
    other = project_create(membership=bob, actor=world.bob, data=data(org, soms_version, owner=org.b_person))
    assert other.code == p.code


def test_stale_edit_is_a_conflict_and_nothing_is_lost(org: Any, soms_version: Any) -> None:
    world = org.world
    m = member(world, world.alice)
    p = project_create(membership=m, actor=world.alice, data=data(org, soms_version))
    project_update(
        membership=m, actor=world.alice, project=p, data=data(org, soms_version, title="First"), revision=1
    )
    with pytest.raises(ProjectConflict) as exc:
        project_update(
            membership=m,
            actor=world.alice,
            project=p,
            data=data(org, soms_version, title="Second"),
            revision=1,
        )
    assert exc.value.current == 2
    p.refresh_from_db()
    assert p.title == "First" and p.revision == 2
    entry = AuditLogEntry.objects.get(action="change_project.update")
    assert entry.before == {"title": "Rebalance the claims desk"} and entry.after == {"title": "First"}


def test_owner_and_members_manage_others_do_not(org: Any, soms_version: Any) -> None:
    world = org.world
    p = project_create(
        membership=member(world, world.alice),
        actor=world.alice,
        data=data(org, soms_version, members=[org.people["E007"]]),
    )
    # charlie is E007, a named member: may edit.
    project_update(
        membership=member(world, world.charlie),
        actor=world.charlie,
        project=p,
        data=data(org, soms_version, members=[org.people["E007"]], title="By Charlie"),
        revision=1,
    )
    # priya (a manager, not in the project) may not.
    with pytest.raises(PermissionDenied):
        project_update(
            membership=member(world, org.priya),
            actor=org.priya,
            project=p,
            data=data(org, soms_version),
            revision=2,
        )


def test_review_workflow_and_attainment(org: Any, soms_version: Any) -> None:
    world = org.world
    nina = org.people["E005"]
    for level in ("foundation", "practitioner", "senior-practitioner"):
        validated(nina, soms_version, statements(soms_version, DC, level), on=date(2025, 12, 10))
    alice, dana = member(world, world.alice), member(world, world.dana)
    p = project_create(
        membership=alice,
        actor=world.alice,
        data=data(org, soms_version, status="in_progress", completed_on=None),
    )
    with pytest.raises(Invalid, match="only a completed project"):
        project_submit(membership=alice, actor=world.alice, project=p)
    p = project_update(
        membership=alice, actor=world.alice, project=p, data=data(org, soms_version), revision=p.revision
    )
    # Reviewing a draft is refused; a member never reviews.
    with pytest.raises(ProjectConflict):
        project_validate(membership=dana, actor=world.dana, project=p)
    p = project_submit(membership=alice, actor=world.alice, project=p, revision=p.revision)
    with pytest.raises(PermissionDenied):
        project_validate(membership=member(world, world.charlie), actor=world.charlie, project=p)
    with pytest.raises(ProjectConflict, match="waiting for its review"):
        project_update(
            membership=alice, actor=world.alice, project=p, data=data(org, soms_version), revision=p.revision
        )
    with pytest.raises(Invalid, match="say why"):
        project_return(membership=dana, actor=world.dana, project=p, reason=" ")
    p = project_return(membership=dana, actor=world.dana, project=p, reason="Add the KPI after three months")
    assert p.review_status == "returned" and p.return_reason.startswith("Add the KPI")
    p = project_submit(membership=alice, actor=world.alice, project=p)
    with TestCase.captureOnCommitCallbacks(execute=True):
        p = project_validate(membership=dana, actor=world.dana, project=p, revision=p.revision)
    assert p.review_status == "validated" and p.validated_by == world.dana
    assert p.validated_on == timezone.localdate()
    assert list(AssessmentEvent.objects.filter(project=p).values_list("action", flat=True)) == [
        "create",
        "submit",
        "return",
        "resubmit",
        "validate",
    ]
    row = ElementAttainment.objects.select_related("level").get(
        person=nina, version=soms_version, element__code=DC
    )
    assert row.level is not None and row.level.code == "senior-practitioner"
    # Validated: never changes.
    with pytest.raises(ProjectConflict, match="never changes"):
        project_update(
            membership=alice,
            actor=world.alice,
            project=p,
            data=data(org, soms_version, title="x"),
            revision=p.revision,
        )


def test_nobody_reviews_their_own_project(org: Any, soms_version: Any) -> None:
    world = org.world
    # priya (manager, E002) owns it: she may not validate it.
    priya = member(world, org.priya)
    p = project_create(
        membership=priya, actor=org.priya, data=data(org, soms_version, owner=org.people["E002"])
    )
    p = project_submit(membership=priya, actor=org.priya, project=p)
    with pytest.raises(PermissionDenied):
        project_validate(membership=priya, actor=org.priya, project=p)
