"""CASE 1.1 (1EdTech Competencies and Academic Standards Exchange): a framework version as a
CFPackage, and real CFPackages into framework documents. The mapping is in docs/case-mapping.md.
"""

from __future__ import annotations

import json
import re
from collections import defaultdict
from collections.abc import Callable
from datetime import UTC, datetime
from functools import cache, cached_property
from pathlib import Path
from typing import Any
from uuid import UUID

from django.utils.text import slugify
from jsonschema import Draft202012Validator

from soms import limits
from soms.core.problems import Invalid
from soms.core.safeload import json_loads
from soms.frameworks.document import (
    FORMAT_ID,
    STATEMENT_CODE_RE,
    FrameworkDocument,
    derived_uuid,
    tree_order,
    with_derived_ids,
)
from soms.frameworks.io.case_lenient import normalise
from soms.frameworks.io.native import document_from_data
from soms.frameworks.io.problems import FrameworkImportError, Problem, json_path
from soms.frameworks.rules import FrameworkRules

SCHEMA_PATH = Path(__file__).with_name("case-v1p1-cfpackage-schema.json")
EXT = "soms"  # the key of our data inside CASE `extensions`
# CFDocument properties SOMS has no column for, kept in version.source_meta["case"] and given back.
KEPT_DOCUMENT_FIELDS = (
    "creator",
    "publisher",
    "officialSourceURL",
    "language",
    "subject",
    "subjectURI",
    "statusStartDate",
    "statusEndDate",
    "lastChangeDateTime",
)
STRUCTURAL = ("isChildOf", "hasSkillLevel")
NO_LEVELS = {"code": "achieved", "name": "Achieved", "rank": 1}
NO_LEVELS_NOTE = (
    "The CASE package declared no levels (no CFRubricCriterionLevels), so every statement was placed "
    "in one level, “Achieved”. Add levels in a new version if assessments need more."
)


@cache
def case_schema() -> dict[str, Any]:
    schema: dict[str, Any] = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    return schema


def _uri(identifier: UUID | str) -> str:
    return f"urn:uuid:{identifier}"


def _link(title: str, identifier: UUID | str) -> dict[str, str]:
    return {"title": title, "identifier": str(identifier), "uri": _uri(identifier)}


