"""Gaps, coverage, single points of failure, specialists and distributions."""

from __future__ import annotations

from datetime import date

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from soms.core.attainment import ElementAttainment, Status
from soms.core.errors import RuleInputError
from soms.core.gaps import (
    CapabilityExpectation,
    CoverageState,
    CoverageTarget,
    Holding,
    Holdings,
    capability_cover,
    coverage,
    distribution,
    expectation_from_data,
    gap_summary,
    person_gaps,
    required_levels,
    rollup,
    single_points_of_failure,
    specialisation,
)

LEVELS = ("foundation", "practitioner", "senior-practitioner")
F, P, S = LEVELS
ELEMENTS = ("cx", "dl", "pc")


def holdings(rows, people=("ann", "bob", "cat")):
    return Holdings.from_rows(rows, people=people, elements=ELEMENTS, levels=LEVELS)


def test_several_role_profiles_need_the_highest_level_of_each():
    assert required_levels([{"cx": F, "dl": P}, {"cx": P}], LEVELS) == {"cx": P, "dl": P}
    with pytest.raises(RuleInputError) as err:
        required_levels([{"cx": "expert"}], LEVELS)
    assert err.value.field == "profiles[0].cx"


def test_a_persons_gap_counts_steps_and_never_offsets_one_element_with_another():
    held = [Holding("ann", "cx", F, refresh_due=True), Holding("ann", "pc", S)]
    gaps = person_gaps({"cx": P, "dl": S, "pc": F}, held, LEVELS, ELEMENTS)
    assert [(g.element, g.gap, g.refresh_due) for g in gaps] == [
        ("cx", 1, True),
        ("dl", 3, False),
        ("pc", 0, False),
    ]
    assert [g.meets for g in gaps] == [False, False, True]


def test_coverage_counts_refresh_due_as_a_warning_and_expired_not_at_all():
    target = [CoverageTarget("dl", P, 2)]
    # ann holds Practitioner; bob's Senior is refresh due; cat's Practitioner expired (Foundation left).
    rows = [
        Holding("ann", "dl", P),
        Holding("bob", "dl", S, refresh_due=True),
        Holding("cat", "dl", F, expired=True),
    ]
    (c,) = coverage(holdings(rows), target)
    assert (c.covered, c.refresh_due, c.state, c.missing) == (1, 1, CoverageState.AT_RISK, 0)
    (c,) = coverage(holdings([rows[0], Holding("bob", "dl", S)]), target)
    assert c.state == CoverageState.MET
    (c,) = coverage(holdings([rows[0], rows[2]]), target)
    assert (c.state, c.missing) == (CoverageState.SHORT, 1)
    with pytest.raises(RuleInputError) as err:
        coverage(holdings(rows), [CoverageTarget("dl", "expert", 1)])
    assert err.value.field == "targets[0].level"


def test_single_points_of_failure_and_sole_cover():
    rows = [
        Holding("ann", "cx", P),
        Holding("ann", "dl", S),
        Holding("bob", "dl", F),
        Holding("cat", "cx", F),
    ]
    spof = single_points_of_failure(holdings(rows), {"cx": P, "dl": P, "pc": F})
    assert spof.uncovered == ("pc",)
    assert spof.sole == (("cx", "ann"), ("dl", "ann"))
    assert spof.sole_cover == (("ann", ("cx", "dl")),)
    # A second holder removes the single point.
    more = single_points_of_failure(holdings([*rows, Holding("cat", "dl", P)]), {"dl": P})
    assert more.sole == () and more.uncovered == ()


SMO = ("initial", "repeatable", "defined", "managed", "continually-improving")


def test_specialists_and_backups_per_capability():
    caps = ("incident", "problem", "desk")
    rows = [
        Holding("ann", "incident", "managed"),
        Holding("bob", "incident", "repeatable"),
        Holding("ann", "problem", "defined"),
        Holding("cat", "problem", "defined"),
        Holding("bob", "desk", "initial"),
    ]
    h = Holdings.from_rows(rows, people=("ann", "bob", "cat"), elements=caps, levels=SMO)
    cover = {
        c.capability: c for c in capability_cover(h, CapabilityExpectation("defined", 1, "repeatable", 1))
    }
    assert (cover["incident"].specialists, cover["incident"].backups, cover["incident"].state) == (
        ("ann",),
        ("bob",),
        "covered",
    )
    # Two specialists: the second stands in as the backup.
    assert (cover["problem"].specialists, cover["problem"].backups_short, cover["problem"].state) == (
        ("ann", "cat"),
        0,
        "covered",
    )
    assert (cover["desk"].specialists_short, cover["desk"].backups_short, cover["desk"].state) == (
        1,
        1,
        "no specialist",
    )
    with pytest.raises(RuleInputError) as err:
        capability_cover(h, CapabilityExpectation("repeatable", 1, "defined", 1))
    assert err.value.field == "expectations.backup_min_level"


