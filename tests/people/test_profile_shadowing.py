"""After *Copy into my organisation* one code names two profiles: the organisation's copy answers
to the code everywhere (API, HR import, export, forms) and the built-in one to `builtin:<code>`."""

from __future__ import annotations

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from soms.people.io.export import csv_lines, export_rows
from soms.people.models import RoleProfile
from soms.people.services.profiles import role_profile_copy, role_profiles_builtin_load
from tests.people.helpers import csv_bytes

pytestmark = pytest.mark.django_db


@pytest.fixture
def shadowed(org, builtin):
    role_profiles_builtin_load()
    builtin_profile = RoleProfile.objects.get(organisation=None, code="om-maintainer")
    # Sam held the built-in profile before the copy was made.
    org.people["E003"].role_profiles.set([builtin_profile])
    copy = role_profile_copy(organisation=org.world.org_a, source=builtin_profile, actor=org.world.alice)
    assert copy.code == builtin_profile.code
    return builtin_profile, copy


def _held(person) -> set[int]:
    return set(person.role_profiles.values_list("id", flat=True))


def test_the_api_gives_the_copy_for_the_code_and_names_the_builtin_apart(org, shadowed):
    builtin_profile, copy = shadowed
    client = org.world.client_for(org.world.alice, org.world.org_a)
    sam, sue = org.people["E003"], org.people["E004"]
    assert client.get(f"/api/v1/people/{sam.pk}").json()["role_profiles"] == ["builtin:om-maintainer"]
    body = client.get(f"/api/v1/people/{sue.pk}").json()
    r = client.patch(
        f"/api/v1/people/{sue.pk}",
        json.dumps({"role_profiles": ["om-maintainer"], "revision": body["revision"]}),
        content_type="application/json",
    )
    assert r.status_code == 200, r.content
    assert r.json()["role_profiles"] == ["om-maintainer"] and _held(sue) == {copy.pk}
    # Moving Sam from the built-in to the copy is a change (the codes alone looked equal).
    body = client.get(f"/api/v1/people/{sam.pk}").json()
    r = client.patch(
        f"/api/v1/people/{sam.pk}",
        json.dumps({"role_profiles": ["om-maintainer"], "revision": body["revision"]}),
        content_type="application/json",
    )
    assert r.status_code == 200 and _held(sam) == {copy.pk} and r.json()["revision"] == body["revision"] + 1
    listed = client.get("/api/v1/people?q=Sam").json()["items"][0]
    assert listed["role_profiles"] == ["om-maintainer"]


def test_the_import_and_the_export_follow_the_same_rule(org, shadowed):
    builtin_profile, copy = shadowed
    client = org.world.client_for(org.world.alice, org.world.org_a)
    sam, sue = org.people["E003"], org.people["E004"]
    text = "".join(csv_lines(export_rows(org.world.org_a.pk)))
    assert "builtin:om-maintainer" in text
    # The export re-imports unchanged: Sam keeps the built-in profile.
    r = client.post(
        "/api/v1/people/import",
        {"file": SimpleUploadedFile("all.csv", text.encode()), "dry_run": "true"},
    )
    assert r.status_code == 200, r.content
    assert r.json()["summary"]["update"] == 0
    rows = [["employee_id", "role_profiles"], ["E004", "om-maintainer"], ["E003", "builtin:om-maintainer"]]
    r = client.post(
        "/api/v1/people/import", {"file": SimpleUploadedFile("hr.csv", csv_bytes(rows)), "dry_run": "false"}
    )
    assert r.status_code == 200, r.content
    assert _held(sue) == {copy.pk} and _held(sam) == {builtin_profile.pk}


def test_the_person_form_labels_which_is_which(org, shadowed):
    builtin_profile, copy = shadowed
    client = org.world.client_for(org.world.alice, org.world.org_a)
    page = client.get(f"/people/{org.people['E003'].pk}/edit/").content.decode()
    assert "(built-in, builtin:om-maintainer; your organisation&#x27;s copy replaces it)" in page
    assert "(your organisation&#x27;s, om-maintainer)" in page
    filters = client.get("/people/").content.decode()
    assert "your organisation&#x27;s, om-maintainer" in filters
