"""CASE packages as real servers publish them (hand-written corpus in fixtures/case-real/): each one
imports, says what was normalised or dropped, and exports again as a package the official CASE 1.1
schema accepts."""

from __future__ import annotations

import json
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from jsonschema import Draft202012Validator

from soms.frameworks import io
from soms.frameworks.io.case import case_schema
from soms.frameworks.models import Framework
from soms.frameworks.services.exchange import framework_import, framework_version_export
from tests.frameworks.conftest import FIXTURES

CORPUS = FIXTURES / "case-real"
PACKAGES = sorted(p.name for p in CORPUS.glob("*.json"))


def read(name: str) -> bytes:
    return (CORPUS / name).read_bytes()


def parse_with_warnings(name: str) -> tuple[io.FrameworkImportError | None, list[str]]:
    warnings: list[str] = []
    io.parse(read(name), format="case", warnings=warnings)
    return None, warnings


def test_the_corpus_breaks_the_strict_schema():
    # Otherwise the tests below would prove nothing about leniency.
    validator = Draft202012Validator(case_schema())
    for name in PACKAGES:
        assert list(validator.iter_errors(json.loads(read(name)))), name


@pytest.mark.parametrize("name", PACKAGES)
def test_real_packages_import_with_warnings_and_export_strictly(world, name):
    version = framework_import(organisation=world.org_a, actor=world.alice, data=read(name), format="case")
    assert version.import_warnings
    assert all(w.strip() for w in version.import_warnings)
    # The same sentences stay with the version for whoever opens it later.
    for warning in version.import_warnings:
        assert warning in version.notes
    exported = json.loads(framework_version_export(version=version, format="case").content)
    assert list(Draft202012Validator(case_schema()).iter_errors(exported)) == []


def test_published_server_package_keeps_its_tree_and_says_what_it_changed(world):
    _, warnings = parse_with_warnings("published-server.json")
    text = " ".join(warnings)
    assert "variant bits" in text
    assert "Upper-case UUIDs" in text
    assert "CFDocumentURI (a CASE 1.0 field) was dropped from associations" in text
    assert "CFPackageURI (a CASE 1.0 field) was dropped from the CFDocument" in text
    assert "Sequence numbers written as text" in text
    # Grouped: one line for the five associations that carried a CASE 1.0 link, with a count.
    assert sum("CFDocumentURI" in w and "associations" in w for w in warnings) == 1
    document = io.parse(read("published-server.json"), format="case")
    assert [e.code for e in document.elements] == ["req", "inf"]
    statements = {s.code: s for e in document.elements for s in e.statements}
    assert set(statements) == {"REQ.1", "REQ.2", "INF.1"}
    # The item type defined only in CFDefinitions reaches the statements through CFItemTypeURI.
    assert statements["REQ.1"].item_type == "Competency"


def test_case_1_0_package_with_identifiers_that_are_not_uuids(world):
    _, warnings = parse_with_warnings("case-1.0.json")
    text = " ".join(warnings)
    assert "not UUIDs were given derived UUIDs" in text
    assert "caseVersion '1.0'" in text
    document = io.parse(read("case-1.0.json"), format="case")
    statements = {s.code: s for e in document.elements for s in e.statements}
    assert statements["Q1.1"].text.startswith("Explains the day's arrival pattern")
    # An item with only an abbreviated statement is still read, with its text.
    assert any(e.name == "Moving staff between queues" for e in document.elements)
    # The association to an item of another framework keeps that framework's own identifier.
    [external] = document.external_associations
    assert external.destination.identifier == "ext-77"
    # Reading the same package twice gives the same identifiers, so a re-import is recognised.
    again = io.parse(read("case-1.0.json"), format="case")
    assert again.version.uuid == document.version.uuid


def test_loose_fields_are_dropped_by_name():
    _, warnings = parse_with_warnings("loose-fields.json")
    text = " ".join(warnings)
    assert "_links is not a CASE 1.1 field and was dropped from the CFDocument" in text
    assert "_score is not a CASE 1.1 field and was dropped from items" in text
    assert "subject in the CFDocument was not as CASE 1.1 defines it" in text


def test_command_line_prints_the_warnings(world, tmp_path: Path):
    path = tmp_path / "server.json"
    path.write_bytes(read("published-server.json"))
    out = StringIO()
    call_command("framework", "import", str(path), "--org", world.org_a.slug, "--format", "case", stdout=out)
    assert "note: Read leniently" in out.getvalue()


def test_api_answers_the_warnings(world):
    client = world.client_for(world.alice)
    response = client.post(
        "/api/v1/frameworks/import?format=case", read("case-1.0.json"), content_type="application/json"
    )
    assert response.status_code == 201, response.content
    assert any("derived UUIDs" in w for w in response.json()["warnings"])


def test_import_page_shows_the_warnings(world):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client = world.client_for(world.alice)
    upload = SimpleUploadedFile("server.json", read("published-server.json"), content_type="application/json")
    response = client.post("/frameworks/import/", {"file": upload, "format": "case"}, follow=True)
    assert response.status_code == 200
    assert Framework.objects.filter(organisation=world.org_a).count() == 1
    assert b"Read leniently" in response.content


@pytest.mark.parametrize(
    "change, place, message",
    [
        (lambda p: p.pop("CFDocument"), "CFDocument", "no CFDocument"),
        (lambda p: p["CFItems"][0].pop("identifier"), "CFItems[0].identifier", "has no identifier"),
        (
            lambda p: p["CFAssociations"][0]["originNodeURI"].pop("identifier"),
            "CFAssociations[0].originNodeURI",
            "no identifier",
        ),
    ],
)
def test_what_cannot_be_understood_is_still_refused(world, change, place, message):
    package = json.loads(read("published-server.json"))
    change(package)
    with pytest.raises(io.FrameworkImportError) as info:
        framework_import(
            organisation=world.org_a, actor=world.alice, data=json.dumps(package).encode(), format="case"
        )
    assert any(p.location == place and message in p.message for p in info.value.problems)
    assert not Framework.objects.filter(organisation=world.org_a).exists()
