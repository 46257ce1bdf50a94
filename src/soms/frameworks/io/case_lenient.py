"""Reading CASE packages as real servers publish them: liberal in what is read, strict in what is
written.

Packages from the CASE servers in use today do not all meet the strict CASE 1.1 JSON Schema: UUIDs
without the RFC 4122 variant bits (``d0000000-0000-0000-0000-000000000000``), upper-case UUIDs,
identifiers that are not UUIDs at all, CASE 1.0 fields such as ``CFDocumentURI``, missing ``uri`` or
``lastChangeDateTime``, a ``sequenceNumber`` written as text, item types only defined in
``CFDefinitions``. `normalise` turns such a package into one the strict schema accepts and says, in a
list of warnings, everything it changed or dropped; the importer then reads it as before, and
exports (made from the stored document) stay valid against the official schema.

What cannot be understood is still refused, with its place: no CFDocument, a CFDocument or item
without an identifier, an item without any text, an association without both ends, and cycles
(found later by the importer).
"""

from __future__ import annotations

import copy
import re
from collections import Counter
from collections.abc import Callable
from typing import Any

from jsonschema import Draft202012Validator

from soms.frameworks.document import derived_uuid
from soms.frameworks.io.problems import FrameworkImportError, Problem, json_path

STRICT_UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")
ANY_UUID = re.compile(r"^[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{12}$")
# CASE 1.0 carried these; 1.1 dropped them. Named in the warning so people recognise an old package.
CASE_1_0_FIELDS = frozenset({"CFDocumentURI", "CFPackageURI", "CFItemURI", "CFAssociationGroupingIdentifier"})
SECTIONS = ("CFItems", "CFAssociations")
RUBRIC_PARTS = (
    ("CFRubrics", "rubric"),
    ("CFRubricCriteria", "criterion"),
    ("CFRubricCriterionLevels", "level"),
)
DEFINITION_KINDS = ("CFConcepts", "CFSubjects", "CFLicenses", "CFItemTypes", "CFAssociationGroupings")
# Where an object sits in the package, by the first key of its JSON path, in words for a warning.
PLACE_NAMES = {
    "CFDocument": "the CFDocument",
    "CFItems": "items",
    "CFAssociations": "associations",
    "CFRubrics": "rubrics",
    "CFDefinitions": "definitions",
}
MAX_ROUNDS = 6  # each round drops what the schema refuses one level deeper; real packages need 1-2


class _Notes:
    """Warnings grouped by what happened, so 3,000 associations with the same CASE 1.0 field give one
    line, not 3,000."""

    def __init__(self) -> None:
        self.counts: Counter[str] = Counter()

    def add(self, message: str) -> None:
        self.counts[message] += 1

    def lines(self) -> list[str]:
        out = []
        for message, n in self.counts.items():
            out.append(message if n == 1 else f"{message} ({n} times)")
        return out


def _walk_identifiers(package: dict[str, Any], visit: Callable[[dict[str, Any], str], None]) -> None:
    """Call `visit(obj, where)` on every object of the package that has an `identifier`, link objects
    (origin/destination nodes, item type and licence links) included."""

    def node(obj: Any, where: str) -> None:
        if isinstance(obj, dict):
            if "identifier" in obj:
                visit(obj, where)
            for key, value in obj.items():
                if key != "extensions":
                    node(value, f"{where}.{key}" if where else key)
        elif isinstance(obj, list):
            for i, value in enumerate(obj):
                node(value, f"{where}[{i}]")

    node(package, "")


