from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Q, QuerySet, Value
from django.db.models.functions import Lower
from django.db.models.lookups import Exact

from soms.people.access import people_in_scope, unit_scope
from soms.people.models import ID_WIDTH, OrgUnit, Person, RoleRequirement, Team, under_q
from soms.people.search import search_text
from soms.tenancy.models import Membership


@dataclass
class PeopleFilter:
    q: str = ""
    unit: OrgUnit | None = None  # this unit and everything under it
    team: Team | None = None
    active: bool | None = True
    role_profile: int | None = None
    manager: Person | None = None  # everyone under this manager, directly or not


def people_list(
    membership: Membership, filters: PeopleFilter, *, action: str = "person.list"
) -> QuerySet[Person]:
    """The people a member may see, filtered; every condition is backed by an index."""
    qs = people_in_scope(membership, action).select_related("unit", "team", "manager")
    q = filters.q.strip()
    if q:
        qs = qs.filter(search_q(q))
    if filters.unit is not None:
        qs = qs.filter(under_q("unit__path", filters.unit.path))
    if filters.team is not None:
        qs = qs.filter(team=filters.team)
    if filters.active is not None:
        qs = qs.filter(active=filters.active)
    if filters.role_profile:
        qs = qs.filter(role_profiles__id=filters.role_profile)
    if filters.manager is not None:
        qs = qs.filter(filters.manager.reports_q())
    return qs.order_by("name_key", "id")


def search_q(q: str) -> Q:
    """What a search box matches (soms.people.search): the start of any word of the name, folded
    for case and accents; or the employee id or the e-mail, whole, in any case.

    The start of the name is a range of the (organisation, search_key) index; a later word reads
    that index's keys of the organisation, not the table; the id is the case-free unique index."""
    folded = search_text(q)
    match = Exact(Lower("employee_id"), Lower(Value(q))) | Q(email__iexact=q)
    if folded:
        match |= Q(search_key__startswith=folded) | Q(search_key__contains=" " + folded)
    return Q(match)


def unit_counts(membership: Membership, unit: OrgUnit) -> tuple[int, int]:
    """(active people of the member's scope directly in `unit`, … in it and every unit below): the
    same people the unit's page lists, so the page, the tree and the API give one number."""
    below = people_list(membership, PeopleFilter(unit=unit)).order_by()
    return below.filter(unit=unit).count(), below.count()


@dataclass
class TreeNode:
    unit: OrgUnit
    own: int = 0  # people directly in the unit
    total: int = 0  # people in the unit and everything under it
    children: list[TreeNode] = field(default_factory=list)


def org_tree(membership: Membership) -> list[TreeNode]:
    """The units a member may see, as a forest, with the people of their scope counted per unit
    (two queries: the units, and one GROUP BY over people)."""
    units = list(
        OrgUnit.objects.filter(Q(organisation_id=membership.organisation_id) & unit_scope(membership))
        .select_related("manager")
        .order_by("path")
    )
    counts = dict(
        people_in_scope(membership, "person.list")
        .filter(active=True)
        .exclude(unit=None)
        .values_list("unit_id")
        .annotate(n=Count("id"))
        .values_list("unit_id", "n")
    )
    nodes = {u.pk: TreeNode(unit=u, own=counts.get(u.pk, 0)) for u in units}
    roots: list[TreeNode] = []
    for unit in units:  # ordered by path: parents come before children
        node = nodes[unit.pk]
        parent = nodes.get(unit.parent_id) if unit.parent_id else None
        (parent.children if parent else roots).append(node)
    # Totals bottom-up: walk in reverse path order so children are summed before parents.
    for unit in reversed(units):
        node = nodes[unit.pk]
        node.total = node.own + sum(c.total for c in node.children)
    return roots


def tree_flat(roots: list[TreeNode]) -> list[tuple[int, TreeNode]]:
    out: list[tuple[int, TreeNode]] = []

    def walk(nodes: list[TreeNode], depth: int) -> None:
        for node in sorted(nodes, key=lambda n: n.unit.name.lower()):
            out.append((depth, node))
            walk(node.children, depth + 1)

    walk(roots, 0)
    return out


def unit_ancestors(unit: OrgUnit) -> list[OrgUnit]:
    ids = [int(unit.path[i : i + ID_WIDTH]) for i in range(0, len(unit.path) - ID_WIDTH, ID_WIDTH)]
    found = {u.pk: u for u in OrgUnit.objects.filter(pk__in=ids)}
    return [found[i] for i in ids if i in found]


def manager_chain(person: Person) -> list[Person]:
    """The person's managers from the top down (one query, from the stored chain)."""
    ids = [int(person.chain[i : i + ID_WIDTH]) for i in range(0, len(person.chain), ID_WIDTH)]
    found = {p.pk: p for p in Person.objects.filter(pk__in=ids, organisation_id=person.organisation_id)}
    return [found[i] for i in ids if i in found]


def person_requirements(person: Person) -> list[dict[str, Any]]:
    """What the person's role profiles require: the highest level per element over all of them."""
    best: dict[tuple[int, int], RoleRequirement] = {}
    reqs = RoleRequirement.objects.filter(profile__people=person).select_related(
        "element", "level", "profile", "profile__version__framework"
    )
    for r in reqs:
        key = (r.profile.version_id, r.element_id)
        if key not in best or r.level.rank > best[key].level.rank:
            best[key] = r
    return [
        {"version": r.profile.version, "element": r.element, "level": r.level, "from": r.profile}
        for r in sorted(best.values(), key=lambda r: (r.profile.version_id, r.element.order, r.element_id))
    ]


def unit_path_names(units: list[OrgUnit] | QuerySet[OrgUnit]) -> dict[int, str]:
    """Unit id -> 'A/B/C' for the given units, with one query for all their ancestors."""
    units = list(units)
    ids: set[int] = set()
    for u in units:
        ids.update(int(u.path[i : i + ID_WIDTH]) for i in range(0, len(u.path), ID_WIDTH))
    names = dict(OrgUnit.objects.filter(pk__in=ids).values_list("pk", "name"))
    out = {}
    for u in units:
        chain = [int(u.path[i : i + ID_WIDTH]) for i in range(0, len(u.path), ID_WIDTH)]
        out[u.pk] = "/".join(names.get(i, "?") for i in chain)
    return out


PATH_SEPARATOR = " / "


def unit_path_labels(units: list[OrgUnit] | QuerySet[OrgUnit]) -> list[tuple[OrgUnit, str]]:
    """Each unit with its full path ('Operations / North / Service desk'), sorted by that path
    without regard to case: two units of one name in different branches are told apart. One query
    for the units, one for all their ancestors (some may lie outside a member's scope)."""
    units = list(units)
    ids: set[int] = set()
    for u in units:
        ids.update(int(u.path[i : i + ID_WIDTH]) for i in range(0, len(u.path), ID_WIDTH))
    names = dict(OrgUnit.objects.filter(pk__in=ids).values_list("pk", "name"))
    labelled = []
    for u in units:
        chain = [names.get(int(u.path[i : i + ID_WIDTH]), "?") for i in range(0, len(u.path), ID_WIDTH)]
        labelled.append((tuple(n.casefold() for n in chain), u.pk, u, PATH_SEPARATOR.join(chain)))
    labelled.sort(key=lambda t: (t[0], t[1]))
    return [(u, label) for _, _, u, label in labelled]
