"""The native format: a FrameworkDocument as YAML or JSON.

Exports are deterministic (document order, no timestamps), so export -> import -> export gives the
same bytes. Defaults are left out to keep files short; the schema in schemas/ documents them.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import yaml
from pydantic import ValidationError

from soms import limits
from soms.core.problems import Invalid
from soms.core.safeload import json_loads, yaml_loads
from soms.frameworks.document import AT_THE_EDGE, FORMAT_ID, FrameworkDocument
from soms.frameworks.io.problems import FrameworkImportError, Problem, json_path, problems_from_validation

YAML_HEADER = f"# SOMS framework document ({FORMAT_ID}); schema: schemas/soms-framework-1.schema.json\n"
# A YAML file can make a small text expand into a huge tree through aliases; refuse that early.
MAX_NODES = limits.MAX_YAML_NODES


def document_data(document: FrameworkDocument) -> dict[str, Any]:
    data = document.model_dump(mode="json", exclude_defaults=True)
    return {"format": FORMAT_ID, **data}


# libyaml's emitter writes the same bytes as PyYAML's pure-Python one, 17 times faster (2.5 MB: 0.6 s
# against 10.3 s); PyYAML is built with it on every platform it ships wheels for.
_DUMPER = getattr(yaml, "CSafeDumper", yaml.SafeDumper)


def dump_yaml(document: FrameworkDocument) -> bytes:
    body = yaml.dump(
        document_data(document),
        Dumper=_DUMPER,
        sort_keys=False,
        allow_unicode=True,
        width=100,
        default_flow_style=False,
    )
    return (YAML_HEADER + body).encode("utf-8")


def dump_json(document: FrameworkDocument) -> bytes:
    return (json.dumps(document_data(document), ensure_ascii=False, indent=2) + "\n").encode("utf-8")


def document_from_data(
    data: Any, locate: Callable[[tuple[str | int, ...]], str] | None = None
) -> FrameworkDocument:
    """Validate parsed data as a framework document, reporting every problem with its place."""
    if not isinstance(data, dict):
        raise FrameworkImportError(
            [
                Problem.at(
                    "",
                    "the file must hold one framework document: a mapping with framework, version, levels and elements",
                )
            ]
        )
    too_many = _count_problems(data)
    if too_many:
        raise FrameworkImportError(too_many)
    found: list[tuple[str, str]] = []
    try:
        document = FrameworkDocument.model_validate(data, context={"problems": found, AT_THE_EDGE: True})
    except ValidationError as exc:
        # A part with the wrong shape stops pydantic before the cross-references are checked; they
        # are checked here too, on what could be read, so one pass reports both kinds.
        shape = problems_from_validation(exc, locate)
        places = {p.location for p in shape}
        cross = [
            Problem.at(_place(path, locate), message) for path, message in _cross_reference_problems(data)
        ]
        raise FrameworkImportError([*shape, *(p for p in cross if p.location not in places)]) from None
    if found:
        raise FrameworkImportError([Problem.at(_place(path, locate), message) for path, message in found])
    return document


def _cross_reference_problems(data: dict[str, Any]) -> list[tuple[str, str]]:
    """The document's cross-reference problems on data that failed validation. Every part keeps
    its place (a part with the wrong shape is taken as it is, its own problems already reported);
    data too broken to compare gives none."""
    from soms.frameworks.document import (
        AreaDoc,
        AssociationDoc,
        ElementDoc,
        FrameworkHeader,
        LevelDoc,
        StatementDoc,
        VersionHeader,
    )
    from soms.frameworks.rules import FrameworkRules

    def build(model: type[Any], raw: Any, **fallback: Any) -> Any:
        # A part's own problems are already reported; a null where a code belongs is taken as the
        # fallback (no code), or the checks below would meet None where they compare codes.
        given = raw if isinstance(raw, dict) else {}
        return model.model_construct(
            **{**fallback, **{k: v for k, v in given.items() if v is not None or k not in fallback}}
        )

    def items(value: Any) -> list[Any]:
        return value if isinstance(value, list) else []

    try:
        given = data.get("version")
        raw_version: dict[str, Any] = given if isinstance(given, dict) else {}
        try:
            rules = FrameworkRules.model_validate(raw_version.get("rules") or {})
        except ValidationError:
            rules = FrameworkRules()
        version = build(VersionHeader, raw_version, label="", uuid=None)
        version.rules = rules
        elements = []
        for raw in items(data.get("elements")):
            element = build(ElementDoc, raw, code="", uuid=None)
            element.statements = [
                build(StatementDoc, st, code="", level="", parent=None, areas=[], uuid=None)
                for st in items(raw.get("statements") if isinstance(raw, dict) else None)
            ]
            elements.append(element)
        document = FrameworkDocument.model_construct(
            framework=build(FrameworkHeader, data.get("framework"), code="", name=""),
            version=version,
            levels=[build(LevelDoc, lv, code="", rank=0, uuid=None) for lv in items(data.get("levels"))],
            elements=elements,
            areas=[build(AreaDoc, a, code="", element=None) for a in items(data.get("areas"))],
            external_associations=[
                build(AssociationDoc, a, origin="") for a in items(data.get("external_associations"))
            ],
        )
        problems = document.problems()
    except (TypeError, AttributeError, ValueError, KeyError):
        return []
    # Parts without a code are already reported; their empty codes say nothing more.
    return [(path, message) for path, message in problems if "''" not in message]


def _count_problems(data: dict[str, Any]) -> list[Problem]:
    """The size limits, checked on the raw data before it is validated item by item, so that an
    oversized file costs a count and not a full validation."""

    def items(value: Any) -> list[Any]:
        return value if isinstance(value, list) else []

    elements = items(data.get("elements"))
    statements = sum(len(items(e.get("statements"))) for e in elements if isinstance(e, dict))
    counts = [
        ("statements", "elements[].statements", statements, limits.MAX_STATEMENTS, "MAX_STATEMENTS"),
        ("elements", "elements", len(elements), limits.MAX_ELEMENTS, "MAX_ELEMENTS"),
        ("levels", "levels", len(items(data.get("levels"))), limits.MAX_LEVELS, "MAX_LEVELS"),
        ("areas", "areas", len(items(data.get("areas"))), limits.MAX_AREAS, "MAX_AREAS"),
        (
            "external associations",
            "external_associations",
            len(items(data.get("external_associations"))),
            limits.MAX_EXTERNAL_ASSOCIATIONS,
            "MAX_EXTERNAL_ASSOCIATIONS",
        ),
    ]
    return [
        Problem.at(where, limits.over(what, count, limit, name))
        for what, where, count, limit, name in counts
        if count > limit
    ]


def _place(path: str, locate: Callable[[tuple[str | int, ...]], str] | None) -> str:
    if locate is None:
        return path
    loc: list[str | int] = []
    for part in path.replace("[", ".[").split("."):
        if part.startswith("["):
            loc.append(int(part[1:-1]))
        elif part:
            loc.append(part)
    return locate(tuple(loc))


def parse_json(text: str) -> FrameworkDocument:
    try:
        data = json_loads(text)
    except Invalid as exc:
        raise FrameworkImportError(exc.problems) from None
    return document_from_data(data)


def parse_yaml(text: str) -> FrameworkDocument:
    try:
        # Deep nesting, duplicated keys and NUL characters are refused here, with their place.
        data = yaml_loads(text)
    except Invalid as exc:
        raise FrameworkImportError(exc.problems) from None
    if _too_big(data):
        raise FrameworkImportError(
            [
                Problem.at(
                    "",
                    f"the YAML expands to too many values, more than {MAX_NODES:,} (limit MAX_YAML_NODES; "
                    "aliases?); write it out plainly",
                )
            ]
        )

    # The node tree is composed once, on the first problem, however many problems there are: once
    # per problem made a file with thousands of bad statements take quadratic time.
    tree: list[yaml.Node | None] = []

    def locate(loc: tuple[str | int, ...]) -> str:
        if not tree:
            tree.append(yaml_tree(text))
        line = yaml_line(tree[0], loc)
        return f"{json_path(loc)} (line {line})" if line else json_path(loc)

    return document_from_data(data, locate)


def _too_big(data: Any) -> bool:
    budget = MAX_NODES
    stack = [data]
    while stack:
        budget -= 1
        if budget < 0:
            return True
        item = stack.pop()
        if isinstance(item, dict):
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return False


def yaml_tree(text: str) -> yaml.Node | None:
    try:
        return yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError:
        return None


def yaml_line(node: yaml.Node | None, loc: tuple[str | int, ...]) -> int | None:
    """The line of the deepest node of `loc` that exists in the composed YAML tree."""
    if node is None:
        return None
    line = node.start_mark.line + 1 if node is not None else None
    for part in loc:
        nxt = None
        if isinstance(node, yaml.MappingNode):
            nxt = next((v for k, v in node.value if k.value == str(part)), None)
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int) and part < len(node.value):
            nxt = node.value[part]
        if nxt is None:
            break
        node = nxt
        line = node.start_mark.line + 1
    return line