def test_the_builtin_expectations_convert_from_the_stored_rules():
    from pathlib import Path

    import yaml

    from soms.frameworks.rules import FrameworkRules

    source = Path(__file__).parents[2] / "src/soms/frameworks/builtin/smo-capability.yaml"
    stored = FrameworkRules.model_validate(yaml.safe_load(source.read_text())["version"]["rules"])
    got = expectation_from_data(stored.model_dump(mode="json")["expectations"])
    assert got == CapabilityExpectation("defined", 1, "repeatable", 1)
    with pytest.raises(RuleInputError) as err:
        expectation_from_data({"specialist_min_level": "defined", "backups_wanted": -1})
    assert err.value.field == "expectations.backups_wanted"


def test_specialisation_index_reads_as_a_share_of_the_top_capabilities():
    caps = tuple(f"c{i}" for i in range(12))
    rows = [Holding("spec", "c0", "continually-improving"), Holding("spec", "c1", "initial")]
    rows += [Holding("gen", c, "defined") for c in caps]
    h = Holdings.from_rows(rows, people=("spec", "gen", "none"), elements=caps, levels=SMO)
    spec, gen, none = specialisation(h, top=3)
    assert (spec.points, spec.top_share, spec.strongest, spec.breadth) == (6, 1.0, ("c0", "c1"), 2)
    assert gen.top_share == pytest.approx(0.25) and gen.breadth == 12
    assert none.top_share is None and none.strongest == ()


def test_distribution_counts_people_per_level_not_an_average():
    rows = [
        Holding("ann", "cx", S),
        Holding("bob", "cx", F, refresh_due=True),
        Holding("cat", "dl", None, expired=True),
    ]
    cx, dl, _ = distribution(holdings(rows))
    assert cx.counts == {None: 1, F: 1, P: 0, S: 1}
    assert cx.at_or_above == {F: 2, P: 1, S: 1}
    assert (cx.refresh_due, dl.expired, dl.counts[None]) == (1, 1, 3)


def test_gap_summary_over_a_team():
    h = holdings([Holding("ann", "cx", F), Holding("bob", "cx", P)])
    required = np.zeros(h.rank.shape, dtype=np.int16)
    required[:, 0] = 2  # everyone needs Practitioner in cx
    cx = gap_summary(h, required)[0]
    assert (cx.people, cx.short, cx.steps_short, cx.by_gap) == (3, 2, 3, (1, 1, 1, 0))


def test_rollup_by_unit_gives_each_cells_distribution_and_gaps():
    rows = [Holding("ann", "cx", S), Holding("bob", "cx", F, refresh_due=True), Holding("cat", "cx", P)]
    h = holdings(rows)
    required = np.zeros(h.rank.shape, dtype=np.int16)
    required[:, 0] = 2
    r = rollup(h, ["north", "south", "north"], required)
    assert r.groups == ("north", "south")
    assert r.counts[0, 0].tolist() == [0, 0, 1, 1]  # north, cx: one Practitioner, one Senior
    assert r.counts[1, 0].tolist() == [0, 1, 0, 0]
    assert (r.people.tolist(), r.refresh_due[:, 0].tolist()) == ([2, 1], [0, 1])
    assert (r.short[:, 0].tolist(), r.steps_short[:, 0].tolist()) == ([0, 1], [0, 1])
    assert r.at_or_above(P)[:, 0].tolist() == [2, 0]
    assert r.mean_rank()[0, 0] == 2.5
    with pytest.raises(RuleInputError) as err:
        rollup(h, ["north"])
    assert err.value.field == "group_of"


