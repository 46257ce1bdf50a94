"""Employee ids match without regard to case, like e-mail addresses: within a file, against the
database, in forms and in the API; the stored spelling is kept."""

from __future__ import annotations

import pytest
from django.db import IntegrityError, transaction

from soms.people.errors import PeopleInvalid
from soms.people.models import Person
from soms.people.services.persons import person_create, person_update
from tests.people.conftest import Org
from tests.people.helpers import csv_bytes
from tests.people.test_dates import _import

pytestmark = pytest.mark.django_db


def test_a_file_s_id_in_another_case_updates_the_stored_person(org: Org) -> None:
    a = org.world.org_a
    before = Person.objects.filter(organisation=a).count()
    plan, _ = _import(
        a,
        csv_bytes(
            [
                ["employee_id", "job_title", "manager_employee_id"],
                ["e003", "Senior handler", "e001"],
            ]
        ),
    )
    assert not plan.problems
    assert [r.employee_id for r in plan.updates] == ["E003"]
    assert Person.objects.filter(organisation=a).count() == before
    sam = Person.objects.get(pk=org.people["E003"].pk)
    assert (sam.employee_id, sam.job_title, sam.manager) == ("E003", "Senior handler", org.people["E001"])


def test_ids_that_differ_only_in_case_within_a_file_are_the_same_id_twice(org: Org) -> None:
    plan, _ = _import(
        org.world.org_a,
        csv_bytes([["employee_id", "name", "manager_employee_id"], ["X-1", "One", ""], ["x-1", "Two", ""]]),
    )
    assert [(p.row, p.column) for p in plan.problems] == [(3, "employee_id")]
    assert "row 2" in plan.problems[0].reason and "ignore case" in plan.problems[0].reason
    assert not Person.objects.filter(employee_id__iexact="x-1").exists()
    # A new person's id in another case names the same new person as manager.
    plan, _ = _import(
        org.world.org_a,
        csv_bytes(
            [["employee_id", "name", "manager_employee_id"], ["M-1", "Boss", ""], ["W-1", "Worker", "m-1"]]
        ),
    )
    assert not plan.problems
    assert Person.objects.get(employee_id="W-1").manager == Person.objects.get(employee_id="M-1")


def test_a_new_person_in_a_file_without_a_name_column_is_a_problem_not_a_crash(org: Org) -> None:
    plan, _ = _import(
        org.world.org_a, csv_bytes([["employee_id", "job_title"], ["E001", "Chief"], ["N1", "New"]])
    )
    assert [(p.row, p.column) for p in plan.problems] == [(3, "name")]
    assert "new person" in plan.problems[0].reason
    assert not Person.objects.filter(employee_id="N1").exists()


def test_forms_services_and_the_database_refuse_an_id_that_differs_only_in_case(org: Org) -> None:
    a, alice = org.world.org_a, org.world.alice
    with pytest.raises(PeopleInvalid, match="already used"):
        person_create(organisation=a, actor=alice, employee_id="e001", name="Twin")
    with pytest.raises(PeopleInvalid, match="already used"):
        person_update(person=org.people["E002"], actor=alice, employee_id="e001")
    # Changing only the case of one's own id is allowed.
    assert person_update(person=org.people["E002"], actor=alice, employee_id="e002").employee_id == "e002"
    with pytest.raises(IntegrityError), transaction.atomic():
        Person.objects.create(organisation=a, employee_id="E001".lower(), name="Raw twin")
    # The form's manager field takes the id in any case.
    client = org.world.client_for(alice, a)
    saved = client.post(
        f"/people/{org.people['E006'].pk}/edit/",
        {"employee_id": "E006", "name": "Fred Finance", "manager": "e001", "revision": "1", "active": "on"},
    )
    assert saved.status_code == 302
    assert Person.objects.get(pk=org.people["E006"].pk).manager == org.people["E001"]


def test_the_person_form_names_a_taken_id_alongside_a_bad_e_mail(org: Org) -> None:
    """Both errors in one answer, not the id only on the next try once the e-mail is fixed."""
    a, alice = org.world.org_a, org.world.alice
    client = org.world.client_for(alice, a)
    before = Person.objects.filter(organisation=a).count()
    typed = {
        "employee_id": "e001",
        "name": "Twin",
        "email": "not-an-email",
        "job_title": "Typist",
        "active": "on",
    }
    refused = client.post("/people/new/", typed)
    assert refused.status_code == 400
    errors = refused.context["form"].errors
    assert errors["employee_id"] == ["'e001' is already used in this organisation"]
    assert "email" in errors
    page = refused.content.decode()
    assert "is already used in this organisation" in page
    assert 'value="e001"' in page and 'value="not-an-email"' in page and 'value="Typist"' in page
    assert Person.objects.filter(organisation=a).count() == before
    # On the edit page: one's own id (in any case) is not "taken"; another person's is.
    url = f"/people/{org.people['E006'].pk}/edit/"
    edit = {"employee_id": "e006", "name": "Fred Finance", "email": "bad", "revision": "1", "active": "on"}
    own = client.post(url, edit)
    assert own.status_code == 400 and list(own.context["form"].errors) == ["email"]
    other = client.post(url, {**edit, "employee_id": "E002"})
    assert other.status_code == 400 and set(other.context["form"].errors) == {"employee_id", "email"}
    # Another organisation's ids are no concern here.
    person_create(organisation=org.world.org_b, actor=org.world.bob, employee_id="B1", name="Elsewhere")
    free = client.post("/people/new/", {**typed, "employee_id": "b1"})
    assert list(free.context["form"].errors) == ["email"]
    assert Person.objects.get(pk=org.people["E006"].pk).employee_id == "E006"