def _fix_identifiers(package: dict[str, Any], notes: _Notes) -> None:
    """Every identifier becomes a strict RFC 4122 UUID, consistently everywhere it appears: the same
    odd identifier always maps to the same derived UUID, so associations still find their items."""
    replaced: dict[str, str] = {}

    def strict(value: str) -> str:
        if STRICT_UUID.match(value):
            return value
        if value in replaced:
            return replaced[value]
        lowered = value.lower()
        if ANY_UUID.match(value) and len(value) == 36 and STRICT_UUID.match(lowered):
            new = lowered
            notes.add("Upper-case UUIDs were written in lower case")
        elif ANY_UUID.match(value):
            new = str(derived_uuid("case-identifier", lowered))
            notes.add(
                "Identifiers shaped like UUIDs but without the RFC 4122 variant bits were given derived "
                "UUIDs (the same one wherever each appears)"
            )
        else:
            new = str(derived_uuid("case-identifier", value))
            notes.add("Identifiers that are not UUIDs were given derived UUIDs")
        replaced[value] = new
        return new

    ends: list[dict[str, Any]] = []

    def visit(obj: dict[str, Any], where: str) -> None:
        value = obj["identifier"]
        if not isinstance(value, str) or not value.strip():
            return
        if where.endswith(("originNodeURI", "destinationNodeURI")):
            # An association end may name something outside the package by any identifier CASE
            # allows there; it follows only the package's own objects that were renamed.
            ends.append(obj)
            return
        new = strict(value.strip())
        uri = obj.get("uri")
        if isinstance(uri, str) and uri == f"urn:uuid:{value}":
            obj["uri"] = f"urn:uuid:{new}"
        obj["identifier"] = new

    _walk_identifiers(package, visit)
    for obj in ends:
        value = obj["identifier"].strip()
        if value in replaced:
            if obj.get("uri") == f"urn:uuid:{value}":
                obj["uri"] = f"urn:uuid:{replaced[value]}"
            obj["identifier"] = replaced[value]


def _required_ids(package: dict[str, Any]) -> list[Problem]:
    """What no normalising can invent: the objects an importer has to tell apart."""
    problems = []
    doc = package.get("CFDocument")
    if not isinstance(doc, dict):
        return [Problem.at("CFDocument", "the package has no CFDocument; it is not a CASE framework")]
    if not isinstance(doc.get("identifier"), str) or not doc["identifier"].strip():
        problems.append(Problem.at("CFDocument.identifier", "the CFDocument has no identifier"))
    if not isinstance(doc.get("title"), str) or not doc["title"].strip():
        problems.append(Problem.at("CFDocument.title", "the CFDocument has no title"))
    for key in SECTIONS:
        rows = package.get(key, [])
        if not isinstance(rows, list):
            problems.append(Problem.at(key, "must be a list"))
            continue
        for i, row in enumerate(rows):
            where = f"{key}[{i}]"
            if not isinstance(row, dict):
                problems.append(Problem.at(where, "must be an object"))
            elif not isinstance(row.get("identifier"), str) or not row["identifier"].strip():
                problems.append(Problem.at(f"{where}.identifier", "has no identifier"))
            elif key == "CFItems" and not any(
                isinstance(row.get(k), str) and row[k].strip()
                for k in ("fullStatement", "abbreviatedStatement", "humanCodingScheme")
            ):
                problems.append(Problem.at(f"{where}.fullStatement", "the item has no text"))
            elif key == "CFAssociations":
                for end in ("originNodeURI", "destinationNodeURI"):
                    link = row.get(end)
                    if not isinstance(link, dict) or not str(link.get("identifier") or "").strip():
                        problems.append(Problem.at(f"{where}.{end}", "the association end has no identifier"))
                if not isinstance(row.get("associationType"), str):
                    problems.append(Problem.at(f"{where}.associationType", "required property is missing"))
    return problems


