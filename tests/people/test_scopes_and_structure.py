from __future__ import annotations

import pytest

from soms.people.access import people_in_scope, person_for, unit_scope
from soms.people.errors import PeopleInvalid
from soms.people.models import OrgUnit, Person
from soms.people.selectors.people import manager_chain, org_tree, tree_flat
from soms.people.services.persons import person_update
from soms.people.services.structure import unit_update
from soms.tenancy.access import NotFound
from soms.tenancy.models import Membership

pytestmark = pytest.mark.django_db


def _m(user, org):
    return Membership.objects.select_related("organisation", "user").get(user=user, organisation=org)


def _ids(qs):
    return set(qs.values_list("pk", flat=True))


def test_manager_sees_reports_reports_reports_and_the_units_they_manage(org):
    m = _m(org.priya, org.world.org_a)
    assert _ids(people_in_scope(m)) == org.ids("E002", "E003", "E004", "E005", "E007", "E008")
    # ... and the tree shows only the unit they manage, with the people of their scope counted.
    units = set(OrgUnit.objects.filter(unit_scope(m)).values_list("name", flat=True))
    assert units == {"Claims", "North", "South"}  # Claims holds Priya herself; North is managed


def test_member_sees_themself_and_their_teams_names(org):
    m = _m(org.world.charlie, org.world.org_a)
    assert _ids(people_in_scope(m, "person.list")) == org.ids("E005", "E007", "E008")
    assert _ids(people_in_scope(m, "person.view")) == org.ids("E007")
    with pytest.raises(NotFound):
        person_for(m, org.people["E005"].pk)


def test_assessor_sees_only_themself_until_assignments_exist(org):
    m = _m(org.world.dana, org.world.org_a)
    assert _ids(people_in_scope(m)) == set()


def test_owner_sees_everyone_in_their_organisation_only(org):
    m = _m(org.world.alice, org.world.org_a)
    assert _ids(people_in_scope(m)) == org.ids(*org.people)
    with pytest.raises(NotFound):
        person_for(m, org.b_person.pk)


def test_tree_counts_the_subtree(org):
    m = _m(org.world.alice, org.world.org_a)
    flat = {node.unit.name: (depth, node.own, node.total) for depth, node in tree_flat(org_tree(m))}
    assert flat == {
        "Operations": (0, 1, 7),
        "Claims": (1, 1, 6),
        "North": (2, 3, 3),
        "South": (2, 2, 2),
        "Finance": (0, 1, 1),
    }


def test_moving_a_unit_rewrites_its_subtree_and_refuses_cycles(org):
    claims, north, finance = org.units["claims"], org.units["north"], org.units["finance"]
    with pytest.raises(PeopleInvalid, match="under itself"):
        unit_update(unit=claims, parent=north, actor=org.world.alice)
    with pytest.raises(PeopleInvalid, match="under itself"):
        unit_update(unit=claims, parent=claims, actor=org.world.alice)
    unit_update(unit=claims, parent=finance, actor=org.world.alice)
    north.refresh_from_db()
    finance.refresh_from_db()
    assert north.path.startswith(finance.path) and north.depth == 2
    under_finance = set(OrgUnit.objects.filter(finance.subtree_q()).values_list("name", flat=True))
    assert under_finance == {"Finance", "Claims", "North", "South"}


def test_changing_a_manager_moves_the_whole_reporting_line_and_refuses_cycles(org):
    p = org.people
    with pytest.raises(PeopleInvalid, match="report"):
        person_update(person=p["E002"], manager=p["E004"], actor=org.world.alice)  # E004 reports to E002
    with pytest.raises(PeopleInvalid, match="report"):
        person_update(person=p["E002"], manager=p["E002"], actor=org.world.alice)
    person_update(person=p["E003"], manager=p["E006"], actor=org.world.alice)
    e004 = Person.objects.get(pk=p["E004"].pk)
    assert [x.employee_id for x in manager_chain(e004)] == ["E006", "E003"]
    m = _m(org.priya, org.world.org_a)
    assert org.people["E004"].pk not in _ids(people_in_scope(m))


def test_a_unit_from_another_organisation_is_refused(org):
    with pytest.raises(PeopleInvalid):
        person_update(person=org.people["E001"], unit=org.b_unit, actor=org.world.alice)
    with pytest.raises(PeopleInvalid):
        person_update(person=org.people["E001"], manager=org.b_person, actor=org.world.alice)
