"""Copying a built-in (read-only) role profile into an editable profile of the organisation."""

from __future__ import annotations

import pytest

from soms.people.models import RoleProfile
from soms.people.services.persons import role_profiles_by_code
from soms.people.services.profiles import role_profile_copy, role_profiles_builtin_load
from soms.tenancy.models import AuditLogEntry

pytestmark = pytest.mark.django_db


def _levels(profile: RoleProfile) -> dict[str, str]:
    return {r.element.code: r.level.code for r in profile.requirements.select_related("element", "level")}


@pytest.fixture
def designer(builtin) -> RoleProfile:
    role_profiles_builtin_load()
    return RoleProfile.objects.get(organisation=None, code="om-designer")


def test_the_page_copies_a_builtin_profile_into_an_editable_one(world, designer):
    client = world.client_for(world.alice, world.org_a)
    page = client.get(f"/people/role-profiles/{designer.pk}/").content.decode()
    assert "Copy into my organisation" in page and 'value="om-designer"' in page

    r = client.post(
        f"/people/role-profiles/{designer.pk}/copy/",
        {"copy-code": "om-designer", "copy-name": "Our designer"},
    )
    copy = RoleProfile.objects.get(organisation=world.org_a, code="om-designer")
    assert r.status_code == 302 and r["Location"] == f"/people/role-profiles/{copy.pk}/"
    assert copy.name == "Our designer" and copy.description == designer.description
    assert copy.version_id == designer.version_id and not copy.is_builtin
    assert _levels(copy) == _levels(designer) and len(_levels(copy)) == 7
    # The copy is editable (the built-in one is not), and it is what HR files now mean by the code.
    edit = client.get(r["Location"]).content.decode()
    assert 'name="name"' in edit and "Delete profile" in edit
    assert role_profiles_by_code(world.org_a.pk)["om-designer"] == copy
    assert role_profiles_by_code(world.org_b.pk)["om-designer"] == designer
    entry = AuditLogEntry.objects.get(organisation=world.org_a, action="role_profile.copy")
    assert entry.after["copied_from"] == "om-designer (built-in)" and entry.after["code"] == "om-designer"
    # The built-in profile is untouched.
    designer.refresh_from_db()
    assert designer.name == "Operating-model designer" and designer.organisation_id is None


def test_a_second_copy_gets_a_free_code_and_a_taken_code_is_refused(world, designer):
    first = role_profile_copy(organisation=world.org_a, source=designer, actor=world.alice)
    second = role_profile_copy(organisation=world.org_a, source=designer, actor=world.alice)
    assert (first.code, second.code) == ("om-designer", "om-designer-2")
    client = world.client_for(world.alice, world.org_a)
    r = client.post(
        f"/people/role-profiles/{designer.pk}/copy/", {"copy-code": "om-designer", "copy-name": "x"}
    )
    assert r.status_code == 400 and "already used" in r.content.decode()
    bad = client.post(
        f"/people/role-profiles/{designer.pk}/copy/", {"copy-code": "has space", "copy-name": "x"}
    )
    assert bad.status_code == 400
    assert RoleProfile.objects.filter(organisation=world.org_a).count() == 2


def test_the_api_copies_with_defaults_and_names_a_bad_code(world, designer):
    client = world.client_for(world.alice, world.org_a)
    r = client.post(f"/api/v1/role-profiles/{designer.pk}/copy", {}, content_type="application/json")
    assert r.status_code == 201, r.content
    body = r.json()
    assert body["code"] == "om-designer" and body["builtin"] is False
    assert body["name"] == designer.name and len(body["requirements"]) == 7
    again = client.post(
        f"/api/v1/role-profiles/{body['id']}/copy", {"name": "Ours, again"}, content_type="application/json"
    )
    assert again.status_code == 201 and again.json()["code"] == "om-designer-2"
    clash = client.post(
        f"/api/v1/role-profiles/{designer.pk}/copy", {"code": "om-designer"}, content_type="application/json"
    )
    assert clash.status_code == 422 and "code" in str(clash.json()["detail"])
    # The copy is editable through the API; the built-in one still answers 403.
    patched = client.patch(
        f"/api/v1/role-profiles/{body['id']}",
        {"requirements": [{"element": "delivery", "level": "foundation"}], "revision": body["revision"]},
        content_type="application/json",
    )
    assert patched.status_code == 200
    assert {"element": "delivery", "level": "foundation"} in patched.json()["requirements"]
    assert (
        client.patch(
            f"/api/v1/role-profiles/{designer.pk}",
            {"name": "x", "revision": 1},
            content_type="application/json",
        ).status_code
        == 403
    )


def test_members_cannot_copy_and_see_no_copy_form(world, designer):
    client = world.client_for(world.charlie, world.org_a)
    assert (
        "Copy into my organisation"
        not in client.get(f"/people/role-profiles/{designer.pk}/").content.decode()
    )
    assert client.post(f"/people/role-profiles/{designer.pk}/copy/", {}).status_code == 403
    assert (
        client.post(
            f"/api/v1/role-profiles/{designer.pk}/copy", {}, content_type="application/json"
        ).status_code
        == 403
    )
    assert not RoleProfile.objects.filter(organisation=world.org_a).exists()


def test_the_profile_page_links_to_its_holders_and_says_how_to_give_it(org, designer):
    """The page said "held by 0 people" and nothing else: a dead end for an admin who has just made
    a profile. It now says how to give it, and the count opens the list of its holders."""
    client = org.world.client_for(org.world.alice, org.world.org_a)
    r = client.post(
        f"/people/role-profiles/{designer.pk}/copy/", {"copy-code": "our-designer", "copy-name": "Ours"}
    )
    ours = RoleProfile.objects.get(organisation=org.world.org_a, code="our-designer")
    page = client.get(r["Location"]).content.decode()
    assert "held by nobody yet" in page
    assert "<code>role_profiles</code> column" in page and "<code>our-designer</code>" in page
    holder = next(iter(org.people.values()))
    holder.role_profiles.add(ours)
    page = client.get(r["Location"]).content.decode()
    link = f"/people/?role_profile={ours.pk}&amp;active=all"
    assert f'<a href="{link}">held by 1 person</a>' in page
    listed = client.get(link.replace("&amp;", "&")).content.decode()
    assert holder.name in listed
