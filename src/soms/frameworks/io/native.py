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

from soms.core.problems import Invalid
from soms.core.safeload import json_loads, yaml_loads
from soms.frameworks.document import FORMAT_ID, FrameworkDocument
from soms.frameworks.io.problems import FrameworkImportError, Problem, json_path, problems_from_validation

YAML_HEADER = f"# SOMS framework document ({FORMAT_ID}); schema: schemas/soms-framework-1.schema.json\n"
# A YAML file can make a small text expand into a huge tree through aliases; refuse that early.
MAX_NODES = 1_000_000


def document_data(document: FrameworkDocument) -> dict[str, Any]:
    data = document.model_dump(mode="json", exclude_defaults=True)
    return {"format": FORMAT_ID, **data}


def dump_yaml(document: FrameworkDocument) -> bytes:
    body = yaml.safe_dump(
        document_data(document), sort_keys=False, allow_unicode=True, width=100, default_flow_style=False
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
    found: list[tuple[str, str]] = []
    try:
        document = FrameworkDocument.model_validate(data, context={"problems": found})
    except ValidationError as exc:
        raise FrameworkImportError(problems_from_validation(exc, locate)) from None
    if found:
        raise FrameworkImportError([Problem.at(_place(path, locate), message) for path, message in found])
    return document


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
            [Problem.at("", "the YAML expands to too many values (aliases); write it out plainly")]
        )

    def locate(loc: tuple[str | int, ...]) -> str:
        line = _yaml_line(text, loc)
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


def _yaml_line(text: str, loc: tuple[str | int, ...]) -> int | None:
    """The line of the deepest node of `loc` that exists in the YAML text."""
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError:
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
