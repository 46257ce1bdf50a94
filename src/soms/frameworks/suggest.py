"""What a form offers before anyone types: the next version label, the next statement code, a free
framework code. Plain functions over the values already taken; the pages and imports ask them."""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable

# The last run of digits in a label or code, and what stands before and after it.
_LAST_NUMBER = re.compile(r"^(.*?)(\d+)(\D*)$")


def _bump(value: str) -> str:
    """The value with its last number one higher, keeping leading zeros' width ("v09" -> "v10")."""
    match = _LAST_NUMBER.match(value)
    if match is None:
        return f"{value}-2"
    head, digits, tail = match.groups()
    return f"{head}{int(digits) + 1:0{len(digits)}d}{tail}"


def next_label(label: str, taken: Collection[str] = (), *, max_length: int = 40) -> str:
    """The label after `label`: 1 -> 2, 2024.1 -> 2024.2, v3 -> v4, "draft" -> "draft-2", skipping
    labels already taken."""
    candidate = _bump(label.strip() or "1")
    for _ in range(1000):
        if candidate not in taken and len(candidate) <= max_length:
            return candidate
        candidate = _bump(candidate)
    return candidate[:max_length]


def latest_label(labels: Iterable[str]) -> str | None:
    """The label to count on from: the last one created (labels in creation order)."""
    last = None
    for label in labels:
        last = label
    return last


def next_code(code: str, taken: Collection[str]) -> str:
    """The code after `code` that is not taken: CX-F1 -> CX-F2, PF-3.a -> PF-3.a-2."""
    candidate = _bump(code)
    for _ in range(10000):
        if candidate not in taken:
            return candidate
        candidate = _bump(candidate)
    return candidate


def _initials(code: str) -> str:
    return "".join(part[:1] for part in code.split("-") if part).upper() or "S"


def next_statement_code(
    *,
    cell_codes: list[str],
    element_codes: list[str],
    element_code: str,
    level_code: str,
    taken: Collection[str],
) -> str:
    """A code for a new statement in one element at one level.

    After the cell's last statement when it has some (CX-F2 -> CX-F3); else in the element's own
    style with the level's initial (the element has CX-F1: CX-P1 at Practitioner); else from the
    element's and level's codes (customer-experience, foundation -> CE-F1)."""
    if cell_codes:
        return next_code(cell_codes[-1], taken)
    level_initial = (level_code[:1] or "L").upper()
    prefix = _initials(element_code)
    for code in element_codes:
        head, _, _ = code.rpartition("-")
        if head:
            prefix = head
            break
    first = f"{prefix}-{level_initial}1"
    return first if first not in taken else next_code(first, taken)


def free_code(code: str, taken: Collection[str], *, max_length: int = 80) -> str:
    """A framework code like `code` that nobody uses yet: soms -> soms-2 -> soms-3."""
    candidate = f"{code[: max_length - 2]}-2"
    for _ in range(1000):
        if candidate not in taken:
            return candidate
        candidate = _bump(candidate)
    return candidate
