"""Org units and teams. Moving a unit rewrites its subtree's paths in one UPDATE."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models import F, Max, ProtectedError, Value
from django.db.models.functions import Concat, Length, Substr

from soms.people.errors import PeopleConflict, PeopleInvalid
from soms.people.models import ID_WIDTH, MAX_DEPTH, OrgUnit, Person, Team, path_segment
from soms.people.services.revisions import bump_revision, check_revision
from soms.people.signals import people_changed
from soms.people.validation import team_unit_problem, text_problem
from soms.tenancy.models import Organisation
from soms.tenancy.services import SUMMARY_EXAMPLES, audit_log_write


def _clean_name(name: str) -> str:
    name = (name or "").strip()
    if not name:
        raise PeopleInvalid("name", "must not be blank")
    if "/" in name:
        raise PeopleInvalid("name", "must not contain '/': it separates the levels of a unit path")
    _check_control(name)
    return name


def _check_control(name: str) -> None:
    # The rule of every person's text (soms.people.validation): an HR file names units and teams too.
    reason = text_problem(name)
    if reason is not None:
        raise PeopleInvalid("name", reason)


def _sibling_taken(
    organisation: Organisation, parent: OrgUnit | None, name: str, exclude: int | None
) -> bool:
    qs = OrgUnit.objects.filter(organisation=organisation, parent=parent, name__iexact=name)
    if exclude is not None:
        qs = qs.exclude(pk=exclude)
    return qs.exists()


def unit_path_str(unit: OrgUnit) -> str:
    """'Operations/Claims/North': the names from the root down, as the import and export write it."""
    ids = [int(unit.path[i : i + ID_WIDTH]) for i in range(0, len(unit.path), ID_WIDTH)]
    names = dict(OrgUnit.objects.filter(pk__in=ids).values_list("pk", "name"))
    return "/".join(names[i] for i in ids)


@transaction.atomic
def unit_create(
    *,
    organisation: Organisation,
    name: str,
    parent: OrgUnit | None = None,
    manager: Person | None = None,
    actor: Any,
) -> OrgUnit:
    name = _clean_name(name)
    if parent is not None and parent.organisation_id != organisation.pk:
        raise PeopleInvalid("parent", "the parent unit is not part of this organisation")
    if parent is not None and parent.depth + 1 >= MAX_DEPTH:
        raise PeopleInvalid("parent", f"units nest at most {MAX_DEPTH} levels deep")
    if _sibling_taken(organisation, parent, name, None):
        raise PeopleInvalid("name", f"there is already a unit called {name!r} here")
    unit = OrgUnit.objects.create(
        organisation=organisation,
        name=name,
        parent=parent,
        manager=manager,
        depth=0 if parent is None else parent.depth + 1,
    )
    unit.path = (parent.path if parent else "") + path_segment(unit.pk)
    unit.save(update_fields=["path"])
    audit_log_write(
        actor=actor,
        organisation=organisation,
        action="org_unit.create",
        obj=unit,
        after={
            "name": name,
            "parent": parent.pk if parent else None,
            "manager": manager.pk if manager else None,
        },
    )
    return unit


_UNSET: Any = object()


@transaction.atomic
def unit_update(
    *,
    unit: OrgUnit,
    actor: Any,
    name: str = _UNSET,
    parent: OrgUnit | None = _UNSET,
    manager: Person | None = _UNSET,
    revision: int | None = None,
) -> OrgUnit:
    unit = OrgUnit.objects.select_for_update().get(pk=unit.pk)
    check_revision(unit, revision, f"The unit {unit.name}")
    before: dict[str, Any] = {}
    after: dict[str, Any] = {}
    if name is not _UNSET:
        name = _clean_name(name)
        if name != unit.name:
            target_parent = unit.parent if parent is _UNSET else parent
            if _sibling_taken(unit.organisation, target_parent, name, unit.pk):
                raise PeopleInvalid("name", f"there is already a unit called {name!r} here")
            before["name"], after["name"] = unit.name, name
            unit.name = name
    if manager is not _UNSET and manager != unit.manager:
        if manager is not None and manager.organisation_id != unit.organisation_id:
            raise PeopleInvalid("manager", "the manager is not part of this organisation")
        before["manager"], after["manager"] = unit.manager_id, manager.pk if manager else None
        unit.manager = manager
    old_path = unit.path
    if parent is not _UNSET and (parent.pk if parent else None) != unit.parent_id:
        if parent is not None:
            if parent.organisation_id != unit.organisation_id:
                raise PeopleInvalid("parent", "the parent unit is not part of this organisation")
            if parent.path.startswith(unit.path):
                # The new parent is the unit itself or one of its sub-units: that would be a cycle.
                raise PeopleInvalid("parent", "a unit cannot move under itself or one of its own sub-units")
        if _sibling_taken(unit.organisation, parent, unit.name, unit.pk):
            raise PeopleInvalid("parent", f"there is already a unit called {unit.name!r} there")
        new_path = (parent.path if parent else "") + path_segment(unit.pk)
        deepest = OrgUnit.objects.filter(unit.subtree_q()).aggregate(m=Max(Length("path")))["m"] or len(
            old_path
        )
        if (deepest - len(old_path) + len(new_path)) // ID_WIDTH > MAX_DEPTH:
            raise PeopleInvalid("parent", f"units nest at most {MAX_DEPTH} levels deep")
        before["parent"], after["parent"] = unit.parent_id, parent.pk if parent else None
        shift = (len(new_path) - len(old_path)) // ID_WIDTH
        OrgUnit.objects.filter(unit.subtree_q()).exclude(pk=unit.pk).update(
            path=Concat(Value(new_path), Substr("path", len(old_path) + 1)),
            depth=models_depth_shift(shift),
        )
        unit.parent = parent
        unit.path = new_path
        unit.depth = len(new_path) // ID_WIDTH - 1
    if not after:
        return unit
    bump_revision(unit, f"The unit {unit.name}")
    unit.save()
    audit_log_write(
        actor=actor,
        organisation=unit.organisation,
        action="org_unit.update",
        obj=unit,
        before=before,
        after=after,
    )
    return unit


def models_depth_shift(shift: int) -> Any:
    from django.db.models import F

    return F("depth") + shift


# How many names a refusal lists of each kind of thing left in a unit; the count says how many.
LEFT_NAMES = 5


def _left(count: int, one: str, many: str, names: list[str]) -> str:
    shown = ", ".join(names[:LEFT_NAMES]) + (f" and {count - LEFT_NAMES} more" if count > LEFT_NAMES else "")
    return f"{count} {one if count == 1 else many} ({shown})"


def unit_left(unit: OrgUnit) -> list[str]:
    """What is still in a unit, each kind counted with its first names: "" when it is empty."""
    left = []
    for qs, one, many, name in (
        (unit.children.order_by("name"), "sub-unit", "sub-units", "name"),
        (unit.teams.order_by("name"), "team", "teams", "name"),
        (unit.people.order_by("name_key", "id"), "person", "people", "name"),
    ):
        count = qs.count()
        if count:
            left.append(_left(count, one, many, list(qs.values_list(name, flat=True)[:LEFT_NAMES])))
    return left


@transaction.atomic
def unit_delete(*, unit: OrgUnit, actor: Any, revision: int | None = None) -> None:
    """Delete an empty unit. One that still holds sub-units, teams or people is refused, naming
    them: deleting it would leave its people without a unit while their team kept one."""
    unit = OrgUnit.objects.select_for_update().get(pk=unit.pk)
    check_revision(unit, revision, f"The unit {unit.name}")
    left = unit_left(unit)
    if left:
        raise PeopleConflict(
            f"The unit {unit.name} still has {'; '.join(left)}: move or delete them first. Nothing was deleted."
        )
    audit_log_write(
        actor=actor,
        organisation=unit.organisation,
        action="org_unit.delete",
        obj=unit,
        before={"name": unit.name},
    )
    try:
        with transaction.atomic():
            unit.delete()
    except ProtectedError:
        # A sub-unit or team added since the check (the foreign keys protect them): refused the same way.
        raise PeopleConflict(
            f"The unit {unit.name} still has {'; '.join(unit_left(unit)) or 'sub-units or teams'}: move "
            "or delete them first. Nothing was deleted."
        ) from None


@transaction.atomic
def team_create(*, organisation: Organisation, name: str, unit: OrgUnit | None, actor: Any) -> Team:
    name = (name or "").strip()
    if not name:
        raise PeopleInvalid("name", "must not be blank")
    _check_control(name)
    if unit is not None and unit.organisation_id != organisation.pk:
        raise PeopleInvalid("unit", "the unit is not part of this organisation")
    if Team.objects.filter(organisation=organisation, unit=unit, name__iexact=name).exists():
        raise PeopleInvalid("name", f"there is already a team called {name!r} in that unit")
    team = Team.objects.create(organisation=organisation, name=name, unit=unit)
    audit_log_write(
        actor=actor,
        organisation=organisation,
        action="team.create",
        obj=team,
        after={"name": name, "unit": unit.pk if unit else None},
    )
    return team


@transaction.atomic
def team_update(
    *,
    team: Team,
    actor: Any,
    name: str = _UNSET,
    unit: OrgUnit | None = _UNSET,
    revision: int | None = None,
) -> Team:
    team = Team.objects.select_for_update(of=("self",)).select_related("unit").get(pk=team.pk)
    check_revision(team, revision, f"The team {team.name}")
    before: dict[str, Any] = {}
    after: dict[str, Any] = {}
    new_unit = team.unit if unit is _UNSET else unit
    new_name = team.name if name is _UNSET else (name or "").strip()
    if not new_name:
        raise PeopleInvalid("name", "must not be blank")
    _check_control(new_name)
    if new_unit is not None and new_unit.organisation_id != team.organisation_id:
        raise PeopleInvalid("unit", "the unit is not part of this organisation")
    if (
        Team.objects.filter(organisation_id=team.organisation_id, unit=new_unit, name__iexact=new_name)
        .exclude(pk=team.pk)
        .exists()
    ):
        raise PeopleInvalid("name", f"there is already a team called {new_name!r} in that unit")
    if new_name != team.name:
        before["name"], after["name"] = team.name, new_name
    moved: list[tuple[int, str, str]] = []
    if new_unit != team.unit:
        # Its people are in the team's unit (soms.people.validation.team_problem): they move with it,
        # staged rows of an import under way too, so that none is left in a unit the team has left.
        members = Person._base_manager.filter(team_id=team.pk)
        moved = list(members.select_for_update().order_by("pk").values_list("pk", "employee_id", "name"))
        reason = team_unit_problem(team, new_unit, len(moved))
        if reason is not None:
            raise PeopleInvalid("unit", reason)
        before["unit"], after["unit"] = team.unit_id, new_unit.pk if new_unit else None
        if moved:
            # Each moved person's revision goes on: a form read before the move is refused, not replayed.
            members.update(unit=new_unit, revision=F("revision") + 1)
            names = [f"{emp} {name}" for _, emp, name in moved]
            more = len(names) - SUMMARY_EXAMPLES
            after["people_moved"] = len(moved)
            after["people"] = names[:SUMMARY_EXAMPLES] + ([f"… and {more} more"] if more > 0 else [])
    if not after:
        return team
    team.name, team.unit = new_name, new_unit
    bump_revision(team, f"The team {team.name}")
    team.save()
    if moved:
        people_changed.send(None, organisation_id=team.organisation_id, person_ids=[pk for pk, _, _ in moved])
    audit_log_write(
        actor=actor,
        organisation=team.organisation,
        action="team.update",
        obj=team,
        before=before,
        after=after,
    )
    return team


@transaction.atomic
def team_delete(*, team: Team, actor: Any, revision: int | None = None) -> None:
    team = Team.objects.select_for_update().get(pk=team.pk)
    check_revision(team, revision, f"The team {team.name}")
    if team.people.exists():
        raise PeopleConflict("Move the team's people to another team first.")
    audit_log_write(
        actor=actor,
        organisation=team.organisation,
        action="team.delete",
        obj=team,
        before={"name": team.name},
    )
    team.delete()
