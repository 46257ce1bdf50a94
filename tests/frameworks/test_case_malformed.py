"""CASE packages bent out of shape, one value at a time: whatever a field holds (a number where an
object goes, a list where a text goes, null, a 65-bit integer), reading the package either succeeds,
with warnings for what was dropped, or refuses it with places — never an unexpected error, which the
import page and the API answered as a 500 (found by fuzzing POST /api/v1/frameworks/import)."""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from typing import Any

import pytest

from soms.frameworks import io
from tests.frameworks.conftest import FIXTURES

PACKAGES = [FIXTURES / "case-real" / "published-server.json", FIXTURES / "case-real" / "case-1.0.json"]
ODD_VALUES: list[Any] = [7, 2**65, -1, 0.5, "9999-12-31", [1, "a"], {"a": [1]}, None, True]


def _places(node: Any, path: tuple[str | int, ...] = ()) -> Iterator[tuple[str | int, ...]]:
    """Every place in the package, the first two entries of each list (the rest are alike)."""
    if path:
        yield path
    if isinstance(node, dict):
        for key, value in node.items():
            yield from _places(value, (*path, key))
    elif isinstance(node, list):
        for i, value in enumerate(node[:2]):
            yield from _places(value, (*path, i))


def _with(package: Any, path: tuple[str | int, ...], value: Any) -> Any:
    changed = copy.deepcopy(package)
    node = changed
    for step in path[:-1]:
        node = node[step]
    node[path[-1]] = value
    return changed


def _read(package: Any) -> None:
    try:
        io.parse(json.dumps(package).encode(), format="case", warnings=[])
    except io.FrameworkImportError as exc:
        assert exc.problems and all(p.msg for p in exc.problems)


@pytest.mark.parametrize("fixture", PACKAGES, ids=lambda p: p.name)
def test_any_value_anywhere_is_read_or_refused_with_its_place(fixture):
    package = json.loads(fixture.read_bytes())
    places = list(_places(package))
    assert len(places) > 40
    for path in places:
        for value in ODD_VALUES:
            _read(_with(package, path, value))


@pytest.mark.parametrize(
    "definitions",
    [7, "text", [1, 2], {"CFItemTypes": 3}, {"CFLicenses": 2**65}, {"CFItemTypes": [{"identifier": [1]}]}],
    ids=["number", "text", "list", "kind a number", "kind a huge number", "identifier a list"],
)
def test_definitions_of_the_wrong_shape_are_dropped_or_refused_by_place(definitions):
    package = json.loads(PACKAGES[0].read_bytes())
    package["CFDefinitions"] = definitions
    for item in package["CFItems"]:
        item["CFItemTypeURI"] = {"identifier": [1], "title": ["x"]}
    warnings: list[str] = []
    try:
        io.parse(json.dumps(package).encode(), format="case", warnings=warnings)
    except io.FrameworkImportError as exc:
        assert any(p.location.startswith(("CFDefinitions", "CFItems")) for p in exc.problems), exc.problems
    else:
        assert any("definitions" in w or "CFItemType" in w for w in warnings), warnings
