"""Import and export through the service, the pages, the API and the command line: roles, tenancy,
all-or-nothing, and the stored round trip."""

from __future__ import annotations

import json
from io import StringIO

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.test import override_settings
from django.urls import reverse

from soms.frameworks import io
from soms.frameworks.models import Framework, FrameworkVersion, Statement
from soms.frameworks.services.exchange import framework_import, framework_version_export
from soms.tenancy.models import AuditLogEntry
from tests.frameworks.conftest import FIXTURES
from tests.frameworks.test_import_errors import GOOD_YAML

pytestmark = pytest.mark.django_db

CASE_FIXTURE = (FIXTURES / "case-servicedesk-de.json").read_bytes()


def soms_version() -> FrameworkVersion:
    return FrameworkVersion.objects.get(framework__code="soms", framework__organisation__isnull=True)


@pytest.fixture
def private(world, builtin):
    """A framework of organisation B."""
    return framework_import(
        organisation=world.org_b, actor=world.bob, data=GOOD_YAML.encode(), filename="mini.yaml", publish=True
    )


def counts() -> tuple[int, int, int]:
    return Framework.objects.count(), FrameworkVersion.objects.count(), Statement.objects.count()


# -------------------------------------------------------------------------------------- service


@pytest.mark.parametrize("format", io.FORMATS)
def test_stored_round_trip_is_byte_identical(world, builtin, format):
    # SOMS's contents under a code of B's own: an export of the built-in itself asks what it should
    # become (tests/frameworks/test_import_round_trips.py) instead of importing as a look-alike.
    source = framework_import(
        organisation=world.org_b,
        actor=world.bob,
        data=framework_version_export(version=soms_version(), format="yaml").content,
        import_as="framework",
        code="soms-of-b",
        name="SOMS as B has it",
        publish=True,
    )
    first = framework_version_export(version=source, format=format)
    imported = framework_import(
        organisation=world.org_a, actor=world.alice, data=first.content, filename=first.filename, publish=True
    )
    second = framework_version_export(version=imported, format=format)
    assert second.content == first.content
    assert imported.framework.organisation == world.org_a


def test_case_import_stores_tree_types_references_and_identifiers(world):
    version = framework_import(
        organisation=world.org_a, actor=world.alice, data=CASE_FIXTURE, filename="p.json"
    )
    assert version.status == "draft"
    deep = version.statements.get(code="SD.1.2.b.i")
    assert deep.parent.code == "SD.1.2.b" and deep.parent.parent.code == "SD.1.2"
    assert deep.item_type == "Example"
    assert str(deep.uuid) == next(
        i["identifier"]
        for i in json.loads(CASE_FIXTURE)["CFItems"]
        if i.get("humanCodingScheme") == "SD.1.2.b.i"
    )
    assert version.external_associations[0]["destination"]["target_type"] == "CASE"
    assert version.source_meta["case"]["language"] == "de"
    assert "declared no levels" in version.notes
    entry = AuditLogEntry.objects.filter(action="framework_version.import").get()
    assert entry.after["format"] == "case" and entry.organisation == world.org_a


def test_same_label_again_is_a_clear_conflict_and_writes_nothing(world):
    framework_import(organisation=world.org_a, actor=world.alice, data=GOOD_YAML.encode(), filename="m.yaml")
    before = counts()
    with pytest.raises(io.FrameworkImportError) as info:
        framework_import(
            organisation=world.org_a, actor=world.alice, data=GOOD_YAML.encode(), filename="m.yaml"
        )
    [problem] = info.value.problems
    assert problem.location == "version.label" and "already has a version '1'" in problem.message
    assert counts() == before
    # Another label is a new version of the same framework.
    v2 = framework_import(
        organisation=world.org_a,
        actor=world.alice,
        data=GOOD_YAML.replace('"1"', '"2"').encode(),
        filename="m.yaml",
    )
    assert v2.framework.versions.count() == 2


def test_builtin_versions_carry_identifiers_derived_from_codes(builtin):
    from soms.frameworks.document import derived_uuid

    version = soms_version()
    assert version.uuid == derived_uuid("soms", "2016")
    assert version.elements.get(code="delivery").uuid == derived_uuid("soms", "2016", "element", "delivery")


# ---------------------------------------------------------------------------------------- pages


def upload(client, content: bytes, name: str, **fields):
    return client.post(
        reverse("framework-import"), {"file": SimpleUploadedFile(name, content), **fields}, follow=False
    )


def test_import_page_imports_and_redirects_to_the_grid(world, builtin):
    client = world.client_for(world.alice)
    page = client.get(reverse("framework-import"))
    assert page.status_code == 200 and b"Import framework" in page.content
    response = upload(client, CASE_FIXTURE, "servicedesk.json", publish="on")
    version = FrameworkVersion.objects.get(framework__organisation=world.org_a)
    assert response.status_code == 302 and response["Location"] == reverse(
        "framework-version", args=[version.pk]
    )
    assert version.status == "published"
    grid = client.get(response["Location"]).content.decode()
    assert "Kompetenzrahmen Servicedesk" in grid and "Imported" in grid


