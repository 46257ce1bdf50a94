"""What a view of the Insights pages is called: the same words on the page, in its API answer,
in the job's title and in the report files.

A manager who picks no unit, team or manager sees their own people (their reports, direct and
not, and everyone in the units they manage), not the organisation: the title says so.
"""

from __future__ import annotations

from soms.insights.selectors.picture import Filters
from soms.people.access import me_person
from soms.people.models import OrgUnit
from soms.tenancy.models import Membership, Role

YOUR_PEOPLE = "Your people"
# A member's view holds only themself (soms.insights.access): it is called so.
YOU = "You"


def _own_view(membership: Membership, filters: Filters) -> bool:
    return membership.role == Role.MANAGER and filters.manager is None


def _self_view(membership: Membership, filters: Filters) -> bool:
    return membership.role == Role.MEMBER and filters.team is None and filters.unit is None


def scope_name(membership: Membership, filters: Filters) -> str:
    """The view's name, as the page's heading shows it."""
    if filters.team is not None:
        return filters.team.name
    if filters.unit is not None:
        return filters.unit.name
    if filters.manager is not None:
        return f"People reporting to {filters.manager.name}"
    if _own_view(membership, filters):
        return YOUR_PEOPLE
    if _self_view(membership, filters):
        return YOU
    return str(membership.organisation.name)


def scope_title(membership: Membership, filters: Filters) -> str:
    """The view's name in a report's title: what a team or unit is said in front of its name."""
    if filters.team is not None:
        return f"Team {filters.team.name}"
    if filters.unit is not None:
        return f"Unit {filters.unit.name}"
    return scope_name(membership, filters)


def scope_note(membership: Membership, filters: Filters) -> str:
    """What "Your people" holds, for a manager's own view, and "You" for a member's; "" for any other."""
    if _self_view(membership, filters):
        return (
            "Your own levels against what your role profiles require. A member sees only themself "
            "here; your manager and your organisation's administrators see the team's picture."
        )
    if filters.team is not None or filters.unit is not None or not _own_view(membership, filters):
        return ""
    me = me_person(membership)
    if me is None:
        return (
            "Your login is not linked to a person record in this organisation, so nobody reports to "
            "you here yet: ask an administrator to link it."
        )
    units = list(
        OrgUnit.objects.filter(organisation_id=membership.organisation_id, manager=me)
        .order_by("name")
        .values_list("name", flat=True)[:20]
    )
    if not units:
        return "You and the people who report to you, directly or through others."
    return (
        "You, the people who report to you (directly or through others) and everyone in the "
        f"units you manage: {', '.join(units)} (with the units under them)."
    )
