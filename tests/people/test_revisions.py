"""Nothing a user typed is lost to a concurrent edit: the second writer gets a clear conflict.

Two people open the same row; the first saves; the second, still holding the old revision, gets a
409 on the API (`{detail, revision}`) and, on a page, the form again with what they typed and a
message saying who changed what. Nothing of the second write is stored."""

from __future__ import annotations

from typing import Any

import pytest

from soms.frameworks.models import Element, Level
from soms.people.errors import StaleRevision
from soms.people.models import CoverageTarget, OrgUnit, Person, RoleProfile, Team
from soms.people.services import persons
from soms.people.services.profiles import (
    builtin_soms_version,
    coverage_target_create,
    role_profile_create,
    role_profiles_builtin_load,
)
from soms.people.services.revisions import bump_revision
from soms.tenancy.models import Membership, Role
from tests.people.conftest import Org
from tests.people.helpers import csv_bytes
from tests.people.test_import import run

pytestmark = pytest.mark.django_db


def _json(client: Any, method: str, url: str, body: dict[str, Any] | None = None) -> Any:
    return getattr(client, method)(url, body or {}, content_type="application/json")


def _two_writers(org: Org) -> tuple[Any, Any]:
    w = org.world
    return w.client_for(w.alice, w.org_a), w.client_for(w.alice, w.org_a)


def test_the_second_api_writer_of_a_person_gets_409_and_nothing_is_written(org: Org) -> None:
    first, second = _two_writers(org)
    url = f"/api/v1/people/{org.people['E003'].pk}"
    read = first.get(url).json()
    assert second.get(url).json()["revision"] == read["revision"]
    saved = _json(first, "patch", url, {"job_title": "Team lead", "revision": read["revision"]})
    assert saved.status_code == 200 and saved.json()["revision"] == read["revision"] + 1
    stale = _json(second, "patch", url, {"location": "Leeds", "revision": read["revision"]})
    assert stale.status_code == 409
    body = stale.json()
    assert "changed by someone else" in body["detail"] and body["revision"] == read["revision"] + 1
    sam = Person.objects.get(pk=org.people["E003"].pk)
    assert (sam.job_title, sam.location) == ("Team lead", "")
    # A stale write that would change nothing is still a conflict: the client's copy is out of date.
    same = _json(second, "patch", url, {"job_title": "Team lead", "revision": read["revision"]})
    assert same.status_code == 409
    # The revision is required: an edit that does not say what it read is bad input.
    missing = _json(second, "patch", url, {"location": "Leeds"})
    assert missing.status_code == 422 and "revision" in str(missing.json()["detail"])
    # With the current revision the second writer goes through.
    again = _json(second, "patch", url, {"location": "Leeds", "revision": body["revision"]})
    assert again.status_code == 200 and again.json()["job_title"] == "Team lead"


@pytest.fixture
def profile_and_target(org: Org, builtin: Any) -> tuple[RoleProfile, CoverageTarget]:
    role_profiles_builtin_load()
    version = builtin_soms_version()
    assert version is not None
    element = Element.objects.get(version=version, code="delivery")
    level = Level.objects.get(version=version, code="practitioner")
    profile = role_profile_create(
        organisation=org.world.org_a,
        version=version,
        code="ours",
        name="Ours",
        requirements={element: level},
        actor=org.world.alice,
    )
    target = coverage_target_create(
        organisation=org.world.org_a,
        unit=org.units["claims"],
        element=element,
        level=level,
        minimum=2,
        actor=org.world.alice,
    )
    return profile, target