def _fill(package: dict[str, Any], notes: _Notes) -> None:
    """Defaults for what CASE 1.1 requires but a publisher left out, each said once."""
    doc = package["CFDocument"]
    stamp = doc.get("lastChangeDateTime")
    if not isinstance(stamp, str) or not stamp:
        stamp = "2000-01-01T00:00:00Z"
        doc["lastChangeDateTime"] = stamp
        notes.add("The CFDocument had no lastChangeDateTime; 2000-01-01 was assumed")
    if not isinstance(doc.get("creator"), str):
        doc["creator"] = str(doc.get("publisher") or "unknown")
        notes.add("The CFDocument had no creator; its publisher (or 'unknown') was used")
    if doc.get("caseVersion") not in (None, "1.1"):
        notes.add(f"The package says caseVersion {doc.get('caseVersion')!r}; it was read as CASE 1.1")
        doc["caseVersion"] = "1.1"
    types = {
        t["identifier"]: t
        for t in _definitions(package, "CFItemTypes")
        if isinstance(t, dict) and isinstance(t.get("identifier"), str)
    }

    def link_complete(link: Any, title: str) -> None:
        if isinstance(link, dict) and isinstance(link.get("identifier"), str):
            if not isinstance(link.get("uri"), str):
                link["uri"] = f"urn:uuid:{link['identifier']}"
            if not isinstance(link.get("title"), str):
                link["title"] = title

    def complete(obj: dict[str, Any], what: str) -> None:
        if not isinstance(obj.get("uri"), str) or not obj["uri"]:
            obj["uri"] = f"urn:uuid:{obj['identifier']}"
            notes.add(f"Some {what} had no uri; urn:uuid: addresses were made from their identifiers")
        if not isinstance(obj.get("lastChangeDateTime"), str) or not obj["lastChangeDateTime"]:
            obj["lastChangeDateTime"] = stamp
            notes.add(f"Some {what} had no lastChangeDateTime; the document's was used")

    if not isinstance(doc.get("uri"), str) or not doc["uri"]:
        doc["uri"] = f"urn:uuid:{doc['identifier']}"
    for item in package.get("CFItems", []):
        complete(item, "items")
        if not (isinstance(item.get("fullStatement"), str) and item["fullStatement"].strip()):
            item["fullStatement"] = item.get("abbreviatedStatement") or item.get("humanCodingScheme")
            notes.add("Items without a fullStatement took their abbreviated statement or code as text")
        type_link = item.get("CFItemTypeURI")
        if isinstance(type_link, dict) and not item.get("CFItemType"):
            identifier = type_link.get("identifier")
            defined = types.get(identifier) if isinstance(identifier, str) else None
            title = type_link.get("title") or (defined or {}).get("title")
            if isinstance(title, str) and title:
                item["CFItemType"] = title
                notes.add("Item types were read from CFDefinitions.CFItemTypes")
        link_complete(type_link, str(item.get("CFItemType") or "item type"))
    for assoc in package.get("CFAssociations", []):
        complete(assoc, "associations")
        for end in ("originNodeURI", "destinationNodeURI"):
            link_complete(assoc[end], str(assoc[end].get("identifier")))
        seq = assoc.get("sequenceNumber")
        if isinstance(seq, str) and seq.strip().isdigit():
            assoc["sequenceNumber"] = int(seq.strip())
            notes.add("Sequence numbers written as text were read as numbers")
    for kind in DEFINITION_KINDS:
        for definition in _definitions(package, kind):
            if isinstance(definition, dict) and "identifier" in definition:
                complete(definition, f"definitions ({kind})")
    _fill_rubrics(package, complete)


def _definitions(package: dict[str, Any], kind: str) -> list[Any]:
    """The package's definitions of one kind, or none when CFDefinitions or that kind is not shaped
    as CASE says (an object of lists): the strict schema then drops it with a warning."""
    definitions = package.get("CFDefinitions")
    rows = definitions.get(kind) if isinstance(definitions, dict) else None
    return rows if isinstance(rows, list) else []


def _fill_rubrics(package: dict[str, Any], complete: Callable[[dict[str, Any], str], None]) -> None:
    def walk(objs: Any, depth: int) -> None:
        if depth >= len(RUBRIC_PARTS) or not isinstance(objs, list):
            return
        for obj in objs:
            if isinstance(obj, dict) and isinstance(obj.get("identifier"), str):
                complete(obj, "rubric parts")
                if depth + 1 < len(RUBRIC_PARTS):
                    walk(obj.get(RUBRIC_PARTS[depth + 1][0]), depth + 1)

    walk(package.get("CFRubrics"), 0)


_GONE = object()


def _container(package: Any, path: list[str | int]) -> Any:
    """What `path` leads to, or _GONE when an earlier drop of the same round removed it (the schema's
    errors are all listed before any is acted on)."""
    node = package
    for step in path:
        try:
            node = node[step]
        except (KeyError, IndexError, TypeError):
            return _GONE
    return node


