"""Parent hierarchies are checked for cycles in one walk, whatever their depth.

Following every item to the root on its own, with `in` on a list for the path, is cubic in the
depth of a chain: a CASE chain of 4,000 items kept an import busy for minutes. These tests count
how often identifiers are compared, and stop the check as soon as it does far more than a linear
walk would, so they fail at once on such code instead of hanging.
"""

from __future__ import annotations

import copy
import uuid
from typing import Any

import pytest

from soms.frameworks import io
from soms.frameworks.document import ElementDoc, StatementDoc, _parent_problems
from soms.frameworks.io.case import _Importer
from tests.frameworks.test_case_import import SOURCE


class Counted(str):
    """An identifier that counts its comparisons and refuses more than `limit` of them."""

    comparisons = 0
    limit = 0

    def __eq__(self, other: object) -> bool:
        type(self).comparisons += 1
        if type(self).comparisons > type(self).limit:
            raise AssertionError("identifiers are compared far more often than a linear walk needs")
        return str.__eq__(self, other)

    __hash__ = str.__hash__


@pytest.fixture
def budget(monkeypatch):
    def set_limit(limit: int) -> None:
        monkeypatch.setattr(Counted, "comparisons", 0)
        monkeypatch.setattr(Counted, "limit", limit)

    return set_limit


def statement(code: str, parent: str | None) -> StatementDoc:
    # Built without validation, so the codes stay Counted (validation would copy them as str).
    return StatementDoc.model_construct(
        code=Counted(code), parent=None if parent is None else Counted(parent), level="f", text="x"
    )


def test_a_long_parent_chain_is_checked_in_one_walk(budget):
    n = 2000
    budget(30 * n)
    chain = [statement("S0", None)] + [statement(f"S{k}", f"S{k - 1}") for k in range(1, n)]
    element = ElementDoc.model_construct(code="cx", statements=chain)
    assert _parent_problems("elements[0]", element) == []


def test_every_cycle_is_reported_once_at_its_first_statement(budget):
    n = 2000
    budget(30 * n)
    # A long loop S0 → S1999 → … → S1 → S0, statements hanging off it, and a small second loop.
    loop = [statement("S0", f"S{n - 1}")] + [statement(f"S{k}", f"S{k - 1}") for k in range(1, n)]
    tail = [statement(f"T{k}", f"S{k}") for k in range(0, n, 7)]
    small = [statement("A", "B"), statement("B", "A"), statement("C", "missing")]
    element = ElementDoc.model_construct(code="cx", statements=[*tail, *loop, *small])
    problems = _parent_problems("elements[0]", element)
    assert [where for where, _ in problems] == [
        "elements[0].statements[0].parent",  # T0 leads to the long loop first
        f"elements[0].statements[{len(tail) + n}].parent",
        f"elements[0].statements[{len(tail) + n + 2}].parent",
    ]
    assert problems[0][1].startswith("statement parents form a cycle: S0 → S1999 → S1998")
    assert problems[0][1].endswith("S1 → S0")
    assert problems[1][1] == "statement parents form a cycle: A → B → A"
    assert "names parent 'missing'" in problems[2][1]


def _chain_package(n: int, *, loop: bool) -> dict[str, Any]:
    """The servicedesk package with n more items, each the child of the one before; the first is the
    child of the last when `loop`, else of the document."""
    pkg = copy.deepcopy(SOURCE)
    doc_id = pkg["CFDocument"]["identifier"]
    ids = [str(uuid.UUID(int=k + 1)) for k in range(n)]
    for k, identifier in enumerate(ids):
        pkg["CFItems"].append(
            {
                "identifier": Counted(identifier),
                "fullStatement": f"Chain item {k}",
                "uri": f"https://example.org/{identifier}",
                "humanCodingScheme": f"CH.{k}",
                "CFItemType": "Competency",
            }
        )
        parent = ids[k - 1] if k else (ids[-1] if loop else doc_id)
        pkg["CFAssociations"].append(
            {
                "identifier": str(uuid.uuid4()),
                "associationType": "isChildOf",
                "uri": "https://example.org/a",
                # Fresh objects: equal to the items' identifiers but not the same, as after parsing.
                "originNodeURI": {"title": "x", "identifier": Counted(identifier), "uri": "u"},
                "destinationNodeURI": {"title": "x", "identifier": Counted(parent), "uri": "u"},
            }
        )
    return pkg


def test_a_long_case_chain_is_checked_in_one_walk(budget):
    n = 1500
    pkg = _chain_package(n, loop=False)
    budget(200 * n)
    # Deeper than any tree a framework may hold (MAX_TREE_DEPTH): the one problem, found after a
    # walk that stayed within the linear budget.
    with pytest.raises(io.FrameworkImportError) as info:
        _Importer(pkg).document()
    assert [p.message for p in info.value.problems if "MAX_TREE_DEPTH" not in p.message] == []


def test_a_long_case_cycle_is_reported_once_with_its_place(budget):
    n = 1500
    pkg = _chain_package(n, loop=True)
    first = len(SOURCE["CFAssociations"])
    budget(200 * n)
    with pytest.raises(io.FrameworkImportError) as info:
        _Importer(pkg).document()
    cycles = [p for p in info.value.problems if "cycle" in p.message]
    assert len(cycles) == 1
    # Found from the first chain item: the walk closes the loop at CH.1 → CH.0, and says where.
    assert cycles[0].location == f"CFAssociations[{first + 1}]"
    assert cycles[0].message.startswith("isChildOf associations form a cycle: CH.0 → CH.1499 → CH.1498")
    assert cycles[0].message.endswith("CH.1 → CH.0")
