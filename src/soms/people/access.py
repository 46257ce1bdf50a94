"""Tenant- and scope-checked lookups for people, structure, role profiles, imports and members.

A role that may not perform an action at all answers 403 (`PermissionDenied`); an object of another
organisation, or outside the member's scope, answers 404 exactly like a missing id.

Scopes are `Q` filters on `Person` (and on `OrgUnit`), never per-object permission rows, so they
stay one indexed query at 50,000 people:

- owner, admin: everybody in the organisation;
- manager: themself, everyone who reports to them directly or not (`Person.chain` prefix), and
  everyone in the units they manage, sub-units included (`OrgUnit.path` prefix);
- assessor: themself and the people they are asked to assess. Assessment assignments do not exist
  yet: the assessments app registers a function with `register_assessor_scope(fn)`, where
  `fn(membership) -> Q` over `Person`; until one is registered an assessor sees only themself;
- member: themself in full, and the names of the people in their own team (`person.list`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet

from soms.people.models import CoverageTarget, OrgUnit, PeopleImport, Person, RoleProfile, Team, under_q
from soms.people.permissions import ADMINS
from soms.tenancy.access import get_in_organisation, get_or_not_found, require
from soms.tenancy.models import Membership, Role
from soms.tenancy.permissions import scope, scope_rule

NOTHING = Q(pk__in=[])

_assessor_scopes: list[Callable[[Membership], Q]] = []


def register_assessor_scope(fn: Callable[[Membership], Q]) -> None:
    """Hook for the assessments app: `fn(membership)` answers the people an assessor may see."""
    if fn not in _assessor_scopes:
        _assessor_scopes.append(fn)


def me_person(membership: Membership) -> Person | None:
    """The person record linked to this member's login in their organisation, if any."""
    cached = getattr(membership, "_me_person", False)
    if cached is not False:
        return cached  # type: ignore[return-value]
    person = Person.objects.filter(
        organisation_id=membership.organisation_id, user_id=membership.user_id
    ).first()
    membership._me_person = person  # type: ignore[attr-defined]
    return person


def _managed_units_q(person: Person, field: str) -> Q:
    q = NOTHING
    for path in OrgUnit.objects.filter(manager=person).values_list("path", flat=True):
        q |= under_q(field, path)
    return q


def people_scope(membership: Membership, action: str = "person.view") -> Q:
    """The people of the membership's organisation this member may see for `action` (a Q on Person),
    as registered with the permission table's scope rules."""
    require(membership, action)
    return scope(membership, action)


@scope_rule("person.list")
def _people_list_scope(membership: Membership) -> Q:
    return _people_scope(membership, "person.list")


@scope_rule("person.view")
def _people_view_scope(membership: Membership) -> Q:
    return _people_scope(membership, "person.view")


def _people_scope(membership: Membership, action: str) -> Q:
    if membership.role in ADMINS:
        return Q()
    me = me_person(membership)
    own = Q(pk=me.pk) if me is not None else NOTHING
    if membership.role == Role.MANAGER:
        if me is None:
            return NOTHING
        return own | me.reports_q() | _managed_units_q(me, "unit__path")
    if membership.role == Role.ASSESSOR:
        q = own
        for fn in _assessor_scopes:
            q |= fn(membership)
        return q
    # member
    if action == "person.list" and me is not None and me.team_id is not None:
        return own | Q(team_id=me.team_id)
    return own


def people_in_scope(membership: Membership, action: str = "person.view") -> QuerySet[Person]:
    return Person.objects.filter(
        Q(organisation_id=membership.organisation_id) & people_scope(membership, action)
    )


def names_only(membership: Membership) -> bool:
    """Members see their team's names, not their details."""
    return membership.role == Role.MEMBER


def unit_scope(membership: Membership) -> Q:
    """The units shown in the tree (a Q on OrgUnit)."""
    require(membership, "unit.view")
    return scope(membership, "unit.view")


@scope_rule("unit.view")
def _unit_scope(membership: Membership) -> Q:
    """All units for owners and admins; otherwise the units a manager manages (with their
    sub-units) and the units of the people in the member's scope."""
    if membership.role in ADMINS:
        return Q()
    q = Q(pk__in=people_in_scope(membership, "person.list").exclude(unit=None).values("unit_id"))
    me = me_person(membership)
    if me is not None and membership.role == Role.MANAGER:
        q |= _managed_units_q(me, "path")
    return q


def person_for(membership: Membership, pk: Any, *, action: str = "person.view") -> Person:
    require(membership, action)
    queryset = Person.objects.select_related("unit", "team", "manager", "user").filter(
        people_scope(membership, action) if action in ("person.view", "person.list") else Q()
    )
    return get_in_organisation(queryset, membership.organisation, pk)


def unit_for(membership: Membership, pk: Any, *, action: str = "unit.view") -> OrgUnit:
    require(membership, action)
    queryset = OrgUnit.objects.select_related("manager", "parent")
    if action == "unit.view":
        queryset = queryset.filter(unit_scope(membership))
    return get_in_organisation(queryset, membership.organisation, pk)


def team_for(membership: Membership, pk: Any, *, action: str = "team.manage") -> Team:
    require(membership, action)
    return get_in_organisation(Team.objects.select_related("unit"), membership.organisation, pk)


def role_profiles_visible(membership: Membership) -> QuerySet[RoleProfile]:
    require(membership, "role_profile.view")
    return RoleProfile.objects.filter(
        Q(organisation_id=membership.organisation_id) | Q(organisation__isnull=True)
    ).select_related("version__framework")


def role_profile_for(membership: Membership, pk: Any, *, action: str = "role_profile.view") -> RoleProfile:
    """A profile of the organisation or a built-in one (read-only: `role_profile.manage` on a
    built-in profile answers 403, the same as for a role that may not edit)."""
    require(membership, action)
    profile = get_or_not_found(
        role_profiles_visible(membership), pk=pk, missing=f"No role profile with id {pk}"
    )
    if action != "role_profile.view" and profile.organisation_id is None:
        raise PermissionDenied(
            "Built-in role profiles are read-only; copy one into your organisation instead"
        )
    return profile


def coverage_target_for(
    membership: Membership, pk: Any, *, action: str = "coverage.manage"
) -> CoverageTarget:
    require(membership, action)
    return get_in_organisation(
        CoverageTarget.objects.select_related("unit", "team", "element", "level"), membership.organisation, pk
    )


def people_import_for(membership: Membership, pk: Any) -> PeopleImport:
    require(membership, "people.import")
    return get_in_organisation(PeopleImport.objects.all(), membership.organisation, pk)


def member_for(membership: Membership, pk: Any, *, action: str) -> Membership:
    # members.* actions are in the shared table; this helper only narrows to the organisation.
    """Another membership of the same organisation."""
    require(membership, action)
    return get_in_organisation(Membership.objects.select_related("user"), membership.organisation, pk)
