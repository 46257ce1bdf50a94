"""Importing real CASE packages: deep trees, own ordering, item types, non-ASCII and markdown text,
references to other frameworks, packages without levels; and every fault named with its place."""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime
from typing import Any

import pytest

from soms.frameworks import io
from soms.frameworks.document import FrameworkDocument
from tests.frameworks.conftest import FIXTURES

SOURCE = json.loads((FIXTURES / "case-servicedesk-de.json").read_text(encoding="utf-8"))


def package(**changes: Any) -> dict[str, Any]:
    return {**copy.deepcopy(SOURCE), **changes}


def parse(pkg: dict[str, Any]) -> FrameworkDocument:
    return io.parse(json.dumps(pkg, ensure_ascii=False).encode(), filename="package.json")


def problems(pkg: dict[str, Any]) -> list[io.Problem]:
    with pytest.raises(io.FrameworkImportError) as info:
        parse(pkg)
    return info.value.problems


def item_index(code: str) -> int:
    return next(i for i, it in enumerate(SOURCE["CFItems"]) if it.get("humanCodingScheme") == code)


def test_real_package_maps_to_elements_statements_and_deeper_statements():
    doc = parse(package())
    assert doc.framework.name == "Kompetenzrahmen Servicedesk"
    assert doc.version.label == "2025.1"
    # Top-level items become elements, in sequenceNumber order although the file lists SD.2 first.
    assert [e.code for e in doc.elements] == ["sd-1", "sd-2"]
    assert [e.item_type for e in doc.elements] == ["Domain", "Domain"]
    first = doc.elements[0]
    assert first.name.startswith("Kundenerlebnis am Servicedesk — *wie Anrufende*")
    assert first.description == "Bereich der Erfahrung der Kundschaft."
    by_code = {s.code: s for s in first.statements}
    # Four levels deep: domain > competency > indicator > example, kept through Statement.parent.
    assert by_code["SD.1.2.b.i"].parent == "SD.1.2.b"
    assert by_code["SD.1.2.b"].parent == "SD.1.2"
    assert by_code["SD.1.2"].parent is None
    assert by_code["SD.1.2.b.i"].item_type == "Example"
    assert "顧客対応" in by_code["SD.1.2.b.i"].text
    assert "1. Ticket öffnen\n2. Priorität setzen" in by_code["SD.1.2.b"].text
    # An item without a code is named after its place, and sequenceNumber orders siblings.
    assert [s.code for s in first.statements] == ["SD.1.1", "SD.1.2", "SD.1.2.1", "SD.1.2.b", "SD.1.2.b.i"]
    assert [s.code for s in doc.elements[1].statements] == ["SD.2.1", "SD.2.2"]
    # Identifiers are kept so a re-export names the same items.
    assert str(first.uuid) == SOURCE["CFItems"][item_index("SD.1")]["identifier"]


def test_package_without_levels_gets_one_level_and_says_so():
    doc = parse(package())
    assert [(lv.code, lv.name) for lv in doc.levels] == [("achieved", "Achieved")]
    assert "declared no levels" in doc.version.notes
    assert {s.level for e in doc.elements for s in e.statements} == {"achieved"}


def test_associations_outside_the_package_are_kept_as_references():
    doc = parse(package())
    kept = {(a.type, a.origin): a for a in doc.external_associations}
    match = kept[("exactMatchOf", "SD.2.1")]
    assert match.destination.uri.startswith("https://frameworks.example.net/")
    assert match.destination.target_type == "CASE"
    assert ("isRelatedTo", "SD.2.2") in kept
    # ... and travel out again.
    out = json.loads(io.render(doc, format="case", published=False, changed_at=datetime.now(UTC)).content)
    types = [a["associationType"] for a in out["CFAssociations"]]
    assert "exactMatchOf" in types and "isRelatedTo" in types


def test_document_metadata_travels_back_out():
    doc = parse(package())
    out = json.loads(io.render(doc, format="case", published=True, changed_at=datetime.now(UTC)).content)
    cf = out["CFDocument"]
    assert cf["identifier"] == SOURCE["CFDocument"]["identifier"]
    assert cf["creator"] == "Fachverband Servicedesk e. V." and cf["language"] == "de"
    assert cf["lastChangeDateTime"] == SOURCE["CFDocument"]["lastChangeDateTime"]


