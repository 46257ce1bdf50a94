"""Every format gives back what it took: export -> import -> export is byte-identical, and CASE
exports validate against the official CASE 1.1 CFPackage schema."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from jsonschema import Draft202012Validator

from soms.frameworks import io
from soms.frameworks.document import FrameworkDocument, derived_uuid
from soms.frameworks.io.case import SCHEMA_PATH, case_schema
from soms.frameworks.management.commands.framework import document_schema
from soms.frameworks.services.versions import BUILTIN_DIR, load_builtin_document
from tests.frameworks.conftest import capability_document

REPO = Path(__file__).resolve().parents[2]
SHARED_CASE_SCHEMA = REPO.parent / "shared" / "standards" / "case-v1p1-cfpackage-schema.json"
WHEN = datetime(2026, 5, 4, 3, 2, 1, tzinfo=UTC)
BUILTINS = sorted(p.name for p in BUILTIN_DIR.glob("*.yaml"))


def documents() -> list[tuple[str, FrameworkDocument]]:
    return [(name, load_builtin_document(name)) for name in BUILTINS] + [
        ("capability", capability_document())
    ]


def export(document: FrameworkDocument, format: io.Format) -> bytes:
    return io.render(document, format=format, published=True, changed_at=WHEN).content


@pytest.mark.parametrize("format", io.FORMATS)
@pytest.mark.parametrize(("name", "document"), documents(), ids=[n for n, _ in documents()])
def test_export_import_export_is_byte_identical(name, document, format):
    first = export(document, format)
    again = io.parse(first, filename=f"x.{io.EXTENSIONS[format]}")
    # A later clock must not matter: the timestamp travels with the package.
    second = io.render(again, format=format, published=True, changed_at=datetime.now(UTC)).content
    assert second == first
    if format in ("yaml", "json"):
        assert again == document


@pytest.mark.parametrize(("name", "document"), documents(), ids=[n for n, _ in documents()])
def test_case_export_validates_against_the_case_1_1_schema(name, document):
    package = json.loads(export(document, "case"))
    errors = list(Draft202012Validator(case_schema()).iter_errors(package))
    assert errors == []
    ids = [package["CFDocument"]["identifier"]] + [i["identifier"] for i in package["CFItems"]]
    assert all(i == i.lower() for i in ids) and len(set(ids)) == len(ids)


def test_builtin_loop_covers_every_shipped_file():
    assert "soms-2016.yaml" in BUILTINS
    assert len(BUILTINS) == len(list(BUILTIN_DIR.glob("*.yaml")))


def test_case_structure_of_the_soms_framework():
    package = json.loads(export(load_builtin_document("soms-2016.yaml"), "case"))
    doc = package["CFDocument"]
    assert doc["caseVersion"] == "1.1" and doc["version"] == "2016" and doc["adoptionStatus"] == "Published"
    by_id = {i["identifier"]: i for i in package["CFItems"]}
    top = sorted(
        (
            a
            for a in package["CFAssociations"]
            if a["associationType"] == "isChildOf"
            and a["destinationNodeURI"]["identifier"] == doc["identifier"]
        ),
        key=lambda a: a["sequenceNumber"],
    )
    assert [by_id[a["originNodeURI"]["identifier"]]["humanCodingScheme"] for a in top][:2] == [
        "customer-experience",
        "delivery",
    ]
    assert len(top) == 7
    assert len(package["CFRubrics"]) == 7
    qualities = [
        lv["quality"] for lv in package["CFRubrics"][0]["CFRubricCriteria"][0]["CFRubricCriterionLevels"]
    ]
    assert qualities == ["Foundation", "Practitioner", "Senior Practitioner"]
    skill = [a for a in package["CFAssociations"] if a["associationType"] == "hasSkillLevel"]
    assert len(skill) == len(package["CFItems"]) - 7
    assert package["CFDefinitions"]["CFLicenses"][0]["licenseText"].startswith("Based on the SOMS framework")


def test_builtin_identifiers_are_the_same_on_every_installation():
    # Derived from codes, not drawn at random: two loads give the same package.
    a = export(load_builtin_document("soms-2016.yaml"), "case")
    b = export(load_builtin_document("soms-2016.yaml"), "case")
    assert a == b
    assert json.loads(a)["CFDocument"]["identifier"] == str(derived_uuid("soms", "2016"))


def test_checked_in_json_schema_matches_the_model():
    path = REPO / "schemas" / "soms-framework-1.schema.json"
    assert path.read_text(encoding="utf-8") == document_schema(), (
        "schemas/soms-framework-1.schema.json is stale: run `uv run soms framework schema -o "
        "schemas/soms-framework-1.schema.json`"
    )


def test_shipped_yaml_and_exports_validate_against_the_checked_in_schema():
    schema = json.loads((REPO / "schemas" / "soms-framework-1.schema.json").read_text(encoding="utf-8"))
    validator = Draft202012Validator(schema)
    import yaml

    for name in BUILTINS:
        assert (
            list(validator.iter_errors(yaml.safe_load((BUILTIN_DIR / name).read_text(encoding="utf-8"))))
            == []
        )
    for _, document in documents():
        assert list(validator.iter_errors(json.loads(export(document, "json")))) == []


def test_packaged_case_schema_is_the_official_copy():
    if not SHARED_CASE_SCHEMA.exists():
        pytest.skip("the shared standards folder is not beside this checkout")
    assert SCHEMA_PATH.read_bytes() == SHARED_CASE_SCHEMA.read_bytes()


def test_free_form_source_metadata_cannot_break_a_case_export(capability):
    odd = capability.model_copy(
        update={
            "version": capability.version.model_copy(
                update={"source_meta": {"case": {"subject": "not a list", "creator": 7, "language": "fr"}}}
            )
        }
    )
    package = json.loads(export(odd, "case"))
    assert list(Draft202012Validator(case_schema()).iter_errors(package)) == []
    assert package["CFDocument"]["language"] == "fr" and package["CFDocument"]["creator"] == "SOMS"
