from __future__ import annotations

from soms.core.framework_check import ElementInfo, LevelInfo, StatementInfo, publish_problems

LEVELS = [LevelInfo("f", "Foundation", 1), LevelInfo("p", "Practitioner", 2)]
ELEMENTS = [ElementInfo("cx", "Customer experience")]
FULL = [StatementInfo("A", "cx", "f"), StatementInfo("B", "cx", "p")]


def check(**overrides):
    args = dict(
        levels=LEVELS,
        elements=ELEMENTS,
        statements=FULL,
        rule_levels={"p"},
        areas_mode="elements",
        declared_areas=0,
    )
    args.update(overrides)
    return [(p.loc, p.message) for p in publish_problems(**args)]


def test_a_complete_version_has_no_problems():
    assert check() == []


def test_an_empty_version_says_what_is_missing():
    locs = [loc for loc, _ in check(levels=[], elements=[], statements=[], rule_levels=set())]
    assert locs == [("levels",), ("elements",), ("statements",)]


def test_rules_naming_a_missing_level_and_shared_ranks():
    problems = check(levels=[LevelInfo("f", "Foundation", 1), LevelInfo("x", "Other", 1)], rule_levels={"p"})
    messages = " ".join(m for _, m in problems)
    assert "share rank 1" in messages and "'p'" in messages


def test_an_empty_cell_is_named():
    problems = check(statements=FULL[:1])
    assert problems == [(("elements", "cx"), "Customer experience has no statement at: Practitioner.")]


def test_sub_areas_need_declared_areas():
    assert check(areas_mode="sub_areas")[0][0] == ("areas",)
    assert check(areas_mode="sub_areas", declared_areas=2) == []