def test_every_editable_row_refuses_a_stale_api_write_and_delete(
    org: Org, profile_and_target: tuple[RoleProfile, CoverageTarget]
) -> None:
    profile, target = profile_and_target
    first, second = _two_writers(org)
    alice = Membership.objects.get(organisation=org.world.org_a, user=org.world.alice)
    charlie = Membership.objects.get(organisation=org.world.org_a, user=org.world.charlie)
    empty = OrgUnit.objects.create(organisation=org.world.org_a, name="Empty", path="", depth=0)
    empty.path = f"{empty.pk:010d}"
    empty.save()
    spare = Team.objects.create(organisation=org.world.org_a, name="Spare")
    cases = [
        (f"/api/v1/org-units/{org.units['south'].pk}", {"name": "South one"}, {"name": "South two"}),
        (f"/api/v1/teams/{org.team.pk}", {"name": "Desk one"}, {"name": "Desk two"}),
        (
            f"/api/v1/role-profiles/{profile.pk}",
            {"requirements": [{"element": "delivery", "level": "foundation"}]},
            {"name": "Ours, renamed"},
        ),
        (f"/api/v1/coverage-targets/{target.pk}", {"minimum": 3}, {"note": "mine"}),
        (f"/api/v1/members/{charlie.pk}", {"role": "assessor"}, {"role": "manager"}),
    ]
    for url, one, two in cases:
        rev = 1
        assert _json(first, "patch", url, {**one, "revision": rev}).status_code == 200, url
        stale = _json(second, "patch", url, {**two, "revision": rev})
        assert stale.status_code == 409, url
        assert stale.json()["revision"] == 2 and stale.json()["detail"], url
    assert OrgUnit.objects.get(pk=org.units["south"].pk).name == "South one"
    assert Team.objects.get(pk=org.team.pk).name == "Desk one"
    assert RoleProfile.objects.get(pk=profile.pk).name == "Ours"
    assert RoleProfile.objects.get(pk=profile.pk).requirements.get().level.code == "foundation"
    assert CoverageTarget.objects.get(pk=target.pk).note == ""
    assert Membership.objects.get(pk=charlie.pk).role == Role.ASSESSOR
    # Deletes: `?revision=` of a row someone changed since refuses, and the row stays.
    deletes = [
        (f"/api/v1/role-profiles/{profile.pk}", RoleProfile, profile.pk),
        (f"/api/v1/coverage-targets/{target.pk}", CoverageTarget, target.pk),
        (f"/api/v1/members/{charlie.pk}", Membership, charlie.pk),
        (f"/api/v1/org-units/{empty.pk}?revision=1", None, None),
        (f"/api/v1/teams/{spare.pk}?revision=1", None, None),
    ]
    for url, model, pk in deletes:
        if model is None:
            assert second.delete(url).status_code == 204, url
            continue
        assert second.delete(f"{url}?revision=1").status_code == 409, url
        assert model.objects.filter(pk=pk).exists(), url
        assert second.delete(f"{url}?revision=2").status_code == 204, url
    assert alice.role == Role.OWNER


def test_a_stale_person_page_keeps_what_was_typed_and_says_what_changed(org: Org) -> None:
    w = org.world
    mine = w.client_for(w.alice, w.org_a)
    url = f"/people/{org.people['E003'].pk}/edit/"
    page = mine.get(url)
    assert b'name="revision" value="1"' in page.content
    # Meanwhile someone else changes the job title.
    persons.person_update(person=org.people["E003"], actor=w.alice, job_title="Claims lead", revision=1)
    typed = {
        "revision": "1",
        "employee_id": "E003",
        "name": "Sam South",
        "job_title": "Handler",
        "location": "Leeds",
        "start_date": "2021-04-01",
        "active": "on",
        "manager": "E002",
        "unit": str(org.units["south"].pk),
    }
    stale = mine.post(url, typed)
    assert stale.status_code == 409
    text = stale.content.decode()
    assert "changed this while you were editing" in text and "nothing was saved" in text
    assert "Job title: “Claims lead”" in text
    # The typed values are all still in the form, now based on the current revision.
    assert 'value="Leeds"' in text and 'value="Handler"' in text and 'value="2021-04-01"' in text
    assert 'name="revision" value="2"' in text
    sam = Person.objects.get(pk=org.people["E003"].pk)
    assert (sam.job_title, sam.location, sam.revision) == ("Claims lead", "", 2)
    # Saving the form as shown again goes through: the user chose their values knowingly.
    resubmit = mine.post(url, {**typed, "revision": "2"})
    assert resubmit.status_code == 302
    sam.refresh_from_db()
    assert (sam.job_title, sam.location, sam.revision) == ("Handler", "Leeds", 3)


