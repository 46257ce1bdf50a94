"""The native framework document (YAML or JSON): the shape a whole framework version travels in.

Validated here at the edge; a document that passes can be written without further checks.
"""

from __future__ import annotations

import re
from typing import Any, Final, Literal
from uuid import UUID, uuid5

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator, model_validator
from pydantic_core import PydanticCustomError

from soms.frameworks.rules import FrameworkRules
from soms.limits import MAX_STATEMENT_LENGTH, MAX_TEXT_LENGTH, MAX_TREE_DEPTH

FORMAT_ID: Final = "soms-framework/1"
CODE_RE = re.compile(r"^[a-z0-9][a-z0-9-]*$")
STATEMENT_CODE_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")


def _slug(value: str, what: str) -> str:
    if not CODE_RE.match(value):
        raise ValueError(f"{what} code {value!r} must be lower-case letters, digits and hyphens")
    return value


# The context an import validates a document in (see io/native.py): only there is a statement held to
# MAX_STATEMENT_LENGTH. What is already stored (text written before the limit, when it was longer) is
# still read, exported and copied; only bringing it in again is refused.
AT_THE_EDGE: Final = "at_the_edge"


def _statement_length(value: str, info: ValidationInfo) -> str:
    if len(value) > MAX_STATEMENT_LENGTH and isinstance(info.context, dict) and info.context.get(AT_THE_EDGE):
        raise PydanticCustomError(
            "string_too_long",
            "String should have at most {max_length} characters (MAX_STATEMENT_LENGTH)",
            {"max_length": MAX_STATEMENT_LENGTH},
        )
    return value


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class FrameworkHeader(_Strict):
    code: str = Field(min_length=1, max_length=80)
    name: str = Field(min_length=1, max_length=200)
    description: str = Field("", max_length=MAX_TEXT_LENGTH)
    kind: Literal["skills", "capability"] = "skills"

    _code = field_validator("code")(lambda v: _slug(v, "framework"))


class VersionHeader(_Strict):
    label: str = Field(min_length=1, max_length=40)
    attribution: str = Field("", max_length=300)
    notes: str = Field("", max_length=MAX_TEXT_LENGTH)
    rules: FrameworkRules = Field(default_factory=FrameworkRules)
    # Exchange identity (the CASE CFDocument identifier); absent in hand-written files.
    uuid: UUID | None = None
    # What another format said about the source that SOMS has no column for (e.g. a CASE creator).
    source_meta: dict[str, Any] = Field(default_factory=dict)


class LevelDoc(_Strict):
    code: str = Field(min_length=1, max_length=80)
    name: str = Field(min_length=1, max_length=120)
    rank: int = Field(ge=1, le=100)
    description: str = Field("", max_length=MAX_TEXT_LENGTH)
    validity_months: int | None = Field(None, ge=1, le=600)
    uuid: UUID | None = None

    _code = field_validator("code")(lambda v: _slug(v, "level"))


class AreaDoc(_Strict):
    code: str = Field(min_length=1, max_length=80)
    name: str = Field(min_length=1, max_length=200)
    element: str | None = None

    _code = field_validator("code")(lambda v: _slug(v, "area"))


class StatementDoc(_Strict):
    code: str = Field(min_length=1, max_length=80)
    level: str
    text: str = Field(min_length=1, json_schema_extra={"maxLength": MAX_STATEMENT_LENGTH})
    areas: list[str] = Field(default_factory=list)
    # Code of another statement of the same element, for trees deeper than element > statement.
    parent: str | None = None
    item_type: str = Field("", max_length=120)
    uuid: UUID | None = None

    _text = field_validator("text")(_statement_length)

    @field_validator("code")
    @classmethod
    def _code(cls, v: str) -> str:
        if not STATEMENT_CODE_RE.match(v):
            raise ValueError(f"statement code {v!r} may hold letters, digits, '.', '_' and '-' only")
        return v


class ElementDoc(_Strict):
    code: str = Field(min_length=1, max_length=80)
    name: str = Field(min_length=1, max_length=200)
    description: str = Field("", max_length=MAX_TEXT_LENGTH)
    group: str = Field("", max_length=120)
    item_type: str = Field("", max_length=120)
    uuid: UUID | None = None
    statements: list[StatementDoc] = Field(default_factory=list)

    _code = field_validator("code")(lambda v: _slug(v, "element"))


class NodeRef(_Strict):
    """Something outside this framework that an association points at (a CASE LinkGenURI)."""

    identifier: str = Field(min_length=1)
    uri: str = Field(min_length=1, pattern=r"^[A-Za-z][A-Za-z0-9+.-]*:\S+$")
    title: str = ""
    target_type: str | None = Field(None, pattern=r"^(CASE|ext:[a-zA-Z0-9.\-_]+)$")