def test_rubric_levels_and_has_skill_level_place_statements():
    pkg = package()
    sd1 = pkg["CFItems"][item_index("SD.1")]
    levels = [
        {
            "identifier": f"5d2c7a1e-0000-4000-8000-00000000000{n}",
            "uri": f"https://x.example.org/l/{n}",
            "quality": name,
            "position": n,
            "lastChangeDateTime": "2025-03-14T09:30:00+00:00",
        }
        for n, name in [(1, "Grundstufe"), (2, "Fortgeschritten")]
    ]
    pkg["CFRubrics"] = [
        {
            "identifier": "5d2c7a1e-0000-4000-8000-0000000000aa",
            "uri": "https://x.example.org/r",
            "lastChangeDateTime": "2025-03-14T09:30:00+00:00",
            "CFRubricCriteria": [
                {
                    "identifier": "5d2c7a1e-0000-4000-8000-0000000000bb",
                    "uri": "https://x.example.org/c",
                    "CFItemURI": {"title": "SD.1", "identifier": sd1["identifier"], "uri": sd1["uri"]},
                    "lastChangeDateTime": "2025-03-14T09:30:00+00:00",
                    "CFRubricCriterionLevels": list(reversed(levels)),
                }
            ],
        }
    ]
    c12 = pkg["CFItems"][item_index("SD.1.2")]
    pkg["CFAssociations"].append(
        {
            "identifier": "5d2c7a1e-0000-4000-8000-0000000000cc",
            "associationType": "hasSkillLevel",
            "uri": "https://x.example.org/a",
            "originNodeURI": {"title": "SD.1.2", "identifier": c12["identifier"], "uri": c12["uri"]},
            "destinationNodeURI": {
                "title": "F",
                "identifier": levels[1]["identifier"],
                "uri": levels[1]["uri"],
            },
            "lastChangeDateTime": "2025-03-14T09:30:00+00:00",
        }
    )
    doc = parse(pkg)
    assert [(lv.code, lv.name, lv.rank) for lv in doc.levels] == [
        ("grundstufe", "Grundstufe", 1),
        ("fortgeschritten", "Fortgeschritten", 2),
    ]
    level = {s.code: s.level for e in doc.elements for s in e.statements}
    assert level["SD.1.2"] == "fortgeschritten" and level["SD.1.1"] == "grundstufe"
    assert "lowest level" in doc.version.notes


# ------------------------------------------------------------------------------------ bad packages


def test_what_cannot_be_understood_is_refused_with_its_json_path():
    pkg = package()
    for key in ("fullStatement", "abbreviatedStatement", "humanCodingScheme"):
        pkg["CFItems"][3].pop(key, None)
    del pkg["CFItems"][5]["identifier"]
    found = problems(pkg)
    places = {p.location: p.message for p in found}
    assert places["CFItems[3].fullStatement"] == "the item has no text"
    assert places["CFItems[5].identifier"] == "has no identifier"


def test_a_package_without_a_document_is_refused():
    pkg = package()
    del pkg["CFDocument"]
    with pytest.raises(io.FrameworkImportError) as info:
        io.parse(json.dumps(pkg).encode(), format="case")
    [problem] = info.value.problems
    assert problem.location == "CFDocument" and "no CFDocument" in problem.message


def test_duplicate_codes_are_refused():
    pkg = package()
    pkg["CFItems"][item_index("SD.2.2")]["humanCodingScheme"] = "SD.2.1"
    [problem] = problems(pkg)
    assert problem.location == f"CFItems[{item_index('SD.2.2')}].humanCodingScheme"
    assert "duplicate code 'SD.2.1'" in problem.message


def test_cycles_in_the_hierarchy_are_refused():
    pkg = package()
    a, b = pkg["CFItems"][item_index("SD.2.1")], pkg["CFItems"][item_index("SD.2.2")]
    for assoc in pkg["CFAssociations"]:
        if (
            assoc["associationType"] == "isChildOf"
            and assoc["originNodeURI"]["identifier"] == a["identifier"]
        ):
            assoc["destinationNodeURI"] = {"title": "x", "identifier": b["identifier"], "uri": b["uri"]}
        if (
            assoc["associationType"] == "isChildOf"
            and assoc["originNodeURI"]["identifier"] == b["identifier"]
        ):
            assoc["destinationNodeURI"] = {"title": "x", "identifier": a["identifier"], "uri": a["uri"]}
    [problem] = problems(pkg)
    assert problem.location.startswith("CFAssociations[")
    assert "cycle" in problem.message and "SD.2.1" in problem.message and "SD.2.2" in problem.message


def test_dangling_associations_are_refused():
    pkg = package()
    assoc = next(a for a in pkg["CFAssociations"] if a["associationType"] == "isRelatedTo")
    assoc["destinationNodeURI"] = {
        "title": "gone",
        "identifier": "0e0e0e0e-0000-4000-8000-000000000000",
        "uri": "urn:uuid:0e0e0e0e-0000-4000-8000-000000000000",
    }
    [problem] = problems(pkg)
    assert problem.location == f"CFAssociations[{pkg['CFAssociations'].index(assoc)}].destinationNodeURI"
    assert "neither in the package nor a web address" in problem.message


def test_unknown_level_is_refused():
    pkg = package()
    c11 = pkg["CFItems"][item_index("SD.1.1")]
    d2 = pkg["CFItems"][item_index("SD.2")]
    pkg["CFAssociations"].append(
        {
            "identifier": "5d2c7a1e-0000-4000-8000-0000000000dd",
            "associationType": "hasSkillLevel",
            "uri": "https://x.example.org/a2",
            "originNodeURI": {"title": "SD.1.1", "identifier": c11["identifier"], "uri": c11["uri"]},
            "destinationNodeURI": {"title": "SD.2", "identifier": d2["identifier"], "uri": d2["uri"]},
            "lastChangeDateTime": "2025-03-14T09:30:00+00:00",
        }
    )
    [problem] = problems(pkg)
    assert problem.location.endswith("destinationNodeURI")
    assert "not a level" in problem.message


