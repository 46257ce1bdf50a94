"""Who may see gaps and plans, and change a development action.

Every Insights view reads people through `soms.people.access.people_in_scope`: owners and admins
see everyone, a manager their subtree, an assessor the people they assess, a member themself. A
filter naming a unit, team or manager outside that scope answers 404, like a missing one.
"""

from __future__ import annotations

from typing import Any

from soms.insights.models import DevelopmentAction
from soms.people.access import me_person, people_in_scope
from soms.people.models import Person
from soms.tenancy.access import get_in_organisation, require
from soms.tenancy.models import Membership
from soms.tenancy.permissions import ADMINS, object_rule


def person_for(membership: Membership, pk: Any, *, action: str = "insights.view") -> Person:
    require(membership, action)
    return get_in_organisation(
        people_in_scope(membership, "person.view").select_related("unit", "team"), membership.organisation, pk
    )


def action_for(membership: Membership, pk: Any, *, action: str = "development.view") -> DevelopmentAction:
    require(membership, action)
    queryset = DevelopmentAction.objects.select_related(
        "person", "element", "statement", "owner", "version"
    ).filter(person__in=people_in_scope(membership, "person.view"))
    return get_in_organisation(queryset, membership.organisation, pk)


@object_rule("development.manage")
def _may_manage(membership: Membership, person: Any) -> bool:
    """Owners and admins; the person themself; whoever has the person in their scope as a manager or assessor."""
    if membership.role in ADMINS:
        return True
    me = me_person(membership)
    if me is not None and me.pk == person.pk:
        return True
    if membership.role == "member":
        return False
    return people_in_scope(membership, "person.view").filter(pk=person.pk).exists()