class AssociationDoc(_Strict):
    """An association SOMS keeps as a reference rather than as structure: to an item of another
    framework (CASE exactMatchOf, isRelatedTo ...), or between items in ways SOMS has no column for."""

    # CASE 1.1's association vocabulary, or an extension type "ext:…".
    type: str = Field(
        min_length=1,
        max_length=80,
        pattern=r"^(isChildOf|isPeerOf|isPartOf|exactMatchOf|precedes|isRelatedTo|replacedBy|exemplar"
        r"|hasSkillLevel|isTranslationOf|ext:[a-zA-Z0-9.\-_]+)$",
    )
    # Code of the element or statement the association starts from.
    origin: str = Field(min_length=1)
    destination: NodeRef
    uuid: UUID | None = None
    sequence_number: int | None = None
    notes: str = Field("", max_length=MAX_TEXT_LENGTH)


class FrameworkDocument(_Strict):
    format: Literal["soms-framework/1"] = FORMAT_ID
    framework: FrameworkHeader
    version: VersionHeader
    levels: list[LevelDoc] = Field(min_length=1)
    elements: list[ElementDoc] = Field(min_length=1)
    areas: list[AreaDoc] = Field(default_factory=list)
    external_associations: list[AssociationDoc] = Field(default_factory=list)

    @model_validator(mode="after")
    def _consistent(self, info: ValidationInfo) -> FrameworkDocument:
        problems = self.problems()
        # An importer passes a list in the context to get every problem with its place; anyone
        # else gets them all in one ValueError.
        sink = info.context.get("problems") if isinstance(info.context, dict) else None
        if isinstance(sink, list):
            sink.extend(problems)
        elif problems:
            raise ValueError("; ".join(message for _, message in problems))
        return self

    def problems(self) -> list[tuple[str, str]]:
        """Cross-reference problems as (JSON path, message), in document order."""
        problems: list[tuple[str, str]] = []

        def dupes(kind: str, items: list[tuple[str, str]]) -> None:
            seen: set[str] = set()
            for path, code in items:
                if code in seen:
                    problems.append((path, f"duplicate {kind} code {code!r}"))
                seen.add(code)

        statements = [
            (f"elements[{i}].statements[{j}]", e, st)
            for i, e in enumerate(self.elements)
            for j, st in enumerate(e.statements)
        ]
        dupes("level", [(f"levels[{i}].code", lv.code) for i, lv in enumerate(self.levels)])
        dupes("level rank", [(f"levels[{i}].rank", str(lv.rank)) for i, lv in enumerate(self.levels)])
        dupes("element", [(f"elements[{i}].code", e.code) for i, e in enumerate(self.elements)])
        dupes("area", [(f"areas[{i}].code", a.code) for i, a in enumerate(self.areas)])
        dupes("statement", [(f"{path}.code", st.code) for path, _, st in statements])
        ids: list[tuple[str, str]] = [("version.uuid", str(self.version.uuid))] if self.version.uuid else []
        ids += [(f"levels[{i}].uuid", str(lv.uuid)) for i, lv in enumerate(self.levels) if lv.uuid]
        ids += [(f"elements[{i}].uuid", str(e.uuid)) for i, e in enumerate(self.elements) if e.uuid]
        ids += [(f"{path}.uuid", str(st.uuid)) for path, _, st in statements if st.uuid]
        dupes("uuid", ids)
        level_codes = {lv.code for lv in self.levels}
        element_codes = {e.code for e in self.elements}
        area_codes = {a.code for a in self.areas}
        if self.version.rules.areas == "elements":
            area_codes |= element_codes
        for i, area in enumerate(self.areas):
            if area.element is not None and area.element not in element_codes:
                problems.append(
                    (f"areas[{i}].element", f"area {area.code!r} names unknown element {area.element!r}")
                )
        for path, _element, st in statements:
            if st.level not in level_codes:
                problems.append((f"{path}.level", f"statement {st.code!r} names unknown level {st.level!r}"))
            for a in st.areas:
                if a not in area_codes:
                    problems.append((f"{path}.areas", f"statement {st.code!r} names unknown area {a!r}"))
        for i, element in enumerate(self.elements):
            parents = _parent_problems(f"elements[{i}]", element)
            problems += parents or _depth_problems(f"elements[{i}]", element)
        for code in sorted(self.version.rules.level_codes_used() - level_codes):
            problems.append(("version.rules", f"rules name unknown level {code!r}"))
        item_codes = element_codes | {st.code for _, _, st in statements}
        for i, assoc in enumerate(self.external_associations):
            if assoc.origin not in item_codes:
                problems.append(
                    (
                        f"external_associations[{i}].origin",
                        f"association starts from unknown element or statement {assoc.origin!r}",
                    )
                )
        return problems