def _drop_refused(package: dict[str, Any], notes: _Notes) -> list[Problem]:
    """Run the strict schema; remove what it refuses where that is an optional part (an unknown
    field, a field of the wrong type, a malformed optional link) and say so. What remains refused
    is returned as problems."""
    from soms.frameworks.io.case import case_schema

    validator = Draft202012Validator(case_schema())
    for _round in range(MAX_ROUNDS):
        errors = list(validator.iter_errors(package))
        if not errors:
            return []
        dropped = False
        for error in errors:
            path = list(error.absolute_path)
            where = PLACE_NAMES.get(str(path[0]) if path else "", "the package")
            if error.validator == "additionalProperties":
                obj = _container(package, path)
                if not isinstance(obj, dict):
                    dropped = True  # it went with an earlier drop: the next round looks again
                    continue
                allowed = set((error.schema or {}).get("properties", {}))
                for key in [k for k in obj if k not in allowed]:
                    del obj[key]
                    dropped = True
                    if key in CASE_1_0_FIELDS:
                        notes.add(f"{key} (a CASE 1.0 field) was dropped from {where}")
                    else:
                        notes.add(f"{key} is not a CASE 1.1 field and was dropped from {where}")
                continue
            if len(path) >= 2 and isinstance(path[-1], str):
                parent = _container(package, path[:-1])
                parent_schema_required = _required_at(error, path)
                if path[-1] not in parent_schema_required and isinstance(parent, dict) and path[-1] in parent:
                    del parent[path[-1]]
                    dropped = True
                    notes.add(
                        f"{path[-1]} in {where} was not as CASE 1.1 defines it ({_short(error)}) and was dropped"
                    )
                    continue
            if len(path) >= 3 and isinstance(path[-1], int) and isinstance(path[-2], str):
                # A bad entry of an optional list (a subject that is not a string): drop the entry.
                parent = _container(package, path[:-1])
                if path[-2] not in ("CFItems", "CFAssociations") and isinstance(parent, list):
                    parent[path[-1]] = None
                    dropped = True
                    notes.add(
                        f"An entry of {path[-2]} in {where} was not as CASE 1.1 defines it and was dropped"
                    )
        _compact_lists(package)
        if not dropped:
            break
    problems = []
    for error in sorted(validator.iter_errors(package), key=lambda e: [str(p) for p in e.absolute_path]):
        message = error.message if len(error.message) <= 300 else error.message[:297] + "…"
        problems.append(Problem.at(json_path(error.absolute_path) or "(package)", message))
    return problems


def _required_at(error: Any, path: list[str | int]) -> set[str]:
    """The required properties of the object that holds the refused field, found by walking the
    root schema along the error's schema path (through `$ref`s) to the last object schema that
    declares the field."""
    from soms.frameworks.io.case import case_schema

    root = case_schema()
    node: Any = root
    holders: list[Any] = []
    for step in error.absolute_schema_path:
        if step == "$ref" and isinstance(node, dict) and isinstance(node.get("$ref"), str):
            node = _resolve(root, node["$ref"])
            continue
        holders.append(node)
        try:
            node = node[step]
        except (KeyError, IndexError, TypeError):
            break
    for candidate in reversed(holders):
        if isinstance(candidate, dict) and path[-1] in candidate.get("properties", {}):
            return set(candidate.get("required", []))
    return set()


def _resolve(root: dict[str, Any], ref: str) -> Any:
    node: Any = root
    for part in ref.lstrip("#/").split("/"):
        node = node[part]
    return node


def _compact_lists(package: Any) -> None:
    if isinstance(package, dict):
        for value in package.values():
            _compact_lists(value)
    elif isinstance(package, list):
        package[:] = [v for v in package if v is not None]
        for value in package:
            _compact_lists(value)


def _short(error: Any) -> str:
    text = str(error.message)
    return text if len(text) <= 80 else text[:77] + "…"


def normalise(package: Any) -> tuple[dict[str, Any], list[str]]:
    """A package the strict CASE 1.1 schema accepts, and what was changed to get there, in words.
    Raises FrameworkImportError with every place when the package cannot be understood."""
    if not isinstance(package, dict):
        raise FrameworkImportError([Problem.at("(package)", "a CASE package is a JSON object")])
    package = copy.deepcopy(package)
    problems = _required_ids(package)
    if problems:
        raise FrameworkImportError(problems)
    notes = _Notes()
    _fix_identifiers(package, notes)
    _fill(package, notes)
    problems = _drop_refused(package, notes)
    if problems:
        raise FrameworkImportError(problems)
    return package, notes.lines()