def test_import_page_lists_every_problem_and_writes_nothing(world, builtin):
    before = counts()
    bad = GOOD_YAML.replace("level: basic", "level: expert").replace("code: e1", "code: E 1")
    response = upload(world.client_for(world.alice), bad.encode(), "bad.yaml")
    text = response.content.decode()
    assert response.status_code == 422
    assert "nothing was imported" in text
    assert "elements[0].code (line 7)" in text
    assert counts() == before


@override_settings(SOMS_MAX_UPLOAD_BYTES=50)
def test_import_page_refuses_oversize_files(world):
    response = upload(world.client_for(world.alice), GOOD_YAML.encode(), "big.yaml")
    assert response.status_code == 422 and "largest accepted is 50 bytes" in response.content.decode()


@pytest.mark.parametrize("who", ["charlie", "dana"])
def test_import_page_is_for_admins_and_owners_only(world, who):
    client = world.client_for(getattr(world, who))
    assert client.get(reverse("framework-import")).status_code == 403
    assert upload(client, GOOD_YAML.encode(), "m.yaml").status_code == 403
    assert not Framework.objects.exists()


def test_framework_list_links_to_import_for_admins_only(world, builtin):
    assert (
        reverse("framework-import")
        in world.client_for(world.alice).get(reverse("framework-list")).content.decode()
    )
    assert (
        reverse("framework-import")
        not in world.client_for(world.charlie).get(reverse("framework-list")).content.decode()
    )


@pytest.mark.parametrize("format", io.FORMATS)
def test_download_buttons_for_any_member(world, builtin, format):
    client = world.client_for(world.charlie)
    url = reverse("framework-version-export", args=[soms_version().pk, format])
    assert url in client.get(reverse("framework-version", args=[soms_version().pk])).content.decode()
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Disposition"] == f'attachment; filename="soms-2016.{io.EXTENSIONS[format]}"'


def test_download_of_another_organisations_version_is_not_found(world, private):
    client = world.client_for(world.alice)
    mine = client.get(reverse("framework-version-export", args=[private.pk, "yaml"]))
    missing = client.get(reverse("framework-version-export", args=[999999, "yaml"]))
    assert mine.status_code == missing.status_code == 404
    assert (
        client.get(reverse("framework-version-export", args=[soms_version().pk, "xlsx"])).status_code == 404
    )
    assert (
        world.client_for(world.bob)
        .get(reverse("framework-version-export", args=[private.pk, "csv"]))
        .status_code
        == 200
    )


# ------------------------------------------------------------------------------------------ API


