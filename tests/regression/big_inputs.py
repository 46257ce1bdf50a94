"""Generators for the oversized inputs of the hardening probe (issue 8): too large to keep as files,
made the same way every time. Each returns the bytes an attacker-minded admin could upload."""

from __future__ import annotations

import json

from soms import limits


def csv_statements(n: int, *, elements: int = 100, label: str = "1") -> bytes:
    """A valid CSV framework with `n` statements over `elements` elements and five levels."""
    rows = ["framework_code,version_label,element_code,level_code,level_rank,statement_code,statement_text"]
    rows += [
        f"big,{label},e{i % elements},l{i % 5},{i % 5 + 1},S{i},Statement number {i} about doing the work well"
        for i in range(n)
    ]
    return ("\n".join(rows) + "\n").encode()


def csv_wide_header(columns: int = 45_000) -> bytes:
    """The probe's 670 KB file: one header row of 45,000 copies of one column."""
    return (",".join(["element_code"] * columns) + "\n").encode()


def json_document(
    *, statements: int = 1, elements: int = 1, levels: int = 1, text: str = "Does it", depth: int = 0
) -> bytes:
    """A native JSON document; `depth` > 0 chains the statements of the first element parent to child."""
    doc = {
        "format": "soms-framework/1",
        "framework": {"code": "gen", "name": "Generated"},
        "version": {"label": "1"},
        "levels": [{"code": f"l{i}", "name": f"L{i}", "rank": i + 1} for i in range(levels)],
        "elements": [{"code": f"e{i}", "name": f"E{i}", "statements": []} for i in range(elements)],
    }
    for i in range(statements):
        doc["elements"][i % elements]["statements"].append({"code": f"S{i}", "level": "l0", "text": text})
    if depth:
        chain = doc["elements"][0]["statements"] = [
            {"code": f"D{i}", "level": "l0", "text": text, **({"parent": f"D{i - 1}"} if i else {})}
            for i in range(depth)
        ]
        assert len(chain) == depth
    return json.dumps(doc).encode()


def case_items(n: int) -> bytes:
    """A CASE package with `n` CFItems (refused by count before its schema is checked)."""
    item = {"identifier": "x", "uri": "x", "fullStatement": "x", "lastChangeDateTime": "2025-01-01T00:00:00Z"}
    package = {
        "CFDocument": {
            "identifier": "d",
            "uri": "d",
            "title": "t",
            "creator": "c",
            "lastChangeDateTime": "x",
        },
        "CFItems": [item] * n,
    }
    return json.dumps(package).encode()


TOO_MANY_STATEMENTS = limits.MAX_STATEMENTS + 1