def test_a_page_edit_started_before_an_import_is_refused(org: Org) -> None:
    w = org.world
    mine = w.client_for(w.alice, w.org_a)
    url = f"/people/{org.people['E006'].pk}/edit/"
    assert b'name="revision" value="1"' in mine.get(url).content
    run(w.org_a, csv_bytes([["employee_id", "job_title"], ["E006", "Controller"]]))
    # An import that leaves a person unchanged does not move their revision.
    assert Person.objects.get(pk=org.people["E001"].pk).revision == 1
    stale = mine.post(
        url, {"revision": "1", "employee_id": "E006", "name": "Fred Finance", "job_title": "Clerk"}
    )
    assert stale.status_code == 409 and "Job title: “Controller”" in stale.content.decode()
    fred = Person.objects.get(pk=org.people["E006"].pk)
    assert (fred.job_title, fred.revision) == ("Controller", 2)
    # Deactivating people missing from a file moves their revision too.
    run(w.org_a, csv_bytes([["employee_id"], ["E001"]]), deactivate_missing=True)
    fred.refresh_from_db()
    assert (fred.active, fred.revision) == (False, 3)


def test_stale_unit_role_profile_and_member_pages(
    org: Org, profile_and_target: tuple[RoleProfile, CoverageTarget]
) -> None:
    profile, target = profile_and_target
    w = org.world
    mine = w.client_for(w.alice, w.org_a)
    south = org.units["south"]
    from soms.people.services.structure import unit_update

    unit_update(unit=south, name="South region", actor=w.alice)
    stale = mine.post(f"/people/units/{south.pk}/edit/", {"name": "Southern", "revision": "1"})
    assert stale.status_code == 409
    assert "Name: “South region”" in stale.content.decode() and 'value="Southern"' in stale.content.decode()
    assert OrgUnit.objects.get(pk=south.pk).name == "South region"

    element = Element.objects.get(version=profile.version, code="delivery")
    foundation = Level.objects.get(version=profile.version, code="foundation")
    senior = Level.objects.get(version=profile.version, code="senior-practitioner")
    ok = mine.post(
        f"/people/role-profiles/{profile.pk}/",
        {"name": "Ours", "description": "", f"element-{element.pk}": foundation.pk, "revision": "1"},
    )
    assert ok.status_code == 302
    stale = mine.post(
        f"/people/role-profiles/{profile.pk}/",
        {"name": "Mine", "description": "", f"element-{element.pk}": senior.pk, "revision": "1"},
    )
    text = stale.content.decode()
    assert stale.status_code == 409 and "changed this while you were editing" in text
    assert f"{element.name}: {foundation.name}" in text and 'value="Mine"' in text
    assert f'<option value="{senior.pk}" selected>' in text
    assert RoleProfile.objects.get(pk=profile.pk).requirements.get().level == foundation
    # A delete button from before the change does not delete.
    gone = mine.post(f"/people/role-profiles/{profile.pk}/delete/", {"revision": "1"}, follow=True)
    assert RoleProfile.objects.filter(pk=profile.pk).exists() and b"Nothing was deleted" in gone.content
    coverage = mine.post(f"/people/coverage/{target.pk}/delete/", {"revision": "7"}, follow=True)
    assert CoverageTarget.objects.filter(pk=target.pk).exists() and b"Nothing was removed" in coverage.content

    charlie = Membership.objects.get(organisation=w.org_a, user=w.charlie)
    assert (
        mine.post(
            f"/organisation/members/{charlie.pk}/role/", {"role": "assessor", "revision": "1"}
        ).status_code
        == 302
    )
    mine.post(f"/organisation/members/{charlie.pk}/role/", {"role": "manager", "revision": "1"})
    mine.post(f"/organisation/members/{charlie.pk}/remove/", {"revision": "1"})
    charlie.refresh_from_db()
    assert (charlie.role, charlie.revision) == (Role.ASSESSOR, 2)


def test_two_writers_with_the_same_revision_only_one_gets_through(org: Org) -> None:
    # What SQLite's ignored SELECT … FOR UPDATE would let happen: both read revision 1.
    first = Person.objects.get(pk=org.people["E004"].pk)
    second = Person.objects.get(pk=org.people["E004"].pk)
    bump_revision(first, "Sue")
    with pytest.raises(StaleRevision):
        bump_revision(second, "Sue")
    assert Person.objects.get(pk=first.pk).revision == 2
