"""Every format keeps what the others keep, or says what it cannot carry: export -> import gives
back every part of a framework document that uses every field, except the parts io.NOT_CARRIED
names for that format, and docs/case-mapping.md names the same parts."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from soms.frameworks import io
from soms.frameworks.document import FrameworkDocument, with_derived_ids
from tests.frameworks.conftest import capability_document

DOCS = Path(__file__).resolve().parents[2] / "docs" / "case-mapping.md"


def everything() -> FrameworkDocument:
    """A document with every field a format could drop set to something other than its default."""
    data = capability_document().model_dump(mode="json")
    data["framework"]["description"] = "Capabilities of a service management office,\nover two lines."
    data["version"]["notes"] = "Reviewed by the office; the next review is due in spring."
    data["version"]["source_meta"] = {"origin": "hand-written for this test"}
    data["levels"][0]["description"] = "Done when someone remembers to."
    data["elements"][0]["description"] = "Which services there are and which go."
    data["elements"][0]["statements"][0]["areas"] = ["people"]
    data["areas"] = [{"code": "people", "name": "Organisations and people", "element": "portfolio"}]
    return with_derived_ids(FrameworkDocument.model_validate(data))


def flat(value: Any, path: str = "") -> dict[str, Any]:
    """Every leaf of the document by its path, list positions written as [0], [1], ..."""
    if isinstance(value, dict):
        out: dict[str, Any] = {}
        for key, item in value.items():
            out.update(flat(item, f"{path}.{key}" if path else key))
        return out
    if isinstance(value, list) and value:
        out = {}
        for i, item in enumerate(value):
            out.update(flat(item, f"{path}[{i}]"))
        return out
    return {path: value}


def not_carried(path: str, format: io.Format) -> bool:
    general = re.sub(r"\[\d+\]", "[]", path)
    return any(general == p or general.startswith((p + ".", p + "[")) for p in io.NOT_CARRIED[format])


@pytest.mark.parametrize("format", io.FORMATS)
def test_export_then_import_keeps_everything_the_format_carries(format):
    document = everything()
    data = io.render(document, format=format, published=True, changed_at=datetime(2026, 1, 2, tzinfo=UTC))
    back = io.parse(data.content, filename=data.filename)
    before, after = flat(document.model_dump(mode="json")), flat(back.model_dump(mode="json"))
    lost = {
        path: (value, after.get(path))
        for path, value in before.items()
        # A value the document left empty may come back filled (CASE derives identifiers).
        if value is not None and after.get(path) != value and not not_carried(path, format)
    }
    assert lost == {}
    # What a format is said not to carry is really part of the test document (no dead entries).
    for part in io.NOT_CARRIED[format]:
        assert any(not_carried(path, format) for path in before), part


def test_a_csv_keeps_the_framework_description_and_the_level_details():
    document = everything()
    data = io.render(document, format="csv", published=True, changed_at=datetime(2026, 1, 2, tzinfo=UTC))
    back = io.parse(data.content, filename="x.csv")
    assert back.framework.description == document.framework.description
    assert back.framework.kind == "capability" and back.version.attribution == document.version.attribution
    assert [lv.validity_months for lv in back.levels] == [lv.validity_months for lv in document.levels]
    assert back.elements[0].item_type == "Capability"


def test_the_docs_name_what_each_format_cannot_carry():
    text = DOCS.read_text(encoding="utf-8")
    for format, parts in io.NOT_CARRIED.items():
        for part in parts:
            assert f"`{part}`" in text, f"docs/case-mapping.md does not say that {format} drops {part}"