class StoredDocument(FrameworkDocument):
    """A version as it is stored, which for a draft may be work in progress: no levels or elements
    yet, or rules naming a level that is gone. Each part still has its own shape; `problems()` says
    what stops it from being a whole FrameworkDocument (the one that is exported and published)."""

    levels: list[LevelDoc] = Field(default_factory=list)
    elements: list[ElementDoc] = Field(default_factory=list)

    @model_validator(mode="after")
    def _consistent(self, info: ValidationInfo) -> StoredDocument:
        # Overrides the strict check by name: reading a draft never fails on what is still missing.
        return self

    def problems(self) -> list[tuple[str, str]]:
        missing = [
            (field, f"a framework needs at least one {field[:-1]}")
            for field in ("levels", "elements")
            if not getattr(self, field)
        ]
        return missing + super().problems()


def _parent_problems(path: str, element: ElementDoc) -> list[tuple[str, str]]:
    """A statement's parent is another statement of the same element, and parents never loop.

    One walk in all: a statement whose ancestry was already followed is not followed again, so a
    chain of n statements costs n steps, not n². Each loop is reported once, at the first of its
    statements (in order) that leads to it.
    """
    problems: list[tuple[str, str]] = []
    parent_of = {st.code: st.parent for st in element.statements}
    done: set[str] = set()
    for j, st in enumerate(element.statements):
        if st.parent is None:
            continue
        where = f"{path}.statements[{j}].parent"
        if st.parent not in parent_of:
            problems.append(
                (
                    where,
                    f"statement {st.code!r} names parent {st.parent!r}, which is not a statement of "
                    f"element {element.code!r}",
                )
            )
            continue
        if st.code in done:
            continue
        seen = [st.code]
        on_path = {st.code: 0}
        current: str | None = st.parent
        while current is not None and current in parent_of and current not in done:
            if current in on_path:
                loop = seen[on_path[current] :]
                problems.append((where, f"statement parents form a cycle: {' → '.join([*loop, current])}"))
                break
            on_path[current] = len(seen)
            seen.append(current)
            current = parent_of[current]
        done.update(seen)
    return problems


def _depth_problems(path: str, element: ElementDoc) -> list[tuple[str, str]]:
    """Trees deeper than MAX_TREE_DEPTH are refused (pages and exports walk them). Called once the
    parents are known to be loop-free; each statement's depth is computed once, from its parent's."""
    parent_of = {st.code: st.parent for st in element.statements}
    depth: dict[str, int] = {}
    for j, st in enumerate(element.statements):
        chain: list[str] = []
        current: str | None = st.code
        while current is not None and current not in depth:
            chain.append(current)
            current = parent_of.get(current)
        base = depth[current] if current is not None else 0
        for code in reversed(chain):
            base += 1
            depth[code] = base
        if depth[st.code] > MAX_TREE_DEPTH:
            return [
                (
                    f"{path}.statements[{j}].parent",
                    f"statement {st.code!r} sits {depth[st.code]:,} statements deep: at most "
                    f"{MAX_TREE_DEPTH} are accepted (limit MAX_TREE_DEPTH)",
                )
            ]
    return []


# Fixed namespace for identifiers derived from codes: every installation derives the same uuids for
# the same built-in framework, so their CASE exports carry the same identifiers.
DERIVED_ID_NAMESPACE = UUID("6f1d3c52-2b7e-5a0c-9d43-7f0e8b1c4a21")


def derived_uuid(*parts: str) -> UUID:
    return uuid5(DERIVED_ID_NAMESPACE, "/".join(parts))


def with_derived_ids(document: FrameworkDocument) -> FrameworkDocument:
    """The document with every missing uuid derived from framework code, version label and codes."""
    fw, label = document.framework.code, document.version.label
    data = document.model_dump(mode="json")
    data["version"]["uuid"] = data["version"]["uuid"] or str(derived_uuid(fw, label))
    for level in data["levels"]:
        level["uuid"] = level["uuid"] or str(derived_uuid(fw, label, "level", level["code"]))
    for element in data["elements"]:
        element["uuid"] = element["uuid"] or str(derived_uuid(fw, label, "element", element["code"]))
        for st in element["statements"]:
            st["uuid"] = st["uuid"] or str(derived_uuid(fw, label, "statement", st["code"]))
    return FrameworkDocument.model_validate(data)


def without_ids(document: FrameworkDocument) -> FrameworkDocument:
    """The document with every uuid removed, so that storing it mints fresh identifiers."""
    data = document.model_dump(mode="json")
    data["version"]["uuid"] = None
    for level in data["levels"]:
        level["uuid"] = None
    for element in data["elements"]:
        element["uuid"] = None
        for statement in element["statements"]:
            statement["uuid"] = None
    return FrameworkDocument.model_validate(data)


def tree_order(statements: list[StatementDoc]) -> list[StatementDoc]:
    """Statements parent-first (depth-first), siblings in their listed order: how trees are read."""
    children: dict[str | None, list[StatementDoc]] = {}
    for st in statements:
        children.setdefault(st.parent, []).append(st)
    out: list[StatementDoc] = []
    stack = list(reversed(children.get(None, [])))
    while stack:
        st = stack.pop()
        out.append(st)
        stack.extend(reversed(children.get(st.code, [])))
    return out
