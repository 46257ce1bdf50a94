"""The diff between two framework versions, without a database."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st_

from soms.core.framework_diff import (
    Change,
    MappingKind,
    MappingSuggestion,
    NamedRef,
    StatementRef,
    diff_versions,
    similarity,
    suggest_mappings,
)

SENIOR = "Holds Practitioner understanding and has implemented a change project addressing two areas."


def st(code: str, text: str, element: str = "cx", level: str = "foundation") -> StatementRef:
    return StatementRef(code=code, element=element, level=level, text=text)


OLD = [
    st("CX-F1", "Knows the main customer groups and how each deals with the team."),
    st("CX-P1", "Can show with real cases what customers go through.", level="practitioner"),
    st("DC-F1", "Knows the team's demand profile.", element="dc"),
    st("DC-F2", "Knows the team's capacity.", element="dc"),
    st("KP-F1", "Understands the team's KPIs and how they feed improvement.", element="perf"),
]


def kinds(diff) -> dict[str, str]:
    return {(c.new or c.old).code: c.change.value for c in diff.statements}


def test_identical_versions_have_no_changes():
    diff = diff_versions(OLD, list(OLD))
    assert not diff.has_changes
    assert diff.counts["same"] == len(OLD)


def test_added_removed_reworded_moved_and_renamed():
    new = [
        OLD[0],
        st(
            "CX-P1",
            "Can show, with real cases, what customers go through, complaints included.",
            level="practitioner",
        ),
        # Same code, other level: moved.
        st("DC-F1", "Knows the team's demand profile.", element="dc", level="practitioner"),
        # Other code, same words: renamed.
        st("PM-F1", "Understands the team's KPIs and how they feed improvement.", element="perf"),
        st("CX-F2", "Knows which complaints reach the team and why.", element="cx"),
    ]
    diff = diff_versions(OLD, new)
    assert kinds(diff) == {
        "CX-F1": "same",
        "CX-P1": "reworded",
        "DC-F1": "moved",
        "PM-F1": "renamed",
        "CX-F2": "added",
        "DC-F2": "removed",
    }
    renamed = diff.of(Change.RENAMED)[0]
    assert renamed.old.code == "KP-F1" and renamed.similarity == 1.0
    assert diff.statements[-1].change == Change.REMOVED  # removals come last


def test_near_identical_text_under_a_new_code_is_a_rename_candidate_and_far_text_is_not():
    old = [st("A1", "Understands the team's KPIs and how they feed improvement.")]
    close = [st("B1", "Understands the team's KPIs and how they feed improvements.")]
    far = [st("B1", "Runs the weekly performance review with the team.")]
    assert diff_versions(old, close).statements[0].change == Change.RENAMED
    assert [c.change for c in diff_versions(old, far).statements] == [Change.ADDED, Change.REMOVED]


def test_whitespace_and_case_are_not_rewording():
    diff = diff_versions([st("A", "Knows the  team.")], [st("A", "knows the team.")])
    assert diff.statements[0].change == Change.SAME
    assert similarity("a  b", "A b") == 1.0


def test_repeated_text_pairs_with_the_same_element_first():
    old = [st("CX-S1", SENIOR, "cx", "senior"), st("DC-S1", SENIOR, "dc", "senior")]
    new = [st("DC-S", SENIOR, "dc", "senior"), st("CX-S", SENIOR, "cx", "senior")]
    pairs = {c.new.code: c.old.code for c in diff_versions(old, new).statements}
    assert pairs == {"DC-S": "DC-S1", "CX-S": "CX-S1"}


def test_moved_and_reworded_at_once_is_moved():
    diff = diff_versions(
        [st("A", "Knows the team.")], [st("A", "Knows the whole team.", level="practitioner")]
    )
    change = diff.statements[0]
    assert change.change == Change.MOVED and change.moved and change.reworded


def test_element_and_level_changes_are_reported():
    diff = diff_versions(
        [],
        [],
        old_elements=[NamedRef("cx", "Customer experience"), NamedRef("old", "Gone")],
        new_elements=[NamedRef("cx", "Customer journey"), NamedRef("new", "Fresh")],
        old_levels=[NamedRef("f", "Foundation")],
        new_levels=[NamedRef("f", "Foundation")],
    )
    assert [(c.change, (c.old or c.new).code) for c in diff.elements] == [
        (Change.REWORDED, "cx"),
        (Change.REMOVED, "old"),
        (Change.ADDED, "new"),
    ]
    assert diff.levels == () and diff.has_changes


def test_duplicate_codes_are_refused():
    with pytest.raises(ValueError, match="old version"):
        diff_versions([st("A", "x"), st("A", "y")], [])


def test_suggestions_cover_every_old_statement():
    new = [
        OLD[0],
        st(
            "CX-P1",
            "Can show with real cases what customers go through, complaints too.",
            level="practitioner",
        ),
        st("DC-F1", "Knows the team's demand profile.", element="dc", level="practitioner"),
        st("PM-F1", "Understands the team's KPIs and how they feed improvement.", element="perf"),
    ]
    suggestions = suggest_mappings(diff_versions(OLD, new))
    assert suggestions == [
        MappingSuggestion("CX-F1", "CX-F1", MappingKind.SAME),
        MappingSuggestion("CX-P1", "CX-P1", MappingKind.REWORDED),
        MappingSuggestion("DC-F1", "DC-F1", MappingKind.MOVED),
        MappingSuggestion("DC-F2", None, MappingKind.REMOVED),
        MappingSuggestion("KP-F1", "PM-F1", MappingKind.SAME),
    ]


def test_a_large_diff_stays_fast():
    old = [st(f"S{i}", f"Statement number {i} about topic {i * 7 % 13} in detail") for i in range(80)]
    new = [st(f"T{i}", f"Statement number {i} about topic {i * 7 % 13} in detail!") for i in range(80)]
    diff = diff_versions(old, new)
    assert diff.counts["renamed"] == 80


def test_recoding_a_large_framework_pairs_identical_texts_cheaply():
    old = [st(f"S{i}", f"Statement number {i} about topic {i}") for i in range(2000)]
    new = [st(f"T{i}", f"Statement number {i} about topic {i}") for i in range(2000)]
    assert diff_versions(old, new).counts["renamed"] == 2000


def test_word_changes_show_the_rewording():
    from soms.core.framework_diff import word_changes

    assert word_changes("Knows the team's KPIs.", "Knows the team's KPIs and targets.") == [
        ("same", "Knows the team's"),
        ("removed", "KPIs."),
        ("added", "KPIs and targets."),
    ]
    assert word_changes("a b", "a b") == [("same", "a b")]


# --- pairing stays near-linear on hostile input -----------------------------------------------------


def _reference_pair_renamed(old, new, threshold):
    """The former pairing: every candidate pair built and ranked. Quadratic, the yardstick."""
    import difflib

    from soms.core.framework_diff import _normal

    def greedy(candidates, used_old, used_new):
        candidates.sort(key=lambda c: c[:5], reverse=True)
        pairs = []
        for ratio, _, _, _, _, o, n in candidates:
            if o.code in used_old or n.code in used_new:
                continue
            used_old.add(o.code)
            used_new.add(n.code)
            pairs.append((o, n, ratio))
        return pairs

    used_old: set[str] = set()
    used_new: set[str] = set()
    exact = [
        (1.0, int(o.element == n.element), int(o.level == n.level), -i, -j, o, n)
        for i, o in enumerate(old)
        for j, n in enumerate(new)
        if _normal(o.text) == _normal(n.text)
    ]
    pairs = greedy(exact, used_old, used_new)
    fuzzy = []
    for i, o in enumerate(old):
        for j, n in enumerate(new):
            if o.code in used_old or n.code in used_new:
                continue
            ratio = difflib.SequenceMatcher(None, _normal(o.text), _normal(n.text), autojunk=False).ratio()
            if ratio >= threshold:
                fuzzy.append((ratio, int(o.element == n.element), int(o.level == n.level), -i, -j, o, n))
    return pairs + greedy(fuzzy, used_old, used_new)


_TEXTS = ["Knows the team.", "knows the  TEAM.", "Knows the teams.", "Knows the whole team.", "Other."]


@st_.composite
def _versions(draw):
    def side(prefix):
        n = draw(st_.integers(0, 9))
        return [
            st(
                f"{prefix}{k}",
                draw(st_.sampled_from(_TEXTS)),
                draw(st_.sampled_from(["cx", "dc"])),
                draw(st_.sampled_from(["f", "p"])),
            )
            for k in range(n)
        ]

    return side("O"), side("N"), draw(st_.sampled_from([0.9, 0.95, 1.0]))


@given(_versions())
@settings(max_examples=300)
def test_pairing_gives_the_answer_of_ranking_every_pair(versions):
    from soms.core.framework_diff import _pair_renamed

    old, new, threshold = versions
    got = {(o.code, n.code, r) for o, n, r in _pair_renamed(old, new, threshold)}
    want = {(o.code, n.code, r) for o, n, r in _reference_pair_renamed(old, new, threshold)}
    assert got == want


class _CountedCode(str):
    """An element code that counts how often it is compared, and refuses to be compared too often."""

    comparisons = 0
    limit = 0

    def __eq__(self, other):
        type(self).comparisons += 1
        if type(self).comparisons > type(self).limit:
            raise AssertionError("identical texts are compared pair by pair")
        return str.__eq__(self, other)

    __hash__ = str.__hash__


def test_identical_texts_are_paired_without_comparing_every_pair(monkeypatch):
    # 3,000 × 3,000 statements with one text ("Not applicable." in every cell) used to build and sort
    # all 9 million pairs (17 s, 2.2 GB); each statement must now be looked at a bounded number of times.
    size = 3000
    monkeypatch.setattr(_CountedCode, "comparisons", 0)
    monkeypatch.setattr(_CountedCode, "limit", 20 * size)
    elements = [_CountedCode(e) for e in ("cx", "dc", "perf")]
    old = [st(f"S{i}", "Not applicable.", elements[i % 3], "f") for i in range(size)]
    new = [st(f"T{i}", "Not applicable.", elements[i % 3], "f") for i in range(size)]
    diff = diff_versions(old, new)
    assert diff.counts["renamed"] == size
    # The preference still holds: the first free statement of the same element, in order.
    assert {c.new.code: c.old.code for c in diff.statements[:3]} == {"T0": "S0", "T1": "S1", "T2": "S2"}


def test_near_identical_texts_are_compared_within_a_budget(monkeypatch):
    import difflib

    from soms.core import framework_diff

    calls = {"quick": 0}

    class Counted(difflib.SequenceMatcher):
        def quick_ratio(self):
            calls["quick"] += 1
            if calls["quick"] > 2000:
                raise AssertionError("near-identical texts are compared beyond the budget")
            return super().quick_ratio()

    monkeypatch.setattr(framework_diff.difflib, "SequenceMatcher", Counted)
    monkeypatch.setattr(framework_diff, "MAX_FUZZY_PAIRS", 2000, raising=False)
    # 3,000 × 3,000 re-coded statements that each differ by a word: 9 million full comparisons before.
    size = 3000
    old = [st(f"S{i}", f"Statement number {i} about the topic", f"e{i % 50}") for i in range(size)]
    new = [st(f"T{i}", f"Statement number {i} about the topics", f"e{i % 50}") for i in range(size)]
    diff = diff_versions(old, new)
    # What was compared is still paired; the rest is reported as removed and added, never lost.
    renamed = diff.of(Change.RENAMED)
    assert renamed and all(c.old.element == c.new.element for c in renamed)
    assert diff.counts["renamed"] + diff.counts["added"] == size
    assert diff.counts["renamed"] + diff.counts["removed"] == size


def test_a_large_reworded_recoding_still_finds_each_predecessor():
    # Past the exhaustive size, each statement is compared with the few sharing its rarest words;
    # templated texts that differ by a number still find their own predecessor.
    size = 400
    old = [st(f"S{i}", f"Handles case number {i} of the service desk queue") for i in range(size)]
    new = [st(f"T{i}", f"Handles case number {i} of the service desk queues") for i in range(size)]
    pairs = {c.new.code: c.old.code for c in diff_versions(old, new).of(Change.RENAMED)}
    assert pairs == {f"T{i}": f"S{i}" for i in range(size)}
