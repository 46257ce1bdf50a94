"""The native framework document (YAML or JSON): the shape a whole framework version travels in.

Validated here at the edge; a document that passes can be written without further checks.
"""

from __future__ import annotations

import re
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from soms.frameworks.rules import FrameworkRules

FORMAT_ID = "soms-framework/1"
CODE_RE = re.compile(r"^[a-z0-9][a-z0-9-]*$")
STATEMENT_CODE_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")


def _slug(value: str, what: str) -> str:
    if not CODE_RE.match(value):
        raise ValueError(f"{what} code {value!r} must be lower-case letters, digits and hyphens")
    return value


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class FrameworkHeader(_Strict):
    code: str = Field(min_length=1, max_length=80)
    name: str = Field(min_length=1, max_length=200)
    description: str = ""
    kind: Literal["skills", "capability"] = "skills"

    _code = field_validator("code")(lambda v: _slug(v, "framework"))


class VersionHeader(_Strict):
    label: str = Field(min_length=1, max_length=40)
    attribution: str = Field("", max_length=300)
    notes: str = ""
    rules: FrameworkRules = Field(default_factory=FrameworkRules)


class LevelDoc(_Strict):
    code: str = Field(min_length=1, max_length=80)
    name: str = Field(min_length=1, max_length=120)
    rank: int = Field(ge=1, le=100)
    description: str = ""
    validity_months: int | None = Field(None, ge=1, le=600)

    _code = field_validator("code")(lambda v: _slug(v, "level"))


class AreaDoc(_Strict):
    code: str = Field(min_length=1, max_length=80)
    name: str = Field(min_length=1, max_length=200)
    element: str | None = None

    _code = field_validator("code")(lambda v: _slug(v, "area"))


class StatementDoc(_Strict):
    code: str = Field(min_length=1, max_length=80)
    level: str
    text: str = Field(min_length=1)
    areas: list[str] = Field(default_factory=list)

    @field_validator("code")
    @classmethod
    def _code(cls, v: str) -> str:
        if not STATEMENT_CODE_RE.match(v):
            raise ValueError(f"statement code {v!r} may hold letters, digits, '.', '_' and '-' only")
        return v


class ElementDoc(_Strict):
    code: str = Field(min_length=1, max_length=80)
    name: str = Field(min_length=1, max_length=200)
    description: str = ""
    group: str = Field("", max_length=120)
    statements: list[StatementDoc] = Field(default_factory=list)

    _code = field_validator("code")(lambda v: _slug(v, "element"))


class FrameworkDocument(_Strict):
    format: Literal["soms-framework/1"] = FORMAT_ID
    framework: FrameworkHeader
    version: VersionHeader
    levels: list[LevelDoc] = Field(min_length=1)
    elements: list[ElementDoc] = Field(min_length=1)
    areas: list[AreaDoc] = Field(default_factory=list)

    @model_validator(mode="after")
    def _consistent(self) -> FrameworkDocument:
        problems: list[str] = []

        def dupes(kind: str, codes: list[str]) -> None:
            seen: set[str] = set()
            for code in codes:
                if code in seen:
                    problems.append(f"duplicate {kind} code {code!r}")
                seen.add(code)

        dupes("level", [lv.code for lv in self.levels])
        dupes("level rank", [str(lv.rank) for lv in self.levels])
        dupes("element", [e.code for e in self.elements])
        dupes("area", [a.code for a in self.areas])
        dupes("statement", [s.code for e in self.elements for s in e.statements])
        level_codes = {lv.code for lv in self.levels}
        element_codes = {e.code for e in self.elements}
        area_codes = {a.code for a in self.areas}
        if self.version.rules.areas == "elements":
            area_codes |= element_codes
        for area in self.areas:
            if area.element is not None and area.element not in element_codes:
                problems.append(f"area {area.code!r} names unknown element {area.element!r}")
        for element in self.elements:
            for st in element.statements:
                if st.level not in level_codes:
                    problems.append(f"statement {st.code!r} names unknown level {st.level!r}")
                for a in st.areas:
                    if a not in area_codes:
                        problems.append(f"statement {st.code!r} names unknown area {a!r}")
        for code in sorted(self.version.rules.level_codes_used() - level_codes):
            problems.append(f"rules name unknown level {code!r}")
        if problems:
            raise ValueError("; ".join(problems))
        return self
