"""The diff between two framework versions, without a database."""

from __future__ import annotations

import pytest

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