def test_wrapped_cfpackage_is_accepted():
    assert parse({"CFPackage": package()}).framework.name == "Kompetenzrahmen Servicedesk"


# ------------------------------------------------------------------- SOMS data in CASE extensions


def capability_package() -> dict[str, Any]:
    from soms.frameworks.io.case import dump_case
    from tests.frameworks.conftest import capability_document

    exported = dump_case(capability_document(), published=True, changed_at=datetime(2026, 1, 1, tzinfo=UTC))
    return json.loads(exported)


LEVEL0 = "CFRubrics[0].CFRubricCriteria[0].CFRubricCriterionLevels[0]"


def _level0(pkg: dict[str, Any]) -> dict[str, Any]:
    return pkg["CFRubrics"][0]["CFRubricCriteria"][0]["CFRubricCriterionLevels"][0]


@pytest.mark.parametrize(
    ("change", "place"),
    [
        (lambda p: p["CFDocument"].__setitem__("extensions", {"soms": "x"}), "CFDocument.extensions.soms"),
        (lambda p: p["CFItems"][0].__setitem__("extensions", {"soms": "x"}), "CFItems[0].extensions.soms"),
        (lambda p: p["CFItems"][1].__setitem__("extensions", {"soms": []}), "CFItems[1].extensions.soms"),
        (lambda p: _level0(p).__setitem__("extensions", [{"soms": ""}]), f"{LEVEL0}.extensions[0].soms"),
        (
            lambda p: p["CFDocument"]["extensions"]["soms"].__setitem__("code", 5),
            "CFDocument.extensions.soms.code",
        ),
        (
            lambda p: p["CFDocument"]["extensions"]["soms"].__setitem__("rules", "strict"),
            "CFDocument.extensions.soms.rules",
        ),
        (
            lambda p: p["CFDocument"]["extensions"]["soms"].__setitem__("areas", ["x"]),
            "CFDocument.extensions.soms.areas",
        ),
        (
            lambda p: _level0(p)["extensions"][0]["soms"].__setitem__("code", ["a"]),
            f"{LEVEL0}.extensions[0].soms.code",
        ),
        (
            lambda p: _level0(p)["extensions"][0]["soms"].__setitem__("validity_months", "12"),
            f"{LEVEL0}.extensions[0].soms.validity_months",
        ),
        (
            lambda p: p["CFItems"][0]["extensions"]["soms"].__setitem__("group", []),
            "CFItems[0].extensions.soms.group",
        ),
        (
            lambda p: p["CFItems"][1].__setitem__("extensions", {"soms": {"areas": "front-office"}}),
            "CFItems[1].extensions.soms.areas",
        ),
    ],
)
def test_soms_extension_of_the_wrong_shape_is_a_problem_at_its_path(change, place):
    pkg = capability_package()
    change(pkg)
    found = problems(pkg)
    assert place in [p.location for p in found], found
    assert any("must be" in p.message for p in found if p.location == place)


def test_foreign_extensions_are_left_alone():
    pkg = capability_package()
    pkg["CFItems"][0]["extensions"] = {"other-tool": "x"}
    _level0(pkg)["extensions"] = [{"other-tool": 1}]
    assert parse(pkg).elements[0].group == ""


VALUES: list[Any] = [
    "x",
    "",
    0,
    -1,
    2**70,
    1.5,
    None,
    True,
    [],
    {},
    ["x"],
    [{}],
    {"soms": "x"},
    [{"soms": ""}],
]


def _paths(node: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = [path]
    if isinstance(node, dict):
        for k, v in node.items():
            out += _paths(v, (*path, k))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            out += _paths(v, (*path, i))
    return out


def _at(node: Any, path: tuple[Any, ...]) -> Any:
    for part in path:
        node = node[part]
    return node


@pytest.mark.parametrize("seed", range(4))
def test_mutated_packages_give_problems_never_a_crash(seed):
    """Random type swaps, deletions and extensions anywhere in a package: each either imports or
    answers problems (FrameworkImportError); any other exception would be a 500 on the API."""
    import random

    rng = random.Random(seed)
    sources = [capability_package(), SOURCE]
    for n in range(60):
        pkg = copy.deepcopy(sources[n % 2])
        for _ in range(rng.choice([1, 2, 3])):
            path = rng.choice(_paths(pkg)[1:])
            parent, key = _at(pkg, path[:-1]), path[-1]
            roll = rng.random()
            if roll < 0.65:
                parent[key] = copy.deepcopy(rng.choice(VALUES))
            elif roll < 0.8 and isinstance(parent, dict):
                del parent[key]
            elif isinstance(_at(pkg, path), dict):
                _at(pkg, path)["extensions"] = copy.deepcopy(rng.choice(VALUES))
        try:
            parse(pkg)
        except io.FrameworkImportError as exc:
            assert exc.problems
