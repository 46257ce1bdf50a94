"""Service delivery matrix and stakeholder maps: placements against hand-placed examples."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from soms.core import delivery, stakeholders
from soms.core.delivery import DeliverySystem, Environment, Process, Segment
from soms.core.stakeholders import (
    Dimension,
    DimensionAssessment,
    Impact,
    Quadrant,
    Stakeholder,
    StakeholderMap,
)
from soms.core.toolkit_input import ToolkitInputError
from soms.core.vsm import Office


def test_environments_follow_the_diagonal() -> None:
    assert delivery.environment(1, 5) is Environment.PROFESSIONAL
    assert delivery.environment(2, 4) is Environment.PROFESSIONAL
    assert delivery.environment(3, 3) is Environment.SHOP
    assert delivery.environment(3, 2) is Environment.SHOP
    assert delivery.environment(5, 1) is Environment.MASS
    assert delivery.environment(4, 2) is Environment.MASS


def test_delivery_system_places_processes_and_flags_misfits() -> None:
    system = DeliverySystem(
        segments=(
            Segment("retail", "Retail customers", 2, 70),
            Segment("commercial", "Commercial clients", 5, 30),
            Segment("brokers", "Brokers", 3),
        ),
        processes=(
            Process("fnol", "First notice of loss", Office.FRONT, 5, 1, ("retail", "commercial")),
            Process("complex", "Complex claims", Office.BACK, 1, 5, ("commercial",)),
            Process("renewals", "Renewals", Office.BACK, 3, 3, ("retail",)),
        ),
    )
    r = delivery.analyse(system)
    by = {p.key: p for p in r.placements}
    assert by["fnol"].environment is Environment.MASS
    assert "Commercial clients" in by["fnol"].warnings[0]
    assert by["complex"].environment is Environment.PROFESSIONAL
    assert any("back office" in w for w in by["complex"].warnings)
    assert by["renewals"].environment is Environment.SHOP and by["renewals"].warnings == ()
    assert "standardise" in by["fnol"].optimise
    assert r.segments_unserved == ("brokers",)
    assert r.front_office == ("fnol",) and r.back_office == ("complex", "renewals")
    assert r.demand_variety == pytest.approx((2 * 70 + 5 * 30) / 100)


def test_delivery_bad_input_names_fields() -> None:
    with pytest.raises(ToolkitInputError) as e:
        delivery.analyse(
            DeliverySystem(
                (Segment("a", "A", 6, 120),),
                (Process("p", "", Office.FRONT, 0, 3, ("zz",)),),
            )
        )
    locs = [p.loc for p in e.value.problems]
    assert ("segments", 0, "variety") in locs and ("segments", 0, "share_pct") in locs
    assert ("processes", 0, "name") in locs and ("processes", 0, "volume") in locs
    assert ("processes", 0, "segments") in locs


def test_stakeholder_quadrants_and_plans() -> None:
    m = StakeholderMap(
        stakeholders=(
            Stakeholder("Head of claims", 5, 5, "Sponsor", "Fortnightly steering"),
            Stakeholder("Finance director", 5, 2, "Budget holder"),
            Stakeholder("Claims handlers", 2, 5, "Staff", "Team briefings"),
            Stakeholder("Facilities", 1, 1),
            Stakeholder("Union rep", 3, 3),
        ),
        dimensions=(
            DimensionAssessment(
                Dimension.VALUE_STREAMS, Impact.HIGH, "New triage", ("Backlog during cut-over",)
            ),
            DimensionAssessment(Dimension.PEOPLE, Impact.MEDIUM, "", ("Specialists resist", "Training time")),
        ),
    )
    r = stakeholders.analyse(m)
    assert [p.quadrant for p in r.placed] == [
        Quadrant.MANAGE_CLOSELY,
        Quadrant.KEEP_SATISFIED,
        Quadrant.KEEP_INFORMED,
        Quadrant.MONITOR,
        Quadrant.MANAGE_CLOSELY,  # the midline counts as high
    ]
    assert r.without_plan == ("Finance director", "Union rep")
    assert [d.dimension for d in r.dimensions] == [Dimension.PEOPLE, Dimension.VALUE_STREAMS]
    assert r.unassessed == (Dimension.INFORMATION, Dimension.PARTNERS)
    assert r.risk_count == 3


def test_stakeholder_scores_outside_1_to_5_are_refused() -> None:
    with pytest.raises(ToolkitInputError) as e:
        stakeholders.analyse(
            StakeholderMap(
                (Stakeholder("A", 0, 3), Stakeholder("a", 3, 6), Stakeholder("", 2, 2)),
                (
                    DimensionAssessment(Dimension.PEOPLE, Impact.LOW),
                    DimensionAssessment(Dimension.PEOPLE, Impact.LOW),
                ),
            )
        )
    assert [p.loc for p in e.value.problems] == [
        ("stakeholders", 0, "influence"),
        ("stakeholders", 1, "name"),
        ("stakeholders", 1, "interest"),
        ("stakeholders", 2, "name"),
        ("dimensions", 1, "dimension"),
    ]


@given(st.integers(1, 5), st.integers(1, 5), st.integers(1, 5))
def test_more_influence_never_means_less_attention(influence: int, interest: int, extra: int) -> None:
    attention = {
        Quadrant.MONITOR: 0,
        Quadrant.KEEP_INFORMED: 1,
        Quadrant.KEEP_SATISFIED: 1,
        Quadrant.MANAGE_CLOSELY: 2,
    }
    before = attention[stakeholders.quadrant(influence, interest)]
    after = attention[stakeholders.quadrant(min(influence + extra, 5), interest)]
    assert after >= before
