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

import bisect
import difflib
import re
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
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


# The fuzzy pairing compares leftover statements pair by pair, which is quadratic: a version of
# thousands of statements, all re-coded and reworded, would keep a request busy for minutes. Past
# these budgets the remaining pairs are not compared, and their statements are reported as removed
# and added (the author can still map them by hand). Same-element pairs are compared first, so the
# budget goes to the likeliest successors.
MAX_FUZZY_PAIRS = 250_000  # pairs looked at with difflib's cheap upper bounds
# Work in difflib's worst case: a cheap check reads both texts (a + b characters), a full
# comparison of repetitive texts may compare every character with every other (a × b).
MAX_FUZZY_WORK = 300_000_000
EXHAUSTIVE_PAIRS = 62_500  # up to 250 × 250 leftovers, every pair is considered
NEIGHBOURS = 8  # past that, each new statement meets this many old ones sharing its rarest words

_Candidate = tuple[float, int, int, int, int, StatementRef, StatementRef]


def _greedy(
    candidates: list[_Candidate],
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


# Preference among statements with the same text: same element and level, same element, same
# level, anywhere.
_TIERS: tuple[Callable[[StatementRef], tuple[str, ...]], ...] = (
    lambda s: (s.element, s.level),
    lambda s: (s.element,),
    lambda s: (s.level,),
    lambda s: (),
)


def _pair_identical(
    old: Sequence[StatementRef],
    new: Sequence[StatementRef],
    used_old: set[str],
    used_new: set[str],
) -> list[tuple[StatementRef, StatementRef, float]]:
    """Statements with the same (normalised) text, paired in linear time.

    The same answer as ranking every old × new pair of equal text by (same element, same level,
    old order, new order) and taking them greedily, without building those pairs: a repeated text
    (thousands of "Not applicable.") would make them millions. Each tier queues the free new
    statements by (text, key) in order, and each free old statement, in order, takes the first of
    its queue. A statement left free by one tier has no free partner of that tier, so the next,
    looser key only meets the candidates the ranking would offer next.
    """
    old_text = [(o, _normal(o.text)) for o in old]
    new_text = [(n, _normal(n.text)) for n in new]
    pairs: list[tuple[StatementRef, StatementRef, float]] = []
    for key in _TIERS:
        queues: dict[tuple[str, ...], deque[StatementRef]] = {}
        for n, text in new_text:
            if n.code not in used_new:
                queues.setdefault((text, *key(n)), deque()).append(n)
        for o, text in old_text:
            if o.code in used_old:
                continue
            queue = queues.get((text, *key(o)))
            if queue:
                n = queue.popleft()
                used_old.add(o.code)
                used_new.add(n.code)
                pairs.append((o, n, 1.0))
    return pairs


def _length_window(length: int, threshold: float) -> tuple[float, float]:
    """Lengths a text may have to reach `threshold` with one of `length` characters.

    difflib's ratio is at most 2·min(a, b) / (a + b); a little slack keeps rounding on the safe
    side, since real_quick_ratio still decides at the edge.
    """
    if threshold <= 0:
        return 0.0, float("inf")
    t = min(threshold, 1.0)
    return length * t / (2 - t) - 1, length * (2 - t) / t + 1


_Pair = tuple[int, StatementRef, int, StatementRef]
_WORD = re.compile(r"\w+")


def _every_pair(
    old: Sequence[tuple[int, StatementRef]], new: Sequence[tuple[int, StatementRef]], threshold: float
) -> Iterator[_Pair]:
    """Every pair whose lengths allow the threshold: same element first, then across elements."""
    length = {o.code: len(_normal(o.text)) for _, o in old}
    # Sorted by length, so each new statement only looks at the texts that could be close enough.
    ranked = sorted(old, key=lambda io: length[io[1].code])
    by_element: dict[str, list[tuple[int, StatementRef]]] = {}
    for io in ranked:
        by_element.setdefault(io[1].element, []).append(io)
    lengths_of = {e: [length[o.code] for _, o in pool] for e, pool in by_element.items()}
    all_lengths = [length[o.code] for _, o in ranked]
    for same_element in (True, False):
        for j, n in new:
            pool = by_element.get(n.element, []) if same_element else ranked
            lengths = lengths_of.get(n.element, []) if same_element else all_lengths
            low, high = _length_window(len(_normal(n.text)), threshold)
            for k in range(bisect.bisect_left(lengths, low), bisect.bisect_right(lengths, high)):
                i, o = pool[k]
                if (o.element == n.element) == same_element:
                    yield i, o, j, n


def _word_neighbours(
    old: Sequence[tuple[int, StatementRef]], new: Sequence[tuple[int, StatementRef]]
) -> Iterator[_Pair]:
    """For each new statement, the few old ones that share its rarest words.

    Texts this close share almost all their words, and the rarest of them (a number, a name)
    single out the likely predecessor; words every statement has carry no information.
    """
    postings: dict[str, list[tuple[int, StatementRef]]] = {}
    for io in old:
        for word in set(_WORD.findall(_normal(io[1].text))):
            postings.setdefault(word, []).append(io)
    for j, n in new:
        words = sorted(set(_WORD.findall(_normal(n.text))), key=lambda w: (len(postings.get(w, ())), w))
        chosen: dict[str, tuple[int, StatementRef]] = {}
        for word in words:
            for io in postings.get(word, ()):
                if len(chosen) >= NEIGHBOURS:
                    break
                chosen.setdefault(io[1].code, io)
            if len(chosen) >= NEIGHBOURS:
                break
        for i, o in chosen.values():
            yield i, o, j, n


def _fuzzy_candidates(
    old: Sequence[tuple[int, StatementRef]],
    new: Sequence[tuple[int, StatementRef]],
    threshold: float,
) -> list[_Candidate]:
    """Pairs of near-identical texts (ratio ≥ threshold), within the comparison budgets.

    Up to EXHAUSTIVE_PAIRS leftovers every pair is considered (a framework of a few hundred
    statements, all re-coded and reworded); past that, each new statement meets its word
    neighbours only, so the work grows with the number of statements, not its square.
    """
    pairs = (
        _every_pair(old, new, threshold)
        if len(old) * len(new) <= EXHAUSTIVE_PAIRS
        else _word_neighbours(old, new)
    )
    old_text = {o.code: _normal(o.text) for _, o in old}
    candidates: list[_Candidate] = []
    pairs_left, work_left = MAX_FUZZY_PAIRS, MAX_FUZZY_WORK
    matcher = difflib.SequenceMatcher(None, autojunk=False)
    current: str | None = None
    text = ""
    for i, o, j, n in pairs:
        if pairs_left <= 0 or work_left <= 0:
            break
        pairs_left -= 1
        if n.code != current:
            # SequenceMatcher caches what it learns about its second sequence: set it once per statement.
            text = _normal(n.text)
            matcher.set_seq2(text)
            current = n.code
        other = old_text[o.code]
        matcher.set_seq1(other)
        # The cheap upper bounds rule out most pairs before the full comparison.
        if matcher.real_quick_ratio() < threshold:
            continue
        work_left -= len(other) + len(text)
        if matcher.quick_ratio() < threshold:
            continue
        work_left -= len(other) * len(text)
        ratio = matcher.ratio()
        if ratio >= threshold:
            candidates.append((ratio, int(o.element == n.element), int(o.level == n.level), -i, -j, o, n))
    return candidates


def _pair_renamed(
    old: Sequence[StatementRef], new: Sequence[StatementRef], threshold: float
) -> list[tuple[StatementRef, StatementRef, float]]:
    """Greedy best-first pairing of the unmatched statements by text similarity.

    Ties (several statements with the same text, like a senior level repeated in every element)
    go to the candidate in the same element, then the same level, then the first in order.
    Identical texts are paired first through dictionaries, so re-coding a whole framework costs
    no fuzzy comparison at all; only what is left is compared pair by pair, within budgets.
    """
    used_old: set[str] = set()
    used_new: set[str] = set()
    pairs = _pair_identical(old, new, used_old, used_new)
    rest_old = [(i, o) for i, o in enumerate(old) if o.code not in used_old]
    rest_new = [(j, n) for j, n in enumerate(new) if n.code not in used_new]
    return pairs + _greedy(_fuzzy_candidates(rest_old, rest_new, threshold), used_old, used_new)


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