def test_api_import_multipart_and_raw_json(world, builtin):
    client = world.client_for(world.alice)
    response = client.post(
        "/api/v1/frameworks/import?publish=true", {"file": SimpleUploadedFile("p.json", CASE_FIXTURE)}
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["framework_code"] == "kompetenzrahmen-servicedesk" and body["status"] == "published"
    assert body["statements"] == 7
    # It belongs to the importer's organisation only.
    assert world.client_for(world.bob).get(f"/api/v1/framework-versions/{body['id']}").status_code == 404
    assert client.get(f"/api/v1/framework-versions/{body['id']}").status_code == 200
    soms_json = framework_version_export(version=soms_version(), format="json").content
    # The built-in's own export asks what it should become; as a new framework it is a draft.
    clash = client.post("/api/v1/frameworks/import", soms_json, content_type="application/json")
    assert clash.status_code == 409 and clash.json()["choices"]["framework"]["code"] == "soms-2"
    raw = client.post(
        "/api/v1/frameworks/import?import_as=framework", soms_json, content_type="application/json"
    )
    assert raw.status_code == 201 and raw.json()["status"] == "draft"


def test_api_import_problems_are_422_with_loc_and_msg(world):
    client = world.client_for(world.alice)
    pkg = json.loads(CASE_FIXTURE)
    for key in ("fullStatement", "abbreviatedStatement", "humanCodingScheme"):
        pkg["CFItems"][3].pop(key, None)
    response = client.post(
        "/api/v1/frameworks/import?format=case", json.dumps(pkg), content_type="application/json"
    )
    assert response.status_code == 422
    # One problem shape for every error answer: loc is a list (here the file, then the place in it).
    assert {
        "loc": ["file", "CFItems[3].fullStatement"],
        "msg": "the item has no text",
        "type": "value_error",
    } in response.json()["detail"]
    assert not Framework.objects.exists()


def test_api_import_form_without_a_file_part_is_422_naming_file(world):
    client = world.client_for(world.alice)
    # What `curl -F file=abc` sends: a text field called file, not a file.
    response = client.post("/api/v1/frameworks/import", {"file": "abc"})
    assert response.status_code == 422, response.content
    assert [p["loc"] for p in response.json()["detail"]] == [["file"]]
    other = client.post(
        "/api/v1/frameworks/import", {"upload": SimpleUploadedFile("m.yaml", GOOD_YAML.encode())}
    )
    assert other.status_code == 422 and "named 'file'" in other.json()["detail"][0]["msg"]
    assert not Framework.objects.exists()


@override_settings(SOMS_MAX_UPLOAD_BYTES=50)
def test_api_import_oversize_is_413(world):
    client = world.client_for(world.alice)
    assert (
        client.post("/api/v1/frameworks/import", GOOD_YAML, content_type="application/yaml").status_code
        == 413
    )
    response = client.post(
        "/api/v1/frameworks/import", {"file": SimpleUploadedFile("m.yaml", GOOD_YAML.encode())}
    )
    assert response.status_code == 413 and "largest accepted" in response.json()["detail"][0]["msg"]


@pytest.mark.parametrize("who", ["charlie", "dana"])
def test_api_import_needs_admin_or_owner(world, who):
    client = world.client_for(getattr(world, who))
    response = client.post(
        "/api/v1/frameworks/import", {"file": SimpleUploadedFile("m.yaml", GOOD_YAML.encode())}
    )
    assert response.status_code == 403
    assert not Framework.objects.exists()


@pytest.mark.parametrize("format", io.FORMATS)
def test_api_export_for_any_member(world, builtin, format):
    response = world.client_for(world.charlie).get(
        f"/api/v1/framework-versions/{soms_version().pk}/export?format={format}"
    )
    assert response.status_code == 200
    assert response.content == framework_version_export(version=soms_version(), format=format).content


def test_api_export_of_another_organisations_version_is_not_found(world, private):
    client = world.client_for(world.alice)
    theirs = client.get(f"/api/v1/framework-versions/{private.pk}/export?format=yaml")
    missing = client.get("/api/v1/framework-versions/999999/export?format=yaml")
    assert theirs.status_code == missing.status_code == 404
    assert theirs.json() == missing.json()
    assert client.get(f"/api/v1/framework-versions/{soms_version().pk}/export?format=xlsx").status_code == 422


def test_api_token_of_another_organisation_cannot_export(world, private):
    from soms.tenancy.services import api_token_create

    _, raw = api_token_create(user=world.dana, organisation=world.org_a, name="t")
    from django.test import Client

    response = Client().get(
        f"/api/v1/framework-versions/{private.pk}/export?format=csv", HTTP_AUTHORIZATION=f"Bearer {raw}"
    )
    assert response.status_code == 404


# ---------------------------------------------------------------------------------------- CLI


def run(*args: str) -> str:
    out = StringIO()
    call_command("framework", *args, stdout=out, stderr=StringIO())
    return out.getvalue()


def test_cli_list_show_export_import(world, builtin, tmp_path):
    listing = run("list")
    assert "soms" in listing and "(built in)" in listing
    shown = run("show", str(soms_version().pk))
    assert "Foundation" in shown and "customer-experience" in shown
    target = tmp_path / "soms.case.json"
    run("export", str(soms_version().pk), "--format", "case", "-o", str(target))
    assert json.loads(target.read_text())["CFDocument"]["version"] == "2016"
    with pytest.raises(CommandError, match="built into SOMS"):
        run("import", str(target), "--org", world.org_b.slug, "--publish")
    imported = run("import", str(target), "--org", world.org_b.slug, "--publish", "--as-framework")
    assert "into beta-operations as published version" in imported
    assert "beta-operations" in run("list", "--org", world.org_b.slug)
    assert "beta-operations" not in run("list", "--org", world.org_a.slug)


def test_cli_import_errors_name_their_place(world, tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text("element_code,level_code,statement_code,statement_text\r\ne1,b,S1,x\r\ne1,b,S1,y\r\n")
    with pytest.raises(CommandError) as info:
        run("import", str(bad), "--org", world.org_a.slug)
    assert "row 3, column statement_code: duplicate statement code 'S1'" in str(info.value)
    assert "nothing was imported" in str(info.value)
    assert not Framework.objects.exists()


def test_cli_import_needs_org_when_there_are_several(world, tmp_path):
    good = tmp_path / "m.yaml"
    good.write_text(GOOD_YAML)
    with pytest.raises(CommandError, match="several organisations: name one with --org"):
        run("import", str(good))
    with pytest.raises(CommandError, match="No organisation with slug 'nope'"):
        run("import", str(good), "--org", "nope")


def test_cli_version_outside_the_named_organisation_is_not_found(world, private):
    with pytest.raises(CommandError, match=f"No framework version with id {private.pk}"):
        run("export", str(private.pk), "--format", "yaml", "--org", world.org_a.slug)


def test_cli_schema_check_passes_on_the_checked_in_file():
    assert "is up to date" in run("schema", "--check")
