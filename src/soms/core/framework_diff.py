"""What changed between two versions of one framework, statement by statement.

Pure: plain dataclasses in and out, no Django. The frameworks app turns stored versions into
`StatementRef` tuples, calls `diff_versions`, and offers `suggest_mappings` to the author, who
accepts or corrects them before they are stored as statement mappings.

A statement's *code* is its identity across versions when it is kept. When an author changes a
code, the text usually survives, so statements whose codes exist on one side only are paired by
text similarity (difflib ratio) and reported as renamed candidates instead of a removal plus an
addition.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum

RENAME_THRESHOLD = 0.9


@dataclass(frozen=True)
class StatementRef:
    code: str
    element: str
    level: str
    text: str


@dataclass(frozen=True)
class NamedRef:
    """An element or a level: compared by code, reported when added, removed or renamed."""

    code: str
    name: str


class Change(StrEnum):
    SAME = "same"
    REWORDED = "reworded"  # same code, same place, other text
    MOVED = "moved"  # same code, other element or level (the text may have changed too)
    RENAMED = "renamed"  # other code, identical or near-identical text
    ADDED = "added"
    REMOVED = "removed"


@dataclass(frozen=True)
class StatementChange:
    change: Change
    old: StatementRef | None
    new: StatementRef | None
    # difflib ratio of the two texts (1.0 identical); 0.0 when one side is missing.
    similarity: float

    @property
    def moved(self) -> bool:
        return (
            self.old is not None
            and self.new is not None
            and (self.old.element, self.old.level) != (self.new.element, self.new.level)
        )

    @property
    def reworded(self) -> bool:
        return self.old is not None and self.new is not None and not same_text(self.old.text, self.new.text)


@dataclass(frozen=True)
class NamedChange:
    change: Change  # ADDED, REMOVED or REWORDED (the name changed)
    old: NamedRef | None
    new: NamedRef | None


@dataclass(frozen=True)
class VersionDiff:
    statements: tuple[StatementChange, ...]
    elements: tuple[NamedChange, ...] = ()
    levels: tuple[NamedChange, ...] = ()

    def of(self, change: Change) -> list[StatementChange]:
        return [c for c in self.statements if c.change == change]

    @property
    def counts(self) -> dict[str, int]:
        return {kind.value: len(self.of(kind)) for kind in Change}

    @property
    def has_changes(self) -> bool:
        return bool(self.elements or self.levels) or any(c.change != Change.SAME for c in self.statements)


class MappingKind(StrEnum):
    """The kinds an author can store for a mapping (mirrors the stored model's choices)."""

    SAME = "same"
    REWORDED = "reworded"
    MOVED = "moved"
    SPLIT = "split"
    MERGED = "merged"
    REMOVED = "removed"


@dataclass(frozen=True)
class MappingSuggestion:
    from_code: str
    to_code: str | None  # None: the statement has no successor
    kind: MappingKind


_SPACE = re.compile(r"\s+")


def _normal(text: str) -> str:
    # Case and spacing differences are not rewording that an assessor would notice.
    return _SPACE.sub(" ", text).strip().casefold()


def same_text(a: str, b: str) -> bool:
    return _normal(a) == _normal(b)


def similarity(a: str, b: str) -> float:
    left, right = _normal(a), _normal(b)
    if left == right:
        return 1.0
    return difflib.SequenceMatcher(None, left, right, autojunk=False).ratio()


def _greedy(
    candidates: list[tuple[float, int, int, int, int, StatementRef, StatementRef]],
    used_old: set[str],
    used_new: set[str],
) -> list[tuple[StatementRef, StatementRef, float]]:
    candidates.sort(key=lambda c: c[:5], reverse=True)
    pairs: list[tuple[StatementRef, StatementRef, float]] = []
    for ratio, _, _, _, _, o, n in candidates:
        if o.code in used_old or n.code in used_new:
            continue
        used_old.add(o.code)
        used_new.add(n.code)
        pairs.append((o, n, ratio))
    return pairs


def _pair_renamed(
    old: Sequence[StatementRef], new: Sequence[StatementRef], threshold: float
) -> list[tuple[StatementRef, StatementRef, float]]:
    """Greedy best-first pairing of the unmatched statements by text similarity.

    Ties (several statements with the same text, like a senior level repeated in every element)
    go to the candidate in the same element, then the same level, then the first in order.
    Identical texts are paired first through a dictionary, so re-coding a whole framework costs
    no fuzzy comparison at all; only what is left is compared pair by pair.
    """
    used_old: set[str] = set()
    used_new: set[str] = set()
    by_text: dict[str, list[tuple[int, StatementRef]]] = {}
    for j, n in enumerate(new):
        by_text.setdefault(_normal(n.text), []).append((j, n))
    exact = [
        (1.0, int(o.element == n.element), int(o.level == n.level), -i, -j, o, n)
        for i, o in enumerate(old)
        for j, n in by_text.get(_normal(o.text), [])
    ]
    pairs = _greedy(exact, used_old, used_new)
    rest_old = [(i, o) for i, o in enumerate(old) if o.code not in used_old]
    rest_new = [(j, n) for j, n in enumerate(new) if n.code not in used_new]
    fuzzy: list[tuple[float, int, int, int, int, StatementRef, StatementRef]] = []
    matcher = difflib.SequenceMatcher(None, autojunk=False)
    for j, n in rest_new:
        # SequenceMatcher caches what it learns about its second sequence: set it once per statement.
        matcher.set_seq2(_normal(n.text))
        for i, o in rest_old:
            matcher.set_seq1(_normal(o.text))
            # The cheap upper bounds rule out most pairs before the full comparison.
            if matcher.real_quick_ratio() < threshold or matcher.quick_ratio() < threshold:
                continue
            ratio = matcher.ratio()
            if ratio >= threshold:
                fuzzy.append((ratio, int(o.element == n.element), int(o.level == n.level), -i, -j, o, n))
    return pairs + _greedy(fuzzy, used_old, used_new)


def _named_changes(old: Iterable[NamedRef], new: Iterable[NamedRef]) -> tuple[NamedChange, ...]:
    before = {r.code: r for r in old}
    after = {r.code: r for r in new}
    out: list[NamedChange] = []
    for code, ref in before.items():
        if code not in after:
            out.append(NamedChange(Change.REMOVED, ref, None))
        elif after[code].name != ref.name:
            out.append(NamedChange(Change.REWORDED, ref, after[code]))
    out.extend(NamedChange(Change.ADDED, None, ref) for code, ref in after.items() if code not in before)
    return tuple(out)


def diff_versions(
    old: Sequence[StatementRef],
    new: Sequence[StatementRef],
    *,
    old_elements: Sequence[NamedRef] = (),
    new_elements: Sequence[NamedRef] = (),
    old_levels: Sequence[NamedRef] = (),
    new_levels: Sequence[NamedRef] = (),
    rename_threshold: float = RENAME_THRESHOLD,
) -> VersionDiff:
    """Statements of `new` compared with `old`, in the order of `new` (removals last).

    Statement codes are unique within a version; duplicates would make the answer ambiguous, so
    they are refused.
    """
    for side, refs in (("old", old), ("new", new)):
        codes = [s.code for s in refs]
        if len(codes) != len(set(codes)):
            raise ValueError(f"statement codes must be unique within the {side} version")
    before = {s.code: s for s in old}
    after = {s.code: s for s in new}
    changes: dict[str, StatementChange] = {}
    for code, n in after.items():
        o = before.get(code)
        if o is None:
            continue
        ratio = similarity(o.text, n.text)
        if (o.element, o.level) != (n.element, n.level):
            kind = Change.MOVED
        elif not same_text(o.text, n.text):
            kind = Change.REWORDED
        else:
            kind = Change.SAME
        changes[code] = StatementChange(kind, o, n, ratio)
    only_old = [s for s in old if s.code not in after]
    only_new = [s for s in new if s.code not in before]
    renamed = {n.code: (o, r) for o, n, r in _pair_renamed(only_old, only_new, rename_threshold)}
    renamed_old = {o.code for o, _ in renamed.values()}
    ordered: list[StatementChange] = []
    for n in new:
        if n.code in changes:
            ordered.append(changes[n.code])
        elif n.code in renamed:
            o, ratio = renamed[n.code]
            ordered.append(StatementChange(Change.RENAMED, o, n, ratio))
        else:
            ordered.append(StatementChange(Change.ADDED, None, n, 0.0))
    ordered.extend(
        StatementChange(Change.REMOVED, o, None, 0.0) for o in only_old if o.code not in renamed_old
    )
    return VersionDiff(
        statements=tuple(ordered),
        elements=_named_changes(old_elements, new_elements),
        levels=_named_changes(old_levels, new_levels),
    )


def word_changes(old: str, new: str) -> list[tuple[str, str]]:
    """The rewording of one statement as runs of words: ("same" | "removed" | "added", text)."""
    a, b = old.split(), new.split()
    out: list[tuple[str, str]] = []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if op == "equal":
            out.append(("same", " ".join(a[i1:i2])))
            continue
        if i2 > i1:
            out.append(("removed", " ".join(a[i1:i2])))
        if j2 > j1:
            out.append(("added", " ".join(b[j1:j2])))
    return out


def suggest_mappings(diff: VersionDiff) -> list[MappingSuggestion]:
    """One suggestion per statement of the old version: where it lives on, and how it changed.

    A renamed statement is described by what matters to a person who already holds it: whether
    it moved to another element or level, or only its words changed.
    """
    out: list[MappingSuggestion] = []
    for c in diff.statements:
        if c.old is None:
            continue
        if c.new is None:
            out.append(MappingSuggestion(c.old.code, None, MappingKind.REMOVED))
        elif c.moved:
            out.append(MappingSuggestion(c.old.code, c.new.code, MappingKind.MOVED))
        elif c.reworded:
            out.append(MappingSuggestion(c.old.code, c.new.code, MappingKind.REWORDED))
        else:
            out.append(MappingSuggestion(c.old.code, c.new.code, MappingKind.SAME))
    return sorted(out, key=lambda m: m.from_code)
