"""An unchanged export imported again, or an export of a built-in framework, does not dead-end: the
page, the API and the command line offer to import it as the next version or as a new framework."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse

from soms.frameworks.models import Framework, FrameworkImport, FrameworkVersion
from soms.frameworks.services.authoring import version_publish
from soms.frameworks.services.exchange import (
    ImportNeedsChoice,
    framework_import,
    framework_version_export,
)

pytestmark = pytest.mark.django_db

API = "/api/v1/frameworks/import"


def text(response):
    return response.content.decode()


@pytest.fixture
def exported(world, draft):
    """Alpha's published version 1 and its YAML export."""
    version_publish(version=draft, expected_revision=1, actor=world.alice)
    return draft, framework_version_export(version=draft, format="yaml").content


def upload(client, data, name="again.yaml"):
    return client.post(reverse("framework-import"), {"file": SimpleUploadedFile(name, data)})


def test_the_import_page_keeps_a_clashing_file_and_offers_the_next_version(world, exported):
    v1, data = exported
    client = world.client_for(world.alice)
    sent = upload(client, data)
    pending = FrameworkImport.objects.get()
    assert sent.status_code == 302
    assert sent["Location"] == reverse("framework-import-choose", args=[pending.pk])
    page = client.get(sent["Location"])
    body = text(page)
    assert page.status_code == 200 and "already has a version &#x27;1&#x27;" in body
    assert 'id="as-version"' in body and 'name="label" id="id_label" maxlength="40" value="2"' in body
    assert 'value="alpha-skills-2"' in body
    # The choice needs no second upload.
    done = client.post(sent["Location"], {"import_as": "version", "label": "2"})
    v2 = FrameworkVersion.objects.get(framework=v1.framework, label="2")
    assert done.status_code == 302 and done["Location"] == reverse("framework-version", args=[v2.pk])
    assert v2.statements.count() == v1.statements.count() and v2.based_on == v1
    assert v2.uuid != v1.uuid and not FrameworkImport.objects.exists()
    assert client.get(sent["Location"]).status_code == 404


def test_the_choice_page_can_make_a_new_framework_and_names_a_bad_choice(world, exported):
    v1, data = exported
    client = world.client_for(world.alice)
    url = upload(client, data)["Location"]
    taken = client.post(url, {"import_as": "framework", "code": "alpha-skills", "name": "Copy"})
    assert taken.status_code == 422 and "already a framework" in text(taken)
    assert 'value="Copy"' in text(taken)  # what was typed stays
    done = client.post(url, {"import_as": "framework", "code": "alpha-copy", "name": "Alpha copy"})
    copy = Framework.objects.get(organisation=world.org_a, code="alpha-copy")
    assert done.status_code == 302 and copy.name == "Alpha copy"
    assert copy.versions.get().statements.count() == v1.statements.count()


def test_the_api_answers_409_with_choices_and_takes_them_as_parameters(world, exported):
    v1, data = exported
    client = world.client_for(world.alice)
    clash = client.post(f"{API}?filename=again.yaml", data, content_type="application/yaml")
    assert clash.status_code == 409, clash.content
    body = clash.json()
    assert body["choices"]["version"] == {"framework_id": v1.framework_id, "label": "2"}
    assert body["choices"]["framework"]["code"] == "alpha-skills-2"
    assert "already has a version '1'" in body["detail"][0]["msg"]
    refused = client.post(f"{API}?import_as=version&label=1", data, content_type="application/yaml")
    assert refused.status_code == 422 and refused.json()["detail"][0]["loc"] == ["query", "label"]
    made = client.post(f"{API}?import_as=version", data, content_type="application/yaml")
    assert made.status_code == 201 and made.json()["label"] == "2"
    as_new = client.post(f"{API}?import_as=framework", data, content_type="application/yaml")
    assert as_new.status_code == 201 and as_new.json()["framework_code"] == "alpha-skills-2"


def test_the_command_line_says_which_flag_to_add(world, exported, tmp_path):
    v1, data = exported
    path = tmp_path / "again.yaml"
    path.write_bytes(data)
    org = world.org_a.slug
    with pytest.raises(CommandError) as info:
        call_command("framework", "import", str(path), "--org", org)
    assert "already has a version '1'" in str(info.value) and "--as-version 2" in str(info.value)
    call_command("framework", "import", str(path), "--org", org, "--as-version")
    call_command("framework", "import", str(path), "--org", org, "--as-version", "2027.1")
    call_command("framework", "import", str(path), "--org", org, "--as-framework", "alpha-2", "--name", "A2")
    labels = set(v1.framework.versions.values_list("label", flat=True))
    assert labels == {"1", "2", "2027.1"}
    assert Framework.objects.get(organisation=world.org_a, code="alpha-2").name == "A2"


def test_an_export_of_a_built_in_is_not_silently_a_look_alike(world, soms):
    data = framework_version_export(version=soms, format="yaml").content
    with pytest.raises(ImportNeedsChoice) as info:
        framework_import(organisation=world.org_a, actor=world.alice, data=data, filename="soms.yaml")
    assert info.value.clash.framework is None and "built into SOMS" in info.value.clash.reason
    assert not Framework.objects.filter(organisation=world.org_a).exists()
    client = world.client_for(world.alice)
    url = upload(client, data, "soms.yaml")["Location"]
    body = text(client.get(url))
    assert "built into SOMS" in body and 'id="as-version"' not in body and 'id="as-framework"' in body
    assert 'value="soms-2"' in body and "(own copy)" in body
    done = client.post(url, {"import_as": "framework", "code": "soms-2", "name": "Our SOMS"})
    own = Framework.objects.get(organisation=world.org_a)
    assert done.status_code == 302 and (own.code, own.name) == ("soms-2", "Our SOMS")
    # Its identifiers are its own: its CASE export is not the built-in's.
    assert own.versions.get().uuid != soms.uuid
    api = client.post(f"{API}?filename=soms.yaml", data, content_type="application/yaml")
    assert api.status_code == 409 and api.json()["choices"]["version"] is None


def test_a_held_upload_is_for_importers_of_its_organisation_only(world, exported):
    _, data = exported
    url = upload(world.client_for(world.alice), data)["Location"]
    assert world.client_for(world.charlie).get(url).status_code == 403
    assert world.client_for(world.bob).get(url).status_code == 404