def _timestamp(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


# ---------------------------------------------------------------------------------------- export


def _kept_fields(meta: Any) -> dict[str, Any]:
    """The kept CFDocument fields that still have CASE's types (source_meta is free-form in YAML)."""
    if not isinstance(meta, dict):
        return {}
    out: dict[str, Any] = {}
    for key in KEPT_DOCUMENT_FIELDS:
        value = meta.get(key)
        if key == "subject":
            ok = isinstance(value, list) and all(isinstance(v, str) for v in value)
        elif key == "subjectURI":
            ok = isinstance(value, list) and all(
                isinstance(v, dict) and {"title", "identifier", "uri"} <= v.keys() for v in value
            )
        else:
            ok = isinstance(value, str) and value != ""
        if ok:
            out[key] = value
    return out


def export_package(document: FrameworkDocument, *, published: bool, changed_at: datetime) -> dict[str, Any]:
    """The CFPackage of a version. Identifiers come from the stored uuids (derived from codes when
    a document has none), and the timestamp from the source when there was one, so the same
    version always gives the same package."""
    doc = with_derived_ids(document)
    vid = doc.version.uuid
    assert vid is not None
    kept = _kept_fields(doc.version.source_meta.get("case"))
    stamp = kept.get("lastChangeDateTime") or _timestamp(changed_at)
    title = doc.framework.name
    package: dict[str, Any] = {}
    cf_document: dict[str, Any] = {
        "identifier": str(vid),
        "uri": _uri(vid),
        "creator": kept.get("creator") or "SOMS",
        "title": title,
        "lastChangeDateTime": stamp,
    }
    for key in KEPT_DOCUMENT_FIELDS:
        if key in kept and key not in cf_document:
            cf_document[key] = kept[key]
    if doc.framework.description:
        cf_document["description"] = doc.framework.description
    cf_document["version"] = doc.version.label
    cf_document["adoptionStatus"] = "Published" if published else "Draft"
    cf_document["caseVersion"] = "1.1"
    cf_document["frameworkType"] = doc.framework.kind
    if doc.version.notes:
        cf_document["notes"] = doc.version.notes
    licences = []
    if doc.version.attribution:
        licence_id = derived_uuid(str(vid), "licence")
        cf_document["licenseURI"] = _link("Attribution", licence_id)
        licences.append(
            {
                "identifier": str(licence_id),
                "uri": _uri(licence_id),
                "title": "Attribution",
                "licenseText": doc.version.attribution,
                "lastChangeDateTime": stamp,
            }
        )
    extension: dict[str, Any] = {"format": FORMAT_ID, "code": doc.framework.code}
    rules = doc.version.rules.model_dump(mode="json", exclude_defaults=True)
    if rules:
        extension["rules"] = rules
    if doc.areas:
        extension["areas"] = [a.model_dump(mode="json", exclude_defaults=True) for a in doc.areas]
    # What other sources said that CASE has no field for travels too (CASE's own is in the document).
    other_meta = {k: v for k, v in doc.version.source_meta.items() if k != "case"}
    if other_meta:
        extension["source_meta"] = other_meta
    cf_document["extensions"] = {EXT: extension}
    package["CFDocument"] = cf_document

    items: list[dict[str, Any]] = []
    associations: list[dict[str, Any]] = []
    rubrics: list[dict[str, Any]] = []
    item_types: dict[str, UUID] = {}
    node_of: dict[str, dict[str, str]] = {}
    doc_node = _link(title, vid)

    def item(identifier: UUID, text: str, code: str, item_type: str, **more: Any) -> dict[str, Any]:
        out: dict[str, Any] = {
            "identifier": str(identifier),
            "uri": _uri(identifier),
            "fullStatement": text,
            "humanCodingScheme": code,
        }
        if item_type:
            type_id = item_types.setdefault(item_type, derived_uuid("item-type", item_type))
            out["CFItemType"] = item_type
            out["CFItemTypeURI"] = _link(item_type, type_id)
        out.update(more)
        out["lastChangeDateTime"] = stamp
        return out

    def associate(kind: str, origin: dict[str, str], destination: dict[str, str], seq: int | None) -> None:
        assoc_id = derived_uuid(str(vid), kind, origin["identifier"], destination["identifier"])
        row: dict[str, Any] = {
            "identifier": str(assoc_id),
            "associationType": kind,
            "uri": _uri(assoc_id),
            "originNodeURI": origin,
            "destinationNodeURI": destination,
            "lastChangeDateTime": stamp,
        }
        if seq is not None:
            row["sequenceNumber"] = seq
        associations.append(row)

    # Every node first: a statement may be listed before its parent.
    for el in doc.elements:
        assert el.uuid is not None  # with_derived_ids gave every element and statement one
        node_of[el.code] = _link(el.name, el.uuid)
        for st in el.statements:
            assert st.uuid is not None
            node_of[st.code] = _link(st.code, st.uuid)
    for seq, el in enumerate(doc.elements, start=1):
        assert el.uuid is not None
        more: dict[str, Any] = {}
        if el.description:
            more["notes"] = el.description
        if el.group:
            more["extensions"] = {EXT: {"group": el.group}}
        items.append(item(el.uuid, el.name, el.code, el.item_type, **more))
        associate("isChildOf", node_of[el.code], doc_node, seq)
        rubric_id, criterion_id = (
            derived_uuid(str(vid), "rubric", str(el.uuid)),
            derived_uuid(str(vid), "criterion", str(el.uuid)),
        )
        level_nodes = {}
        criterion_levels = []
        for lv in doc.levels:
            assert lv.uuid is not None
            cl_id = derived_uuid(str(vid), "criterion-level", str(el.uuid), str(lv.uuid))
            level_nodes[lv.code] = _link(lv.name, cl_id)
            ext: dict[str, Any] = {"code": lv.code, "uuid": str(lv.uuid)}
            if lv.validity_months:
                ext["validity_months"] = lv.validity_months
            cl: dict[str, Any] = {"identifier": str(cl_id), "uri": _uri(cl_id), "quality": lv.name}
            if lv.description:
                cl["description"] = lv.description
            cl |= {
                "position": lv.rank,
                "rubricCriterionId": str(criterion_id),
                "lastChangeDateTime": stamp,
                "extensions": [{EXT: ext}],
            }
            criterion_levels.append(cl)
        rubrics.append(
            {
                "identifier": str(rubric_id),
                "uri": _uri(rubric_id),
                "title": f"{el.name}: levels",
                "lastChangeDateTime": stamp,
                "CFRubricCriteria": [
                    {
                        "identifier": str(criterion_id),
                        "uri": _uri(criterion_id),
                        "category": "level",
                        "description": el.name,
                        "CFItemURI": node_of[el.code],
                        "position": 1,
                        "rubricId": str(rubric_id),
                        "lastChangeDateTime": stamp,
                        "CFRubricCriterionLevels": criterion_levels,
                    }
                ],
            }
        )
        sequence: dict[str | None, int] = defaultdict(int)
        # Parent first, as an importer reads the tree back.
        for st in tree_order(el.statements):
            assert st.uuid is not None
            more = {"extensions": {EXT: {"areas": st.areas}}} if st.areas else {}
            items.append(item(st.uuid, st.text, st.code, st.item_type, **more))
            sequence[st.parent] += 1
            parent = node_of[st.parent] if st.parent else node_of[el.code]
            associate("isChildOf", node_of[st.code], parent, sequence[st.parent])
            associate("hasSkillLevel", node_of[st.code], level_nodes[st.level], None)

    for kept_assoc in doc.external_associations:
        dest = kept_assoc.destination
        destination: dict[str, str] = {"title": dest.title, "identifier": dest.identifier, "uri": dest.uri}
        if dest.target_type:
            destination["targetType"] = dest.target_type
        assoc_id = kept_assoc.uuid or derived_uuid(
            str(vid), kept_assoc.type, node_of[kept_assoc.origin]["identifier"], dest.identifier
        )
        row = {
            "identifier": str(assoc_id),
            "associationType": kept_assoc.type,
            "uri": _uri(assoc_id),
            "originNodeURI": node_of[kept_assoc.origin],
            "destinationNodeURI": destination,
            "lastChangeDateTime": stamp,
        }
        if kept_assoc.sequence_number is not None:
            row["sequenceNumber"] = kept_assoc.sequence_number
        if kept_assoc.notes:
            row["notes"] = kept_assoc.notes
        associations.append(row)

    package["CFItems"] = items
    package["CFAssociations"] = associations
    definitions: dict[str, Any] = {}
    if item_types:
        definitions["CFItemTypes"] = [
            {
                "identifier": str(type_id),
                "uri": _uri(type_id),
                "title": name,
                "description": name,
                "hierarchyCode": slugify(name) or "type",
                "lastChangeDateTime": stamp,
            }
            for name, type_id in item_types.items()
        ]
    if licences:
        definitions["CFLicenses"] = licences
    if definitions:
        package["CFDefinitions"] = definitions
    package["CFRubrics"] = rubrics
    return package


def dump_case(document: FrameworkDocument, *, published: bool, changed_at: datetime) -> bytes:
    package = export_package(document, published=published, changed_at=changed_at)
    return (json.dumps(package, ensure_ascii=False, indent=2) + "\n").encode("utf-8")


# ---------------------------------------------------------------------------------------- import


def _schema_problems(package: Any) -> list[Problem]:
    validator = Draft202012Validator(case_schema())
    problems = []
    for error in sorted(validator.iter_errors(package), key=lambda e: [str(p) for p in e.absolute_path]):
        path = json_path(error.absolute_path)
        message = error.message
        if error.validator == "required":
            missing = re.match(r"'([^']+)' is a required property", message)
            if missing:
                path = f"{path}.{missing.group(1)}" if path else missing.group(1)
                message = "required property is missing"
        elif error.validator == "additionalProperties":
            message = f"CASE 1.1 does not allow it: {message}"
        if len(message) > 300:
            message = message[:297] + "…"
        problems.append(Problem.at(path or "(package)", message))
    return problems


def _is_reference(node: dict[str, Any]) -> bool:
    """An association end outside the package counts when it names a network address."""
    return bool(re.match(r"^https?://[^/\s]+", str(node.get("uri", ""))))


def _code_slug(value: str, limit: int = 80) -> str:
    # "SD.1" -> "sd-1": punctuation separates, it does not vanish.
    return slugify(re.sub(r"[^\w\s-]+", "-", value))[:limit].strip("-")


def _statement_code(value: str) -> str:
    code = re.sub(r"[^A-Za-z0-9._-]+", "-", value).strip("-._")[:80]
    return code if STATEMENT_CODE_RE.match(code) else ""


def parse_case(text: str, *, warnings: list[str] | None = None) -> FrameworkDocument:
    try:
        package = json_loads(text)
    except Invalid as exc:
        raise FrameworkImportError(exc.problems) from None
    if isinstance(package, dict) and isinstance(package.get("CFPackage"), dict):
        package = package["CFPackage"]  # some servers wrap the package
    problems = _count_problems(package)
    if problems:
        raise FrameworkImportError(problems)
    # Real publishers deviate from the strict schema in ways that lose nothing (identifiers without
    # the UUID variant bits, CASE 1.0 fields, missing optional parts): read them, and say how.
    package, lenient = normalise(package)
    importer = _Importer(package)
    importer.notes.extend(f"Read leniently: {w}." for w in lenient)
    document = importer.document()
    if warnings is not None:
        warnings.extend(importer.notes)
    return document


def _count_problems(package: Any) -> list[Problem]:
    """The size limits, before the schema check walks every item."""
    if not isinstance(package, dict):
        return []
    problems = []
    for key, limit, name in (
        ("CFItems", limits.MAX_CASE_ITEMS, "MAX_CASE_ITEMS"),
        ("CFAssociations", limits.MAX_CASE_ASSOCIATIONS, "MAX_CASE_ASSOCIATIONS"),
    ):
        found = package.get(key)
        if isinstance(found, list) and len(found) > limit:
            problems.append(Problem.at(key, limits.over(key, len(found), limit, name)))
    return problems


# The JSON types SOMS's extension fields may have, by the name a problem gives them.
EXTENSION_TYPES: dict[str, Callable[[Any], bool]] = {
    "a string": lambda v: isinstance(v, str),
    "an integer": lambda v: isinstance(v, int) and not isinstance(v, bool),
    "an object": lambda v: isinstance(v, dict),
    "an array of strings": lambda v: isinstance(v, list) and all(isinstance(x, str) for x in v),
    "an array of objects": lambda v: isinstance(v, list) and all(isinstance(x, dict) for x in v),
}


def _json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    names = {dict: "an object", list: "an array", str: "a string", int: "an integer"}
    return names.get(type(value), "a number")


class _Importer:
    def __init__(self, package: dict[str, Any]) -> None:
        self.package = package
        self.cf_document = package["CFDocument"]
        self.items: list[dict[str, Any]] = package.get("CFItems", [])
        self.associations: list[dict[str, Any]] = package.get("CFAssociations", [])
        self.problems: list[Problem] = []
        self.notes: list[str] = []
        # Next suffix to try per generated code: counting up from 2 for every item made n items of
        # the same text cost n² tries.
        self.next_suffix: dict[tuple[bool, str], int] = {}

    def problem(self, where: str, message: str) -> None:
        self.problems.append(Problem.at(where, message))

    # -- our extension data ------------------------------------------------------------------

    def extension(self, owner: dict[str, Any], where: str, fields: dict[str, str]) -> dict[str, Any]:
        """SOMS's data in a CASE object's `extensions` (an object with a "soms" key; for rubric
        criterion levels a list of such objects): the `fields` that have their JSON type (names of
        EXTENSION_TYPES), absent ones left out.

        CASE lets anyone put anything in extensions, so nothing here is trusted: a "soms" entry
        that is not an object, or a field of another type, is a problem with its JSON path."""
        extensions = owner.get("extensions")
        if isinstance(extensions, list):
            found = [(k, e[EXT]) for k, e in enumerate(extensions) if isinstance(e, dict) and EXT in e]
            if not found:
                return {}
            k, value = found[0]
            place = f"{where}.extensions[{k}].{EXT}"
        elif isinstance(extensions, dict) and EXT in extensions:
            value, place = extensions[EXT], f"{where}.extensions.{EXT}"
        else:
            return {}
        if not isinstance(value, dict):
            self.problem(place, f"SOMS data must be an object, not {_json_type(value)}")
            return {}
        out: dict[str, Any] = {}
        for key, kind in fields.items():
            if value.get(key) is None:
                continue
            if EXTENSION_TYPES[kind](value[key]):
                out[key] = value[key]
            else:
                self.problem(f"{place}.{key}", f"must be {kind}, not {_json_type(value[key])}")
        return out

    # -- levels ------------------------------------------------------------------------------

    def levels(self) -> tuple[list[dict[str, Any]], dict[str, str]]:
        """Distinct levels over every rubric criterion, and criterion-level id -> level code."""
        found: dict[str, dict[str, Any]] = {}
        of_node: dict[str, str] = {}
        for r, rubric in enumerate(self.package.get("CFRubrics", [])):
            for c, criterion in enumerate(rubric.get("CFRubricCriteria", [])):
                for n, cl in enumerate(criterion.get("CFRubricCriterionLevels", [])):
                    where = f"CFRubrics[{r}].CFRubricCriteria[{c}].CFRubricCriterionLevels[{n}]"
                    ext = self.extension(
                        cl, where, {"code": "a string", "uuid": "a string", "validity_months": "an integer"}
                    )
                    name = (cl.get("quality") or cl.get("description") or "").strip()
                    code = ext.get("code") or _code_slug(name) or f"level-{cl.get('position', n + 1)}"
                    level = found.setdefault(
                        code,
                        {
                            "code": code,
                            "name": (name or code)[:120],
                            "description": cl.get("description", "") if cl.get("quality") else "",
                            "position": cl.get("position"),
                            "uuid": ext.get("uuid"),
                            "validity_months": ext.get("validity_months"),
                            "where": where,
                        },
                    )
                    if cl.get("position") is not None and level["position"] not in (None, cl["position"]):
                        self.problem(
                            f"{where}.position",
                            f"level {code!r} is at position {cl['position']} here but {level['position']} "
                            f"in {level['where']}",
                        )
                    of_node[cl["identifier"]] = code
        levels = list(found.values())
        positions = [lv["position"] for lv in levels]
        usable = all(isinstance(p, int) and 1 <= p <= 100 for p in positions) and len(set(positions)) == len(
            positions
        )
        if usable:
            levels.sort(key=lambda lv: lv["position"])
        else:
            levels.sort(key=lambda lv: (lv["position"] is None, lv["position"] or 0))
        out = []
        for rank, lv in enumerate(levels, start=1):
            row = {k: lv[k] for k in ("code", "name", "description", "uuid", "validity_months") if lv[k]}
            row["rank"] = lv["position"] if usable else rank
            out.append(row)
        return out, of_node

    # -- hierarchy ---------------------------------------------------------------------------

    def document(self) -> FrameworkDocument:
        doc_id = self.cf_document["identifier"]
        index: dict[str, int] = {}
        for i, it in enumerate(self.items):
            if it["identifier"] in index:
                self.problem(
                    f"CFItems[{i}].identifier",
                    f"duplicate identifier {it['identifier']} (also CFItems[{index[it['identifier']]}])",
                )
            index.setdefault(it["identifier"], i)
        levels, level_of_node = self.levels()
        known = set(index) | {doc_id} | set(level_of_node)
        for rubric in self.package.get("CFRubrics", []):
            known.add(rubric["identifier"])
            known |= {c["identifier"] for c in rubric.get("CFRubricCriteria", [])}

        parent: dict[str, str] = {}
        parent_assoc: dict[str, int] = {}
        sequence: dict[str, tuple[int, int]] = {}
        skill_level: dict[str, str] = {}
        kept: list[tuple[int, dict[str, Any]]] = []
        for a, assoc in enumerate(self.associations):
            origin, dest = assoc["originNodeURI"], assoc["destinationNodeURI"]
            where = f"CFAssociations[{a}]"
            bad = False
            for end, node in (("originNodeURI", origin), ("destinationNodeURI", dest)):
                if node["identifier"] not in known and not _is_reference(node):
                    self.problem(
                        f"{where}.{end}",
                        f"{assoc['associationType']} points to {node['identifier']!r}, which is neither in "
                        "the package nor a web address (http or https) of an item elsewhere",
                    )
                    bad = True
            if bad:
                continue
            kind = assoc["associationType"]
            if origin["identifier"] not in index:
                # Associations that start outside the items (from the document itself, or from
                # another framework) have no place to live in SOMS; say so rather than hide it.
                self.notes.append(f"{where} ({kind}) starts outside the package's items and was not kept.")
                continue
            oid, did = origin["identifier"], dest["identifier"]
            if kind == "isChildOf" and (did == doc_id or did in index) and oid not in parent:
                parent[oid] = did
                parent_assoc[oid] = a
                sequence[oid] = (assoc.get("sequenceNumber", 2**31), a)
            elif kind == "hasSkillLevel" and did in level_of_node and oid not in skill_level:
                skill_level[oid] = level_of_node[did]
            elif kind == "hasSkillLevel" and did not in level_of_node and (did in known):
                self.problem(
                    f"{where}.destinationNodeURI",
                    f"hasSkillLevel points to {did}, which is not a level (CFRubricCriterionLevel) of this "
                    "package",
                )
            else:
                kept.append((a, assoc))

        # Cycles: follow each item's parents; a loop never reaches the document. One walk in all:
        # an item whose ancestry was already followed (done) is not followed again, so a chain of
        # n items costs n steps, not n² (an admin's 4,000-item chain took minutes).
        done: set[str] = set()
        for start in parent:
            if start in done:
                continue
            path = [start]
            on_path = {start: 0}
            node = parent.get(start)
            while node is not None and node != doc_id and node not in done:
                if node in on_path:
                    # Found by the first item (in association order) that leads to it, so each
                    # loop is reported once, as it was when every item was followed on its own.
                    loop = path[on_path[node] :]
                    codes = [self.items[index[i]].get("humanCodingScheme") or i for i in [*loop, node]]
                    self.problem(
                        f"CFAssociations[{parent_assoc[loop[-1]]}]",
                        f"isChildOf associations form a cycle: {' → '.join(codes)}",
                    )
                    break
                on_path[node] = len(path)
                path.append(node)
                node = parent.get(node)
            done.update(path)
        if self.problems:
            raise FrameworkImportError(self.problems)

        children: dict[str, list[str]] = defaultdict(list)
        for oid, did in parent.items():
            children[did].append(oid)
        for kids in children.values():
            kids.sort(key=lambda i: sequence[i])
        # Items that hang from nothing in the package are top-level, after the document's own.
        top = children.get(doc_id, []) + [
            i["identifier"] for i in self.items if i["identifier"] not in parent
        ]

        if not levels:
            levels = [dict(NO_LEVELS)]
            self.notes.insert(0, NO_LEVELS_NOTE)
        lowest = min(levels, key=lambda lv: lv["rank"])["code"]
        levelled = [i for i in skill_level if i in index]
        element_codes: dict[str, str] = {}
        statement_codes: dict[str, str] = {}
        taken_elements: dict[str, int] = {}
        taken_statements: dict[str, int] = {}
        elements = []
        where_of: list[tuple[int, list[int]]] = []
        for eid in top:
            it = self.items[index[eid]]
            code = self._code(it, index[eid], taken_elements, element=True)
            element_codes[eid] = code
            full = it["fullStatement"].strip()
            name = full if len(full) <= 200 else (it.get("abbreviatedStatement") or full[:199] + "…")[:200]
            description = it.get("notes", "") or (full if name != full else "")
            ext = self.extension(it, f"CFItems[{index[eid]}]", {"group": "a string"})
            statements: list[dict[str, Any]] = []
            rows: list[int] = []
            stack: list[tuple[str, str | None, int]] = [
                (c, None, n) for n, c in reversed(list(enumerate(children.get(eid, []), start=1)))
            ]
            while stack:
                sid, parent_code, position = stack.pop()
                st_item = self.items[index[sid]]
                # A statement without a code is named after its place: parent code, then position.
                st_code = self._code(
                    st_item,
                    index[sid],
                    taken_statements,
                    element=False,
                    prefix=f"{parent_code or code}.{position}",
                )
                statement_codes[sid] = st_code
                st_ext = self.extension(st_item, f"CFItems[{index[sid]}]", {"areas": "an array of strings"})
                statements.append(
                    {
                        "code": st_code,
                        "level": skill_level.get(sid, lowest),
                        "text": st_item["fullStatement"].strip(),
                        "parent": parent_code,
                        "item_type": self._item_type(st_item),
                        "uuid": sid,
                        "areas": st_ext.get("areas", []),
                    }
                )
                rows.append(index[sid])
                stack.extend(
                    (c, st_code, n) for n, c in reversed(list(enumerate(children.get(sid, []), start=1)))
                )
            elements.append(
                {
                    "code": code,
                    "name": name,
                    "description": description,
                    "group": ext.get("group", ""),
                    "item_type": self._item_type(it),
                    "uuid": eid,
                    "statements": statements,
                }
            )
            where_of.append((index[eid], rows))
        if self.problems:
            raise FrameworkImportError(self.problems)
        if len(levels) > 1 and len(levelled) < sum(len(e["statements"]) for e in elements):
            self.notes.append(
                "Statements without a hasSkillLevel association were placed in the lowest level."
            )

        external = []
        for _a, assoc in kept:
            origin_id = assoc["originNodeURI"]["identifier"]
            origin_code = element_codes.get(origin_id) or statement_codes.get(origin_id)
            if origin_code is None:
                continue
            dest = assoc["destinationNodeURI"]
            row: dict[str, Any] = {
                "type": assoc["associationType"],
                "origin": origin_code,
                "destination": {
                    "identifier": dest["identifier"],
                    "uri": dest["uri"],
                    "title": dest.get("title", ""),
                    "target_type": dest.get("targetType"),
                },
                "uuid": assoc["identifier"],
                "sequence_number": assoc.get("sequenceNumber"),
            }
            if assoc.get("notes"):
                row["notes"] = assoc["notes"]
            external.append(row)
        return self._validate(levels, elements, external, where_of)

    @cached_property
    def _declared(self) -> dict[bool, set[str]]:
        given = [h for h in (it.get("humanCodingScheme", "").strip() for it in self.items) if h]
        return {True: {_code_slug(h) for h in given}, False: {_statement_code(h) for h in given}}

    def _item_type(self, item: dict[str, Any]) -> str:
        return str(item.get("CFItemType") or (item.get("CFItemTypeURI") or {}).get("title") or "")[:120]

    def _code(
        self, item: dict[str, Any], i: int, taken: dict[str, int], *, element: bool, prefix: str = ""
    ) -> str:
        given = (item.get("humanCodingScheme") or "").strip()
        if given:
            code = _code_slug(given) if element else _statement_code(given)
            if code and code in taken:
                self.problem(
                    f"CFItems[{i}].humanCodingScheme",
                    f"duplicate code {given!r} (also CFItems[{taken[code]}])",
                )
                return code
            if code:
                taken[code] = i
                return code
        # No usable code: make one from the text (elements) or the element's code (statements).
        text = item.get("abbreviatedStatement") or item["fullStatement"]
        base = (
            (_code_slug(" ".join(text.split()[:6]), 40) or "element") if element else _statement_code(prefix)
        )
        # Never take a code that an item further on declares itself.
        reserved = self._declared[element]
        code, n = base, self.next_suffix.get((element, base), 1)
        if n > 1:
            code = f"{base}-{n}"
        while code in taken or code in reserved:
            n += 1
            code = f"{base}-{n}"
        self.next_suffix[(element, base)] = n
        taken[code] = i
        return code

    def _validate(
        self,
        levels: list[dict[str, Any]],
        elements: list[dict[str, Any]],
        external: list[dict[str, Any]],
        where_of: list[tuple[int, list[int]]],
    ) -> FrameworkDocument:
        cf = self.cf_document
        ext = self.extension(
            cf,
            "CFDocument",
            {
                "code": "a string",
                "kind": "a string",
                "rules": "an object",
                "areas": "an array of objects",
                "source_meta": "an object",
            },
        )
        if self.problems:
            raise FrameworkImportError(self.problems)
        licence_text = ""
        licence_uri = (cf.get("licenseURI") or {}).get("identifier")
        for licence in (self.package.get("CFDefinitions") or {}).get("CFLicenses", []):
            if licence["identifier"] == licence_uri:
                licence_text = licence["licenseText"].strip()
        if len(licence_text) > 300:
            self.notes.append(f"Licence: {licence_text}")
            licence_text = licence_text[:299] + "…"
        kind = ext.get("kind") or cf.get("frameworkType")
        notes = "\n\n".join([cf.get("notes", "").strip(), *self.notes]).strip()
        data = {
            "framework": {
                "code": ext.get("code") or _code_slug(cf["title"]) or "case-framework",
                "name": cf["title"].strip()[:200] or "CASE framework",
                "description": cf.get("description", ""),
                "kind": kind if kind in ("skills", "capability") else "skills",
            },
            "version": {
                "label": str(cf.get("version") or cf["lastChangeDateTime"][:10])[:40],
                "attribution": licence_text,
                "notes": notes,
                "rules": ext.get("rules", FrameworkRules().model_dump(mode="json", exclude_defaults=True)),
                "uuid": cf["identifier"],
                "source_meta": {
                    **{k: v for k, v in ext.get("source_meta", {}).items() if k != "case"},
                    "case": {k: cf[k] for k in KEPT_DOCUMENT_FIELDS if k in cf},
                },
            },
            "levels": levels,
            "elements": elements,
            "areas": ext.get("areas", []),
            "external_associations": external,
        }

        def locate(loc: tuple[str | int, ...]) -> str:
            # Back from document paths to the package's own.
            if loc[:1] == ("elements",) and len(loc) > 1 and isinstance(loc[1], int):
                element_row, rows = where_of[loc[1]]
                if len(loc) > 3 and loc[2] == "statements" and isinstance(loc[3], int):
                    return f"CFItems[{rows[loc[3]]}]" + (f" ({json_path(loc[4:])})" if loc[4:] else "")
                return f"CFItems[{element_row}]" + (f" ({json_path(loc[2:])})" if loc[2:] else "")
            if loc[:1] == ("framework",):
                return "CFDocument" + (f" ({json_path(loc[1:])})" if loc[1:] else "")
            if loc[:1] == ("version",):
                return "CFDocument" + (f" ({json_path(loc)})")
            return json_path(loc)

        return document_from_data(data, locate)
