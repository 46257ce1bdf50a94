"""Framework exchange formats: native YAML and JSON, CSV, and CASE 1.1.

`parse` turns uploaded bytes into a validated FrameworkDocument or raises FrameworkImportError with
every problem and its place; `render` turns a document into the bytes of a format. The import
service, pages, API and command line all go through these two.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Literal, TypeGuard

from django.conf import settings

from soms.core.problems import Invalid
from soms.core.safeload import json_loads
from soms.frameworks.document import FrameworkDocument
from soms.frameworks.io.case import dump_case, parse_case
from soms.frameworks.io.native import dump_json, dump_yaml, parse_json, parse_yaml
from soms.frameworks.io.problems import FileTooLarge, FrameworkImportError, Problem
from soms.frameworks.io.tabular import dump_csv, parse_csv

Format = Literal["yaml", "json", "csv", "case"]
FORMATS: tuple[Format, ...] = ("yaml", "json", "csv", "case")


def is_format(name: str) -> TypeGuard[Format]:
    return name in FORMATS


FORMAT_LABELS = {"yaml": "YAML", "json": "JSON", "csv": "CSV", "case": "CASE 1.1"}
EXTENSIONS = {"yaml": "yaml", "json": "json", "csv": "csv", "case": "case.json"}
CONTENT_TYPES = {
    "yaml": "application/yaml; charset=utf-8",
    "json": "application/json",
    "csv": "text/csv; charset=utf-8",
    "case": "application/json",
}

# What an export in each format leaves behind, as paths in the framework document ("[]" for every
# item of a list): everything else travels in every format, and export -> import gives it back
# (tests/frameworks/test_formats_carry.py). docs/case-mapping.md lists the same paths.
NOT_CARRIED: dict[Format, tuple[str, ...]] = {
    "yaml": (),
    "json": (),
    "csv": (
        "version.rules",
        "version.uuid",
        "version.source_meta",
        "levels[].uuid",
        "elements[].uuid",
        "elements[].statements[].uuid",
        "areas[].name",
        "areas[].element",
        "external_associations",
    ),
    "case": (),
}

__all__ = [
    "CONTENT_TYPES",
    "NOT_CARRIED",
    "EXTENSIONS",
    "FORMATS",
    "FORMAT_LABELS",
    "FileTooLarge",
    "Format",
    "FrameworkImportError",
    "Problem",
    "Rendered",
    "check_size",
    "detect_format",
    "parse",
    "render",
]


def check_size(size: int) -> None:
    limit = settings.SOMS_MAX_UPLOAD_BYTES
    if size > limit:
        raise FileTooLarge(
            [Problem.at("", f"the file is {size:,} bytes; the largest accepted is {limit:,} bytes")]
        )


def _decode(data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise FrameworkImportError(
            [
                Problem.at(
                    f"line {line}",
                    f"byte 0x{data[exc.start]:02x} is not UTF-8; save the file as UTF-8 text and try again",
                )
            ]
        ) from None


def detect_format(text: str, filename: str = "") -> Format:
    """By extension first, then by content: a JSON object with a CFDocument is CASE."""
    name = filename.lower()
    if name.endswith(".csv"):
        return "csv"
    if name.endswith((".yaml", ".yml")):
        return "yaml"
    stripped = text.lstrip()
    if name.endswith(".json") or stripped.startswith("{"):
        return "case" if re.search(r'"CF(Document|Package)"\s*:', stripped[:20000]) else "json"
    first = stripped.split("\n", 1)[0]
    if "," in first and "statement_code" in first.lower():
        return "csv"
    return "yaml"


def parse(
    data: bytes, *, filename: str = "", format: Format | None = None, warnings: list[str] | None = None
) -> FrameworkDocument:
    """Bytes of any supported format -> a validated document. Nothing is written here.

    `warnings`, when given, receives what was normalised or dropped to read the file (in words for
    the person who uploaded it); the same sentences are kept in the version's notes."""
    check_size(len(data))
    text = _decode(data)
    if not text.strip():
        raise FrameworkImportError([Problem.at("", "the file is empty")])
    if "\x00" in text:
        # No format here carries NUL, and no database text column can store it (PostgreSQL refuses).
        line = text.count("\n", 0, text.index("\x00")) + 1
        raise FrameworkImportError(
            [
                Problem.at(
                    f"line {line}", "the file contains a NUL character; it is not a text file of this kind"
                )
            ]
        )
    chosen = format or detect_format(text, filename)
    if chosen == "yaml":
        return parse_yaml(text)
    if chosen == "csv":
        return parse_csv(text, filename=filename)
    if chosen == "case":
        return parse_case(text, warnings=warnings)
    # A JSON file may still be a CASE package when the format was only guessed from its name.
    if format is None and _is_case(text):
        return parse_case(text, warnings=warnings)
    return parse_json(text)


def _is_case(text: str) -> bool:
    try:
        data = json_loads(text)
    except Invalid:
        return False
    return isinstance(data, dict) and ("CFDocument" in data or "CFPackage" in data)


@dataclass(frozen=True)
class Rendered:
    content: bytes
    content_type: str
    filename: str


def render(document: FrameworkDocument, *, format: Format, published: bool, changed_at: datetime) -> Rendered:
    if format == "yaml":
        content = dump_yaml(document)
    elif format == "json":
        content = dump_json(document)
    elif format == "csv":
        content = dump_csv(document)
    else:
        content = dump_case(document, published=published, changed_at=changed_at)
    label = re.sub(r"[^A-Za-z0-9._-]+", "-", document.version.label).strip("-") or "version"
    return Rendered(
        content=content,
        content_type=CONTENT_TYPES[format],
        filename=f"{document.framework.code}-{label}.{EXTENSIONS[format]}",
    )