def test_a_holding_from_the_engines_answer_warns_even_when_a_higher_level_expired():
    lapsed = ElementAttainment(
        "cx",
        F,
        date(2024, 1, 1),
        date(2026, 3, 1),
        date(2026, 6, 1),
        Status.EXPIRED,
        lapsed_level=P,
        lapsed_on=date(2026, 1, 1),
    )
    h = Holding.of("ann", lapsed, date(2026, 4, 1))
    assert (h.level, h.refresh_due, h.expired) == (F, True, True)


def test_bad_rows_and_subsets_are_named():
    with pytest.raises(RuleInputError) as err:
        holdings([Holding("zed", "cx", F)])
    assert err.value.field == "rows[0]"
    with pytest.raises(RuleInputError):
        holdings([]).select(["zed"])
    team = holdings([Holding("bob", "cx", P)]).select(["bob"])
    assert team.people == ("bob",) and int(team.rank[0, 0]) == 2


# --- properties ------------------------------------------------------------------------------------

matrices = st.integers(1, 12).flatmap(
    lambda n: st.tuples(
        st.lists(st.lists(st.integers(0, 3), min_size=3, max_size=3), min_size=n, max_size=n),
        st.lists(st.lists(st.booleans(), min_size=3, max_size=3), min_size=n, max_size=n),
    )
)


def from_lists(ranks, refresh):
    people = tuple(f"p{i}" for i in range(len(ranks)))
    r = np.array(ranks, dtype=np.int16)
    due = np.array(refresh, dtype=np.bool_) & (r > 0)
    return Holdings(people, ELEMENTS, LEVELS, r, due, np.zeros(r.shape, dtype=np.bool_))


PROPERTY = settings(deadline=None, suppress_health_check=[HealthCheck.too_slow])


@PROPERTY
@given(matrices, st.integers(1, 3), st.integers(0, 4), st.data())
def test_property_raising_someones_level_never_lowers_coverage(m, level, wanted, data):
    h = from_lists(*m)
    target = [CoverageTarget("cx", LEVELS[level - 1], wanted)]
    before = coverage(h, target)[0]
    i = data.draw(st.integers(0, len(h.people) - 1))
    raised = h.rank.copy()
    raised[i, 0] = min(raised[i, 0] + 1, 3)
    after = coverage(Holdings(h.people, h.elements, h.levels, raised, h.refresh_due, h.expired), target)[0]
    assert after.counted >= before.counted
    assert (before.state == CoverageState.MET) == (before.covered >= wanted)
    assert (before.state == CoverageState.AT_RISK) == (before.covered < wanted <= before.counted)


@PROPERTY
@given(matrices, st.integers(1, 3))
def test_property_single_points_match_a_head_count(m, level):
    h = from_lists(*m)
    spof = single_points_of_failure(h, dict.fromkeys(ELEMENTS, LEVELS[level - 1]))
    for j, e in enumerate(ELEMENTS):
        n = int((h.rank[:, j] >= level).sum())
        assert (e in spof.uncovered) == (n == 0)
        assert (e in dict(spof.sole)) == (n == 1)
    assert sum(len(es) for _, es in spof.sole_cover) == len(spof.sole)


@PROPERTY
@given(matrices, st.integers(1, 4))
def test_property_specialisation_is_a_share_at_least_the_even_spread(m, top):
    h = from_lists(*m)
    for s in specialisation(h, top=top):
        if s.points == 0:
            assert s.top_share is None
        else:
            assert min(top, 3) / 3 - 1e-9 <= s.top_share <= 1.0


@PROPERTY
@given(matrices)
def test_property_distributions_add_up_to_the_people(m):
    h = from_lists(*m)
    for d in distribution(h):
        assert sum(d.counts.values()) == d.people == len(h.people)
        assert d.at_or_above[F] == d.people - d.counts[None]


@PROPERTY
@given(matrices, st.data())
def test_property_a_rollup_agrees_with_each_groups_own_distribution(m, data):
    h = from_lists(*m)
    group_of = [data.draw(st.sampled_from(["u1", "u2", "u3"])) for _ in h.people]
    r = rollup(h, group_of)
    for gi, group in enumerate(r.groups):
        members = [p for p, g in zip(h.people, group_of, strict=True) if g == group]
        for j, d in enumerate(distribution(h.select(members))):
            assert r.counts[gi, j].tolist() == list(d.counts.values())
            assert r.refresh_due[gi, j] == d.refresh_due
